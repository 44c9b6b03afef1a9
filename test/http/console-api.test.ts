/** The console's side of /api/: cookie sessions with CSRF tokens, statement browsing as an admin, the live tail (SSE), and the served SPA's headers. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildAgent, buildStatement, buildVerb } from '../fixtures/build-statement.js'
import { createTestApp, type TestApp } from './test-app.js'

const ADMIN = { username: 'console-admin', password: 'console-password-123' }
const EXPERIENCED = 'http://adlnet.gov/expapi/verbs/experienced'

let app: TestApp

beforeAll(async () => {
  app = await createTestApp({
    ALMANAC_ADMIN_USERNAME: ADMIN.username,
    ALMANAC_ADMIN_PASSWORD: ADMIN.password,
  })
})
afterAll(async () => {
  await app.close()
})

interface Call {
  method?: string
  json?: unknown
  cookie?: string
  csrf?: string
  headers?: Record<string, string>
}

function call(path: string, init: Call = {}): Promise<Response> {
  const headers: Record<string, string> = { ...init.headers }
  if (init.cookie !== undefined) headers['Cookie'] = init.cookie
  if (init.csrf !== undefined) headers['X-CSRF-Token'] = init.csrf
  const request: Parameters<TestApp['request']>[1] = {
    method: init.method ?? 'GET',
    headers,
    auth: null,
    version: null,
  }
  if (init.json !== undefined) request.json = init.json
  return app.request(path, request)
}

/** Signs in as the console does; returns the cookie to send back and the CSRF token. */
async function consoleSignIn(headers: Record<string, string> = {}) {
  const response = await call('/api/session', {
    method: 'POST',
    json: { ...ADMIN, cookie: true },
    headers,
  })
  expect(response.status).toBe(201)
  const setCookie = response.headers.get('Set-Cookie') ?? ''
  const body = (await response.json()) as Record<string, unknown>
  return {
    setCookie,
    body,
    cookie: setCookie.split(';')[0] ?? '',
    csrf: String(body['csrfToken']),
  }
}

async function postStatements(statements: unknown[]): Promise<string[]> {
  const response = await app.request('/xapi/statements', { method: 'POST', json: statements })
  expect(response.status).toBe(200)
  return (await response.json()) as string[]
}

describe('the console session cookie', () => {
  it('is HttpOnly, SameSite=Strict, scoped to /api, and the page gets a CSRF token, not the session token', async () => {
    const { setCookie, body } = await consoleSignIn()
    expect(setCookie).toMatch(/^almanac_session=[^;]+;/)
    expect(setCookie).toMatch(/HttpOnly/i)
    expect(setCookie).toMatch(/SameSite=Strict/i)
    expect(setCookie).toMatch(/Path=\/api/)
    expect(setCookie).not.toMatch(/Secure/i)
    expect(body['token']).toBeUndefined()
    expect(body['username']).toBe(ADMIN.username)
    expect(typeof body['csrfToken']).toBe('string')
    const sessionToken = /^almanac_session=([^;]+)/.exec(setCookie)?.[1] ?? ''
    expect(JSON.stringify(body)).not.toContain(sessionToken)
  })

  it('is Secure when the request came over HTTPS through a proxy', async () => {
    const { setCookie } = await consoleSignIn({ 'X-Forwarded-Proto': 'https' })
    expect(setCookie).toMatch(/Secure/i)
  })

  it('needs a JSON sign-in (no cross-site form can sign a browser in)', async () => {
    const response = await app.request('/api/session', {
      method: 'POST',
      body: JSON.stringify({ ...ADMIN, cookie: true }),
      contentType: 'text/plain',
      auth: null,
      version: null,
    })
    expect(response.status).toBe(400)
    expect(response.headers.get('Set-Cookie')).toBeNull()
  })

  it('reads with the cookie alone, and changes state only with the CSRF token', async () => {
    const { cookie, csrf } = await consoleSignIn()
    expect((await call('/api/stores', { cookie })).status).toBe(200)
    const session = (await (await call('/api/session', { cookie })).json()) as Record<
      string,
      unknown
    >
    expect(session['csrfToken']).toBe(csrf)

    const forged = await call('/api/stores', { method: 'POST', cookie, json: { name: 'forged' } })
    expect(forged.status).toBe(403)
    expect(((await forged.json()) as { error: string }).error).toBe('CSRF_TOKEN_INVALID')
    const wrong = await call('/api/stores', {
      method: 'POST',
      cookie,
      csrf: csrf.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
      json: { name: 'forged' },
    })
    expect(wrong.status).toBe(403)
    const names = (
      (await (await call('/api/stores', { cookie })).json()) as {
        stores: { name: string }[]
      }
    ).stores.map((s) => s.name)
    expect(names).not.toContain('forged')

    const made = await call('/api/stores', {
      method: 'POST',
      cookie,
      csrf,
      json: { name: 'made in the console' },
    })
    expect(made.status).toBe(201)
  })

  it('reads the reports of the analytics API with the cookie session', async () => {
    const { cookie } = await consoleSignIn()
    const overview = await call('/api/stores/1/reports/overview', { cookie })
    expect(overview.status).toBe(200)
    expect(((await overview.json()) as { report: string }).report).toBe('overview')
    const stale = await call('/api/stores/1/reports/overview', {
      cookie: 'almanac_session=not-a-session',
    })
    expect(stale.status).toBe(401)
  })

  it('leaves bearer-token clients as they were (no CSRF token needed)', async () => {
    const login = await call('/api/session', { method: 'POST', json: ADMIN })
    const { token } = (await login.json()) as { token: string }
    expect(login.headers.get('Set-Cookie')).toBeNull()
    const made = await call('/api/stores', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
      json: { name: 'made by a script' },
    })
    expect(made.status).toBe(201)
  })

  it('signs out: the cookie is cleared and no longer accepted; an ended session is a 401', async () => {
    const { cookie, csrf } = await consoleSignIn()
    expect((await call('/api/session', { method: 'DELETE', cookie })).status).toBe(403)
    const out = await call('/api/session', { method: 'DELETE', cookie, csrf })
    expect(out.status).toBe(204)
    expect(out.headers.get('Set-Cookie')).toMatch(/almanac_session=;.*Max-Age=0/i)
    const after = await call('/api/stores', { cookie })
    expect(after.status).toBe(401)
    expect(((await after.json()) as { message: string }).message).toMatch(/sign in again/)
  })
})

