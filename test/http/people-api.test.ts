/**
 * @module People and cohorts over HTTP: persons created from actors, an HR import (dry run,
 * apply, idempotent) that merges two IFIs of one person, reports that count that person once,
 * cohort filters and comparisons with suppression, splitting, and clear 4xx for bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Statement } from '../../src/xapi/types.js'
import { createTestApp, type TestApp } from './test-app.js'

const ADMIN = { username: 'people-admin', password: 'a-long-admin-password' }
const COURSE = 'https://example.com/courses/safety'
const LMS = 'https://lms.example.com'
const CMI5 = 'https://w3id.org/xapi/cmi5/context/categories/cmi5'
const verb = (name: string) => ({ id: `http://adlnet.gov/expapi/verbs/${name}` })
let app: TestApp
let token = ''

/** Learner i: an LMS account; Ada (i = 0) also uses the mobile app with her email. */
const account = (i: number) => ({
  objectType: 'Agent' as const,
  account: { homePage: LMS, name: `u${i}` },
})
const ADA_EMAIL = 'ada@example.com'
const ADA_LMS_KEY = `account:${LMS}|u0`
const ADA_MAIL_KEY = `mbox:mailto:${ADA_EMAIL}`

function formal(
  actor: Statement['actor'],
  name: string,
  day: number,
  extra: Partial<Statement> = {},
): Statement {
  return {
    actor,
    verb: verb(name),
    object: { objectType: 'Activity', id: COURSE },
    timestamp: new Date(Date.UTC(2025, 0, 6 + day, 10)).toISOString(),
    context: {
      registration: '6c1b1d9e-4c4d-4b59-9a39-0b7f1e7a0c01',
      contextActivities: { category: [{ id: CMI5 }] },
    },
    ...extra,
  }
}

function statements(): Statement[] {
  const list: Statement[] = []
  for (let i = 0; i < 12; i++) {
    list.push(formal({ ...account(i), name: `Learner ${i}` }, 'launched', i % 5))
    if (i % 3 !== 2) list.push(formal(account(i), 'completed', 1 + (i % 5)))
  }
  // Ada on her phone: the same course launched with her email, and a video (informal).
  list.push(
    formal({ objectType: 'Agent', name: 'Ada', mbox: `mailto:${ADA_EMAIL}` }, 'launched', 2),
  )
  list.push({
    actor: { objectType: 'Agent', mbox: `mailto:${ADA_EMAIL}` },
    verb: verb('terminated'),
    object: {
      objectType: 'Activity',
      id: 'https://example.com/videos/intro',
      definition: { type: 'https://w3id.org/xapi/video/activity-type/video' },
    },
    timestamp: new Date(Date.UTC(2025, 0, 8, 12)).toISOString(),
    result: { duration: 'PT10M' },
    context: { platform: 'Example App' },
  })
  return list
}

const HR_CSV = [
  'identifiers,name,role,team,org_unit,manager,location,start_date,shift',
  ...Array.from({ length: 12 }, (_, i) =>
    [
      i === 0 ? `${ADA_LMS_KEY};${ADA_EMAIL}` : ADA_LMS_KEY.replace('u0', `u${i}`),
      i === 0 ? '"Lovelace, Ada"' : `Learner ${i}`,
      i < 7 ? 'Support engineer' : 'Analyst',
      i < 6 ? 'EMEA' : 'Americas',
      'Customer Support',
      'Grace Hopper',
      i % 2 === 0 ? 'London' : 'Boston',
      `2024-0${1 + (i % 9)}-15`,
      i === 1 ? 'late' : '',
    ].join(','),
  ),
  ',Nobody,,,,,,not-a-date,',
].join('\n')

function api(
  path: string,
  init: { method?: string; json?: unknown; body?: string; contentType?: string } = {},
) {
  return app.request(`/api/stores/1/${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${token}` },
    auth: null,
    version: null,
  })
}
async function json(path: string, init?: Parameters<typeof api>[1]): Promise<any> {
  const response = await api(path, init)
  const body = await response.json()
  expect(response.status, `${path}: ${JSON.stringify(body)}`).toBeLessThan(300)
  return body
}
async function caughtUp(): Promise<void> {
  await app.almanac.projector.catchUp(1)
  await app.almanac.peopleConsumer.catchUp(1)
}

