/**
 * Regression (issue 13): deep or huge input must get a clear 4xx, or be stored and returned
 * intact, never a 5xx. Statements (and what is parsed with them: a signature's JWS payload, the
 * `agent` parameter) are bounded by MAX_JSON_DEPTH (json-depth.ts); documents have no depth
 * limit: they are stored as bytes and the POST merge never re-serialises a nested value.
 */
import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto'
import { CompactSign } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_JSON_DEPTH } from '../../src/xapi/json-depth.js'
import { SIGNATURE_USAGE_TYPE } from '../../src/xapi/verify-signature.js'
import { buildAgent, buildStatement } from '../fixtures/build-statement.js'
import { createTestApp, type TestApp } from './test-app.js'

const EXTENSION = 'http://example.com/extensions/deep'
const DEEP = 10_000

/** `levels` nested objects (`{"a":{"a":…1}}`) or arrays, as text: a value of that depth. */
function nestedText(levels: number, kind: 'object' | 'array'): string {
  return kind === 'object'
    ? '{"a":'.repeat(levels) + '1' + '}'.repeat(levels)
    : '['.repeat(levels) + '1' + ']'.repeat(levels)
}

/** A statement whose result extension holds `value` (text spliced in: JSON.stringify recurses). */
function statementText(value: string, id = randomUUID()): string {
  const statement = buildStatement({ id, result: { extensions: { [EXTENSION]: 0 } } })
  return JSON.stringify(statement).replace(`"${EXTENSION}":0`, `"${EXTENSION}":${value}`)
}

let app: TestApp
beforeAll(async () => {
  app = await createTestApp()
})
afterAll(async () => {
  await app.close()
})

async function post(path: string, body: string | Uint8Array, contentType = 'application/json') {
  return app.request(path, { method: 'POST', body, contentType })
}

describe('statements nested beyond the limit get 400, through every write path', () => {
  it.each(['object', 'array'] as const)('POST with a %s extension 10,000 deep', async (kind) => {
    const res = await post('/xapi/statements', statementText(nestedText(DEEP, kind)))
    expect(res.status).toBe(400)
    expect(await res.text()).toMatch(new RegExp(`more than ${MAX_JSON_DEPTH} levels deep`))
  })

  it('PUT, and a batch whose second statement is too deep (nothing stored)', async () => {
    const id = randomUUID()
    const put = await app.request(`/xapi/statements?statementId=${id}`, {
      method: 'PUT',
      body: statementText(nestedText(DEEP, 'array'), id),
      contentType: 'application/json',
    })
    expect(put.status).toBe(400)
    const first = randomUUID()
    const batch = `[${statementText('1', first)},${statementText(nestedText(DEEP, 'object'))}]`
    const res = await post('/xapi/statements', batch)
    expect(res.status).toBe(400)
    expect((await app.request(`/xapi/statements?statementId=${first}`)).status).toBe(404)
  })

  it('the statements part of a multipart/mixed request', async () => {
    const boundary = 'deep-boundary'
    const body = `--${boundary}\r\nContent-Type: application/json\r\n\r\n${statementText(nestedText(DEEP, 'object'))}\r\n--${boundary}--\r\n`
    const res = await post('/xapi/statements', body, `multipart/mixed; boundary=${boundary}`)
    expect(res.status).toBe(400)
  })

  it('a signature whose JWS payload is 10,000 deep', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const statement = buildStatement({ id: randomUUID() })
    const payload = JSON.stringify(statement).replace(/}$/, `,"x":${nestedText(DEEP, 'array')}}`)
    const jws = await new CompactSign(new TextEncoder().encode(payload))
      .setProtectedHeader({ alg: 'RS256' })
      .sign(privateKey)
    const signed = {
      ...statement,
      attachments: [
        {
          usageType: SIGNATURE_USAGE_TYPE,
          display: { 'en-US': 'signature' },
          contentType: 'application/octet-stream',
          length: jws.length,
          sha2: createHash('sha256').update(jws).digest('hex'),
        },
      ],
    }
    const boundary = 'sig-boundary'
    const body =
      `--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(signed)}\r\n` +
      `--${boundary}\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n` +
      `X-Experience-API-Hash: ${signed.attachments[0]!.sha2}\r\n\r\n${jws}\r\n--${boundary}--\r\n`
    const res = await post('/xapi/statements', body, `multipart/mixed; boundary=${boundary}`)
    expect(res.status).toBe(400)
    expect(await res.text()).toMatch(/payload nests/)
  })

  it('an agent query parameter 10,000 deep (statements and documents)', async () => {
    const agent = JSON.stringify(buildAgent()).replace(/}$/, `,"x":${nestedText(DEEP, 'object')}}`)
    const query = await app.request(`/xapi/statements?agent=${encodeURIComponent(agent)}`)
    expect(query.status).toBe(400)
    const state = await app.request(
      `/xapi/activities/state?activityId=http://example.com/a&stateId=s&agent=${encodeURIComponent(agent)}`,
    )
    expect(state.status).toBe(400)
  })
})