describe('GET /api/stores/:id/statements (an admin browsing a store)', () => {
  it('applies the xAPI filters and pages with more links under /api', async () => {
    const { cookie, csrf } = await consoleSignIn()
    const grace = buildAgent({ name: 'Grace', mbox: 'mailto:grace@example.com' })
    await postStatements([
      buildStatement(),
      buildStatement({ actor: grace }),
      buildStatement({ actor: grace, verb: buildVerb({ id: EXPERIENCED }) }),
    ])
    const all = await call('/api/stores/1/statements?limit=2', { cookie })
    expect(all.status).toBe(200)
    const page = (await all.json()) as { statements: unknown[]; more: string }
    expect(page.statements).toHaveLength(2)
    expect(page.more).toMatch(/^\/api\/stores\/1\/statements\?more=/)
    const next = (await (await call(page.more, { cookie })).json()) as { statements: unknown[] }
    expect(next.statements.length).toBeGreaterThanOrEqual(1)

    const agent = encodeURIComponent(JSON.stringify({ mbox: 'mailto:grace@example.com' }))
    const filtered = (await (
      await call(
        `/api/stores/1/statements?agent=${agent}&verb=${encodeURIComponent(EXPERIENCED)}`,
        {
          cookie,
        },
      )
    ).json()) as { statements: { actor: { name: string }; verb: { id: string } }[] }
    expect(filtered.statements).toHaveLength(1)
    expect(filtered.statements[0]?.actor.name).toBe('Grace')

    // Another store holds none of these: the store in the path is the one read.
    const created = (await (
      await call('/api/stores', {
        method: 'POST',
        cookie,
        csrf,
        json: { name: 'empty store' },
      })
    ).json()) as { id: number }
    const empty = (await (
      await call(`/api/stores/${created.id}/statements`, { cookie })
    ).json()) as {
      statements: unknown[]
    }
    expect(empty.statements).toEqual([])
  })

  it('answers one statement by statementId, and clear 4xx for bad input', async () => {
    const { cookie } = await consoleSignIn()
    const [id] = await postStatements([buildStatement()])
    const one = await call(`/api/stores/1/statements?statementId=${id}`, { cookie })
    expect(one.status).toBe(200)
    expect(((await one.json()) as { id: string }).id).toBe(id)
    expect((await call('/api/stores/1/statements?verb=not%20an%20iri', { cookie })).status).toBe(
      400,
    )
    expect((await call('/api/stores/1/statements?attachments=true', { cookie })).status).toBe(400)
    expect((await call('/api/stores/999/statements', { cookie })).status).toBe(404)
    expect((await call('/api/stores/1/statements')).status).toBe(401)
    // xAPI credentials are not admin sessions.
    const basic = await app.request('/api/stores/1/statements', { version: null })
    expect(basic.status).toBe(401)
  })
})

