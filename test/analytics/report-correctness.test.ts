/**
 * @module Every report measure against a brute-force reference over the raw statements of a
 * simulated store (reference.ts), on every backend: after ingest, after voiding some
 * statements, and after a rebuild (which must also leave the projection tables identical).
 */
import { describe, expect, it } from 'vitest'
import { TABLES } from '../../src/storage/sql/analytics-schema.js'
import type { Storage } from '../../src/storage/ports.js'
import type { Statement } from '../../src/xapi/types.js'
import { BACKENDS } from '../storage-contract/backends.js'
import { useBackend } from '../storage-contract/contract-helpers.js'
import { analyticsFixture, type AnalyticsFixture, S, simulated } from './analytics-fixture.js'
import {
  courseOf,
  courseRef,
  itemsRef,
  learnerRef,
  objectivesRef,
  objectId,
  overviewRef,
  pagesRef,
  parentOf,
  type Raw,
  statementSet,
} from './reference.js'

const STATEMENTS = simulated(6000)
const WINDOW = { since: '2025-02-01T00:00:00.000Z', until: '2025-03-15T00:00:00.000Z' }

/** Compares every report with its reference over the store's statements now. */
async function checkReports(fx: AnalyticsFixture, label: string): Promise<Raw[]> {
  const set = statementSet(await fx.raw())
  const a = fx.analytics

  // 1. Overview, whole history and a window.
  for (const [since, until] of [
    [undefined, undefined],
    [WINDOW.since, WINDOW.until],
  ] as const) {
    const report = await a.overview(S, { since, until, interval: 'day', top: 10 })
    const ref = overviewRef(
      set,
      since === undefined ? 0 : Date.parse(since),
      until === undefined ? 8.64e15 : Date.parse(until),
    )
    expect(report.caughtUp, label).toBe(true)
    expect(report.totals, `${label} overview totals`).toEqual(ref.totals)
    expect(report.series, `${label} overview series`).toEqual(ref.series)
    expect(report.topVerbs, `${label} top verbs`).toEqual(ref.topVerbs)
    expect(report.topActivities, `${label} top activities`).toEqual(ref.topActivities)
    expect(report.sources.platforms, `${label} platforms`).toEqual(ref.platforms)
  }

  // 2. Course / activity: every course, and the modules of the first one.
  const courses = [
    ...new Set(set.map((r) => courseOf(r.s)).filter((c): c is string => c !== undefined)),
  ].sort()
  expect(courses.length).toBeGreaterThan(0)
  const modules = [
    ...new Set(set.filter((r) => r.s.verb.id.endsWith('/launched')).map((r) => objectId(r.s)!)),
  ].sort()
  for (const activity of [...courses, ...modules.slice(0, 3)]) {
    for (const window of [{}, WINDOW]) {
      const ref = courseRef(
        set,
        activity,
        window === WINDOW ? Date.parse(WINDOW.since) : 0,
        window === WINDOW ? Date.parse(WINDOW.until) : 8.64e15,
      )
      if (ref.cohort === 0) continue
      const report = await a.course(S, activity, {
        ...window,
        scoreOf: 'best',
        page: 1,
        pageSize: 500,
        sort: 'learner',
        order: 'asc',
      })
      const what = `${label} course ${activity} ${JSON.stringify(window)}`
      expect(
        {
          cohort: report.cohort,
          started: report.started,
          completed: report.completed,
          completionRate: report.completionRate,
          judged: report.judged,
          firstAttemptPassRate: report.firstAttemptPassRate,
          eventualPassRate: report.eventualPassRate,
        },
        what,
      ).toEqual({
        cohort: ref.cohort,
        started: ref.started,
        completed: ref.completed,
        completionRate: ref.completionRate,
        judged: ref.judged,
        firstAttemptPassRate: ref.firstAttemptPassRate,
        eventualPassRate: ref.eventualPassRate,
      })
      expect(
        { ...report.scores, histogram: report.scores.histogram.map((b) => b.count), of: undefined },
        what,
      ).toEqual({ ...ref.scores, of: undefined })
      expect(
        {
          learners: report.attempts.learners,
          distribution: report.attempts.distribution,
          openSessions: report.attempts.openSessions,
        },
        what,
      ).toEqual(ref.attempts)
      expect(
        {
          n: report.timeSpent.n,
          mean: report.timeSpent.mean,
          median: report.timeSpent.median,
          sd: report.timeSpent.sd,
        },
        what,
      ).toEqual(ref.timeSpent)
      expect(
        report.pages.map((p) => ({ page: p.page, reached: p.reached, views: p.views })),
        what,
      ).toEqual(ref.pages)
      expect(report.exitPoints, what).toEqual(ref.exitPoints)
      expect(report.learners.total, what).toBe(ref.cohort)
    }
  }

  // 4. Item analysis of every assessment.
  const assessments = [
    ...new Set(
      set
        .filter(
          (r) =>
            r.s.verb.id.endsWith('/answered') &&
            r.s.result?.success !== undefined &&
            parentOf(r.s) !== undefined,
        )
        .map((r) => parentOf(r.s)!),
    ),
  ].sort()
  expect(assessments.length).toBeGreaterThan(0)
  let analysed = 0
  for (const assessment of assessments) {
    const ref = itemsRef(set, assessment)
    const report = await a.items(S, assessment, {})
    const what = `${label} items ${assessment}`
    expect(
      {
        questions: report.questions,
        respondents: report.respondents,
        groupSize: report.groupSize,
        kr20: report.kr20,
      },
      what,
    ).toEqual({
      questions: ref.questions,
      respondents: ref.respondents,
      groupSize: ref.groupSize,
      kr20: ref.kr20,
    })
    if (ref.respondents < 4) continue
    analysed += 1
    expect(
      report.items.map((i) => ({
        question: i.question,
        p: i.p,
        discrimination: i.discrimination,
        pointBiserial: i.pointBiserial,
        answers: i.answers.map((x) => ({ response: x.response, count: x.count })),
      })),
      what,
    ).toEqual(ref.items)
  }
  expect(analysed).toBeGreaterThan(0)

  // 5. Pages of every module.
  for (const module of [
    ...new Set(
      set
        .filter((r) => r.s.verb.id.endsWith('/experienced') && parentOf(r.s) !== undefined)
        .map((r) => parentOf(r.s)!),
    ),
  ]) {
    const report = await a.pages(S, module, {})
    expect(
      report.pages.map((p) => ({
        order: p.order,
        page: p.page,
        views: p.views,
        uniqueViewers: p.uniqueViewers,
        medianSeconds: p.medianSeconds,
        dropoff: p.dropoff,
      })),
      `${label} pages ${module}`,
    ).toEqual(pagesRef(set, module))
  }

  // 6. Objectives: cohort mastery per objective and every cell of the matrix.
  const objectives = await a.objectives(S, { page: 1, pageSize: 500 })
  const ref = objectivesRef(set)
  expect(
    Object.fromEntries(
      objectives.objectives.map((o) => [
        o.objective,
        { learners: o.learners, mastered: o.mastered },
      ]),
    ),
    `${label} objectives`,
  ).toEqual(Object.fromEntries([...ref.perObjective].sort()))
  expect(objectives.matrix.cells.length).toBe(ref.cells.size)
  for (const cell of objectives.matrix.cells)
    expect({ evidence: cell.evidence, correct: cell.correct }).toEqual(
      ref.cells.get(`${cell.learner}\u0000${cell.objective}`),
    )

  // 3. Learner: a few learners' journeys, informal learning and courses.
  const learners = [...new Set(set.map((r) => r.learner))].sort().slice(0, 4)
  for (const learner of learners) {
    const report = await a.learner(S, learner, {})
    const lref = learnerRef(set, learner)
    const what = `${label} learner ${learner}`
    expect(
      report.sessions.map((s) => ({
        sessionId: s.sessionId,
        start: Date.parse(s.start!),
        statements: s.statements,
        durationSeconds: s.durationSeconds,
        ended: s.ended,
      })),
      what,
    ).toEqual(lref.sessions)
    expect(
      report.informal.map((i) => ({
        source: i.source,
        statements: i.statements,
        seconds: i.seconds,
      })),
      what,
    ).toEqual(lref.informal)
    expect(
      report.courses.map((c) => c.course),
      what,
    ).toEqual(lref.courses)
  }
  return set
}

