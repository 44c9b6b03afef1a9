/**
 * Attachments end to end (issues 15 and 16): multipart/mixed requests with binary content,
 * attachments=true responses, and that a statement returns only the contents it was stored
 * together with, for every scope that can read it.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto'
import { CompactSign } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { multipartRequest, readMultipartResponse, sha256 } from '../fixtures/multipart.js'
import { createStoreCredential, createTestApp, type TestApp } from './test-app.js'

type Auth = { key: string; secret: string }

let app: TestApp
let storeId: number
beforeAll(async () => {
  app = await createTestApp()
  storeId = (await app.almanac.admin.createStore('test', { name: 'attachments' })).id
})
afterAll(async () => {
  await app.close()
})

const credential = (scopes: string[]): Promise<Auth> =>
  createStoreCredential(app, { storeId, scopes })

/** Binary content with CRLF, `--`, a fake delimiter line, NUL and bytes that are not UTF-8. */
const SECRET_FILE = new Uint8Array(
  Buffer.concat([
    Buffer.from('private\r\n--\r\n--not-a-boundary--\r\n'),
    Buffer.from([0, 255, 254, 13, 10, 45, 45]),
    Buffer.from('\r\n--'),
  ]),
)

function attachmentOf(content: Uint8Array, extra: Record<string, unknown> = {}) {
  return {
    usageType: 'http://example.com/usage/report',
    display: { 'en-US': 'report' },
    contentType: 'application/octet-stream',
    length: content.byteLength,
    sha2: sha256(content),
    ...extra,
  }
}

function statementWith(attachments: unknown[], registration: string) {
  return {
    id: randomUUID(),
    actor: { mbox: `mailto:${randomUUID()}@example.com` },
    verb: { id: 'http://adlnet.gov/expapi/verbs/attempted' },
    object: { id: 'http://example.com/activities/attachments' },
    context: { registration },
    attachments,
  }
}

async function postMultipart(auth: Auth, statements: unknown, content: Uint8Array[]) {
  const { contentType, body } = multipartRequest(
    statements,
    content.map((c) => ({ contentType: 'application/octet-stream', content: c })),
  )
  return app.request('/xapi/statements', { method: 'POST', auth, body, contentType })
}

/** The statement part and the attachment contents of an attachments=true answer. */
async function readWithAttachments(auth: Auth, query: string) {
  const response = await app.request(`/xapi/statements?${query}&attachments=true`, { auth })
  expect(response.status).toBe(200)
  const [json, ...parts] = await readMultipartResponse(response)
  expect(json?.headers['content-type']).toBe('application/json')
  return {
    body: JSON.parse(json!.content.toString('utf8')) as Record<string, unknown>,
    contents: new Map(parts.map((p) => [p.headers['x-experience-api-hash'], p.content])),
  }
}

