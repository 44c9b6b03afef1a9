/** @module Checks every report against the brute-force reference (reference.ts). */
import { sql } from 'kysely'
import { expect } from 'vitest'
import type { AnyDb } from '../../src/analytics/reports/report-context.js'
import { TABLES } from '../../src/storage/sql/analytics-schema.js'
import { NO_PREVIOUS_DAY } from '../../src/storage/sql/report-windows-migration.js'
import { dayOfSql } from '../../src/storage/sql/window-days-migration.js'
import type { Storage } from '../../src/storage/ports.js'
import { type AnalyticsFixture, S } from './analytics-fixture.js'
import {
  completes,
  courseOf,
  courseRef,
  engages,
  itemsRef,
  learnerRef,
  moduleOrderRef,
  moduleRef,
  objectivesRef,
  objectId,
  overviewRef,
  pagesRef,
  parentOf,
  type Raw,
  sessionModulesRef,
  statementSet,
  weeklyActiveRef,
} from './reference.js'

type ItemsReport = Awaited<ReturnType<AnalyticsFixture['analytics']['items']>>

/**
 * Compares an items report with its reference: the assessment's figures always, each question's
 * when there are enough respondents for the upper and lower groups (4). True when it did.
 */
export function expectItemsAsReference(
  report: ItemsReport,
  ref: ReturnType<typeof itemsRef>,
  what: string,
): boolean {
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
  if (ref.respondents < 4) return false
  expect(
    report.items.map((i) => ({
      question: i.question,
      responses: i.responses,
      p: i.p,
      discrimination: i.discrimination,
      pointBiserial: i.pointBiserial,
      answers: i.answers.map((x) => ({ response: x.response, count: x.count })),
    })),
    what,
  ).toEqual(ref.items)
  return true
}

const WINDOW = { since: '2025-02-01T00:00:00.000Z', until: '2025-03-15T00:00:00.000Z' }
/**
 * Windows with ends inside a day: the course and pages reports answer whole days from their
 * per-day projections (migration 0040) and read the rest row by row; the second lies within
 * one day. Their ends cut days on which the simulated learners start courses (analytics-test,
 * 6,000 statements), so a part left out changes the figures.
 */
const PARTIAL_WINDOWS = [
  { since: '2025-02-03T12:00:00.000Z', until: '2025-03-12T12:00:00.000Z' },
  { since: '2025-02-19T11:00:00.000Z', until: '2025-02-19T15:00:00.000Z' },
]
/**
 * Windows with ends inside a day for the objectives of the store, whose whole days come from
 * their per-day figures (migration 0042) and part days from the cells: the ends cut the days of
 * the simulated answers of 2025-02-24 and 2025-03-24 (analytics-test, 6,000 statements: the
 * report-correctness test checks that they hold cells), and the second lies within one day.
 */
export const OBJECTIVE_WINDOWS = [
  { since: '2025-02-24T12:00:00.000Z', until: '2025-03-24T14:00:00.000Z' },
  { since: '2025-02-24T06:00:00.000Z', until: '2025-02-24T14:00:00.000Z' },
]
/** The whole days of OBJECTIVE_WINDOWS[0]. */
export const OBJECTIVE_WHOLE_DAYS = {
  since: '2025-02-25T00:00:00.000Z',
  until: '2025-03-24T00:00:00.000Z',
}
export const msOf = (window: { since?: string; until?: string }) => ({
  sinceMs: window.since === undefined ? 0 : Date.parse(window.since),
  untilMs: window.until === undefined ? 8.64e15 : Date.parse(window.until),
})

/** Compares every report with its reference over the store's statements now. */
/** The pages report's figures per page, as the references give them (reference.ts `pagesRef`). */
export function pageFigures(report: Awaited<ReturnType<AnalyticsFixture['analytics']['pages']>>) {
  return report.pages.map((p) => ({
    order: p.order,
    page: p.page,
    views: p.views,
    uniqueViewers: p.uniqueViewers,
    medianSeconds: p.medianSeconds,
    dropoff: p.dropoff,
  }))
}