beforeAll(async () => {
  app = await createTestApp({ ALMANAC_ANALYTICS: 'off' })
  await app.almanac.admin.ensureAccount('test', ADMIN.username, ADMIN.password)
  const login = await app.request('/api/session', {
    method: 'POST',
    json: ADMIN,
    auth: null,
    version: null,
  })
  token = ((await login.json()) as { token: string }).token
  const posted = await app.request('/xapi/statements', { method: 'POST', json: statements() })
  expect(posted.status).toBe(200)
  await caughtUp()
}, 60_000)
afterAll(async () => {
  await app.close()
})

describe('people API', () => {
  it('creates a person per actor IFI from statements, named after the actor', async () => {
    const list = await json('people?pageSize=100')
    expect(list.total).toBe(13)
    const ada = list.people.find((p: any) => p.identifiers.includes(ADA_MAIL_KEY))
    expect(ada.attributes).toEqual({ name: 'Ada', email: ADA_EMAIL })
    expect(ada.source).toBe('statement')
    const search = await json('people?search=learner%2011')
    expect(search.people.map((p: any) => p.attributes.name)).toEqual(['Learner 11'])
  })

  it('counts two IFIs as two learners before the merge', async () => {
    const course = await json(`reports/course?activity=${encodeURIComponent(COURSE)}`)
    expect(course.started).toBe(13)
  })

  it('imports an HR export: a dry run changes nothing, the run matches it, a re-run is a no-op', async () => {
    const dry = await json('people/import?dryRun=true', {
      method: 'POST',
      body: HR_CSV,
      contentType: 'text/csv',
    })
    expect(dry.dryRun).toBe(true)
    expect(dry.summary).toEqual({ create: 0, update: 11, merge: 1, unchanged: 0, skip: 1 })
    const merge = dry.changes.find((c: any) => c.action === 'merge')
    expect(merge.linked).toEqual([ADA_MAIL_KEY])
    expect(merge.changes.name).toEqual({ from: 'Learner 0', to: 'Lovelace, Ada' })
    expect(dry.changes.find((c: any) => c.action === 'skip').reason).toMatch(
      /identifier|start date/,
    )
    expect((await json('people')).total).toBe(13)

    const done = await json('people/import', {
      method: 'POST',
      body: HR_CSV,
      contentType: 'text/csv',
    })
    expect(done.summary).toEqual(dry.summary)
    expect((await json('people')).total).toBe(12)
    const again = await json('people/import', {
      method: 'POST',
      body: HR_CSV,
      contentType: 'text/csv',
    })
    expect(again.summary).toEqual({ create: 0, update: 0, merge: 0, unchanged: 11 + 1, skip: 1 })

    const ada = (await json(`people?search=${encodeURIComponent('lovelace')}`)).people[0]
    expect(ada.identifiers).toEqual([ADA_LMS_KEY, ADA_MAIL_KEY].sort())
    expect(ada.attributes).toMatchObject({
      name: 'Lovelace, Ada',
      email: ADA_EMAIL,
      role: 'Support engineer',
      team: 'EMEA',
      orgUnit: 'Customer Support',
      startDate: '2024-01-15',
    })
    const one = (await json(`people?search=u1`)).people.find(
      (p: any) => p.identifiers[0] === `account:${LMS}|u1`,
    )
    expect(one.attributes.custom).toEqual({ shift: 'late' })
  })

  it('counts the merged person once in every report, at once (no rebuild)', async () => {
    const course = await json(`reports/course?activity=${encodeURIComponent(COURSE)}&pageSize=100`)
    expect(course.started).toBe(12)
    expect(course.learners.total).toBe(12)
    const adaRow = course.learners.rows.find((r: any) => r.learner === ADA_LMS_KEY)
    expect(adaRow.name).toBe('Lovelace, Ada')
    const overview = await json('reports/overview')
    expect(overview.totals.activeLearners).toBe(12)
    expect(overview.definitions.learner).toMatch(/person/)
    // The learner report of either IFI shows the person's whole record.
    const viaEmail = await json(`reports/learner?learner=${encodeURIComponent(ADA_MAIL_KEY)}`)
    expect(viaEmail.courses.map((c: any) => c.course)).toEqual([COURSE])
    expect(viaEmail.courses[0].completedAt).not.toBeNull()
    expect(viaEmail.person.identifiers).toHaveLength(2)
    const informal = await json('reports/informal')
    expect(informal.totals.informalHours).toBeCloseTo(10 / 60, 6)
    expect(informal.people[0]).toMatchObject({ learner: ADA_LMS_KEY, informalHours: 0.166667 })
    expect(informal.byKind).toEqual([{ kind: 'video', statements: 1, hours: 0.166667, people: 1 }])
  })

  it('keeps cohorts, filters reports by them and suppresses small groups in comparisons', async () => {
    const emea = await json('cohorts', {
      method: 'POST',
      json: {
        name: 'EMEA support',
        filter: {
          all: [
            { attribute: 'team', op: 'eq', value: 'emea' },
            { attribute: 'role', op: 'eq', value: 'Support engineer' },
          ],
        },
      },
    })
    expect(emea).toMatchObject({ members: 6, rule: 'team = "emea" AND role = "Support engineer"' })
    const analysts = await json('cohorts', {
      method: 'POST',
      json: {
        name: 'Analysts',
        filter: { all: [{ attribute: 'role', op: 'eq', value: 'Analyst' }] },
      },
    })
    expect(analysts.members).toBe(5)
    const tiny = await json('cohorts', {
      method: 'POST',
      json: { name: 'Late shift', filter: { all: [{ attribute: 'custom.shift', op: 'exists' }] } },
    })
    expect(tiny.members).toBe(1)
    expect((await json('cohorts')).cohorts.map((c: any) => c.name)).toEqual([
      'Analysts',
      'EMEA support',
      'Late shift',
    ])

    const course = await json(
      `reports/course?activity=${encodeURIComponent(COURSE)}&cohort=${emea.id}`,
    )
    expect(course.started).toBe(6)
    expect(course.cohortFilter).toMatchObject({ id: emea.id, people: 6 })
    // Learners 0..5; completions where i % 3 != 2: 0, 1, 3, 4.
    expect(course.completed).toBe(4)
    const overview = await json(`reports/overview?cohort=${emea.id}`)
    expect(overview.totals.activeLearners).toBe(6)
    expect(overview.totals.completions).toBe(4)
    expect((await json(`people?cohort=${analysts.id}`)).total).toBe(5)
    // The learner report compared with a cohort: Ada (asked by her app email) is a member; the
    // course's EMEA figures are the course report's with the cohort; < 5 persons suppressed.
    const ada = await json(
      `reports/learner?learner=${encodeURIComponent(ADA_MAIL_KEY)}&cohort=${emea.id}`,
    )
    expect(ada.cohortComparison).toMatchObject({ id: emea.id, member: true, people: 6 })
    expect(ada.cohortComparison.courses).toEqual([
      {
        course: COURSE,
        people: 6,
        suppressed: false,
        started: 6,
        completionRate: Math.round((4 / 6) * 1e6) / 1e6,
        meanBestScore: null,
        medianTimeSeconds: course.timeSpent.median,
      },
    ])
    const tinyComparison = await json(
      `reports/learner?learner=${encodeURIComponent(ADA_LMS_KEY)}&cohort=${tiny.id}`,
    )
    expect(tinyComparison.cohortComparison.courses[0]).toMatchObject({
      suppressed: true,
      completionRate: null,
    })
    const objectives = await json(`reports/objectives?cohort=${analysts.id}`)
    expect(objectives.cohortFilter).toMatchObject({ id: analysts.id, people: 5 })
    // A cohort's CSV says whose figures it holds.
    const objectivesCsv = await (
      await api(`reports/objectives?cohort=${analysts.id}&format=csv`)
    ).text()
    expect(objectivesCsv).toContain(`# cohort: ${analysts.id} Analysts (`)
    expect(objectivesCsv).toContain('; 5 people)')
    const learnerCsv = await (
      await api(
        `reports/learner?learner=${encodeURIComponent(ADA_MAIL_KEY)}&cohort=${emea.id}&format=csv`,
      )
    ).text()
    expect(learnerCsv).toContain(`# compared with cohort: ${emea.id} EMEA support (`)
    expect(await (await api('reports/objectives?format=csv')).text()).not.toContain('# cohort')

    const compare = await json(
      `reports/compare?cohort=${emea.id}&versus=rest&activity=${encodeURIComponent(COURSE)}`,
    )
    expect(compare.groups.map((g: any) => g.people)).toEqual([6, 6])
    const rate = compare.measures.find((m: any) => m.measure === 'completion rate')
    expect(rate.groups.map((g: any) => g.value)).toEqual(
      [4 / 6, 4 / 6].map((v) => Math.round(v * 1e6) / 1e6),
    )
    expect(rate.test.p).toBeCloseTo(1, 6)
    const small = await json(`reports/compare?cohort=${tiny.id}&versus=${analysts.id}`)
    expect(small.groups[0]).toMatchObject({ suppressed: true, people: null })
    for (const m of small.measures) {
      expect(m.groups[0].value).toBeNull()
      expect(m.test).toBeNull()
    }
    const informal = await json('reports/informal')
    expect(informal.byCohort.find((c: any) => c.name === 'Late shift')).toMatchObject({
      suppressed: true,
      people: null,
    })
    const csv = await api(`reports/compare?cohort=${emea.id}&format=csv`)
    expect(csv.headers.get('Content-Type')).toMatch(/text\/csv/)
    expect((await csv.text()).split('\r\n')[0]).toBe(
      'measure,group,n,value,suppressed,test,statistic,p',
    )

    await json(`cohorts/${tiny.id}`, {
      method: 'PUT',
      json: {
        name: 'Late shift',
        filter: { all: [{ attribute: 'location', op: 'eq', value: 'London' }] },
      },
    })
    expect((await json(`cohorts/${tiny.id}`)).members).toBe(6)
    expect((await api(`cohorts/${tiny.id}`, { method: 'DELETE' })).status).toBe(204)
    expect((await api(`cohorts/${tiny.id}`)).status).toBe(404)
  })

  it('edits, splits and re-merges a person; reports follow at once', async () => {
    const ada = (await json(`people?search=lovelace`)).people[0]
    const edited = await json(`people/${ada.id}`, {
      method: 'PATCH',
      json: { role: 'Team lead', location: null },
    })
    expect(edited.attributes.role).toBe('Team lead')
    expect(edited.attributes.location).toBeUndefined()
    const split = await json(`people/${ada.id}/split`, {
      method: 'POST',
      json: { ifi: ADA_MAIL_KEY },
    })
    expect(split.to.identifiers).toEqual([ADA_MAIL_KEY])
    expect((await json(`reports/course?activity=${encodeURIComponent(COURSE)}`)).started).toBe(13)
    await json(`people/${ada.id}/merge`, { method: 'POST', json: { from: [split.to.id] } })
    expect((await json(`reports/course?activity=${encodeURIComponent(COURSE)}`)).started).toBe(12)
  })

  it('answers bad input with a 4xx that says what is wrong', async () => {
    const cases: [string, Parameters<typeof api>[1], number, RegExp][] = [
      [
        'cohorts',
        {
          method: 'POST',
          json: { name: 'x', filter: { all: [{ attribute: 'shoe', op: 'eq', value: '1' }] } },
        },
        400,
        /attribute/,
      ],
      [
        'cohorts',
        {
          method: 'POST',
          json: { name: 'x', filter: { all: [{ attribute: 'role', op: 'in', value: 'a' }] } },
        },
        400,
        /list/,
      ],
      [
        'cohorts',
        { method: 'POST', json: { name: 'Analysts', filter: { all: [] } } },
        400,
        /exists/,
      ],
      ['people/import?dryRun=maybe', { method: 'POST', body: HR_CSV }, 400, /dryRun/],
      [
        'people/import',
        { method: 'POST', body: '{"people": 3}', contentType: 'application/json' },
        400,
        /array/,
      ],
      [
        'people/import',
        { method: 'POST', body: 'a,"b\n1,2', contentType: 'text/csv' },
        400,
        /quoted/,
      ],
      ['people', { method: 'POST', json: { identifiers: ['not-an-ifi'] } }, 400, /IFI/],
      ['people', { method: 'POST', json: { identifiers: [ADA_MAIL_KEY] } }, 400, /merge instead/],
      ['people/999999', {}, 404, /person/],
      ['people/1/merge', { method: 'POST', json: { from: [1] } }, 400, /itself/],
      ['reports/compare?cohort=999', {}, 404, /cohort/],
      ['reports/informal?interval=year', {}, 400, /interval/],
      ['reports/course?activity=x&cohort=abc', {}, 400, /cohort/],
      ['reports/items?assessment=x&cohort=abc', {}, 400, /cohort/],
      ['reports/pages?activity=x&cohort=0', {}, 400, /cohort/],
      ['reports/objectives?cohort=999', {}, 404, /cohort/],
      [`reports/learner?learner=${encodeURIComponent(ADA_LMS_KEY)}&cohort=999`, {}, 404, /cohort/],
    ]
    for (const [path, init, status, message] of cases) {
      const response = await api(path, init)
      const body = (await response.json()) as any
      expect(response.status, `${path}: ${JSON.stringify(body)}`).toBe(status)
      expect(JSON.stringify(body), path).toMatch(message)
    }
    const anonymous = await app.request('/api/stores/1/people', { auth: null, version: null })
    expect(anonymous.status).toBe(401)
    const noStore = await app.request('/api/stores/77/people', {
      headers: { Authorization: `Bearer ${token}` },
      auth: null,
      version: null,
    })
    expect(noStore.status).toBe(404)
  })

  it('ranks ineffective content with the rules it used', async () => {
    const report = await json('reports/ineffective')
    expect(report.rules.lowCompletion.flaggedBelow).toBe(0.5)
    const course = report.activities.find((a: any) => a.activity === COURSE)
    const completion = course.signals.find((s: any) => s.signal === 'lowCompletion')
    // 12 persons engaged (Ada once), 8 completed.
    expect(completion).toMatchObject({
      n: 12,
      value: Math.round((8 / 12) * 1e6) / 1e6,
      flagged: false,
    })
  })

  it('erases a person: every identifier and the person go, nobody else changes', async () => {
    const ada = (await json('people?search=lovelace')).people[0]
    expect([...ada.identifiers].sort()).toEqual([ADA_LMS_KEY, ADA_MAIL_KEY].sort())
    const xapi = async (agent: unknown) => {
      const response = await app.request(
        `/xapi/statements?agent=${encodeURIComponent(JSON.stringify(agent))}&limit=0`,
      )
      expect(response.status).toBe(200)
      return ((await response.json()) as { statements: Statement[] }).statements
    }
    const someoneElse = await xapi(account(1))
    expect(someoneElse.length).toBeGreaterThan(0)
    expect(await xapi({ mbox: `mailto:${ADA_EMAIL}` })).toHaveLength(2)

    const bad: [unknown, number, RegExp][] = [
      [{}, 400, /exactly one of agent .* or person/],
      [{ person: ada.id, agent: account(0) }, 400, /exactly one/],
      [{ person: 'ada' }, 400, /person: must be the positive integer id/],
      [{ person: 0 }, 400, /person/],
      [{ person: 987654 }, 404, /no person with id 987654/],
    ]
    for (const [body, status, message] of bad) {
      const response = await api('erasures', { method: 'POST', json: body })
      expect(response.status, JSON.stringify(body)).toBe(status)
      expect(await response.text()).toMatch(message)
    }

    const erasure = await json('erasures', { method: 'POST', json: { person: ada.id } })
    // Her LMS launch and completion, her phone's launch and the video: four statements.
    expect(erasure).toMatchObject({ statementsDeleted: 4, statementsAnonymised: 0 })
    expect((await api(`people/${ada.id}`)).status).toBe(404)
    expect(await xapi(account(0))).toHaveLength(0)
    expect(await xapi({ mbox: `mailto:${ADA_EMAIL}` })).toHaveLength(0)
    expect(await xapi(account(1))).toEqual(someoneElse)
    const people = JSON.stringify(await json('people?limit=100'))
    expect(people).not.toContain(ADA_EMAIL)
    expect(people).not.toContain('Lovelace')
    expect((await json(`reports/course?activity=${encodeURIComponent(COURSE)}`)).started).toBe(11)
  })
})
