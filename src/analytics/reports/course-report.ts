/**
 * @module Report 2, course / activity: started, completed, pass rates, scores, attempts, time,
 * modules and pages in order with the drop-off funnel and exit points, and a per-learner table.
 */
import { sql } from 'kysely'
import { NotFoundError } from '../../errors/errors.js'
import { LEARNER_ACTIVITY } from '../../storage/sql/analytics-schema.js'
import { personJoin, personKey, sharedPersons } from '../people/person-key-sql.js'
import { type PersonScope, relabelByPerson, rowsByPerson } from '../people/person-scope.js'
import {
  type AnyDb,
  type AnyRow,
  isOpenWindow,
  num,
  numOrNull,
  type ReportWindow,
} from './report-context.js'
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
  /** Count by person and keep only the scope's learners (people/person-scope.ts). */
  people?: PersonScope | undefined
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
 * The columns of `an_learner_activity` the outcome measures read, with what merging a person's
 * rows needs (the key, the order of the first judgement): the rows are read without the rest.
 */
const OUTCOME_COLUMNS = [
  'activity_id',
  'learner',
  'first_ms',
  'engaged_ms',
  'completed_ms',
  'passed_ms',
  'judged_success',
  'judged_ms',
  'judged_seq',
] as const

/** Each per-learner score with the order columns its merge reads. */
const SCORE_COLUMNS = {
  best: ['best_score'],
  first: ['first_score', 'fscore_ms', 'fscore_seq'],
  last: ['last_score', 'lscore_ms', 'lscore_seq'],
} as const

/** A course's pages with their funnel figures, and each non-completer's candidate exit pages. */
interface Funnel {
  /** page → module, earliest first view by anyone, started persons reaching it, their views. */
  pages: Map<string, { module: string; first: number; reached: number; views: number }>
  /**
   * Per started person who did not complete: the pages they viewed (or, from SQL, those of
   * them first viewed latest by anyone, ties included); the exit is the last in page order.
   */
  lastPages: Map<string, string[]>
  /** Exits already resolved to their page (the projection's path), added to `lastPages`'. */
  exits?: Map<string, number>
}

/** The funnel from (page, person) rows already keyed by person and restricted to a scope. */
function funnelOfRows(
  pageRows: readonly AnyRow[],
  startedSet: ReadonlySet<string>,
  completedSet: ReadonlySet<string>,
): Funnel {
  const pages: Funnel['pages'] = new Map()
  const viewers = new Map<string, Set<string>>()
  const lastPages: Funnel['lastPages'] = new Map()
  for (const p of pageRows) {
    const id = String(p['page'])
    const entry = pages.get(id) ?? {
      module: String(p['module']),
      first: Number.MAX_SAFE_INTEGER,
      reached: 0,
      views: 0,
    }
    entry.first = Math.min(entry.first, num(p['view_ms']))
    const learner = String(p['learner'])
    if (startedSet.has(learner)) {
      const seen = viewers.get(id) ?? new Set<string>()
      seen.add(learner)
      viewers.set(id, seen)
      entry.reached = seen.size
      entry.views += num(p['views'])
      if (!completedSet.has(learner)) {
        const seenBy = lastPages.get(learner) ?? []
        seenBy.push(id)
        lastPages.set(learner, seenBy)
      }
    }
    pages.set(id, entry)
  }
  return { pages, lastPages }
}

/**
 * The same funnel over every person, aggregated in the database: the course's (page, learner)
 * rows never travel to JS. Persons (docs/people.md) are keyed in SQL as `#<person id>` for the
 * IFIs of a person with several, else by the IFI itself (the key only groups, it is not shown);
 * a person's course row is the merge (`min`) of their IFIs' rows, as `rowsByPerson` merges.
 */
