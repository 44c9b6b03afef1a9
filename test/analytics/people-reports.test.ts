/**
 * @module People-aware reports against brute-force references over the raw statements of a
 * simulated store whose app users carry a second IFI, on every backend: a merged person counted
 * once (course report, overview, ineffective completion), cohort filters, informal learning
 * figures, after voiding too; and the same answers on every backend.
 */
import { describe, expect, it } from 'vitest'
import { LEARNER_SORTS } from '../../src/analytics/reports/course-report.js'
import { createPeopleHandler, PEOPLE_CONSUMER } from '../../src/analytics/people/people-consumer.js'
import { createPeopleReports } from '../../src/analytics/people/people-reports.js'
import { createPeople } from '../../src/analytics/people/people.js'
import { parsePeopleFile } from '../../src/analytics/people/people-file.js'
import { createLogConsumer } from '../../src/core/log/log-consumer.js'
import { hrCsv } from '../../src/simulate/hr-export.js'
import { createSimulation } from '../../src/simulate/simulate-statements.js'
import type { LogEntry } from '../../src/storage/ports.js'
import { ifiKey } from '../../src/xapi/ifi.js'
import type { Statement, StoredStatement } from '../../src/xapi/types.js'
import { BACKENDS } from '../storage-contract/backends.js'
import { useBackend } from '../storage-contract/contract-helpers.js'
import { analyticsFixture, S } from './analytics-fixture.js'

const SIMULATION = createSimulation({
  seed: 'people-test',
  statements: 5000,
  learners: 40,
  courses: 2,
  appEmailShare: 0.6,
})
const STATEMENTS = [...SIMULATION.statements()]
const LEARNERS = new Set<number>()
for (const s of STATEMENTS) {
  const n = /^u(\d+)$/.exec(s.actor.account?.name ?? '')?.[1]
  if (n !== undefined) LEARNERS.add(Number(n) - 1)
}
const HR = [...LEARNERS].sort((a, b) => a - b).map((i) => SIMULATION.hrRecord(i))
const HR_ROWS = parsePeopleFile(hrCsv(HR), 'csv')

const ADL = 'http://adlnet.gov/expapi/verbs/'
const CMI5 = 'https://w3id.org/xapi/cmi5/context/categories/cmi5'
const ENGAGED = new Set(['launched', 'initialized', 'attempted', 'experienced'].map((v) => ADL + v))

/** The reference's person of an IFI: the HR record listing it (else the IFI itself). */
const PERSON = new Map<string, string>()
for (const r of HR) for (const ifi of r.identifiers) PERSON.set(ifi, r.identifiers[0]!)
const personOf = (ifi: string) => PERSON.get(ifi) ?? ifi
const TEAM = new Map(HR.map((r) => [r.identifiers[0]!, r.team]))

function counted(entries: readonly LogEntry[]): StoredStatement[] {
  return entries
    .filter((e) => !e.voided && e.statement.verb.id !== `${ADL}voided`)
    .map((e) => e.statement)
}
const isFormal = (s: StoredStatement) =>
  s.context?.registration !== undefined ||
  (s.context?.contextActivities?.category ?? []).some((c) => c.id === CMI5)

function seconds(duration: string | undefined): number {
  const m = /^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$/.exec(
    duration ?? '',
  )
  return m === null ? 0 : Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)
}

/** Brute force: persons engaged on the course (itself or grouped under it) and who completed it. */
function courseReference(
  set: readonly StoredStatement[],
  course: string,
  keep: (p: string) => boolean,
) {
  const engaged = new Set<string>()
  const completed = new Set<string>()
  for (const s of set) {
    const id = s.object.objectType === 'Activity' ? s.object.id : undefined
    const grouping = s.context?.contextActivities?.grouping?.[0]?.id
    const person = personOf(ifiKey(s.actor) ?? '')
    if (!keep(person)) continue
    const onCourse = id === course || (isFormal(s) && (grouping ?? id) === course)
    if (onCourse && ENGAGED.has(s.verb.id)) engaged.add(person)
    if (
      id === course &&
      (s.verb.id === `${ADL}completed` ||
        s.verb.id === 'https://w3id.org/xapi/adl/verbs/satisfied' ||
        s.result?.completion === true)
    )
      completed.add(person)
  }
  return { engaged, completed: [...completed].filter((p) => engaged.has(p)).length }
}

/** Brute force: informal statements, hours and persons (informal-facts.ts's definitions). */
function informalReference(set: readonly StoredStatement[]) {
  let statements = 0
  let centis = 0
  const persons = new Set<string>()
  for (const s of set) {
    if (isFormal(s) || ifiKey(s.actor) === undefined) continue
    statements += 1
    if (![`${ADL}completed`, `${ADL}passed`, `${ADL}failed`].includes(s.verb.id))
      centis += Math.round(seconds(s.result?.duration) * 100)
    persons.add(personOf(ifiKey(s.actor) ?? ''))
  }
  return { statements, hours: Math.round((centis / 360_000) * 1e6) / 1e6, people: persons.size }
}

