/** @module The insights API over HTTP: who may read and change, JSON and CSV, clear 4xx. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inBatches, simulateStatements } from '../../src/simulate/simulate-statements.js'
import { basicAuth, createStoreCredential, createTestApp, type TestApp } from './test-app.js'

const ADMIN = { username: 'insights-admin', password: 'a-long-admin-password' }
let app: TestApp
let token = ''

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
    simulateStatements({
      seed: 'insights-http',
      statements: 12_000,
      learners: 60,
      courses: 2,
      days: 120,
    }),
    1000,
  ))
    expect((await app.request('/xapi/statements', { method: 'POST', json: batch })).status).toBe(
      200,
    )
  await app.almanac.projector.catchUp(1)
  await app.almanac.linksProjector.catchUp(1)
}, 180_000)
afterAll(async () => {
  await app.close()
})

const bearer = () => `Bearer ${token}`
function call(
  path: string,
  init: { method?: string; json?: unknown; authorization?: string; accept?: string } = {},
) {
  const headers: Record<string, string> = {}
  if (init.authorization !== undefined) headers['Authorization'] = init.authorization
  if (init.accept !== undefined) headers['Accept'] = init.accept
  return app.request(`/api/stores/1/insights/${path}`, {
    method: init.method ?? 'GET',
    ...(init.json === undefined ? {} : { json: init.json }),
    headers,
    auth: null,
    version: null,
  })
}

describe('insights API', () => {
  it('discovers competencies from the alignments in statements, with the content aligned', async () => {
    const response = await call('competencies', { authorization: bearer() })
    const body = (await response.json()) as any
    expect(response.status).toBe(200)
    const competency = body.competencies.find((c: any) => c.id.includes('/competencies/'))
    expect(competency.source).toBe('discovered')
    expect(competency.items.length).toBeGreaterThan(0)
    // The module whose quiz carries the evidence: question → quiz → module (parent links).
    expect(competency.content.length).toBeGreaterThan(0)
    expect(
      competency.content.every((a: string) => a.includes('/modules/') || a.includes('/au')),
    ).toBe(true)
  })

  it('defines and deletes a competency; a credential cannot change definitions', async () => {
    const body = {
      competencies: [
        {
          id: 'https://example.com/competencies/defined-one',
          name: 'Defined one',
          activities: ['https://example.com/some/activity'],
        },
      ],
    }
    const cred = await createStoreCredential(app, { scopes: ['all'], storeId: 1 })
    expect(
      (
        await call('competencies', {
          method: 'PUT',
          json: body,
          authorization: basicAuth(cred.key, cred.secret),
        })
      ).status,
    ).toBe(401)
    const put = await call('competencies', { method: 'PUT', json: body, authorization: bearer() })
    expect(await put.json()).toEqual({ created: 1, updated: 0 })
    const again = await call('competencies', { method: 'PUT', json: body, authorization: bearer() })
    expect(await again.json()).toEqual({ created: 0, updated: 1 })
    const list = (await (await call('competencies', { authorization: bearer() })).json()) as any
    const defined = list.competencies.find((c: any) => c.id === body.competencies[0]?.id)
    expect(defined).toMatchObject({
      name: 'Defined one',
      source: 'defined',
      aligned: ['https://example.com/some/activity'],
    })
    const id = encodeURIComponent(body.competencies[0]?.id ?? '')
    expect(
      (await call(`competencies?id=${id}`, { method: 'DELETE', authorization: bearer() })).status,
    ).toBe(204)
    expect(
      (await call(`competencies?id=${id}`, { method: 'DELETE', authorization: bearer() })).status,
    ).toBe(404)
  })

  it('skill gaps follow the targets set: a higher target widens every gap', async () => {
    const before = (await (
      await call('skill-gaps?pageSize=500', { authorization: bearer() })
    ).json()) as any
    expect(before.learners).toBeGreaterThan(10)
    const competency = before.competencies[0].competency as string
    const cellsOf = (report: any) => report.cells.filter((c: any) => c.competency === competency)
    for (const cell of cellsOf(before)) {
      expect(cell.target).toBe(0.8)
      expect(cell.gap).toBeCloseTo(Math.max(0, 0.8 - (cell.mastery ?? 0)), 4)
    }
    const put = await call('targets', {
      method: 'PUT',
      json: { targets: [{ competency, scope: 'all', level: 0.95 }] },
      authorization: bearer(),
    })
    expect(put.status).toBe(200)
    const after = (await (
      await call('skill-gaps?pageSize=500', { authorization: bearer() })
    ).json()) as any
    for (const cell of cellsOf(after)) {
      expect(cell.target).toBe(0.95)
      expect(cell.targetScope).toBe('all')
      expect(cell.gap).toBeCloseTo(Math.max(0, 0.95 - (cell.mastery ?? 0)), 4)
    }
    const learner = after.rows[0].learner as string
    const one = (await (
      await call(`skill-gaps?learner=${encodeURIComponent(learner)}`, { authorization: bearer() })
    ).json()) as any
    expect(one.gapScore).toBeCloseTo(
      one.cells.reduce((t: number, c: any) => t + Number(c.gap), 0),
      3,
    )
    const csv = await call('skill-gaps?format=csv', { authorization: bearer() })
    expect(csv.headers.get('Content-Type')).toContain('text/csv')
    expect((await csv.text()).split('\r\n')[0]).toContain('learner,competency,target')
  })

  it('trains the at-risk models on demand and explains every flag with reasons that sum to its score', async () => {
    const train = await call('at-risk/train', { method: 'POST', authorization: bearer() })
    const trained = (await train.json()) as any
    expect(train.status).toBe(200)
    expect(trained.models.length).toBe(2)
    const models = (await (await call('at-risk/models', { authorization: bearer() })).json()) as any
    expect(models.models.map((m: any) => m.course).sort()).toEqual(
      trained.models.map((m: any) => m.course).sort(),
    )
    for (const m of models.models)
      if (m.kind === 'rules') expect(m.fallbackReason).toMatch(/history|usual duration/)
    const report = (await (await call('at-risk', { authorization: bearer() })).json()) as any
    expect(report.courses.length).toBe(2)
    expect(report.flags.length).toBeGreaterThan(0)
    for (const flag of report.flags) {
      const sum =
        Number(flag.base) +
        (flag.reasons as { contribution: number }[]).reduce((t, r) => t + r.contribution, 0)
      expect(sum).toBeCloseTo(flag.score, 3)
      expect(['red', 'yellow', 'green']).toContain(flag.level)
    }
    const csv = await (
      await call('at-risk', { authorization: bearer(), accept: 'text/csv' })
    ).text()
    expect(csv.split('\r\n')[0]).toContain('learner')
  })

  it('recommends next modules with a reason each, to an LMS holding a read credential', async () => {
    const cred = await createStoreCredential(app, { scopes: ['all/read'], storeId: 1 })
    const gaps = (await (await call('skill-gaps', { authorization: bearer() })).json()) as any
    const learner = gaps.rows[0].learner as string
    const response = await call(`recommendations?learner=${encodeURIComponent(learner)}&limit=3`, {
      authorization: basicAuth(cred.key, cred.secret),
    })
    const body = (await response.json()) as any
    expect(response.status).toBe(200)
    expect(body.recommendations.length).toBeGreaterThan(0)
    expect(body.recommendations.length).toBeLessThanOrEqual(3)
    for (const r of body.recommendations) expect(r.reason.length).toBeGreaterThan(0)
    // Single questions at the learner's level, with their predicted success in the reason.
    expect(body.questions.length).toBeGreaterThan(0)
    expect(body.questions.length).toBeLessThanOrEqual(3)
    for (const q of body.questions) {
      expect(q.reason).toContain(`predicted success ${q.predictedSuccess.toFixed(2)}`)
      expect(q.atLevel).toBe(q.predictedSuccess >= 0.7 && q.predictedSuccess <= 0.8)
      expect(typeof q.assessment).toBe('string')
    }
    expect(body.definitions.questions).toMatch(/0\.70–0\.80/)
    const questionsCsv = await (
      await call(
        `recommendations?learner=${encodeURIComponent(learner)}&limit=3&format=csv&table=questions`,
        { authorization: bearer() },
      )
    ).text()
    const [header, ...csvRows] = questionsCsv.trim().split('\r\n')
    expect(header).toContain('rank,question,assessment,module,predictedSuccess')
    expect(csvRows.length).toBe(body.questions.length)
    // A learner never seen gets the cold-start answer (where successful learners began).
    const fresh = (await (
      await call('recommendations?learner=mbox%3Amailto%3Anew%40example.com', {
        authorization: bearer(),
      })
    ).json()) as any
    expect(fresh.known).toBe(false)
    expect(fresh.recommendations.length).toBeGreaterThan(0)
  })

  it('answers bad input with a clear 4xx', async () => {
    const cases: [string, { method?: string; json?: unknown }, number, RegExp][] = [
      ['recommendations', {}, 400, /learner/],
      ['recommendations?learner=x&limit=0', {}, 400, /limit/],
      ['recommendations?learner=x&table=people', {}, 400, /table/],
      ['at-risk?asOf=yesterday', {}, 400, /asOf/],
      ['at-risk?course=https%3A%2F%2Fnope.example', {}, 404, /no course/],
      ['skill-gaps?cohort=99', {}, 404, /cohort/],
      ['skill-gaps?bogus=1', {}, 400, /bogus/],
      [
        'targets',
        {
          method: 'PUT',
          json: { targets: [{ competency: 'not an iri', scope: 'all', level: 0.5 }] },
        },
        400,
        /IRI/,
      ],
      [
        'targets',
        {
          method: 'PUT',
          json: { targets: [{ competency: 'https://x.example/c', scope: 'team', level: 0.5 }] },
        },
        400,
        /scope/,
      ],
      [
        'targets',
        {
          method: 'PUT',
          json: { targets: [{ competency: 'https://x.example/c', scope: 'all', level: 2 }] },
        },
        400,
        /level/,
      ],
    ]
    for (const [path, init, status, message] of cases) {
      const response = await call(path, { ...init, authorization: bearer() })
      expect(response.status, path).toBe(status)
      expect(JSON.stringify(await response.json()), path).toMatch(message)
    }
    expect((await call('at-risk')).status).toBe(401)
  })
})