export async function checkReports(
  fx: Pick<AnalyticsFixture, 'analytics' | 'raw'>,
  label: string,
): Promise<Raw[]> {
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
    // Weeks: whole weeks from their kept counts, the window's cut weeks (both ends of WINDOW
    // are Saturdays) over their days inside it.
    const weekly = await a.overview(S, { since, until, interval: 'week', top: 10 })
    const weekRef = weeklyActiveRef(
      set,
      since === undefined ? 0 : Date.parse(since),
      until === undefined ? 8.64e15 : Date.parse(until),
    )
    expect(weekly.totals.activeLearners, `${label} weekly total`).toBe(weekRef.activeLearners)
    expect(
      weekly.series.map((w) => ({ start: w.start, activeLearners: w.activeLearners })),
      `${label} weekly active learners`,
    ).toEqual(weekRef.series)
  }

  // 2. Course / activity: every course, and the modules of the first one.
  const courses = [
    ...new Set(set.map((r) => courseOf(r.s)).filter((c): c is string => c !== undefined)),
  ].sort()
  expect(courses.length).toBeGreaterThan(0)
  const modules = [
    ...new Set(set.filter((r) => r.s.verb.id.endsWith('/launched')).map((r) => objectId(r.s)!)),
  ].sort()
  // Activities some learner completes without an engagement statement on them (videos,
  // meetings, LMS-issued completions): the population the §1 numerator must not escape.
  const completedUnstarted = [
    ...new Set(
      set
        .filter((r) => completes(r.s) && objectId(r.s) !== undefined)
        .filter(
          (r) =>
            !set.some(
              (o) => o.learner === r.learner && objectId(o.s) === objectId(r.s) && engages(o.s),
            ),
        )
        .map((r) => objectId(r.s)!),
    ),
  ]
    .sort()
    .slice(0, 4)
  // Courses whose module order was compared with two modules or more (so it could be wrong).
  let orderedModules = 0
  // Course reports over a window with an end inside a day, compared with a non-empty cohort.
  let partialCohorts = 0
  for (const activity of [...courses, ...modules.slice(0, 3), ...completedUnstarted]) {
    for (const window of [{}, WINDOW, ...PARTIAL_WINDOWS]) {
      const ref = courseRef(set, activity, msOf(window).sinceMs, msOf(window).untilMs)
      if (ref.cohort === 0) continue
      if (PARTIAL_WINDOWS.includes(window as never)) partialCohorts += 1
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
          completedNotStarted: report.completedNotStarted,
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
        completedNotStarted: ref.completedNotStarted,
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
      // Each learner's attempts in the per-learner table, and the table sorted by them (most
      // first, then by learner key), paged.
      expect(
        new Map(report.learners.rows.map((r) => [r.learner, r.attempts])),
        `${what} learners' attempts`,
      ).toEqual(ref.attemptsOf)
      const byAttempts = [...ref.attemptsOf]
        .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
        .slice(5, 10)
      const sorted = await a.course(S, activity, {
        ...window,
        scoreOf: 'best',
        page: 2,
        pageSize: 5,
        sort: 'attempts',
        order: 'desc',
      })
      expect(
        sorted.learners.rows.map((r) => [r.learner, r.attempts]),
        `${what} sorted by attempts`,
      ).toEqual(byAttempts)
      // The modules' measures over the cohort, each against its reference.
      expect(
        report.modules.map((m) => ({
          activity: m.activity,
          started: m.started,
          completed: m.completed,
          completedNotStarted: m.completedNotStarted,
          completionRate: m.completionRate,
          judged: m.judged,
          firstAttemptPassRate: m.firstAttemptPassRate,
          eventualPassRate: m.eventualPassRate,
        })),
        `${what} modules`,
      ).toEqual(report.modules.map((m) => moduleRef(set, m.activity, ref.cohortLearners)))
      // The modules in the order of their first statement by anyone.
      expect(report.modules.map((m) => m.order)).toEqual(report.modules.map((_, i) => i + 1))
      expect(
        report.modules.map((m) => m.activity),
        `${what} module order`,
      ).toEqual(
        moduleOrderRef(
          set,
          report.modules.map((m) => m.activity),
        ),
      )
      if (report.modules.length >= 2) orderedModules += 1
      // Every module over the open window: the AUs launched under the course and its pages'
      // parents (the order above checks only those listed).
      if (Object.keys(window).length === 0)
        expect(report.modules.map((m) => m.activity).sort(), `${what} module list`).toEqual(
          [
            ...new Set([
              ...sessionModulesRef(set, activity),
              ...set
                .filter(
                  (r) =>
                    r.s.verb.id.endsWith('/experienced') &&
                    parentOf(r.s) !== undefined &&
                    courseOf(r.s) === activity,
                )
                .map((r) => parentOf(r.s)!),
            ]),
          ].sort(),
        )
      // A rate is a share of its own population (§1, §2): never above 1, modules included.
      for (const m of [report, ...report.modules])
        for (const r of [m.completionRate, m.firstAttemptPassRate, m.eventualPassRate])
          expect(r ?? 0, `${what} ${JSON.stringify(m).slice(0, 120)}`).toBeLessThanOrEqual(1)
    }
  }
  expect(orderedModules, `${label} courses with modules in order`).toBeGreaterThan(0)
  expect(partialCohorts, `${label} course cohorts over partial days`).toBeGreaterThan(1)

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
  for (const [assessment, window] of assessments.flatMap((x) => [
    [x, {}] as const,
    [x, WINDOW] as const,
  ])) {
    const ref =
      window === WINDOW
        ? itemsRef(set, assessment, Date.parse(WINDOW.since), Date.parse(WINDOW.until))
        : itemsRef(set, assessment)
    const report = await a.items(S, assessment, window)
    const what = `${label} items ${assessment} ${JSON.stringify(window)}`
    // Responses: learners whose first answer to the question falls in the window (complete
    // cases or not), for every question, whatever the number of respondents.
    expect(
      report.items.map((i) => ({ question: i.question, responses: i.responses })),
      what,
    ).toEqual(ref.items.map((i) => ({ question: i.question, responses: i.responses })))
    if (expectItemsAsReference(report, ref, what)) analysed += 1
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
    for (const window of [undefined, WINDOW, ...PARTIAL_WINDOWS]) {
      const report = await a.pages(S, module, window ?? {})
      expect(
        pageFigures(report),
        `${label} pages ${module} ${JSON.stringify(window ?? 'open')}`,
      ).toEqual(pagesRef(set, module, window && msOf(window)))
    }
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
  expect(
    Object.fromEntries(objectives.objectives.map((o) => [o.objective, o.meanMastery])),
    `${label} objectives mean mastery`,
  ).toEqual(Object.fromEntries([...ref.meanMastery].sort()))
  expect(objectives.matrix.learners, `${label} objectives matrix learners`).toBe(
    ref.learners.length,
  )
  expect(objectives.matrix.cells.length).toBe(ref.cells.size)
  for (const cell of objectives.matrix.cells)
    expect({ evidence: cell.evidence, correct: cell.correct }).toEqual(
      ref.cells.get(`${cell.learner}\u0000${cell.objective}`),
    )
  // A later page of the matrix holds the next learners in key order, with all their cells.
  const page2 = await a.objectives(S, { page: 2, pageSize: 7 })
  const page2Learners = ref.learners.slice(7, 14)
  expect(
    [...new Set(page2.matrix.cells.map((c) => c.learner))],
    `${label} objectives page 2`,
  ).toEqual(page2Learners)
  expect(page2.matrix.cells.length).toBe(
    [...ref.cells.keys()].filter((k) => page2Learners.includes(k.split('\u0000')[0]!)).length,
  )

  // The same over a course, a window, and both (the paths that read `an_objectives` by scope):
  // the objectives, every cell, and a later page of the matrix.
  const objectiveCourses = [
    ...new Set(set.map((r) => courseOf(r.s)).filter((c): c is string => c !== undefined)),
  ]
    .sort()
    .slice(0, 3)
  let windowedCells = 0
  let openCells = 0
  // The store over windows of whole days and over windows with ends inside a day (its figures
  // per day, migration 0042, and the part days' cells); each course open and over WINDOW.
  for (const [course, windowed] of [
    [undefined, WINDOW],
    ...PARTIAL_WINDOWS.map((w) => [undefined, w]),
    ...OBJECTIVE_WINDOWS.map((w) => [undefined, w]),
    ...objectiveCourses.flatMap((c) => [
      [c, {}],
      [c, WINDOW],
    ]),
  ] as [string | undefined, { since?: string; until?: string }][]) {
    const { sinceMs, untilMs } = msOf(windowed)
    const what = `${label} objectives ${course ?? 'store'} ${windowed.since ?? 'open'}`
    const sref = objectivesRef(set, {
      ...(course === undefined ? {} : { course }),
      sinceMs,
      untilMs,
    })
    const scoped = await a.objectives(S, { course, ...windowed, page: 1, pageSize: 500 })
    expect(
      Object.fromEntries(
        scoped.objectives.map((o) => [o.objective, { learners: o.learners, mastered: o.mastered }]),
      ),
      what,
    ).toEqual(Object.fromEntries([...sref.perObjective].sort()))
    expect(
      Object.fromEntries(scoped.objectives.map((o) => [o.objective, o.meanMastery])),
      what,
    ).toEqual(Object.fromEntries([...sref.meanMastery].sort()))
    expect(scoped.matrix.learners, what).toBe(sref.learners.length)
    expect(scoped.matrix.cells.length, what).toBe(sref.cells.size)
    if (course !== undefined && sinceMs > 0) windowedCells += sref.cells.size
    if (course !== undefined && sinceMs === 0) openCells += sref.cells.size
    for (const cell of scoped.matrix.cells)
      expect({ evidence: cell.evidence, correct: cell.correct }, what).toEqual(
        sref.cells.get(`${cell.learner}\u0000${cell.objective}`),
      )
    const later = await a.objectives(S, { course, ...windowed, page: 2, pageSize: 7 })
    expect([...new Set(later.matrix.cells.map((c) => c.learner))], what).toEqual(
      sref.learners.slice(7, 14),
    )
  }
  // Some course has cells in the window, and some outside it (else the window filters nothing).
  expect(windowedCells, label).toBeGreaterThan(0)
  expect(windowedCells, label).toBeLessThan(openCells)

  // 3. Learner: a few learners' journeys, informal learning and courses.
  const learners = [...new Set(set.map((r) => r.learner))].sort().slice(0, 4)
  // Courses of those learners with some module completed (a progress that can be wrong).
  let progressed = 0
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
    expect(
      report.courses.map((c) => ({
        course: c.course,
        modules: c.modules.map((m) => m.activity),
        progress: c.progress,
      })),
      `${what} progress`,
    ).toEqual(lref.courses.map((c) => lref.progress(c)))
    progressed += report.courses.filter((c) => (c.progress ?? 0) > 0).length
  }
  expect(progressed, `${label} learners' courses with progress`).toBeGreaterThan(0)
  return set
}