describe('attachment content is returned only with statements stored together with it (issue 15)', () => {
  let owner: Auth
  let ownerStatement: ReturnType<typeof statementWith>
  let borrower: Auth
  let borrowed: ReturnType<typeof statementWith>
  const registration = randomUUID()

  beforeAll(async () => {
    owner = await credential(['statements/write', 'statements/read/mine'])
    borrower = await credential(['statements/write', 'statements/read/mine'])
    ownerStatement = statementWith([attachmentOf(SECRET_FILE)], randomUUID())
    expect((await postMultipart(owner, ownerStatement, [SECRET_FILE])).status).toBe(200)
    // The attack: declare the owner's hash with a fileUrl and send no content.
    borrowed = statementWith(
      [attachmentOf(SECRET_FILE, { fileUrl: 'https://attacker.example/x' })],
      registration,
    )
    const stored = await app.request('/xapi/statements', {
      method: 'POST',
      auth: borrower,
      json: borrowed,
    })
    expect(stored.status).toBe(200)
  })

  it('the statement that carried the content gets it back, byte for byte (CRLF and -- inside)', async () => {
    for (const reader of [
      owner,
      await credential(['all']),
      await credential(['statements/read']),
    ]) {
      const { body, contents } = await readWithAttachments(
        reader,
        `statementId=${ownerStatement.id}`,
      )
      expect(body['id']).toBe(ownerStatement.id)
      expect([...contents.keys()]).toEqual([sha256(SECRET_FILE)])
      expect(new Uint8Array(contents.get(sha256(SECRET_FILE))!)).toEqual(SECRET_FILE)
    }
  })

  const readers: [string, () => Promise<Auth>][] = [
    ['statements/read/mine (the borrower itself)', () => Promise.resolve(borrower)],
    ['statements/read', () => credential(['statements/read'])],
    ['all/read', () => credential(['all/read'])],
    ['all', () => credential(['all'])],
  ]
  for (const [label, reader] of readers) {
    it(`a statement that only declared the hash gets no content, metadata as stored: ${label}`, async () => {
      const auth = await reader()
      const single = await readWithAttachments(auth, `statementId=${borrowed.id}`)
      expect(single.body['attachments']).toEqual(borrowed.attachments)
      expect(single.contents.size).toBe(0)
      const page = await readWithAttachments(auth, `registration=${registration}`)
      const statements = page.body['statements'] as { id: string; attachments: unknown }[]
      expect(statements.map((s) => s.id)).toEqual([borrowed.id])
      expect(statements[0]?.attachments).toEqual(borrowed.attachments)
      expect(page.contents.size).toBe(0)
    })
  }

  it('a second statement that brought the same content owns it too (still stored once)', async () => {
    const second = await credential(['statements/write', 'statements/read/mine'])
    const again = statementWith([attachmentOf(SECRET_FILE)], randomUUID())
    expect((await postMultipart(second, [again], [SECRET_FILE])).status).toBe(200)
    const { contents } = await readWithAttachments(second, `statementId=${again.id}`)
    expect(new Uint8Array(contents.get(sha256(SECRET_FILE))!)).toEqual(SECRET_FILE)
    const rows = app.almanac.storage.scope(storeId).statements
    expect((await rows.findStatementAttachments([again.id, ownerStatement.id])).size).toBe(1)
  })

  it('a SubStatement attachment sent with its content is returned; a borrowed one is not', async () => {
    const writer = await credential(['all'])
    const content = new Uint8Array(Buffer.from(`sub ${randomUUID()}\r\n--`))
    const sub = (attachments: unknown[]) => ({
      ...statementWith([], randomUUID()),
      attachments: undefined,
      object: {
        objectType: 'SubStatement',
        actor: { mbox: 'mailto:sub@example.com' },
        verb: { id: 'http://adlnet.gov/expapi/verbs/attempted' },
        object: { id: 'http://example.com/activities/sub' },
        attachments,
      },
    })
    const carried = sub([attachmentOf(content)])
    expect((await postMultipart(writer, carried, [content])).status).toBe(200)
    const borrowedSub = sub([attachmentOf(content, { fileUrl: 'https://x.example/f' })])
    expect(
      (await app.request('/xapi/statements', { method: 'POST', auth: writer, json: borrowedSub }))
        .status,
    ).toBe(200)
    const got = await readWithAttachments(writer, `statementId=${carried.id}`)
    expect(new Uint8Array(got.contents.get(sha256(content))!)).toEqual(content)
    expect((await readWithAttachments(writer, `statementId=${borrowedSub.id}`)).contents.size).toBe(
      0,
    )
  })

  it('another store never reads the content, even declaring the hash itself', async () => {
    const other = await createStoreCredential(app, { scopes: ['all'] })
    const mine = statementWith(
      [attachmentOf(SECRET_FILE, { fileUrl: 'https://x.example/f' })],
      randomUUID(),
    )
    expect(
      (await app.request('/xapi/statements', { method: 'POST', auth: other, json: mine })).status,
    ).toBe(200)
    expect((await readWithAttachments(other, `statementId=${mine.id}`)).contents.size).toBe(0)
    const foreign = await app.request(
      `/xapi/statements?statementId=${ownerStatement.id}&attachments=true`,
      { auth: other },
    )
    expect(foreign.status).toBe(404)
    expect(Buffer.from(await foreign.arrayBuffer()).includes(Buffer.from(SECRET_FILE))).toBe(false)
  })
})