interface SseEvent {
  event: string
  id: string | undefined
  data: string
}

/** Reads SSE events from a response until `count` statement events arrived (or a timeout). */
async function readEvents(response: Response, count: number, timeoutMs = 5000) {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
  const events: SseEvent[] = []
  let buffer = ''
  const deadline = Date.now() + timeoutMs
  while (events.filter((e) => e.event === 'statement').length < count && Date.now() < deadline) {
    const chunk = await Promise.race([
      reader.read(),
      new Promise<undefined>((resolve) =>
        setTimeout(() => resolve(undefined), deadline - Date.now()),
      ),
    ])
    if (chunk === undefined || chunk.done) break
    buffer += chunk.value
    let end: number
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const event: SseEvent = { event: 'message', id: undefined, data: '' }
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event.event = line.slice(7)
        else if (line.startsWith('id: ')) event.id = line.slice(4)
        else if (line.startsWith('data: ')) event.data += line.slice(6)
      }
      if (!block.startsWith(':')) events.push(event)
    }
  }
  await reader.cancel()
  return events
}

describe('GET /api/stores/:id/statements/stream (the live tail)', () => {
  it('sends statements stored after it started, and resumes after Last-Event-ID with none missed or repeated', async () => {
    const { cookie } = await consoleSignIn()
    await postStatements([buildStatement()]) // before the tail: not sent
    const stream = await call('/api/stores/1/statements/stream', { cookie })
    expect(stream.status).toBe(200)
    expect(stream.headers.get('Content-Type')).toMatch(/^text\/event-stream/)
    const first = readEvents(stream, 2)
    await new Promise((resolve) => setTimeout(resolve, 50))
    const ids = await postStatements([buildStatement(), buildStatement()])
    const events = await first
    expect(events[0]?.event).toBe('ready')
    const statements = events.filter((e) => e.event === 'statement')
    expect(statements.map((e) => (JSON.parse(e.data) as { id: string }).id)).toEqual(ids)

    // Disconnected after the first of them; three more arrive meanwhile.
    const later = await postStatements([buildStatement(), buildStatement(), buildStatement()])
    const resumed = await call('/api/stores/1/statements/stream', {
      cookie,
      headers: { 'Last-Event-ID': statements[0]?.id ?? '' },
    })
    const replay = (await readEvents(resumed, 4)).filter((e) => e.event === 'statement')
    expect(replay.map((e) => (JSON.parse(e.data) as { id: string }).id)).toEqual([ids[1], ...later])
    const positions = replay.map((e) => Number(e.id))
    expect([...positions].sort((a, b) => a - b)).toEqual(positions)
  })

  it('refuses a bad position and a request without a session', async () => {
    const { cookie } = await consoleSignIn()
    const bad = await call('/api/stores/1/statements/stream', {
      cookie,
      headers: { 'Last-Event-ID': 'abc' },
    })
    expect(bad.status).toBe(400)
    expect((await call('/api/stores/1/statements/stream')).status).toBe(401)
  })
})

describe('the console page', () => {
  it('is served at / and at client routes with a strict CSP and no caching of index.html', async () => {
    for (const path of ['/', '/statements', '/stores/1/admin']) {
      const response = await call(path)
      expect([200, 503]).toContain(response.status)
      expect(response.headers.get('Content-Type')).toMatch(/^text\/html/)
      const csp = response.headers.get('Content-Security-Policy') ?? ''
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).toContain("script-src 'self'")
      expect(csp).not.toContain('unsafe-inline')
      expect(response.headers.get('Cache-Control')).toBe('no-cache')
    }
    expect((await call('/assets/..%2f..%2fpackage.json')).status).toBe(404)
    expect((await call('/assets/nothing-here.js')).status).toBe(404)
    // /xapi and /api are not swallowed by the SPA fallback.
    expect((await call('/api/nothing')).status).toBe(404)
    expect(
      (await call('/xapi/nothing', { headers: { 'X-Experience-API-Version': '2.0.0' } })).status,
    ).toBe(401)
  })
})