async function funnelInSql(
  db: AnyDb,
  storeId: number,
  activity: string,
  window: ReportWindow,
): Promise<Funnel> {
  const started = sql`${sharedPersons(storeId)},
    started as (
      select ${personKey('la')} as k, max(case when la.completed_ms is null then 0 else 1 end) as done
      from an_learner_activity la ${personJoin('la')}
      where la.store_id = ${storeId} and la.activity_id = ${activity}
      group by ${personKey('la')}
      having min(la.first_ms) >= ${window.sinceMs} and min(la.first_ms) < ${window.untilMs}
        and min(la.engaged_ms) is not null
    ),
    pv as (
      select p.page, p.module, p.view_ms, p.views, ${personKey('p')} as k
      from an_pages p ${personJoin('p')}
      where p.store_id = ${storeId} and p.course = ${activity}
    ),
    pages as (select page, min(module) as module, min(view_ms) as first from pv group by page)`
  const pages = (
    await sql<AnyRow>`with ${started}
      select pages.page, pages.module, pages.first, r.reached, r.views
      from pages left join (
        select pv.page, count(distinct pv.k) as reached, sum(pv.views) as views
        from pv join started s on s.k = pv.k group by pv.page
      ) r on r.page = pages.page`.execute(db)
  ).rows
  const last = (
    await sql<AnyRow>`with ${started},
      latest as (
        select pv.k, max(pg.first) as first
        from pv join started s on s.k = pv.k and s.done = 0 join pages pg on pg.page = pv.page
        group by pv.k
      )
      select pv.k, pv.page
      from pv join latest l on l.k = pv.k join pages pg on pg.page = pv.page and pg.first = l.first`.execute(
      db,
    )
  ).rows
  const lastPages: Funnel['lastPages'] = new Map()
  for (const r of last) {
    const k = String(r['k'])
    const candidates = lastPages.get(k) ?? []
    candidates.push(String(r['page']))
    lastPages.set(k, candidates)
  }
  return {
    pages: new Map(
      pages.map((r) => [
        String(r['page']),
        {
          module: String(r['module']),
          first: num(r['first']),
          reached: num(r['reached']),
          views: num(r['views']),
        },
      ]),
    ),
    lastPages,
  }
}

/** Rows of `table` of the course for these learner keys, a few hundred keys per query. */
async function rowsOfLearners(
  db: AnyDb,
  table: 'an_learner_activity' | 'an_pages',
  column: 'activity_id' | 'course',
  storeId: number,
  activity: string,
  learners: readonly string[],
): Promise<AnyRow[]> {
  const rows: AnyRow[] = []
  for (let i = 0; i < learners.length; i += 500)
    rows.push(
      ...((await db
        .selectFrom(table)
        .selectAll()
        .where('store_id', '=', storeId)
        .where(column, '=', activity)
        .where('learner', 'in', learners.slice(i, i + 500))
        .execute()) as AnyRow[]),
    )
  return rows
}

/**
 * The open-window funnel over every person from the projections: the pages and their first
 * views from `an_page_totals` (migration 0026), the started learners reaching them from
 * `an_course_funnel` (migration 0030), so only a few rows per page are read. Both count by IFI;
 * the persons with several IFIs (few) are corrected from their own rows: their IFIs' counts are
 * taken out and their counts as persons (started as a merged course row, §6) put in.
 * The exit points (§6): each started non-completer's latest page in page order, kept per IFI in
 * `an_course_exits` (migration 0030) and counted per page here.
 */
