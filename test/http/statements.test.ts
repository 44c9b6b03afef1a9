/** HTTP tests of the Statement resource against the real app on a real SQLite file. */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildStatement } from '../fixtures/build-statement.js'
import { createTestApp, type TestApp } from './test-app.js'

const VERB_VOIDED = 'http://adlnet.gov/expapi/verbs/voided'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp({ ALMANAC_MAX_BODY_BYTES: '65536' })
})
afterAll(async () => {
  await t.close()
})

async function post(body: unknown, version = '2.0.0'): Promise<Response> {
  return t.request('/xapi/statements', { method: 'POST', json: body, version })
}

async function getJson(
  path: string,
  version = '2.0.0',
): Promise<{ status: number; body: any; res: Response }> {
  const res = await t.request(path, { version })
  const text = await res.text()
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text), res }
}

describe('About and headers (Communication §2.8, §3.3)', () => {
  it('serves /about without authentication and lists both versions', async () => {
    const res = await t.request('/xapi/about', { auth: null, version: null })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { version: string[] }
    expect(body.version).toEqual(expect.arrayContaining(['1.0.3', '2.0.0']))
    expect(res.headers.get('X-Experience-API-Version')).toBe('2.0.0')
  })

  it('rejects a request without a version header with 400 and still echoes a version (XAPI-00314)', async () => {
    const res = await t.request('/xapi/statements', { version: null })
    expect(res.status).toBe(400)
    // No version used by this client yet: the latest is echoed.
    expect(res.headers.get('X-Experience-API-Version')).toBe('2.0.0')
    expect(((await res.json()) as { message: string }).message).toContain(
      'X-Experience-API-Version',
    )
  })

  it('labels a version-less request with the version that client last used (XAPI-00331)', async () => {
    expect((await t.request('/xapi/statements?limit=1', { version: '1.0.3' })).status).toBe(200)
    const res = await t.request('/xapi/statements', { version: null })
    expect(res.status).toBe(400)
    expect(res.headers.get('X-Experience-API-Version')).toBe('1.0.3')
    expect((await t.request('/xapi/statements?limit=1', { version: '2.0.0' })).status).toBe(200)
    const again = await t.request('/xapi/statements', { version: null })
    expect(again.headers.get('X-Experience-API-Version')).toBe('2.0.0')
  })

  it('echoes the 1.0.3 rule set for any 1.0.x request', async () => {
    const res = await t.request('/xapi/statements?limit=1', { version: '1.0.1' })
    expect(res.status).toBe(200)
    expect(res.headers.get('X-Experience-API-Version')).toBe('1.0.3')
  })

  it('rejects an unsupported version with 400', async () => {
    const res = await t.request('/xapi/statements', { version: '0.95' })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { message: string }).message).toContain('0.95')
  })
})

describe('Authentication (Communication §4, XAPI-00334/00335)', () => {
  it.each([
    ['missing', null],
    ['wrong secret', { key: 'test-key', secret: 'wrong-secret' }],
    ['unknown key', { key: 'nobody', secret: 'whatever1' }],
  ])('answers 401 with WWW-Authenticate for %s credentials', async (_label, auth) => {
    const res = await t.request('/xapi/statements', { auth })
    expect(res.status).toBe(401)
    expect(res.headers.get('WWW-Authenticate')).toMatch(/^Basic/)
  })

  it('answers 401 for a malformed Authorization header', async () => {
    const res = await t.request('/xapi/statements', {
      auth: null,
      headers: { Authorization: 'Basic %%%' },
    })
    expect(res.status).toBe(401)
  })
})

