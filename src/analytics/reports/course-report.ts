/**
 * @module Report 2, course / activity: started, completed, pass rates, scores, attempts, time,
 * modules and pages in order with the drop-off funnel and exit points, and a per-learner table.
 */
import { sql } from 'kysely'
import { NotFoundError } from '../../errors/errors.js'
import { type AnyDb, type AnyRow, num, numOrNull, type ReportWindow } from './report-context.js'
import { ratio, round, scoreHistogram, type Histogram, summary } from './stats.js'

export type ScoreOf = 'best' | 'first' | 'last'
export const LEARNER_SORTS = [
  'learner',
  'firstAt',
  'lastAt',
  'completedAt',
  'score',
  'attempts',
  'timeSeconds',
] as const
export type LearnerSort = (typeof LEARNER_SORTS)[number]

export interface CourseQuery {
  scoreOf: ScoreOf
  page: number
  pageSize: number
  sort: LearnerSort
  order: 'asc' | 'desc'
}

export interface LearnerRow {
  learner: string
  firstAt: string
  lastAt: string
  started: boolean
  completedAt: string | null
  firstAttemptPassed: boolean | null
  passedAt: string | null
  score: number | null
  attempts: number
  timeSeconds: number
}

const iso = (ms: unknown): string | null =>
  ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString()

/**
 * Pass/completion measures of one activity over a set of its learner rows.
 * §1: `completion_rate = N(completed) / N(started)` counts the completers **among the started
 * learners**, so the numerator is a subset of the denominator and the rate is at most 1. A
 * learner with a completion but no engagement statement (an LMS-issued `waived`, a video
 * `completed` without `launched`, an engagement statement voided later) is not in the
 * denominator; such learners are counted apart, in `completedNotStarted`.
 */
export function outcomeMeasures(rows: readonly AnyRow[]) {
  const started = rows.filter((r) => r['engaged_ms'] !== null)
  const completed = started.filter((r) => r['completed_ms'] !== null).length
  const completedNotStarted = rows.filter(
    (r) => r['engaged_ms'] === null && r['completed_ms'] !== null,
  ).length
  const judged = rows.filter((r) => r['judged_success'] !== null)
  return {
    started: started.length,
    completed,
    completedNotStarted,
    completionRate: ratio(completed, started.length),
    judged: judged.length,
    firstAttemptPassRate: ratio(
      judged.filter((r) => num(r['judged_success']) === 1).length,
      judged.length,
    ),
    eventualPassRate: ratio(judged.filter((r) => r['passed_ms'] !== null).length, judged.length),
  }
}

const SCORE_COLUMN: Record<ScoreOf, string> = {
  best: 'best_score',
  first: 'first_score',
  last: 'last_score',
}

/**
 * The course report. The cohort's own rows (one per learner) are read; everything keyed by
 * learner × page, session or module is aggregated in the database against the cohort (a
 * subquery), so a course of 10⁴ learners and 30 pages sends figures, not 3·10⁵ rows. The cohort
 * is one function: a learner filter (cohorts, persons) narrows it in one place.
 */