async function funnelFromProjection(
  db: AnyDb,
  storeId: number,
  activity: string,
  stored: readonly AnyRow[],
  people: PersonScope,
): Promise<Funnel> {
  const pages: Funnel['pages'] = new Map()
  for (const r of (
    await sql<AnyRow>`select t.page, min(nullif(t.module, '')) as module, min(t.first_ms) as first,
        max(f.reached) as reached, max(f.views) as views
      from an_page_totals t left join an_course_funnel f on f.store_id = t.store_id
        and f.course = t.course and f.page = t.page
      where t.store_id = ${storeId} and t.course = ${activity}
      group by t.page`.execute(db)
  ).rows)
    pages.set(String(r['page']), {
      module: String(r['module']),
      first: num(r['first']),
      reached: num(r['reached']),
      views: num(r['views']),
    })

  // The persons with several IFIs: their rows by IFI out, their rows by person in.
  const sharedIfis = (
    await sql<AnyRow>`with ${sharedPersons(storeId)}
      select ifi from person_identifiers
      where store_id = ${storeId} and person_id in (select person_id from shared)`.execute(db)
  ).rows.map((r) => String(r['ifi']))
  const shared = new Set(sharedIfis)
  const sharedCourseRows = stored.filter((r) => shared.has(String(r['learner'])))
  const sharedPages = await rowsOfLearners(db, 'an_pages', 'course', storeId, activity, sharedIfis)
  const startedIfis = new Set(
    sharedCourseRows
      .filter((r) => r['engaged_ms'] !== null && num(r['first_ms']) >= 0)
      .map((r) => String(r['learner'])),
  )
  const persons = rowsByPerson(LEARNER_ACTIVITY, sharedCourseRows, people)
  const startedPersons = new Set(
    persons
      .filter((r) => r['engaged_ms'] !== null && num(r['first_ms']) >= 0)
      .map((r) => String(r['learner'])),
  )
  const completedPersons = new Set(
    persons.filter((r) => r['completed_ms'] !== null).map((r) => String(r['learner'])),
  )
  const viewers = new Map<string, Set<string>>()
  const lastPages: Funnel['lastPages'] = new Map()
  for (const p of sharedPages) {
    const entry = pages.get(String(p['page']))
    if (entry === undefined) continue
    const page = String(p['page'])
    const learner = String(p['learner'])
    if (startedIfis.has(learner)) {
      entry.reached -= 1
      entry.views -= num(p['views'])
    }
    const person = people.key(learner)
    if (!startedPersons.has(person)) continue
    const seen = viewers.get(page) ?? new Set<string>()
    seen.add(person)
    viewers.set(page, seen)
    entry.views += num(p['views'])
    if (!completedPersons.has(person))
      lastPages.set(person, [...(lastPages.get(person) ?? []), page])
  }
  for (const [page, seen] of viewers) {
    const entry = pages.get(page)
    if (entry !== undefined) entry.reached += seen.size
  }

  // The other learners' exits, kept per learner (migration 0030).
  const exits = new Map<string, number>()
  for (const r of (
    await sql<AnyRow>`with ${sharedPersons(storeId)}
      select page, count(*) as learners from an_course_exits
      where store_id = ${storeId} and course = ${activity}
        and learner not in (select ifi from person_identifiers
          where store_id = ${storeId} and person_id in (select person_id from shared))
      group by page`.execute(db)
  ).rows)
    exits.set(String(r['page']), num(r['learners']))
  return { pages, lastPages, exits }
}

