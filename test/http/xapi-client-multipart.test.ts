/**
 * Regression (issue 13): `@xapi/xapi` 3.x frames `multipart/mixed` statement requests with each
 * attachment delimiter written straight after the previous attachment's bytes, without the CRLF
 * RFC 2046 §5.1.1 puts before it. The bodies here are built byte for byte the way that client
 * builds them (src/internal/multiPart.ts: the statements part ends in CRLF, every attachment part
 * is `--B CRLF headers CRLF CRLF content`, then `CRLF --B-- CRLF`), and go through the real app.
 */
import { createHash } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildStatement } from '../fixtures/build-statement.js'
import { createTestApp, type TestApp } from './test-app.js'

const CRLF = '\r\n'

function sha256(content: Uint8Array): string {
  return createHash('sha256').update(content).digest('hex')
}

interface ClientAttachment {
  contentType: string
  content: Uint8Array
  /** The hash the client declares; defaults to the content's true SHA-256. */
  sha2?: string
}

/** The statement with one attachment object per file, as the client's caller declares them. */
function statementWith(files: readonly ClientAttachment[]) {
  return buildStatement({
    attachments: files.map((file, i) => ({
      usageType: 'http://example.com/attachment-usage/test',
      display: { 'en-US': `file ${i + 1}` },
      contentType: file.contentType,
      length: file.content.byteLength,
      sha2: file.sha2 ?? sha256(file.content),
    })),
  })
}

/** `createMultiPart(statement, attachments)` of @xapi/xapi 3.x, byte for byte. */
function xapiClientBody(
  statement: unknown,
  files: readonly ClientAttachment[],
  boundary: string,
): Uint8Array {
  const pieces: Uint8Array[] = [
    Buffer.from(
      [
        `--${boundary}`,
        'Content-Type: application/json',
        'Content-Disposition: form-data; name="statement"',
        '',
        JSON.stringify(statement),
      ].join(CRLF) + CRLF,
    ),
  ]
  for (const file of files) {
    pieces.push(
      Buffer.from(
        [
          `--${boundary}`,
          `Content-Type: ${file.contentType}`,
          'Content-Transfer-Encoding: binary',
          `X-Experience-API-Hash: ${file.sha2 ?? sha256(file.content)}`,
        ].join(CRLF) +
          CRLF +
          CRLF,
      ),
      file.content,
    )
  }
  pieces.push(Buffer.from(`${CRLF}--${boundary}--${CRLF}`))
  return Buffer.concat(pieces)
}

/** The client's boundary: 16 decimal digits from Math.random. */
const BOUNDARY = '4719238475610293'

describe('multipart/mixed from @xapi/xapi 3.x (delimiters without the leading CRLF)', () => {
  let app: TestApp
  beforeEach(async () => {
    app = await createTestApp()
  })
  afterEach(async () => {
    await app.close()
  })

  async function post(statement: unknown, files: readonly ClientAttachment[]) {
    return app.request('/xapi/statements', {
      method: 'POST',
      body: xapiClientBody(statement, files, BOUNDARY),
      contentType: `multipart/mixed; boundary=${BOUNDARY}`,
    })
  }

  async function storedAttachments(id: string): Promise<Uint8Array> {
    const res = await app.request(`/xapi/statements?statementId=${id}&attachments=true`)
    expect(res.status).toBe(200)
    return new Uint8Array(await res.arrayBuffer())
  }

  it('stores three attachments, including binary and CRLF-terminated content, intact', async () => {
    const files: ClientAttachment[] = [
      { contentType: 'text/plain', content: Buffer.from('first file, no newline') },
      // Content that itself ends in CRLF, then the bare delimiter: only the hash says so.
      { contentType: 'text/plain', content: Buffer.from('second file\r\n') },
      {
        contentType: 'application/octet-stream',
        content: new Uint8Array([0x00, 0xff, 0x2d, 0x2d, 0x0d, 0x0a, 0x80, 0x2d]),
      },
    ]
    const statement = statementWith(files)
    const res = await post(statement, files)
    expect(res.status, await res.clone().text()).toBe(200)
    const [id] = (await res.json()) as string[]

    const body = Buffer.from(await storedAttachments(id!))
    for (const file of files) {
      // Each stored part is exactly the declared content, framed by the LRS's own CRLFs.
      expect(
        body.indexOf(Buffer.concat([Buffer.from('\r\n\r\n'), file.content, Buffer.from('\r\n--')])),
      ).toBeGreaterThan(-1)
    }
  })

  it('still accepts the single-attachment case the client frames correctly', async () => {
    const files = [{ contentType: 'text/plain', content: Buffer.from('only file') }]
    const res = await post(statementWith(files), files)
    expect(res.status, await res.clone().text()).toBe(200)
  })

  it('stays strict when a declared hash proves no end: 400 with the hash message', async () => {
    const files: ClientAttachment[] = [
      {
        contentType: 'text/plain',
        content: Buffer.from('first'),
        sha2: sha256(Buffer.from('not the content')),
      },
      { contentType: 'text/plain', content: Buffer.from('second') },
    ]
    const res = await post(statementWith(files), files)
    expect(res.status).toBe(400)
    expect(await res.text()).toMatch(/does not hash to its X-Experience-API-Hash/)
  })

  it('does not let a bare delimiter end the statements part, which has no hash', async () => {
    const files = [
      { contentType: 'text/plain', content: Buffer.from('a') },
      { contentType: 'text/plain', content: Buffer.from('b') },
    ]
    const body = Buffer.from(xapiClientBody(statementWith(files), files, BOUNDARY))
    // Drop the CRLF after the statements JSON: now the JSON runs into the next delimiter.
    const jsonEnd = body.indexOf(`}\r\n--${BOUNDARY}`)
    const broken = Buffer.concat([body.subarray(0, jsonEnd + 1), body.subarray(jsonEnd + 3)])
    const res = await app.request('/xapi/statements', {
      method: 'POST',
      body: broken,
      contentType: `multipart/mixed; boundary=${BOUNDARY}`,
    })
    expect(res.status).toBe(400)
  })
})