describe('statements at the limit are stored and returned intact', () => {
  it('a statement nested exactly MAX_JSON_DEPTH levels round-trips byte-equal in value', async () => {
    // The statement, result and extensions objects spend 3 levels.
    const id = randomUUID()
    const value = nestedText(MAX_JSON_DEPTH - 3, 'object')
    const res = await post('/xapi/statements', statementText(value, id))
    expect(res.status, await res.clone().text()).toBe(200)
    const read = await app.request(`/xapi/statements?statementId=${id}`)
    expect(read.status).toBe(200)
    const stored = (await read.json()) as { result: { extensions: Record<string, unknown> } }
    expect(stored.result.extensions[EXTENSION]).toEqual(JSON.parse(value))
    // Re-sending it is an equivalent statement (the recursive comparison runs at full depth).
    expect((await post('/xapi/statements', statementText(value, id))).status).toBe(200)
    // One level more is refused.
    const deeper = await post(
      '/xapi/statements',
      statementText(nestedText(MAX_JSON_DEPTH - 2, 'object')),
    )
    expect(deeper.status).toBe(400)
  })
})

describe('State documents of any depth are stored and returned intact', () => {
  const agent = encodeURIComponent(JSON.stringify(buildAgent()))
  const path = (stateId: string) =>
    `/xapi/activities/state?activityId=http://example.com/deep&agent=${agent}&stateId=${stateId}`

  it('PUT then GET a 10,000-deep document', async () => {
    const body = nestedText(DEEP, 'array')
    const put = await app.request(path('put'), {
      method: 'PUT',
      body,
      contentType: 'application/json',
    })
    expect(put.status).toBe(204)
    const read = await app.request(path('put'))
    expect(read.status).toBe(200)
    expect(await read.text()).toBe(body)
  })

  it('POST-merges 10,000-deep members into a 10,000-deep document, keeping both intact', async () => {
    const first = `{"kept":${nestedText(DEEP, 'object')},"replaced":1}`
    const second = `{"replaced":${nestedText(DEEP, 'array')},"added":"x"}`
    expect((await post(path('merge'), first)).status).toBe(204)
    expect((await post(path('merge'), second)).status).toBe(204)
    const read = await app.request(path('merge'))
    expect(read.status).toBe(200)
    expect(await read.text()).toBe(
      `{"kept":${nestedText(DEEP, 'object')},"replaced":${nestedText(DEEP, 'array')},"added":"x"}`,
    )
    // The same document through the agent profile resource's merge path.
    const profile = `/xapi/agents/profile?agent=${agent}&profileId=deep`
    expect((await post(profile, first)).status).toBe(204)
    expect((await post(profile, second)).status).toBe(204)
    expect(JSON.parse(await (await app.request(profile)).text())).toHaveProperty('added', 'x')
  })
})