/** Every projection row of the store, sorted: what a rebuild must reproduce exactly. */
export async function snapshot(storage: Storage): Promise<Record<string, unknown[]>> {
  return storage.log.read(async (connection) => {
    const db = connection as AnyDb
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

/**
 * The (day, previous day) counts kept by triggers (migration 0031) and the same recounted from
 * `an_learner_days` as the migration's backfill does: they must be equal at every point.
 */
export async function learnerReturns(
  storage: Storage,
): Promise<{ kept: unknown[]; recounted: unknown[] }> {
  // Query builders, not raw SQL: a SQLite file's reads run in a worker that takes compiled queries.
  return storage.log.read(async (connection) => {
    const db = connection as AnyDb
    const triples = (rows: Record<string, unknown>[]) =>
      rows.map((x) => [Number(x['day']), Number(x['prev_day']), Number(x['learners'])])
    const kept = await db
      .selectFrom('an_learner_returns')
      .select(['day', 'prev_day', 'learners'])
      .where('store_id', '=', S)
      .orderBy('day')
      .orderBy('prev_day')
      .execute()
    const recounted = await db
      .selectFrom(
        db
          .selectFrom('an_learner_days')
          .select([
            'day',
            sql<number>`coalesce(lag(day) over (partition by learner order by day), ${sql.lit(NO_PREVIOUS_DAY)})`.as(
              'prev_day',
            ),
          ])
          .where('store_id', '=', S)
          .as('r'),
      )
      .select(['day', 'prev_day', sql<number>`count(*)`.as('learners')])
      .groupBy(['day', 'prev_day'])
      .orderBy('day')
      .orderBy('prev_day')
      .execute()
    return { kept: triples(kept), recounted: triples(recounted) }
  })
}

/**
 * The objective figures kept by triggers, per course (migration 0031) and per day of the cells'
 * latest evidence (migration 0042), and the same recounted from `an_objectives` as the
 * migrations' backfills do.
 */
export async function objectiveCourseTotals(storage: Storage): Promise<{
  kept: unknown[]
  recounted: unknown[]
}> {
  return storage.log.read(async (connection) => {
    const db = connection as AnyDb
    const text = (rows: Record<string, unknown>[]) =>
      rows.map((r) => Object.values(r).map((v) => (typeof v === 'string' ? v : Number(v))))
    const shares = await db
      .selectFrom('an_objective_course_shares')
      .select(['course', 'objective', 'evidence', 'correct', 'learners'])
      .where('store_id', '=', S)
      .orderBy('course')
      .orderBy('objective')
      .orderBy('evidence')
      .orderBy('correct')
      .execute()
    const learners = await db
      .selectFrom('an_objective_course_learners')
      .select(['course', 'learner', 'objectives'])
      .where('store_id', '=', S)
      .orderBy('course')
      .orderBy('learner')
      .execute()
    const sharesRecounted = await db
      .selectFrom('an_objectives')
      .select([
        'course',
        'objective',
        sql<number>`coalesce(evidence, 0)`.as('evidence'),
        sql<number>`coalesce(correct, 0)`.as('correct'),
        sql<number>`count(*)`.as('learners'),
      ])
      .where('store_id', '=', S)
      .where('course', 'is not', null)
      .groupBy(['course', 'objective', sql`coalesce(evidence, 0)`, sql`coalesce(correct, 0)`])
      .orderBy('course')
      .orderBy('objective')
      .orderBy('evidence')
      .orderBy('correct')
      .execute()
    const learnersRecounted = await db
      .selectFrom('an_objectives')
      .select(['course', 'learner', sql<number>`count(*)`.as('objectives')])
      .where('store_id', '=', S)
      .where('course', 'is not', null)
      .groupBy(['course', 'learner'])
      .orderBy('course')
      .orderBy('learner')
      .execute()
    // Migration 0042's figures per day of the cells' latest evidence.
    const day = sql<number>`${sql.raw(dayOfSql('last_ms'))}`
    const shareDays = await db
      .selectFrom('an_objective_share_days')
      .select(['day', 'objective', 'evidence', 'correct', 'learners'])
      .where('store_id', '=', S)
      .orderBy('day')
      .orderBy('objective')
      .orderBy('evidence')
      .orderBy('correct')
      .execute()
    const shareDaysRecounted = await db
      .selectFrom('an_objectives')
      .select([
        day.as('day'),
        'objective',
        sql<number>`coalesce(evidence, 0)`.as('evidence'),
        sql<number>`coalesce(correct, 0)`.as('correct'),
        sql<number>`count(*)`.as('learners'),
      ])
      .where('store_id', '=', S)
      .where('last_ms', 'is not', null)
      .groupBy([day, 'objective', sql`coalesce(evidence, 0)`, sql`coalesce(correct, 0)`])
      .orderBy('day')
      .orderBy('objective')
      .orderBy('evidence')
      .orderBy('correct')
      .execute()
    const learnerDays = await db
      .selectFrom('an_objective_learner_days')
      .select(['day', 'learner', 'cells'])
      .where('store_id', '=', S)
      .orderBy('day')
      .orderBy('learner')
      .execute()
    const learnerDaysRecounted = await db
      .selectFrom('an_objectives')
      .select([day.as('day'), 'learner', sql<number>`count(*)`.as('cells')])
      .where('store_id', '=', S)
      .where('last_ms', 'is not', null)
      .groupBy([day, 'learner'])
      .orderBy('day')
      .orderBy('learner')
      .execute()
    return {
      kept: [text(shares), text(learners), text(shareDays), text(learnerDays)],
      recounted: [
        text(sharesRecounted),
        text(learnersRecounted),
        text(shareDaysRecounted),
        text(learnerDaysRecounted),
      ],
    }
  })
}

/**
 * The attempts kept on each learner row (migration 0043: sessions, open sessions) and the same
 * recounted from `an_sessions` as the migration's backfill does, as sorted
 * [activity, learner, sessions, open] rows of the learner rows that have sessions.
 */
export async function learnerAttempts(
  storage: Storage,
): Promise<{ kept: unknown[]; recounted: unknown[] }> {
  return storage.log.read(async (connection) => {
    const db = connection as AnyDb
    const keyOf = (activity: unknown, learner: unknown) => `${String(activity)}\n${String(learner)}`
    // PostgreSQL returns its bigint sums and counts as strings.
    const open = sql<number | string>`sum(case when ended = 0 then 1 else 0 end)`
    const count = sql<number | string>`count(*)`
    // A session counts for its course's row, and for its AU's row outside that course.
    const underCourse = await db
      .selectFrom('an_sessions')
      .select(['course as activity', 'learner', count.as('n'), open.as('o')])
      .where('store_id', '=', S)
      .where('course', 'is not', null)
      .groupBy(['course', 'learner'])
      .execute()
    const asAu = await db
      .selectFrom('an_sessions')
      .select(['activity_id as activity', 'learner', count.as('n'), open.as('o')])
      .where('store_id', '=', S)
      .where('activity_id', 'is not', null)
      .where((w) => w.or([w('course', 'is', null), w('course', '<>', w.ref('activity_id'))]))
      .groupBy(['activity_id', 'learner'])
      .execute()
    const counted = new Map<string, [string, string, number, number]>()
    for (const r of [...underCourse, ...asAu]) {
      const key = keyOf(r['activity'], r['learner'])
      const [, , n, o] = counted.get(key) ?? ['', '', 0, 0]
      counted.set(key, [
        String(r['activity']),
        String(r['learner']),
        n + Number(r['n']),
        o + Number(r['o']),
      ])
    }
    const rows = await db
      .selectFrom('an_learner_activity')
      .select(['activity_id', 'learner', 'sessions', 'open_sessions'])
      .where('store_id', '=', S)
      .execute()
    const byKey = (a: unknown[], b: unknown[]) =>
      keyOf(a[0], a[1]) < keyOf(b[0], b[1]) ? -1 : keyOf(a[0], a[1]) > keyOf(b[0], b[1]) ? 1 : 0
    const kept = rows
      .filter((r) => Number(r['sessions']) !== 0 || Number(r['open_sessions']) !== 0)
      .map((r) => [
        String(r['activity_id']),
        String(r['learner']),
        Number(r['sessions']),
        Number(r['open_sessions']),
      ])
      .sort(byKey)
    const recounted = rows
      .flatMap((r) => {
        const c = counted.get(keyOf(r['activity_id'], r['learner']))
        return c === undefined ? [] : [c]
      })
      .sort(byKey)
    return { kept, recounted }
  })
}
