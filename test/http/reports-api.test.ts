/** @module The report API over HTTP: who may read, JSON and CSV, and clear 4xx for bad input. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inBatches, simulateStatements } from '../../src/simulate/simulate-statements.js'
import { basicAuth, createStoreCredential, createTestApp, type TestApp } from './test-app.js'

const ADMIN = { username: 'reports-admin', password: 'a-long-admin-password' }
let app: TestApp
let token = ''
let course = ''

beforeAll(async () => {
  app = await createTestApp()
  await app.almanac.admin.ensureAccount('test', ADMIN.username, ADMIN.password)
  const login = await app.request('/api/session', {
    method: 'POST',
    json: ADMIN,
    auth: null,
    version: null,
  })
  token = ((await login.json()) as { token: string }).token
  for (const batch of inBatches(
    simulateStatements({ statements: 1500, learners: 15, courses: 2 }),
    500,
  ))
    expect((await app.request('/xapi/statements', { method: 'POST', json: batch })).status).toBe(
      200,
    )
  await app.almanac.projector.catchUp(1)
  const overview = await app.almanac.analytics.overview(1, { interval: 'day', top: 100 })
  course = overview.topActivities.find((a) => a.activity.includes('/courses/'))?.activity ?? ''
}, 120_000)
afterAll(async () => {
  await app.close()
})

function get(path: string, authorization?: string, accept?: string) {
  const headers: Record<string, string> = {}
  if (authorization !== undefined) headers['Authorization'] = authorization
  if (accept !== undefined) headers['Accept'] = accept
  return app.request(`/api/stores/1/reports/${path}`, { headers, auth: null, version: null })
}

describe('report API', () => {
  it('an admin session reads every report, each with asOf, lag and its definitions', async () => {
    const learner = (await (
      await get(`course?activity=${encodeURIComponent(course)}`, `Bearer ${token}`)
    ).json()) as any
    expect(learner.learners.rows.length).toBeGreaterThan(0)
    for (const path of [
      'overview?interval=week',
      `course?activity=${encodeURIComponent(course)}&scoreOf=last&sort=score&order=desc&pageSize=5`,
      `learner?learner=${encodeURIComponent(learner.learners.rows[0].learner)}`,
      `pages?activity=${encodeURIComponent(course)}`,
      'objectives?pageSize=3',
    ]) {
      const response = await get(path, `Bearer ${token}`)
      const body = (await response.json()) as any
      expect(response.status, `${path}: ${JSON.stringify(body)}`).toBe(200)
      expect(typeof body.asOf).toBe('string')
      expect(body.lagSeconds).toBe(0)
      expect(body.caughtUp).toBe(true)
      expect(Object.keys(body.definitions).length).toBeGreaterThan(2)
      expect(response.headers.get('Cache-Control')).toBe('no-store')
    }
  })

  it('a credential of the store reads with all or all/read; others are refused', async () => {
    expect((await get('overview', basicAuth('test-key', 'test-secret-123'))).status).toBe(200)
    const reader = await createStoreCredential(app, { scopes: ['all/read'], storeId: 1 })
    expect((await get('overview', basicAuth(reader.key, reader.secret))).status).toBe(200)
    const writer = await createStoreCredential(app, { scopes: ['statements/write'], storeId: 1 })
    const refused = await get('overview', basicAuth(writer.key, writer.secret))
    expect(refused.status).toBe(403)
    expect(
      ((await refused.json()) as any).message ?? JSON.stringify(await refused.text()),
    ).toBeDefined()
    const elsewhere = await createStoreCredential(app, { scopes: ['all'] })
    expect((await get('overview', basicAuth(elsewhere.key, elsewhere.secret))).status).toBe(403)
    expect((await get('overview')).status).toBe(401)
    expect((await get('overview', 'Bearer not-a-session')).status).toBe(401)
  })

  it('answers CSV with ?format=csv or Accept: text/csv', async () => {
    for (const response of [
      await get('overview?format=csv', `Bearer ${token}`),
      await get('overview', `Bearer ${token}`, 'text/csv'),
    ]) {
      expect(response.status).toBe(200)
      expect(response.headers.get('Content-Type')).toMatch(/^text\/csv/)
      const lines = (await response.text()).trim().split('\r\n')
      // The envelope leads as `#` comment lines: freshness, window and definitions.
      const comments = lines.filter((l) => l.startsWith('# '))
      expect(lines.slice(0, comments.length)).toEqual(comments)
      expect(comments[0]).toBe('# report: overview')
      expect(comments).toContain('# since: (open)')
      expect(comments.some((l) => /^# asOf: \d{4}-\d\d-\d\dT/.test(l))).toBe(true)
      expect(comments.some((l) => /^# lagSeconds: [\d.]+$/.test(l))).toBe(true)
      expect(comments.some((l) => l.startsWith('# definition completion: '))).toBe(true)
      expect(lines[comments.length]).toBe(
        'start,statements,activeLearners,completions,passes,fails',
      )
      expect(lines.length - comments.length).toBeGreaterThan(5)
    }
    const learners = (
      await (
        await get(
          `course?activity=${encodeURIComponent(course)}&format=csv&since=2000-01-01T00:00:00Z`,
          `Bearer ${token}`,
        )
      ).text()
    ).split('\r\n')
    expect(learners).toContain('# since: 2000-01-01T00:00:00.000Z')
    expect(learners.some((l) => l.startsWith('# definition started: '))).toBe(true)
    expect(learners.find((l) => !l.startsWith('# '))).toMatch(/^learner,firstAt,lastAt/)
  })

  it('bad input is a 400 naming the parameter; unknown subjects are 404', async () => {
    const cases: [string, number, RegExp][] = [
      ['overview?since=yesterday', 400, /since/],
      ['overview?since=2025-03-01T00:00:00Z&until=2025-02-01T00:00:00Z', 400, /until/],
      ['overview?interval=month', 400, /interval/],
      ['overview?colour=blue', 400, /colour/],
      ['course', 400, /activity/],
      ['course?activity=x&pageSize=0', 400, /pageSize/],
      ['course?activity=https%3A%2F%2Fexample.com%2Fnothing', 404, /nothing/],
      ['items?assessment=https%3A%2F%2Fexample.com%2Fnone', 404, /none/],
      ['learner?learner=mbox%3Amailto%3Anobody%40example.com', 404, /nobody/],
    ]
    for (const [path, status, message] of cases) {
      const response = await get(path, `Bearer ${token}`)
      const text = await response.text()
      expect(response.status, `${path}: ${text}`).toBe(status)
      expect(text).toMatch(message)
    }
    expect(
      (
        await app.request('/api/stores/abc/reports/overview', {
          headers: { Authorization: `Bearer ${token}` },
          auth: null,
          version: null,
        })
      ).status,
    ).toBe(404)
  })
})
