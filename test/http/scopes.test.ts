/** Scopes beyond the isolation matrix: 403 answers, `define`, and paging under statements/read/mine. */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { multipartRequest, readMultipartResponse, sha256 } from '../fixtures/multipart.js'
import { createStoreCredential, createTestApp, type TestApp } from './test-app.js'

let app: TestApp
let storeId: number

beforeAll(async () => {
  app = await createTestApp()
  storeId = (await app.almanac.admin.createStore('test', { name: 'scopes' })).id
})
afterAll(async () => {
  await app.close()
})

const credential = (scopes: string[]) => createStoreCredential(app, { storeId, scopes })

function statement(activityId: string, name: string, mbox = `mailto:${randomUUID()}@example.com`) {
  return {
    actor: { mbox, name },
    verb: { id: 'http://adlnet.gov/expapi/verbs/completed' },
    object: { id: activityId, definition: { name: { 'en-US': name } } },
  }
}

describe('scope enforcement (Communication §4.2)', () => {
  it('answers 403 naming the scopes that would allow the request', async () => {
    const { key, secret } = await credential(['statements/write'])
    const response = await app.request(
      '/xapi/activities/state?activityId=http://x.example/a&agent=%7B%22mbox%22%3A%22mailto%3Aa%40b.c%22%7D&stateId=s',
      {
        auth: { key, secret },
      },
    )
    expect(response.status).toBe(403)
    expect(response.headers.get('X-Experience-API-Version')).toBe('2.0.0')
    expect(await response.json()).toEqual({
      error: 'INSUFFICIENT_SCOPE',
      message:
        "this credential may not read state documents: that needs the scope 'all' or 'all/read' or 'state' (xAPI Communication §4.2)",
      requestId: response.headers.get('X-Request-Id'),
    })
  })

  it('stores statements without `define` but does not let them (re)define activities or agents', async () => {
    const reader = await credential(['all/read'])
    const plain = await credential(['statements/write'])
    const definer = await credential(['statements/write', 'define'])
    const activityId = `http://example.com/activities/${randomUUID()}`
    const mbox = `mailto:${randomUUID()}@example.com`
    const activity = async () =>
      (await (
        await app.request(`/xapi/activities?activityId=${encodeURIComponent(activityId)}`, {
          auth: reader,
        })
      ).json()) as { definition?: unknown }
    const person = async () =>
      (await (
        await app.request(`/xapi/agents?agent=${encodeURIComponent(JSON.stringify({ mbox }))}`, {
          auth: reader,
        })
      ).json()) as { name?: string[] }

    const stored = await app.request('/xapi/statements', {
      method: 'POST',
      auth: plain,
      json: statement(activityId, 'Undefined name', mbox),
    })
    expect(stored.status).toBe(200)
    expect((await activity()).definition).toBeUndefined()
    expect((await person()).name).toBeUndefined()

    await app.request('/xapi/statements', {
      method: 'POST',
      auth: definer,
      json: statement(activityId, 'Defined name', mbox),
    })
    expect((await activity()).definition).toEqual({ name: { 'en-US': 'Defined name' } })
    expect((await person()).name).toEqual(['Defined name'])
  })

  it('pages through only its own statements with statements/read/mine', async () => {
    const mine = await credential(['statements/write', 'statements/read/mine'])
    const other = await credential(['statements/write'])
    const activityId = `http://example.com/activities/${randomUUID()}`
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      await app.request('/xapi/statements', {
        method: 'POST',
        auth: other,
        json: statement(activityId, 'other'),
      })
      const response = await app.request('/xapi/statements', {
        method: 'POST',
        auth: mine,
        json: statement(activityId, 'mine'),
      })
      ids.push(...((await response.json()) as string[]))
    }
    const seen: string[] = []
    let next = `/xapi/statements?activity=${encodeURIComponent(activityId)}&limit=1&ascending=true`
    // Bounded: three statements at one a page; an endless `more` chain fails here.
    for (let pages = 0; next !== ''; pages++) {
      expect(pages).toBeLessThan(3)
      const page = (await (await app.request(next, { auth: mine })).json()) as {
        statements: { id: string }[]
        more: string
      }
      seen.push(...page.statements.map((s) => s.id))
      next = page.more
    }
    expect(seen).toEqual(ids)
  })

  it("statements/read/mine: declaring another credential's attachment hash does not read its content (issue 15)", async () => {
    const owner = await credential(['statements/write', 'statements/read/mine'])
    const mine = await credential(['statements/write', 'statements/read/mine'])
    const content = new Uint8Array(Buffer.from(`owner's file ${randomUUID()}\r\n--`))
    const attachment = {
      usageType: 'http://example.com/usage',
      display: { en: 'file' },
      contentType: 'text/plain',
      length: content.byteLength,
      sha2: sha256(content),
    }
    const own = { ...statement(`http://example.com/a/${randomUUID()}`, 'owner'), id: randomUUID() }
    const request = multipartRequest({ ...own, attachments: [attachment] }, [
      { contentType: 'text/plain', content },
    ])
    const sent = await app.request('/xapi/statements', {
      method: 'POST',
      auth: owner,
      body: request.body,
      contentType: request.contentType,
    })
    expect(sent.status).toBe(200)
    const borrowed = {
      ...statement(`http://example.com/a/${randomUUID()}`, 'mine'),
      id: randomUUID(),
      attachments: [{ ...attachment, fileUrl: 'https://mine.example/file' }],
    }
    expect(
      (await app.request('/xapi/statements', { method: 'POST', auth: mine, json: borrowed }))
        .status,
    ).toBe(200)
    const read = async (auth: typeof mine, id: string) => {
      const response = await app.request(`/xapi/statements?statementId=${id}&attachments=true`, {
        auth,
      })
      expect(response.status).toBe(200)
      const [json, ...parts] = await readMultipartResponse(response)
      return { statement: JSON.parse(json!.content.toString()) as { attachments: unknown }, parts }
    }
    const got = await read(mine, borrowed.id)
    expect(got.statement.attachments).toEqual(borrowed.attachments)
    expect(got.parts).toEqual([])
    // The owner, reading its own statement, gets the content back.
    const back = await read(owner, own.id)
    expect(back.parts.map((p) => p.content.toString())).toEqual([Buffer.from(content).toString()])
  })
})