describe('Storing and reading statements (Communication §2.1)', () => {
  it('POST stores one statement and returns its id; GET returns it with LRS-set fields (Data §2.4.7-2.4.10)', async () => {
    const res = await post(buildStatement())
    expect(res.status).toBe(200)
    const [id] = (await res.json()) as string[]
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    const { status, body, res: got } = await getJson(`/xapi/statements?statementId=${id}`)
    expect(status).toBe(200)
    expect(body.id).toBe(id)
    expect(body.stored).toMatch(/Z$/)
    expect(body.timestamp).toBe(body.stored)
    expect(body.version).toBe('2.0.0')
    expect(body.authority.account.name).toBe('test-key')
    expect(got.headers.get('Last-Modified')).toBe(new Date(body.stored).toUTCString())
    const consistentThrough = got.headers.get('X-Experience-API-Consistent-Through') ?? ''
    expect(consistentThrough).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    // Read before the statement was, after it was stored: it covers the statement.
    expect(Date.parse(consistentThrough)).toBeGreaterThanOrEqual(Date.parse(body.stored as string))
  })

  it('PUT stores under statementId; an equivalent re-PUT is a no-op and a different one is 409 (Data §2.2)', async () => {
    const id = randomUUID()
    const first = await t.request(`/xapi/statements?statementId=${id}`, {
      method: 'PUT',
      json: buildStatement(),
    })
    expect(first.status).toBe(204)
    const stored = (await getJson(`/xapi/statements?statementId=${id}`)).body
    const again = await t.request(`/xapi/statements?statementId=${id}`, {
      method: 'PUT',
      json: buildStatement(),
    })
    expect(again.status).toBe(204)
    const different = await t.request(`/xapi/statements?statementId=${id}`, {
      method: 'PUT',
      json: buildStatement({ verb: { id: 'http://adlnet.gov/expapi/verbs/attempted' } }),
    })
    expect(different.status).toBe(409)
    expect(await different.json()).toEqual({
      error: 'STATEMENT_CONFLICT',
      message: expect.stringContaining(id),
      requestId: expect.any(String),
    })
    // Neither the no-op nor the refused PUT changed what is stored.
    expect((await getJson(`/xapi/statements?statementId=${id}`)).body).toEqual(stored)
    expect(stored.verb).toEqual(buildStatement().verb)
  })

  it('a batch with one invalid statement is rejected with 400 and stores nothing (Communication §3.2, XAPI-00326)', async () => {
    const good = { ...buildStatement(), id: randomUUID() }
    const bad = { ...buildStatement(), id: randomUUID(), verb: { id: 'not an iri' } }
    const res = await post([good, bad])
    expect(res.status).toBe(400)
    const message = ((await res.json()) as { message: string }).message
    expect(message).toContain('[1].verb.id')
    const { status } = await getJson(`/xapi/statements?statementId=${good.id}`)
    expect(status).toBe(404)
  })

  it('rejects unknown or wrongly-cased parameters with 400 (XAPI-00324, XAPI-00325)', async () => {
    const refusals = [
      ['statementid', await t.request('/xapi/statements?statementid=' + randomUUID())],
      ['colour', await t.request('/xapi/statements?colour=blue')],
      [
        'foo',
        await t.request('/xapi/statements?foo=1', { method: 'POST', json: buildStatement() }),
      ],
    ] as const
    for (const [name, res] of refusals) {
      expect(res.status).toBe(400)
      expect(((await res.json()) as { message: string }).message).toContain(name)
    }
  })

  it('answers malformed JSON and wrong content types with 400, oversized bodies with 413', async () => {
    const broken = await t.request('/xapi/statements', {
      method: 'POST',
      body: '{"actor":',
      contentType: 'application/json',
    })
    expect(broken.status).toBe(400)
    const text = await t.request('/xapi/statements', {
      method: 'POST',
      body: 'hello',
      contentType: 'text/plain',
    })
    expect(text.status).toBe(400)
    const huge = await t.request('/xapi/statements', {
      method: 'POST',
      body: JSON.stringify(buildStatement({ result: { response: 'x'.repeat(100_000) } })),
      contentType: 'application/json',
    })
    expect(huge.status).toBe(413)
  })

  it('HEAD answers like GET without a body (Communication §1.1, XAPI-00125)', async () => {
    const res = await t.request('/xapi/statements?limit=1', { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(res.headers.get('X-Experience-API-Version')).toBe('2.0.0')
    expect(await res.text()).toBe('')
  })
})

describe('Voiding (Data §2.3.2)', () => {
  it('hides a voided statement from statementId and queries, keeps it under voidedStatementId', async () => {
    const verb = `https://example.com/verbs/${randomUUID()}`
    const [target] = (await (await post(buildStatement({ verb: { id: verb } }))).json()) as string[]
    const voiding = await post(
      buildStatement({
        verb: { id: VERB_VOIDED },
        object: { objectType: 'StatementRef', id: target! },
      }),
    )
    expect(voiding.status).toBe(200)
    const [voidingId] = (await voiding.json()) as string[]
    expect((await getJson(`/xapi/statements?statementId=${target}`)).status).toBe(404)
    expect((await getJson(`/xapi/statements?voidedStatementId=${target}`)).body.id).toBe(target)
    // The voiding statement itself still matches the voided statement's verb (StatementRef rule).
    const listed = await getJson(`/xapi/statements?verb=${encodeURIComponent(verb)}`)
    expect(listed.body.statements.map((s: { id: string }) => s.id)).toEqual([voidingId])
  })

  it('rejects a voiding statement that targets a voiding statement (XAPI-00016)', async () => {
    const [target] = (await (await post(buildStatement())).json()) as string[]
    const [voidingId] = (await (
      await post(
        buildStatement({
          verb: { id: VERB_VOIDED },
          object: { objectType: 'StatementRef', id: target! },
        }),
      )
    ).json()) as string[]
    const res = await post(
      buildStatement({
        verb: { id: VERB_VOIDED },
        object: { objectType: 'StatementRef', id: voidingId! },
      }),
    )
    expect(res.status).toBe(400)
    expect(((await res.json()) as { message: string }).message).toContain(voidingId)
    expect((await getJson(`/xapi/statements?statementId=${voidingId}`)).status).toBe(200)
  })
})

describe('Queries and paging (Communication §2.1.3)', () => {
  it('pages with `more` through a stable snapshot while new statements arrive', async () => {
    const activity = `https://example.com/activities/${randomUUID()}`
    const ids: string[] = []
    for (let i = 0; i < 5; i++) {
      const [id] = (await (
        await post(buildStatement({ object: { id: activity } }))
      ).json()) as string[]
      ids.push(id!)
    }
    const seen: string[] = []
    let next = `/xapi/statements?activity=${encodeURIComponent(activity)}&limit=2&ascending=true`
    let pages = 0
    // Bounded: a paging regression fails here instead of hanging.
    while (next !== '' && pages < 10) {
      const page = await getJson(next)
      expect(page.status).toBe(200)
      seen.push(...page.body.statements.map((s: { id: string }) => s.id))
      if (pages === 0) await post(buildStatement({ object: { id: activity } })) // arrives after page 1
      next = page.body.more
      pages++
    }
    expect(seen).toEqual(ids)
    expect(pages).toBe(3)
  })

  it('filters by agent, and by related agents only when asked', async () => {
    const mbox = `mailto:${randomUUID()}@example.com`
    const [instructed] = (await (
      await post(buildStatement({ context: { instructor: { mbox } } }))
    ).json()) as string[]
    const [acted] = (await (
      await post(buildStatement({ actor: { objectType: 'Agent', mbox } }))
    ).json()) as string[]
    const ids = (page: { body: { statements: { id: string }[] } }) =>
      page.body.statements.map((s) => s.id)
    const direct = await getJson(
      `/xapi/statements?agent=${encodeURIComponent(JSON.stringify({ mbox }))}`,
    )
    expect(ids(direct)).toEqual([acted])
    const related = await getJson(
      `/xapi/statements?agent=${encodeURIComponent(JSON.stringify({ mbox }))}&related_agents=true`,
    )
    expect(ids(related)).toEqual([acted, instructed])
  })

  it('since/until bound `stored`, and Consistent-Through never runs ahead of visible data', async () => {
    const activity = `https://example.com/activities/${randomUUID()}`
    const filter = `activity=${encodeURIComponent(activity)}&ascending=true`
    const ids = (page: { body: { statements: { id: string }[] } }) =>
      page.body.statements.map((s) => s.id)
    const stored: string[] = []
    // Many rounds in quick succession: a watermark even 1 ms ahead is soon met by a `stored`.
    for (let round = 0; round < 25; round++) {
      const before = await t.request(`/xapi/statements?${filter}&limit=1`)
      const watermark = before.headers.get('X-Experience-API-Consistent-Through') ?? ''
      const [id] = (await (await post(buildStatement({ object: { id: activity } }))).json()) as [
        string,
      ]
      const got = await getJson(`/xapi/statements?statementId=${id}`)
      // Stored after the watermark was handed out, so strictly later than it.
      expect(Date.parse(got.body.stored as string)).toBeGreaterThan(Date.parse(watermark))
      const bound = encodeURIComponent(watermark)
      // until is inclusive: everything up to the watermark, nothing stored after it.
      expect(ids(await getJson(`/xapi/statements?${filter}&until=${bound}`))).toEqual(stored)
      // since is exclusive: exactly what came after it.
      expect(ids(await getJson(`/xapi/statements?${filter}&since=${bound}`))).toEqual([id])
      stored.push(id)
    }
  })
})

describe('Alternate request syntax (Communication §1.3)', () => {
  it('accepts a form-encoded PUT under 1.0.3 (XAPI-00336)', async () => {
    const id = randomUUID()
    const form = new URLSearchParams({
      statementId: id,
      content: JSON.stringify(buildStatement()),
      'X-Experience-API-Version': '1.0.3',
    })
    const res = await t.request('/xapi/statements?method=PUT', {
      method: 'POST',
      version: null,
      body: form.toString(),
      contentType: 'application/x-www-form-urlencoded',
    })
    expect(res.status).toBe(204)
    const got = await getJson(`/xapi/statements?statementId=${id}`, '1.0.3')
    expect(got.status).toBe(200)
    // What was sent in the form is what is stored, plus the LRS-set properties.
    const sent = buildStatement()
    expect(got.body).toMatchObject({ ...sent, id, version: '1.0.0' })
    expect(Object.keys(got.body).sort()).toEqual(
      [...Object.keys(sent), 'id', 'version', 'stored', 'timestamp', 'authority']
        .filter((key, i, all) => all.indexOf(key) === i)
        .sort(),
    )
  })

  it('reads a percent-escaped method parameter name as the alternate syntax too', async () => {
    const id = randomUUID()
    const form = new URLSearchParams({
      statementId: id,
      content: JSON.stringify(buildStatement()),
      'X-Experience-API-Version': '1.0.3',
    })
    const res = await t.request('/xapi/statements?m%65thod=PUT', {
      method: 'POST',
      version: null,
      body: form.toString(),
      contentType: 'application/x-www-form-urlencoded',
    })
    expect(res.status).toBe(204)
    expect((await getJson(`/xapi/statements?statementId=${id}`, '1.0.3')).status).toBe(200)
  })

  it('rejects it under 2.0', async () => {
    const form = new URLSearchParams({
      statementId: randomUUID(),
      content: JSON.stringify(buildStatement()),
    })
    const res = await t.request('/xapi/statements?method=PUT', {
      method: 'POST',
      body: form.toString(),
      contentType: 'application/x-www-form-urlencoded',
    })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { message: string }).message).toMatch(/1\.0\.3|2\.0/)
  })
})

describe('CORS', () => {
  it('answers a preflight without credentials', async () => {
    const res = await t.request('/xapi/statements', {
      method: 'OPTIONS',
      auth: null,
      version: null,
      headers: {
        Origin: 'https://course.example.com',
        'Access-Control-Request-Method': 'PUT',
        'Access-Control-Request-Headers': 'authorization, x-experience-api-version, content-type',
      },
    })
    expect(res.status).toBe(204)
    // Any origin, never credentialed (issue 15; more in test/http/cors.test.ts).
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('*')
    expect(res.headers.get('Access-Control-Allow-Credentials')).toBeNull()
  })
})