export async function courseReport(
  db: AnyDb,
  storeId: number,
  activity: string,
  window: ReportWindow,
  query: CourseQuery,
) {
  const stored = (await db
    .selectFrom('an_learner_activity')
    .select([...OUTCOME_COLUMNS, 'last_ms', 'centis', ...SCORE_COLUMNS[query.scoreOf]])
    .where('store_id', '=', storeId)
    .where('activity_id', '=', activity)
    .execute()) as AnyRow[]
  if (stored.length === 0)
    throw NotFoundError(`no learner has statements about the activity ${activity}`)
  const all = rowsByPerson(LEARNER_ACTIVITY, stored, query.people)
  // The cohort: learners whose first statement about the activity falls in the window.
  const cohort = all.filter(
    (r) => num(r['first_ms']) >= window.sinceMs && num(r['first_ms']) < window.untilMs,
  )
  const inCohort = new Set(cohort.map((r) => String(r['learner'])))
  const startedSet = new Set(
    cohort.filter((r) => r['engaged_ms'] !== null).map((r) => String(r['learner'])),
  )
  // Completers among the started learners (§1), as in `outcomeMeasures`.
  const completedSet = new Set(
    cohort
      .filter((r) => r['engaged_ms'] !== null && r['completed_ms'] !== null)
      .map((r) => String(r['learner'])),
  )

  // Attempts: the cmi5 sessions of the activity (as AU) or under it (as course), counted per
  // learner key in SQL (a learner's sessions, the open ones among them) and summed per person
  // here: a person's attempts are their IFIs' sessions. Two index ranges rather than one `or`,
  // which SQLite answers by walking every session of the store.
  const sessionsOf = (column: 'course' | 'activity_id') =>
    db
      .selectFrom('an_sessions')
      .select([
        'learner',
        sql<number>`count(*)`.as('sessions'),
        sql<number>`sum(case when ended = 0 then 1 else 0 end)`.as('open'),
      ])
      .where('store_id', '=', storeId)
      .where(column, '=', activity)
      .groupBy('learner')
  const sessions = relabelByPerson(
    [
      ...(await sessionsOf('course').execute()),
      ...(await sessionsOf('activity_id')
        .where((eb) => eb.or([eb('course', 'is', null), eb('course', '!=', activity)]))
        .execute()),
    ],
    query.people,
  )
  const attemptsBy = new Map<string, number>()
  let openSessions = 0
  for (const s of sessions) {
    const learner = String(s['learner'])
    if (!inCohort.has(learner)) continue
    attemptsBy.set(learner, (attemptsBy.get(learner) ?? 0) + num(s['sessions']))
    openSessions += num(s['open'])
  }
  const attemptCounts = [...attemptsBy.values()]
  const distribution = new Map<number, number>()
  for (const n of attemptCounts) distribution.set(n, (distribution.get(n) ?? 0) + 1)

  const scoreColumn = SCORE_COLUMN[query.scoreOf]
  const scores = cohort.map((r) => numOrNull(r[scoreColumn])).filter((s): s is number => s !== null)
  const times = cohort.filter((r) => num(r['centis']) > 0).map((r) => num(r['centis']) / 100)
  const engagedTimes = cohort
    .map((r) => numOrNull(r['engaged_ms']))
    .filter((v): v is number => v !== null)

  // Modules: the AUs launched under the course, and the parents of its pages.
  const funnel =
    query.people !== undefined && query.people.members === undefined && isOpenWindow(window)
      ? await funnelFromProjection(db, storeId, activity, stored, query.people)
      : query.people?.members === undefined
        ? await funnelInSql(db, storeId, activity, window)
        : funnelOfRows(
            relabelByPerson(
              await db
                .selectFrom('an_pages')
                .select(['page', 'learner', 'module', 'view_ms', 'views', 'centis'])
                .where('store_id', '=', storeId)
                .where('course', '=', activity)
                .execute(),
              query.people,
            ),
            startedSet,
            completedSet,
          )
  const moduleIds = new Set<string>()
  for (const s of (await db
    .selectFrom('an_sessions')
    .select('activity_id')
    .distinct()
    .where('store_id', '=', storeId)
    .where('course', '=', activity)
    .execute()) as AnyRow[])
    if (typeof s['activity_id'] === 'string' && s['activity_id'] !== activity)
      moduleIds.add(s['activity_id'])
  for (const [, p] of funnel.pages) moduleIds.add(p.module)
  const moduleRows =
    moduleIds.size === 0
      ? []
      : rowsByPerson(
          LEARNER_ACTIVITY,
          await db
            .selectFrom('an_learner_activity')
            .select([...OUTCOME_COLUMNS, 'best_score'])
            .where('store_id', '=', storeId)
            .where('activity_id', 'in', [...moduleIds])
            .execute(),
          query.people,
        )
  const modules = [...moduleIds]
    .map((id) => {
      const rows = moduleRows.filter((r) => r['activity_id'] === id)
      const firstSeen = Math.min(...rows.map((r) => num(r['first_ms'])), Number.MAX_SAFE_INTEGER)
      const mine = rows.filter((r) => inCohort.has(String(r['learner'])))
      const best = mine
        .map((r) => numOrNull(r['best_score']))
        .filter((s): s is number => s !== null)
      return { activity: id, firstSeen, ...outcomeMeasures(mine), bestScore: summary(best) }
    })
    .sort((a, b) => a.firstSeen - b.firstSeen || (a.activity < b.activity ? -1 : 1))
    .map(({ firstSeen: _, ...rest }, index) => ({ order: index + 1, ...rest }))

  // Pages in order (earliest first view by anyone), the funnel over the started learners.
  const pageOrder = [...funnel.pages].sort(
    (a, b) => a[1].first - b[1].first || (a[0] < b[0] ? -1 : 1),
  )
  const orderOf = new Map(pageOrder.map(([id], i) => [id, i]))
  const exits = new Map(funnel.exits)
  for (const candidates of funnel.lastPages.values()) {
    let last: string | undefined
    for (const page of candidates)
      if (last === undefined || (orderOf.get(page) ?? 0) > (orderOf.get(last) ?? 0)) last = page
    if (last !== undefined) exits.set(last, (exits.get(last) ?? 0) + 1)
  }
  let previous: number | undefined
  const pages = pageOrder.map(([id, entry], index) => {
    const reached = entry.reached
    const conversion = previous === undefined ? null : ratio(reached, previous)
    previous = reached
    return {
      order: index + 1,
      page: id,
      module: entry.module,
      reached,
      views: entry.views,
      conversion,
      dropoff: conversion === null ? null : round(1 - conversion),
      exits: exits.get(id) ?? 0,
    }
  })
  const firstReached = pages[0]?.reached ?? 0

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