const results: unknown[] = []

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`people reports on ${backend.name}`, () => {
    const open = useBackend(backend)

    it(
      'count merged persons once, filter by cohort, and match the references',
      { timeout: 240_000 },
      async () => {
        const { storage } = open()
        const fx = analyticsFixture(storage)
        const consumer = createLogConsumer({
          log: storage.log,
          stores: () => Promise.resolve([S]),
          handler: createPeopleHandler(),
          batchSize: 700,
        })
        const people = createPeople(storage.log)
        const reports = createPeopleReports(storage.log, consumer)
        await fx.ingest(STATEMENTS)
        await fx.projector.catchUp(S)
        await consumer.catchUp(S)
        const course = SIMULATION.organisation.courses[0]!.activity.id
        const twoIfis = HR.filter((r) => r.identifiers.length === 2)
        expect(twoIfis.length).toBeGreaterThan(3)

        // Before the import every IFI is a person of its own.
        const set = counted(await fx.raw())
        const ifis = new Set(set.map((s) => ifiKey(s.actor)))
        expect((await people.list(S, { limit: 1, offset: 0 })).total).toBe(ifis.size)

        const imported = await people.import(S, HR_ROWS, { dryRun: false })
        expect(imported.summary.skip).toBe(0)
        expect(imported.summary.merge).toBeGreaterThan(3)
        expect((await people.list(S, { limit: 1, offset: 0 })).total).toBe(HR.length)
        expect((await people.import(S, HR_ROWS, { dryRun: true })).summary.unchanged).toBe(
          HR.length,
        )

        const everyone = () => true
        const ref = courseReference(set, course, everyone)
        const report = await fx.analytics.course(S, course, {
          scoreOf: 'best',
          page: 1,
          pageSize: 500,
          sort: 'learner',
          order: 'asc',
        })
        expect(report.started).toBe(ref.engaged.size)
        expect(report.completed).toBe(ref.completed)
        // The funnel is aggregated in SQL without a cohort, from person-keyed rows in JS with
        // one: a cohort of every person must give the same pages, funnel and exits.
        const all = await people.createCohort(S, {
          name: 'everyone',
          filter: { all: [{ attribute: 'team', op: 'exists' }] },
        })
        expect(all.members).toBe(HR.length)
        const viaCohort = await fx.analytics.course(S, course, {
          scoreOf: 'best',
          page: 1,
          pageSize: 500,
          sort: 'learner',
          order: 'asc',
          cohort: all.id,
        })
        expect(report.pages.length).toBeGreaterThan(1)
        expect(report.exitPoints.length).toBeGreaterThan(0)
        expect(viaCohort.pages).toEqual(report.pages)
        expect(viaCohort.exitPoints).toEqual(report.exitPoints)
        expect(viaCohort.modules).toEqual(report.modules)
        // Without a cohort the report is counted, sorted and paged in SQL with the merged
        // persons added from their own rows; with the cohort of everyone every row is merged in
        // JS. Same report, for every sort and direction, pages cutting across merged persons.
        const strip = (r: typeof report) => {
          const {
            cohortFilter: _c,
            asOf: _a,
            freshness: _f,
            ...rest
          } = r as typeof r & {
            cohortFilter?: unknown
            asOf?: unknown
            freshness?: unknown
          }
          return rest
        }
        expect(strip(report)).toEqual(strip(viaCohort))
        expect(report.learners.total).toBeGreaterThan(14)
        for (const sort of LEARNER_SORTS)
          for (const order of ['asc', 'desc'] as const)
            for (const page of [1, 2, 3]) {
              const q = { scoreOf: 'last' as const, page, pageSize: 7, sort, order }
              const open = await fx.analytics.course(S, course, q)
              const everyone = await fx.analytics.course(S, course, { ...q, cohort: all.id })
              expect(open.learners, `${sort} ${order} page ${page}`).toEqual(everyone.learners)
              expect(open.learners.rows.length).toBe(
                Math.min(7, Math.max(0, open.learners.total - (page - 1) * 7)),
              )
            }
        // Over a window (the middle third of the period) without a cohort, the cohort's funnel
        // and exits are read learner by learner and the merged persons added from their own
        // rows; the same window with the cohort of everyone merges every row in JS.
        const startMs = Date.parse(SIMULATION.options.start)
        const third = (SIMULATION.options.days / 3) * 86_400_000
        const win = {
          since: new Date(startMs + third).toISOString(),
          until: new Date(startMs + 2 * third).toISOString(),
        }
        const sharedIfis = new Set(twoIfis.flatMap((r) => r.identifiers))
        let mergedInWindow = 0
        for (const sort of ['learner', 'score', 'attempts'] as const) {
          const q = {
            scoreOf: 'best' as const,
            page: 1,
            pageSize: 500,
            sort,
            order: 'asc' as const,
          }
          const windowed = await fx.analytics.course(S, course, { ...q, ...win })
          const everyoneWindowed = await fx.analytics.course(S, course, {
            ...q,
            ...win,
            cohort: all.id,
          })
          expect(strip(windowed), sort).toEqual(strip(everyoneWindowed))
          expect(windowed.learners.total).toBeGreaterThan(0)
          expect(windowed.learners.total).toBeLessThan(report.learners.total)
          mergedInWindow = windowed.learners.rows.filter((r) => sharedIfis.has(r.learner)).length
        }
        // The window holds persons with two IFIs, so their merge is exercised.
        expect(mergedInWindow).toBeGreaterThan(0)
        const overview = await fx.analytics.overview(S, { interval: 'week', top: 5 })
        expect(overview.totals.activeLearners).toBe(
          new Set(set.map((s) => personOf(ifiKey(s.actor) ?? ''))).size,
        )

        const emea = await people.createCohort(S, {
          name: 'EMEA',
          filter: { all: [{ attribute: 'team', op: 'eq', value: 'EMEA' }] },
        })
        expect(emea.members).toBe(HR.filter((r) => r.team === 'EMEA').length)
        const inEmea = (p: string) => TEAM.get(p) === 'EMEA'
        const emeaRef = courseReference(set, course, inEmea)
        const filtered = await fx.analytics.course(S, course, {
          scoreOf: 'best',
          page: 1,
          pageSize: 500,
          sort: 'learner',
          order: 'asc',
          cohort: emea.id,
        })
        expect(filtered.started).toBe(emeaRef.engaged.size)
        expect(filtered.completed).toBe(emeaRef.completed)
        const emeaOverview = await fx.analytics.overview(S, {
          interval: 'week',
          top: 5,
          cohort: emea.id,
        })
        expect(emeaOverview.totals.activeLearners).toBe(
          new Set(set.map((s) => personOf(ifiKey(s.actor) ?? '')).filter(inEmea)).size,
        )
        expect(emeaOverview.totals.statements).toBe(
          set.filter((s) => inEmea(personOf(ifiKey(s.actor) ?? ''))).length,
        )

        const informal = await reports.informal(S, { interval: 'week' })
        const informalRef = informalReference(set)
        expect(informal.totals.informalStatements).toBe(informalRef.statements)
        expect(informal.totals.informalHours).toBeCloseTo(informalRef.hours, 4)
        expect(informal.totals.people).toBe(informalRef.people)
        const kinds = informal.byKind.reduce((a, k) => a + k.statements, 0)
        expect(kinds).toBe(informalRef.statements)

        const ineffective = await reports.ineffective(S, { limit: 1000 })
        const completion = ineffective.activities
          .find((a) => a.activity === course)
          ?.signals.find((s) => s.signal === 'lowCompletion')
        expect(completion?.n).toBe(ref.engaged.size)
        expect(completion?.value).toBeCloseTo(ref.completed / ref.engaged.size, 6)

        const compare = await reports.compare(S, {
          cohort: emea.id,
          versus: 'rest',
          activity: course,
        })
        const rate = compare.measures.find((m) => m.measure === 'completion rate')!
        expect(rate.groups[0]!.n).toBe(emeaRef.engaged.size)

        // Voiding an informal statement takes it out of the informal projection.
        const target = set.find((s) => !isFormal(s) && seconds(s.result?.duration) > 0)!
        const voiding: Statement = {
          actor: { objectType: 'Agent', mbox: 'mailto:admin@example.com' },
          verb: { id: `${ADL}voided`, display: { 'en-US': 'voided' } },
          object: { objectType: 'StatementRef', id: target.id },
        }
        await fx.ingest([voiding])
        await consumer.catchUp(S)
        await fx.projector.catchUp(S)
        const after = informalReference(counted(await fx.raw()))
        const informalAfter = await reports.informal(S, { interval: 'week' })
        expect(informalAfter.totals.informalStatements).toBe(after.statements)
        expect(informalAfter.totals.informalStatements).toBe(informalRef.statements - 1)
        expect(informalAfter.totals.informalHours).toBeCloseTo(after.hours, 4)
        expect((await storage.log.position(PEOPLE_CONSUMER, S)).cursor).toBeGreaterThan(0)

        // A rebuild refolds the same informal figures.
        await reports.rebuild(S)
        expect((await reports.informal(S, { interval: 'week' })).totals).toEqual(
          informalAfter.totals,
        )

        results.push({
          course: [report.started, report.completed, filtered.started],
          informal: informalAfter.totals,
          ineffective: ineffective.activities.map((a) => [
            a.activity,
            a.flags,
            a.signals.map((s) => s.value),
          ]),
          compare: compare.measures,
        })
        await consumer.stop()
      },
    )

    it('answer the same on every backend', () => {
      for (const result of results) expect(result).toEqual(results[0])
    })
  })
}