describe('signed statements over HTTP (Data §2.6, Communication §1.5.2)', () => {
  const SIGNATURE = 'http://adlnet.gov/expapi/attachments/signature'
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })

  async function signedRequest(signedContent: Record<string, unknown>, sent = signedContent) {
    const jws = new TextEncoder().encode(
      await new CompactSign(new TextEncoder().encode(JSON.stringify(signedContent)))
        .setProtectedHeader({ alg: 'RS256' })
        .sign(privateKey),
    )
    const signature = {
      usageType: SIGNATURE,
      display: { 'en-US': 'Signature' },
      contentType: 'application/octet-stream',
      length: jws.byteLength,
      sha2: sha256(jws),
    }
    return { jws, statement: { ...sent, attachments: [signature] } }
  }

  it('stores a statement with a valid JWS signature and returns the JWS with attachments=true', async () => {
    const auth = await credential(['statements/write', 'statements/read/mine'])
    const base = statementWith([], randomUUID())
    const { attachments: _none, ...unsigned } = base
    const { jws, statement } = await signedRequest(unsigned)
    const { contentType, body } = multipartRequest(statement, [
      { contentType: 'application/octet-stream', content: jws },
    ])
    const response = await app.request('/xapi/statements', {
      method: 'POST',
      auth,
      body,
      contentType,
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual([base.id])
    const { body: stored, contents } = await readWithAttachments(auth, `statementId=${base.id}`)
    expect(stored['attachments']).toEqual(statement.attachments)
    expect(new Uint8Array(contents.get(sha256(jws))!)).toEqual(jws)
  })

  it('refuses a statement whose JWS signs different content, storing nothing', async () => {
    const auth = await credential(['all'])
    const base = statementWith([], randomUUID())
    const { attachments: _none, ...unsigned } = base
    const { jws, statement } = await signedRequest(
      { ...unsigned, verb: { id: 'http://adlnet.gov/expapi/verbs/failed' } },
      unsigned,
    )
    const { contentType, body } = multipartRequest(statement, [
      { contentType: 'application/octet-stream', content: jws },
    ])
    const response = await app.request('/xapi/statements', {
      method: 'POST',
      auth,
      body,
      contentType,
    })
    expect(response.status).toBe(400)
    expect(((await response.json()) as { message: string }).message).toContain('signature')
    expect((await app.request(`/xapi/statements?statementId=${base.id}`, { auth })).status).toBe(
      404,
    )
  })
})

describe('multipart/mixed framing over HTTP (Communication §1.5.2)', () => {
  it('refuses a part whose hash does not match its content, storing nothing', async () => {
    const auth = await credential(['all'])
    const statement = statementWith([attachmentOf(SECRET_FILE)], randomUUID())
    const { contentType, body } = multipartRequest(statement, [
      {
        contentType: 'application/octet-stream',
        content: SECRET_FILE.slice(1),
        sha2: sha256(SECRET_FILE),
      },
    ])
    const response = await app.request('/xapi/statements', {
      method: 'POST',
      auth,
      body,
      contentType,
    })
    expect(response.status).toBe(400)
    expect(((await response.json()) as { message: string }).message).toMatch(/hash|sha2|SHA/i)
    expect(
      (await app.request(`/xapi/statements?statementId=${statement.id}`, { auth })).status,
    ).toBe(404)
  })

  it('stores a batch with two binary attachments via PUT and POST and returns each part intact', async () => {
    const auth = await credential(['all'])
    const other = new Uint8Array(Buffer.from('\r\n\r\n--\r\n----\r\n\u0000tail--'))
    const put = statementWith([attachmentOf(other)], randomUUID())
    const request = multipartRequest(put, [
      { contentType: 'application/octet-stream', content: other },
    ])
    const response = await app.request(`/xapi/statements?statementId=${put.id}`, {
      method: 'PUT',
      auth,
      body: request.body,
      contentType: request.contentType,
    })
    expect(response.status).toBe(204)
    const registration = randomUUID()
    const batch = [
      statementWith([attachmentOf(SECRET_FILE)], registration),
      statementWith([attachmentOf(other)], registration),
    ]
    expect((await postMultipart(auth, batch, [SECRET_FILE, other])).status).toBe(200)
    const page = await readWithAttachments(auth, `registration=${registration}&ascending=true`)
    expect((page.body['statements'] as { id: string }[]).map((s) => s.id)).toEqual(
      batch.map((s) => s.id),
    )
    expect(new Uint8Array(page.contents.get(sha256(SECRET_FILE))!)).toEqual(SECRET_FILE)
    expect(new Uint8Array(page.contents.get(sha256(other))!)).toEqual(other)
    const single = await readWithAttachments(auth, `statementId=${put.id}`)
    expect([...single.contents.keys()]).toEqual([sha256(other)])
  })
})