/** Every projection row of the store, sorted: what a rebuild must reproduce exactly. */
async function snapshot(storage: Storage): Promise<Record<string, unknown[]>> {
  return storage.log.read(async (connection) => {
    const db = connection as import('../../src/analytics/reports/report-context.js').AnyDb
    const out: Record<string, unknown[]> = {}
    for (const table of TABLES) {
      const rows = (await db
        .selectFrom(table.name)
        .selectAll()
        .where('store_id', '=', S)
        .execute()) as Record<string, unknown>[]
      out[table.name] = rows
        .map((r) =>
          JSON.stringify(
            Object.fromEntries(
              Object.entries(r)
                .map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 1e9) / 1e9 : v])
                .sort(),
            ),
          ),
        )
        .sort()
    }
    return out
  })
}

function voidingStatements(set: readonly Raw[]): Statement[] {
  // Every 23rd statement of the kinds that move measures, and both of some learner's outcomes.
  const targets = set.filter(
    (r, i) =>
      i % 23 === 0 &&
      /(passed|failed|answered|experienced|terminated|completed|satisfied)$/.test(r.s.verb.id),
  )
  return targets.map((r) => ({
    actor: { objectType: 'Agent', mbox: 'mailto:admin@example.com' },
    verb: { id: 'http://adlnet.gov/expapi/verbs/voided', display: { 'en-US': 'voided' } },
    object: { objectType: 'StatementRef', id: r.s.id },
  }))
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`report correctness on ${backend.name}`, () => {
    const open = useBackend(backend)

    it(
      'every report equals its brute-force reference: after ingest, voiding, rebuild',
      { timeout: 240_000 },
      async () => {
        const { storage } = open()
        const fx = analyticsFixture(storage)
        // Ingested in two halves with a projection pass between: incremental batches.
        await fx.ingest(STATEMENTS.slice(0, 3500))
        await fx.projector.catchUp(S)
        await fx.ingest(STATEMENTS.slice(3500))
        await fx.projector.catchUp(S)
        const set = await checkReports(fx, 'ingested')

        const voiding = voidingStatements(set)
        expect(voiding.length).toBeGreaterThan(50)
        await fx.ingest(voiding)
        // A statement that arrives after the statement voiding it (Data §2.3.2) never counts.
        const late = { ...STATEMENTS[10]!, id: '0b8a7c1e-7f3e-4c2a-9d55-0a1b2c3d4e5f' }
        await fx.ingest([
          {
            actor: { objectType: 'Agent', mbox: 'mailto:admin@example.com' },
            verb: { id: 'http://adlnet.gov/expapi/verbs/voided', display: { 'en-US': 'voided' } },
            object: { objectType: 'StatementRef', id: late.id },
          },
        ])
        await fx.projector.catchUp(S)
        await fx.ingest([late])
        await fx.projector.catchUp(S)
        const after = await checkReports(fx, 'voided')
        expect(after.length).toBe(set.length - voiding.length)

        const incremental = await snapshot(storage)
        const progress: number[] = []
        await fx.analytics.rebuild(S, (p) => progress.push(p.cursor))
        expect(progress.length).toBeGreaterThan(5)
        expect(await snapshot(storage)).toEqual(incremental)
        await checkReports(fx, 'rebuilt')
        await fx.projector.stop()
      },
    )
  })
}
