/** The operations endpoints (/healthz, /readyz, /metrics), request ids and the access log. */
import { randomUUID } from 'node:crypto'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { buildStatement } from '../fixtures/build-statement.js'
import { createTestApp, TEST_SECRET, type TestApp } from './test-app.js'

const ADMIN = { username: 'ops-admin', password: 'ops-admin-password-1' }
const METRICS_TOKEN = 'metrics-token-0123456789'

const apps: TestApp[] = []
async function open(env: Record<string, string> = {}): Promise<TestApp> {
  // The analytics projector's own units of work would race the in-flight gauges measured here.
  const app = await createTestApp({ ALMANAC_ANALYTICS: 'off', ...env })
  apps.push(app)
  return app
}
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()))
})

/** The value of one sample line `name{labels} value` of a Prometheus exposition. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue
    const match = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (match?.[1] !== name) continue
    const present = (match[2] ?? '').split(',')
    if (wanted.every((w) => present.includes(w))) return Number(match[3])
  }
  return NaN
}

async function metricsText(app: TestApp): Promise<string> {
  const response = await app.request('/metrics', { auth: null, version: null })
  expect(response.status).toBe(200)
  expect(response.headers.get('Content-Type')).toMatch(/^text\/plain; version=0\.0\.4/)
  return response.text()
}

describe('/healthz and /readyz', () => {
  it('answer without credentials outside /xapi and /api', async () => {
    const app = await open()
    const alive = await app.request('/healthz', { auth: null, version: null })
    expect(alive.status).toBe(200)
    expect(await alive.json()).toEqual({ status: 'alive' })
    const ready = await app.request('/readyz', { auth: null, version: null })
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { database: { ok: true }, migrations: { ok: true }, shutdown: { ok: true } },
    })
  })

  it('is not ready while a migration is pending', async () => {
    const app = await open()
    // Another process (an older version's rollback, a half-done deploy) left 0002 unapplied.
    const db = new BetterSqlite3(app.databaseFile)
    db.prepare(`delete from almanac_migration where name = '0002-tenancy'`).run()
    db.close()
    const response = await app.request('/readyz', { auth: null, version: null })
    expect(response.status).toBe(503)
    const body = (await response.json()) as any
    expect(body.checks.database).toEqual({ ok: true })
    expect(body.checks.migrations).toEqual({ ok: false, detail: 'pending: 0002-tenancy' })
    // Still alive: a restart would not help, the liveness probe must not fail.
    expect((await app.request('/healthz', { auth: null, version: null })).status).toBe(200)
  })

  it('is not ready once shutdown began, nor after the database closed', async () => {
    const app = await open()
    app.almanac.beginShutdown()
    const draining = await app.request('/readyz', { auth: null, version: null })
    expect(draining.status).toBe(503)
    expect(((await draining.json()) as any).checks.shutdown).toEqual({
      ok: false,
      detail: 'shutting down',
    })
    await app.almanac.close()
    const closed = (await (
      await app.request('/readyz', { auth: null, version: null })
    ).json()) as any
    expect(closed.checks.database).toEqual({ ok: false, detail: 'storage closed' })
  })
})

describe('/metrics', () => {
  it('counts requests by route pattern and status, with latency histograms', async () => {
    const app = await open({
      ALMANAC_ADMIN_USERNAME: ADMIN.username,
      ALMANAC_ADMIN_PASSWORD: ADMIN.password,
    })
    // Three different raw paths of one route pattern: one series, not three.
    for (const id of [randomUUID(), randomUUID(), randomUUID()])
      expect((await app.request(`/xapi/statements?statementId=${id}`)).status).toBe(404)
    for (const id of ['1', '2']) await app.request(`/api/stores/${id}`, { auth: null })
    // A GET of an unknown path is the console's (its client routes fall back to index.html);
    // a POST there matches no route.
    await app.request('/no/such/thing', { method: 'POST', auth: null })
    const text = await metricsText(app)
    const get404 = { method: 'GET', route: '/xapi/statements', status: '404' }
    expect(sample(text, 'almanac_http_requests_total', get404)).toBe(3)
    expect(sample(text, 'almanac_http_request_duration_seconds_count', get404)).toBe(3)
    expect(
      sample(text, 'almanac_http_request_duration_seconds_bucket', { ...get404, le: '+Inf' }),
    ).toBe(3)
    expect(
      sample(text, 'almanac_http_requests_total', { route: '/api/stores/:id', status: '401' }),
    ).toBe(2)
    expect(sample(text, 'almanac_http_requests_total', { route: 'unmatched', status: '404' })).toBe(
      1,
    )
    // No raw path leaks into a label.
    expect(text).not.toMatch(/route="[^"]*statementId/)
    expect(text).not.toContain('route="/api/stores/1"')
  })

  it('counts statements stored, batch sizes, documents and rejections by error code', async () => {
    const app = await open()
    const batch = [buildStatement(), buildStatement(), buildStatement()].map((s) => ({
      ...s,
      id: randomUUID(),
    }))
    expect((await app.request('/xapi/statements', { method: 'POST', json: batch })).status).toBe(
      200,
    )
    const one = { ...buildStatement(), id: randomUUID() }
    expect(
      (await app.request(`/xapi/statements?statementId=${one.id}`, { method: 'PUT', json: one }))
        .status,
    ).toBe(204)
    // The same statement again is not new: not counted.
    expect(
      (await app.request(`/xapi/statements?statementId=${one.id}`, { method: 'PUT', json: one }))
        .status,
    ).toBe(204)
    const agent = encodeURIComponent(JSON.stringify({ mbox: 'mailto:ada@example.com' }))
    const state = `/xapi/activities/state?activityId=${encodeURIComponent('http://example.com/a')}&agent=${agent}&stateId=s`
    expect((await app.request(state, { method: 'PUT', json: { a: 1 } })).status).toBe(204)
    expect((await app.request(state, { method: 'POST', json: { b: 2 } })).status).toBe(204)
    expect((await app.request(state, { method: 'DELETE' })).status).toBe(204)
    expect(
      (await app.request('/xapi/statements', { method: 'POST', json: [{ nope: true }] })).status,
    ).toBe(400)
    expect(
      (await app.request('/xapi/statements', { auth: { key: 'nobody', secret: 'wrong-secret' } }))
        .status,
    ).toBe(401)

    const text = await metricsText(app)
    expect(sample(text, 'almanac_statements_stored_total', { store: '1' })).toBe(4)
    expect(sample(text, 'almanac_statement_batch_size_count')).toBe(2)
    expect(sample(text, 'almanac_statement_batch_size_sum')).toBe(4)
    expect(sample(text, 'almanac_statement_batch_size_bucket', { le: '1' })).toBe(1)
    expect(
      sample(text, 'almanac_documents_written_total', { resource: 'state', operation: 'put' }),
    ).toBe(1)
    expect(
      sample(text, 'almanac_documents_written_total', { resource: 'state', operation: 'post' }),
    ).toBe(1)
    expect(
      sample(text, 'almanac_documents_written_total', { resource: 'state', operation: 'delete' }),
    ).toBe(1)
    expect(text).toMatch(/almanac_http_rejections_total\{code="[A-Z_]+",status="400"\} 1/)
    expect(sample(text, 'almanac_http_rejections_total', { status: '401' })).toBe(1)
  })

  it('reports database use, process metrics and the lag consumers register', async () => {
    const app = await open()
    let behind = 42
    const unregister = app.almanac.metrics.registerConsumerLag('analytics', 1, () => ({
      statements: behind,
      seconds: 3.5,
    }))
    app.almanac.metrics.registerConsumerLag('broken', 1, () => {
      throw new Error('cursor unreadable')
    })
    let text = await metricsText(app)
    expect(
      sample(text, 'almanac_consumer_lag_statements', { consumer: 'analytics', store: '1' }),
    ).toBe(42)
    expect(
      sample(text, 'almanac_consumer_lag_seconds', { consumer: 'analytics', store: '1' }),
    ).toBe(3.5)
    expect(sample(text, 'almanac_consumer_lag_up', { consumer: 'broken', store: '1' })).toBe(0)
    expect(sample(text, 'almanac_consumer_lag_up', { consumer: 'analytics', store: '1' })).toBe(1)
    behind = 7
    text = await metricsText(app)
    expect(
      sample(text, 'almanac_consumer_lag_statements', { consumer: 'analytics', store: '1' }),
    ).toBe(7)
    unregister()
    text = await metricsText(app)
    expect(
      sample(text, 'almanac_consumer_lag_statements', { consumer: 'analytics', store: '1' }),
    ).toBeNaN()

    expect(sample(text, 'almanac_db_file_bytes', { file: 'database' })).toBeGreaterThan(0)
    expect(sample(text, 'almanac_db_transactions_in_flight')).toBe(0)
    expect(sample(text, 'almanac_process_resident_memory_bytes')).toBeGreaterThan(0)
    expect(text).toContain('almanac_nodejs_eventloop_lag_seconds')
  })

  it("reports each store consumer's lag: how far its cursor is behind the store's log", async () => {
    // Polls an hour apart: after the cursor is moved back below, nothing wakes the consumers.
    const app = await open({ ALMANAC_ANALYTICS: 'on', ALMANAC_ANALYTICS_POLL_MS: '3600000' })
    const batch = Array.from({ length: 12 }, () => buildStatement({ id: randomUUID() }))
    expect((await app.request('/xapi/statements', { method: 'POST', json: batch })).status).toBe(
      200,
    )
    const consumers = ['analytics', 'people', 'insights-links']
    const lag = (text: string, consumer: string, name = 'almanac_consumer_lag_statements') =>
      sample(text, name, { consumer, store: '1' })
    let text = await metricsText(app)
    // Each wakes at the POST: at most a few turns of the event loop until all are caught up.
    for (let i = 0; i < 100 && consumers.some((c) => lag(text, c) !== 0); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      text = await metricsText(app)
    }
    for (const consumer of consumers) {
      expect(lag(text, consumer)).toBe(0)
      expect(lag(text, consumer, 'almanac_consumer_lag_seconds')).toBe(0)
      expect(lag(text, consumer, 'almanac_consumer_lag_up')).toBe(1)
    }
    const { watermark } = await app.almanac.storage.log.position('analytics', 1)
    expect(watermark).toBeGreaterThan(0)
    await app.almanac.storage.log.unitOfWork(1, ({ log }) => log.setCursor('analytics', 0))
    text = await metricsText(app)
    expect(lag(text, 'analytics')).toBe(watermark)
    expect(lag(text, 'analytics', 'almanac_consumer_lag_seconds')).toBeGreaterThanOrEqual(0)
    expect(lag(text, 'people')).toBe(0)
  })

  it('requires the bearer token when ALMANAC_METRICS_TOKEN is set', async () => {
    const app = await open({ ALMANAC_METRICS_TOKEN: METRICS_TOKEN })
    const none = await app.request('/metrics', { auth: null, version: null })
    expect(none.status).toBe(401)
    expect(none.headers.get('WWW-Authenticate')).toBe('Bearer realm="Almanac metrics"')
    const wrong = await app.request('/metrics', {
      auth: null,
      headers: { Authorization: `Bearer ${METRICS_TOKEN}x` },
    })
    expect(wrong.status).toBe(401)
    // xAPI credentials are not metrics credentials.
    expect((await app.request('/metrics')).status).toBe(401)
    const right = await app.request('/metrics', {
      auth: null,
      headers: { Authorization: `Bearer ${METRICS_TOKEN}` },
    })
    expect(right.status).toBe(200)
    expect(await right.text()).toContain('almanac_http_requests_total')
  })
})

describe('request ids and the access log', () => {
  it('gives every answer an X-Request-Id, also in error bodies and the log line', async () => {
    const app = await open()
    const ok = await app.request('/xapi/about', { auth: null })
    const okId = ok.headers.get('X-Request-Id')
    expect(okId).toMatch(/^[0-9a-f-]{36}$/)
    const failed = await app.request(`/xapi/statements?statementId=${randomUUID()}`)
    const id = failed.headers.get('X-Request-Id')
    expect(id).not.toBe(okId)
    expect(((await failed.json()) as any).requestId).toBe(id)
    const line = app.logs.map((l) => JSON.parse(l)).find((l) => l.requestId === id)
    expect(line).toMatchObject({
      level: 'info',
      message: 'request',
      method: 'GET',
      route: '/xapi/statements',
      path: '/xapi/statements',
      status: 404,
    })
    expect(typeof line.durationMs).toBe('number')
  })

  it('writes only the levels ALMANAC_LOG_LEVEL lets through, and refuses an unknown level', async () => {
    const quiet = await open({ ALMANAC_LOG_LEVEL: 'warn' })
    await quiet.request('/healthz', { auth: null })
    expect(quiet.logs.filter((l) => l.includes('"message":"request"'))).toEqual([])
    const chatty = await open({ ALMANAC_LOG_LEVEL: 'debug' })
    await chatty.request('/healthz', { auth: null })
    expect(chatty.logs.filter((l) => l.includes('"message":"request"'))).toHaveLength(1)
    await expect(open({ ALMANAC_LOG_LEVEL: 'verbose' })).rejects.toThrow(/ALMANAC_LOG_LEVEL/)
  })

  it('lets browser clients send and read X-Request-Id (CORS)', async () => {
    const app = await open()
    const preflight = await app.request('/xapi/statements', {
      method: 'OPTIONS',
      auth: null,
      headers: {
        Origin: 'https://lms.example.com',
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'x-request-id',
      },
    })
    expect(preflight.headers.get('Access-Control-Allow-Headers')).toMatch(/X-Request-Id/i)
    const response = await app.request('/xapi/about', {
      auth: null,
      headers: { Origin: 'https://lms.example.com' },
    })
    expect(response.headers.get('Access-Control-Expose-Headers')).toMatch(/X-Request-Id/i)
  })

  it('keeps a sane incoming X-Request-Id and replaces anything else', async () => {
    const app = await open()
    const kept = await app.request('/healthz', { headers: { 'X-Request-Id': 'lb-7f3a.2:9' } })
    expect(kept.headers.get('X-Request-Id')).toBe('lb-7f3a.2:9')
    for (const bad of ['a b', 'x'.repeat(129), '<script>', 'id\u00e9']) {
      const replaced = await app.request('/healthz', { headers: { 'X-Request-Id': bad } })
      expect(replaced.headers.get('X-Request-Id')).toMatch(/^[0-9a-f-]{36}$/)
    }
  })

  it('logs a request rebuilt from the alternate syntax once, under one request id', async () => {
    const app = await open()
    const before = app.logs.length
    const response = await app.request(`/xapi/statements?method=GET`, {
      method: 'POST',
      body: `statementId=${randomUUID()}`,
      contentType: 'application/x-www-form-urlencoded',
      headers: { 'X-Request-Id': 'alt-1' },
      version: '1.0.3',
    })
    expect(response.status).toBe(404)
    const lines = app.logs.slice(before).map((l) => JSON.parse(l))
    expect(lines.filter((l) => l.message === 'request')).toHaveLength(1)
    expect(((await response.json()) as any).requestId).toBe('alt-1')
    expect(response.headers.get('X-Request-Id')).toBe('alt-1')
  })

  it('never writes credentials, passwords or tokens to the log', async () => {
    const app = await open({
      ALMANAC_ADMIN_USERNAME: ADMIN.username,
      ALMANAC_ADMIN_PASSWORD: ADMIN.password,
      ALMANAC_METRICS_TOKEN: METRICS_TOKEN,
    })
    const login = await app.request('/api/session', {
      method: 'POST',
      auth: null,
      json: { username: ADMIN.username, password: ADMIN.password },
    })
    expect(login.status).toBe(201)
    const { token } = (await login.json()) as { token: string }
    await app.request('/api/stores', { auth: null, headers: { Authorization: `Bearer ${token}` } })
    const wrong = await app.request('/api/session', {
      method: 'POST',
      auth: null,
      json: { username: ADMIN.username, password: 'not-the-password-1' },
    })
    expect(wrong.status).toBe(401)
    const created = await app.request('/api/stores/1/credentials', {
      method: 'POST',
      auth: null,
      headers: { Authorization: `Bearer ${token}` },
      json: { name: 'client' },
    })
    const { secret } = (await created.json()) as { secret: string }
    await app.request('/xapi/statements', { auth: { key: 'test-key', secret: TEST_SECRET } })
    await app.request('/metrics', {
      auth: null,
      headers: { Authorization: `Bearer ${METRICS_TOKEN}` },
    })

    const log = app.logs.join('\n')
    expect(app.logs.length).toBeGreaterThan(5)
    for (const forbidden of [
      ADMIN.password,
      'not-the-password-1',
      token,
      secret,
      TEST_SECRET,
      METRICS_TOKEN,
      'Basic ',
      'Bearer ',
    ])
      expect(log).not.toContain(forbidden)
  })
})

describe('stopping', () => {
  it('runs the stop hooks while the database is still open, then closes it', async () => {
    const app = await open()
    const seen: string[] = []
    app.almanac.stopHooks.add('consumer', async () => {
      // A consumer commits its last batch on the way out: the storage must still work.
      const stores = await app.almanac.storage.admin.listStores()
      seen.push(`stores:${stores.length}`)
    })
    const outcomes = await app.almanac.close()
    expect(outcomes.get('consumer')).toBe('stopped')
    expect(seen).toEqual(['stores:1'])
    const health = await app.almanac.storage.operations.health()
    expect(health.reachable).toBe(false)
  })
})