export async function courseReport(
  db: AnyDb,
  storeId: number,
  activity: string,
  window: ReportWindow,
  query: CourseQuery,
) {
  // The cohort: learners whose first statement about the activity falls in the window.
  const cohortRows = () =>
    db
      .selectFrom('an_learner_activity')
      .where('store_id', '=', storeId)
      .where('activity_id', '=', activity)
      .where('first_ms', '>=', window.sinceMs)
      .where('first_ms', '<', window.untilMs)
  const cohortLearners = () => cohortRows().select('learner')
  const startedLearners = () => cohortRows().select('learner').where('engaged_ms', 'is not', null)
  const cohort = (await cohortRows()
    .select([
      'learner',
      'first_ms',
      'last_ms',
      'engaged_ms',
      'completed_ms',
      'passed_ms',
      'judged_success',
      'best_score',
      'first_score',
      'last_score',
      'centis',
    ])
    .execute()) as AnyRow[]
  if (
    cohort.length === 0 &&
    (await db
      .selectFrom('an_learner_activity')
      .select('learner')
      .where('store_id', '=', storeId)
      .where('activity_id', '=', activity)
      .limit(1)
      .executeTakeFirst()) === undefined
  )
    throw NotFoundError(`no learner has statements about the activity ${activity}`)

  // Attempts: the cmi5 sessions of the activity (as AU) or under it (as course), per learner.
  const sessions = (await db
    .selectFrom('an_sessions')
    .select([
      'learner',
      sql<number>`count(*)`.as('sessions'),
      sql<number>`sum(case when ended = 0 then 1 else 0 end)`.as('open'),
    ])
    .where('store_id', '=', storeId)
    .where((eb) => eb.or([eb('course', '=', activity), eb('activity_id', '=', activity)]))
    .where('learner', 'in', cohortLearners())
    .groupBy('learner')
    .execute()) as AnyRow[]
  const attemptsBy = new Map(sessions.map((s) => [String(s['learner']), num(s['sessions'])]))
  const openSessions = sessions.reduce((sum, s) => sum + num(s['open']), 0)
  const attemptCounts = [...attemptsBy.values()]
  const distribution = new Map<number, number>()
  for (const n of attemptCounts) distribution.set(n, (distribution.get(n) ?? 0) + 1)

  const scoreColumn = SCORE_COLUMN[query.scoreOf]
  const scores = cohort.map((r) => numOrNull(r[scoreColumn])).filter((s): s is number => s !== null)
  const times = cohort.filter((r) => num(r['centis']) > 0).map((r) => num(r['centis']) / 100)
  const engagedTimes = cohort
    .map((r) => numOrNull(r['engaged_ms']))
    .filter((v): v is number => v !== null)

  // Pages of the course: order by the earliest first view (anyone), the funnel over the started.
  const pageRows = (await db
    .selectFrom('an_pages')
    .select([
      'page',
      sql<string>`min(module)`.as('module'),
      sql<number>`min(view_ms)`.as('first'),
      sql<number>`sum(case when learner in (${startedLearners()}) then 1 else 0 end)`.as('reached'),
      sql<number>`sum(case when learner in (${startedLearners()}) then views else 0 end)`.as(
        'views',
      ),
    ])
    .where('store_id', '=', storeId)
    .where('course', '=', activity)
    .groupBy('page')
    .execute()) as AnyRow[]
  const pageOrder = pageRows
    .map((r) => ({
      page: String(r['page']),
      module: String(r['module']),
      first: num(r['first']),
      reached: num(r['reached']),
      views: num(r['views']),
    }))
    .sort((a, b) => a.first - b.first || (a.page < b.page ? -1 : 1))
  const orderOf = new Map(pageOrder.map((p, i) => [p.page, i]))

  // Exit points: for started learners who did not complete, the furthest page in that order.
  const exits = new Map<string, number>()
  if (pageOrder.length > 0) {
    const position = sql<number>`case page ${sql.join(
      pageOrder.map((p, i) => sql`when ${p.page} then ${sql.lit(i)}`),
      sql` `,
    )} end`
    const furthest = db
      .selectFrom('an_pages')
      .select(['learner', sql<number>`max(${position})`.as('last')])
      .where('store_id', '=', storeId)
      .where('course', '=', activity)
      .where('learner', 'in', startedLearners().where('completed_ms', 'is', null))
      .groupBy('learner')
      .as('furthest')
    for (const r of (await db
      .selectFrom(furthest)
      .select(['last', sql<number>`count(*)`.as('learners')])
      .groupBy('last')
      .execute()) as AnyRow[]) {
      const page = pageOrder[num(r['last'])]?.page
      if (page !== undefined) exits.set(page, num(r['learners']))
    }
  }
  let previous: number | undefined
  const pages = pageOrder.map((entry, index) => {
    const conversion = previous === undefined ? null : ratio(entry.reached, previous)
    previous = entry.reached
    return {
      order: index + 1,
      page: entry.page,
      module: entry.module,
      reached: entry.reached,
      views: entry.views,
      conversion,
      dropoff: conversion === null ? null : round(1 - conversion),
      exits: exits.get(entry.page) ?? 0,
    }
  })
  const firstReached = pages[0]?.reached ?? 0

  // Modules: the AUs launched under the course, and the parents of its pages, in the order of
  // their first statement by anyone; their measures over the cohort, aggregated per module.
  const moduleIds = new Set<string>(pageOrder.map((p) => p.module))
  for (const s of (await db
    .selectFrom('an_sessions')
    .select('activity_id')
    .distinct()
    .where('store_id', '=', storeId)
    .where('course', '=', activity)
    .execute()) as AnyRow[])
    if (typeof s['activity_id'] === 'string' && s['activity_id'] !== activity)
      moduleIds.add(s['activity_id'])
  const moduleList = [...moduleIds]
  const moduleRows = () =>
    db
      .selectFrom('an_learner_activity')
      .where('store_id', '=', storeId)
      .where('activity_id', 'in', moduleList)
  const count = (condition: string) =>
    sql<number>`sum(case when ${sql.raw(condition)} then 1 else 0 end)`
  const [stats = [], firstSeen = [], bestScores = []] =
    moduleList.length === 0
      ? []
      : ((await Promise.all([
          moduleRows()
            .select([
              'activity_id',
              count('engaged_ms is not null').as('started'),
              count('engaged_ms is not null and completed_ms is not null').as('completed'),
              count('engaged_ms is null and completed_ms is not null').as('completed_not_started'),
              count('judged_success is not null').as('judged'),
              count('judged_success = 1').as('first_passed'),
              count('judged_success is not null and passed_ms is not null').as('eventual'),
            ])
            .where('learner', 'in', cohortLearners())
            .groupBy('activity_id')
            .execute(),
          moduleRows()
            .select(['activity_id', sql<number>`min(first_ms)`.as('first')])
            .groupBy('activity_id')
            .execute(),
          moduleRows()
            .select(['activity_id', 'best_score'])
            .where('best_score', 'is not', null)
            .where('learner', 'in', cohortLearners())
            .execute(),
        ])) as AnyRow[][])
  const statsOf = new Map(stats.map((r) => [String(r['activity_id']), r]))
  const firstOf = new Map(firstSeen.map((r) => [String(r['activity_id']), num(r['first'])]))
  const bestOf = new Map<string, number[]>()
  for (const r of bestScores) {
    const id = String(r['activity_id'])
    bestOf.set(id, [...(bestOf.get(id) ?? []), num(r['best_score'])])
  }
  const modules = moduleList
    .map((id) => {
      const r = statsOf.get(id) ?? {}
      const started = num(r['started'])
      const completed = num(r['completed'])
      const judged = num(r['judged'])
      return {
        activity: id,
        firstSeen: firstOf.get(id) ?? Number.MAX_SAFE_INTEGER,
        // As `outcomeMeasures` over the cohort's rows of the module (§1, §2).
        started,
        completed,
        completedNotStarted: num(r['completed_not_started']),
        completionRate: ratio(completed, started),
        judged,
        firstAttemptPassRate: ratio(num(r['first_passed']), judged),
        eventualPassRate: ratio(num(r['eventual']), judged),
        bestScore: summary(bestOf.get(id) ?? []),
      }
    })
    .sort((a, b) => a.firstSeen - b.firstSeen || (a.activity < b.activity ? -1 : 1))
    .map(({ firstSeen: _, ...rest }, index) => ({ order: index + 1, ...rest }))
  // The per-learner table, sorted and paged.
  const learners: LearnerRow[] = cohort.map((r) => ({
    learner: String(r['learner']),
    firstAt: iso(r['first_ms']) ?? '',
    lastAt: iso(r['last_ms']) ?? '',
    started: r['engaged_ms'] !== null,
    completedAt: iso(r['completed_ms']),
    firstAttemptPassed: r['judged_success'] === null ? null : num(r['judged_success']) === 1,
    passedAt: iso(r['passed_ms']),
    score: numOrNull(r[scoreColumn]),
    attempts: attemptsBy.get(String(r['learner'])) ?? 0,
    timeSeconds: num(r['centis']) / 100,
  }))
  const direction = query.order === 'asc' ? 1 : -1
  learners.sort((a, b) => {
    const x = a[query.sort]
    const y = b[query.sort]
    if (x === y) return a.learner < b.learner ? -1 : 1
    if (x === null) return 1
    if (y === null) return -1
    return (x < y ? -1 : 1) * direction
  })

  const scoreSummary = summary(scores)
  const histogram: Histogram = scoreHistogram(scores)
  return {
    activity,
    cohort: cohort.length,
    ...outcomeMeasures(cohort),
    scores: { of: query.scoreOf, ...scoreSummary, histogram: histogram.bins },
    attempts: {
      learners: attemptCounts.length,
      mean: summary(attemptCounts).mean,
      distribution: [...distribution]
        .sort((a, b) => a[0] - b[0])
        .map(([attempts, learners]) => ({ attempts, learners })),
      openSessions,
    },
    timeSpent: { ...summary(times), unit: 'seconds' },
    dates: {
      firstStart: engagedTimes.length === 0 ? null : iso(Math.min(...engagedTimes)),
      lastActivity:
        cohort.length === 0 ? null : iso(Math.max(...cohort.map((r) => num(r['last_ms'])))),
    },
    modules,
    pages,
    funnel: {
      steps: pages.length,
      overall: pages.length === 0 ? null : ratio(pages.at(-1)?.reached ?? 0, firstReached),
    },
    exitPoints: [...exits]
      .sort((a, b) => b[1] - a[1] || (orderOf.get(a[0]) ?? 0) - (orderOf.get(b[0]) ?? 0))
      .map(([page, learners]) => ({ page, learners })),
    learners: {
      total: learners.length,
      page: query.page,
      pageSize: query.pageSize,
      sort: query.sort,
      order: query.order,
      rows: learners.slice((query.page - 1) * query.pageSize, query.page * query.pageSize),
    },
  }
}
