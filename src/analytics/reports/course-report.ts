/**
 * @module Report 2, course / activity: started, completed, pass rates, scores, attempts, time,
 * modules and pages in order with the drop-off funnel and exit points, and a per-learner table.
 */
import { type RawBuilder, sql } from 'kysely'
import { NotFoundError } from '../../errors/errors.js'
import { LEARNER_ACTIVITY } from '../../storage/sql/analytics-schema.js'
import { chunk } from '../../storage/sql/sql-support.js'
import { personJoin, personKey, sharedPersons } from '../people/person-key-sql.js'
import { type PersonScope, relabelByPerson, rowsByPerson } from '../people/person-scope.js'
import {
  type AnyDb,
  type AnyRow,
  DAY_MS,
  isOpenWindow,
  num,
  numOrNull,
  onPostgres,
  type ReportWindow,
  wholeDays,
} from './report-context.js'
import { sessionModulesOf } from './course-modules.js'
import { ratio, round, scoreHistogram, summary } from './stats.js'

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
  return outcomeOfCounts(outcomeCounts(rows))
}

/** The counts behind `outcomeMeasures`, which add over disjoint sets of rows. */
interface OutcomeCounts {
  started: number
  completed: number
  completedNotStarted: number
  judged: number
  passedFirst: number
  passed: number
}

function outcomeCounts(rows: readonly AnyRow[]): OutcomeCounts {
  const c = {
    started: 0,
    completed: 0,
    completedNotStarted: 0,
    judged: 0,
    passedFirst: 0,
    passed: 0,
  }
  for (const r of rows) {
    if (r['engaged_ms'] !== null) {
      c.started += 1
      if (r['completed_ms'] !== null) c.completed += 1
    } else if (r['completed_ms'] !== null) c.completedNotStarted += 1
    if (r['judged_success'] !== null) {
      c.judged += 1
      if (num(r['judged_success']) === 1) c.passedFirst += 1
      if (r['passed_ms'] !== null) c.passed += 1
    }
  }
  return c
}

function addCounts(a: OutcomeCounts, b: OutcomeCounts): OutcomeCounts {
  return {
    started: a.started + b.started,
    completed: a.completed + b.completed,
    completedNotStarted: a.completedNotStarted + b.completedNotStarted,
    judged: a.judged + b.judged,
    passedFirst: a.passedFirst + b.passedFirst,
    passed: a.passed + b.passed,
  }
}

function outcomeOfCounts(c: OutcomeCounts) {
  return {
    started: c.started,
    completed: c.completed,
    completedNotStarted: c.completedNotStarted,
    completionRate: ratio(c.completed, c.started),
    judged: c.judged,
    firstAttemptPassRate: ratio(c.passedFirst, c.judged),
    eventualPassRate: ratio(c.passed, c.judged),
  }
}

/** The same counts in SQL, over the rows of `an_learner_activity` aliased `alias`. */
const outcomeCountsSql = (alias: string) =>
  sql.raw(`sum(case when ${alias}.engaged_ms is not null then 1 else 0 end) as started,
    sum(case when ${alias}.engaged_ms is not null and ${alias}.completed_ms is not null
      then 1 else 0 end) as completed,
    sum(case when ${alias}.engaged_ms is null and ${alias}.completed_ms is not null
      then 1 else 0 end) as completed_not_started,
    sum(case when ${alias}.judged_success is not null then 1 else 0 end) as judged,
    sum(case when ${alias}.judged_success = 1 then 1 else 0 end) as passed_first,
    sum(case when ${alias}.judged_success is not null and ${alias}.passed_ms is not null
      then 1 else 0 end) as passed`)

const countsOfSqlRow = (r: AnyRow | undefined): OutcomeCounts => ({
  started: num(r?.['started']),
  completed: num(r?.['completed']),
  completedNotStarted: num(r?.['completed_not_started']),
  judged: num(r?.['judged']),
  passedFirst: num(r?.['passed_first']),
  passed: num(r?.['passed']),
})

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

/** Learner keys bound per `in (…)` list: well under both engines' parameter limits. */
const KEYS_PER_QUERY = 500

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
  for (const some of chunk(learners, KEYS_PER_QUERY))
    rows.push(
      ...((await db
        .selectFrom(table)
        .selectAll()
        .where('store_id', '=', storeId)
        .where(column, '=', activity)
        .where('learner', 'in', some)
        .execute()) as AnyRow[]),
    )
  return rows
}

/**
 * The open-window funnel over every person from the projections: the pages and their first
 * views from `an_page_totals` (migration 0026), the started learners reaching them from
 * `an_course_funnel_days` (migrations 0030, 0040) over all days, so only a few rows per page and
 * day are read. Both count by IFI;
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
  /** The IFIs of the persons with several, when the caller has them (else read here). */
  knownSharedIfis?: readonly string[],
): Promise<Funnel> {
  const pages: Funnel['pages'] = new Map()
  for (const r of (
    await sql<AnyRow>`select t.page, min(nullif(t.module, '')) as module, min(t.first_ms) as first,
        max(f.reached) as reached, max(f.views) as views
      from an_page_totals t left join (select page, sum(reached) as reached, sum(views) as views
          from an_course_funnel_days where store_id = ${storeId} and course = ${activity}
          group by page) f on f.page = t.page
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
  const sharedIfis =
    knownSharedIfis ??
    (
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
  for (const p of sharedPages) {
    const entry = pages.get(String(p['page']))
    if (entry === undefined || !startedIfis.has(String(p['learner']))) continue
    entry.reached -= 1
    entry.views -= num(p['views'])
  }
  const lastPages = addPersonsPages(pages, sharedPages, people, startedPersons, completedPersons)

  // The other learners' exits, kept per learner (migration 0030).
  const exits = new Map<string, number>()
  for (const r of (
    await (
      knownSharedIfis === undefined
        ? sql<AnyRow>`with ${sharedPersons(storeId)}
          select page, count(*) as learners from an_course_exits
          where store_id = ${storeId} and course = ${activity}
            and learner not in (select ifi from person_identifiers
              where store_id = ${storeId} and person_id in (select person_id from shared))
          group by page`
        : sql<AnyRow>`select page, count(*) as learners from an_course_exits
          where store_id = ${storeId} and course = ${activity}${
            sharedIfis.length === 0
              ? sql``
              : sql` and learner not in (${sql.join([...sharedIfis])})`
          }
          group by page`
    ).execute(db)
  ).rows)
    exits.set(String(r['page']), num(r['learners']))
  return { pages, lastPages, exits }
}

/**
 * The funnel of a window's cohort over every person. Its whole UTC days come from the per-day
 * projections (migration 0040: `an_course_funnel_days`, `an_course_exit_days`, keyed by the day
 * of each learner's first course statement), a few rows per page and day; the IFIs of the
 * persons with several are taken out of them from their own rows. The parts of the window
 * outside whole days (an end not at 00:00 UTC) are read learner by learner: their cohort's
 * started IFIs that are persons of their own from the course's learner rows, then only their
 * page rows and exit rows (`an_pages`, `an_course_exits`), so that cost follows the part's cohort.
 * The page order stays the course's (earliest first view by anyone, `an_page_totals`), as in the
 * open window. The persons with several IFIs (`sharedCohort`: their merged course rows already
 * cut to the window) are added from their own page rows, as `funnelOfRows` counts them.
 */
async function funnelOfWindow(
  db: AnyDb,
  storeId: number,
  activity: string,
  window: ReportWindow,
  people: PersonScope,
  sharedIfis: readonly string[],
  sharedCohort: readonly AnyRow[],
): Promise<Funnel> {
  const pages: Funnel['pages'] = new Map()
  for (const r of (
    await sql<AnyRow>`select t.page, min(nullif(t.module, '')) as module, min(t.first_ms) as first
      from an_page_totals t where t.store_id = ${storeId} and t.course = ${activity}
      group by t.page`.execute(db)
  ).rows)
    pages.set(String(r['page']), {
      module: String(r['module']),
      first: num(r['first']),
      reached: 0,
      views: 0,
    })
  const exits = new Map<string, number>()
  /** Adds (sign 1) or takes out (−1) per-page counts of the started learners and of the exits. */
  const add = (funnelRows: readonly AnyRow[], exitRows: readonly AnyRow[], sign: 1 | -1) => {
    for (const r of funnelRows) {
      const entry = pages.get(String(r['page']))
      if (entry === undefined) continue
      entry.reached += sign * num(r['reached'])
      entry.views += sign * num(r['views'])
    }
    for (const r of exitRows)
      exits.set(String(r['page']), (exits.get(String(r['page'])) ?? 0) + sign * num(r['learners']))
  }

  // Started learners have a first statement at or after the epoch (migration 0030): days from 0.
  const { fromDay, toDay, edges } = wholeDays(window, 0)
  if (fromDay < toDay) {
    const days = sql`store_id = ${storeId} and course = ${activity}
      and day >= ${fromDay} and day < ${toDay}`
    add(
      (
        await sql<AnyRow>`select page, sum(reached) as reached, sum(views) as views
          from an_course_funnel_days where ${days} group by page`.execute(db)
      ).rows,
      (
        await sql<AnyRow>`select page, sum(learners) as learners
          from an_course_exit_days where ${days} group by page`.execute(db)
      ).rows,
      1,
    )
    // The persons with several IFIs are counted by person below: their IFIs' rows out.
    for (const some of chunk(sharedIfis, KEYS_PER_QUERY)) {
      const ifis = sql.join([...some])
      add(
        (
          await sql<AnyRow>`select p.page, count(*) as reached, sum(p.views) as views
            from an_learner_activity la join an_pages p on p.store_id = la.store_id
              and p.course = la.activity_id and p.learner = la.learner
            where la.store_id = ${storeId} and la.activity_id = ${activity}
              and la.learner in (${ifis}) and la.engaged_ms is not null
              and la.first_ms >= ${fromDay * DAY_MS} and la.first_ms < ${toDay * DAY_MS}
            group by p.page`.execute(db)
        ).rows,
        (
          await sql<AnyRow>`select page, count(*) as learners from an_course_exits
            where ${days} and learner in (${ifis}) group by page`.execute(db)
        ).rows,
        -1,
      )
    }
  }

  const notShared =
    sharedIfis.length === 0 ? sql`` : sql` and la.learner not in (${sql.join([...sharedIfis])})`
  for (const edge of edges) {
    // The part's started IFIs (§6: the funnel counts the started learners), persons of their own.
    const started = {
      from: sql`an_learner_activity la`,
      where: sql`la.store_id = ${storeId} and la.activity_id = ${activity}
        and la.first_ms >= ${edge.sinceMs} and la.first_ms < ${edge.untilMs}
        and la.engaged_ms is not null${notShared}`,
    }
    // A cross join, so SQLite reads the cohort first and each learner's pages from the (course,
    // learner, page, views) index (to PostgreSQL an inner join): by page it would read every
    // page row of the course and look its learner up.
    add(
      (
        await sql<AnyRow>`select p.page, count(*) as reached, sum(p.views) as views
          from ${started.from} cross join an_pages p
          where ${started.where} and p.store_id = la.store_id and p.course = la.activity_id
            and p.learner = la.learner
          group by p.page`.execute(db)
      ).rows,
      (
        await sql<AnyRow>`select e.page, count(*) as learners
          from ${started.from} cross join an_course_exits e
          where ${started.where} and e.store_id = la.store_id and e.course = la.activity_id
            and e.learner = la.learner
          group by e.page`.execute(db)
      ).rows,
      1,
    )
  }
  for (const [page, n] of exits) if (n === 0) exits.delete(page)

  // The persons with several IFIs: started in the window as a merged course row.
  const startedPersons = new Set(
    sharedCohort.filter((r) => r['engaged_ms'] !== null).map((r) => String(r['learner'])),
  )
  const completedPersons = new Set(
    sharedCohort
      .filter((r) => r['engaged_ms'] !== null && r['completed_ms'] !== null)
      .map((r) => String(r['learner'])),
  )
  const sharedPages =
    startedPersons.size === 0
      ? []
      : await rowsOfLearners(db, 'an_pages', 'course', storeId, activity, sharedIfis)
  const lastPages = addPersonsPages(pages, sharedPages, people, startedPersons, completedPersons)
  return { pages, lastPages, exits }
}

/**
 * Adds the page rows of persons with several IFIs to `pages`, counted by person: each started
 * person reaching a page once, with all their IFIs' views; returns the pages each started
 * non-completer viewed, the candidates for their exit point (§6).
 */
function addPersonsPages(
  pages: Funnel['pages'],
  rows: readonly AnyRow[],
  people: PersonScope,
  startedPersons: ReadonlySet<string>,
  completedPersons: ReadonlySet<string>,
): Funnel['lastPages'] {
  const viewers = new Map<string, Set<string>>()
  const lastPages: Funnel['lastPages'] = new Map()
  for (const p of rows) {
    const page = String(p['page'])
    const entry = pages.get(page)
    const person = people.key(String(p['learner']))
    if (entry === undefined || !startedPersons.has(person)) continue
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
  return lastPages
}

/**
 * The persons with several IFIs beyond which the report without a cohort (any window) falls
 * back to merging every row in JS: their IFIs are excluded from the SQL aggregates by a list of
 * bind parameters, and their own rows are merged in JS.
 */
const MAX_SHARED_IFIS = 2000

export async function courseReport(
  db: AnyDb,
  storeId: number,
  activity: string,
  window: ReportWindow,
  query: CourseQuery,
) {
  if (query.people !== undefined && query.people.members === undefined) {
    const sharedIfis = query.people.directory.people
      .filter((p) => p.identifiers.length > 1)
      .flatMap((p) => p.identifiers)
    if (sharedIfis.length <= MAX_SHARED_IFIS)
      return courseReportInSql(db, storeId, activity, window, query, query.people, sharedIfis)
  }
  return courseReportInJs(db, storeId, activity, window, query)
}

/** The activities shown as the course's modules: AUs launched under it, parents of its pages. */
async function moduleIdsOf(
  db: AnyDb,
  storeId: number,
  activity: string,
  funnel: Funnel,
): Promise<Set<string>> {
  const moduleIds = new Set(await sessionModulesOf(db, storeId, activity))
  for (const [, p] of funnel.pages) moduleIds.add(p.module)
  return moduleIds
}

/** Pages in order (earliest first view by anyone), the funnel over the started learners, exits. */
function pagesOf(funnel: Funnel) {
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
  return {
    pages,
    funnel: {
      steps: pages.length,
      overall: pages.length === 0 ? null : ratio(pages.at(-1)?.reached ?? 0, firstReached),
    },
    exitPoints: [...exits]
      .sort((a, b) => b[1] - a[1] || (orderOf.get(a[0]) ?? 0) - (orderOf.get(b[0]) ?? 0))
      .map(([page, learners]) => ({ page, learners })),
  }
}

/** A row of the per-learner table from a course row (by IFI or merged by person). */
function learnerRowOf(r: AnyRow, scoreColumn: string, attempts: number): LearnerRow {
  return {
    learner: String(r['learner']),
    firstAt: iso(r['first_ms']) ?? '',
    lastAt: iso(r['last_ms']) ?? '',
    started: r['engaged_ms'] !== null,
    completedAt: iso(r['completed_ms']),
    firstAttemptPassed: r['judged_success'] === null ? null : num(r['judged_success']) === 1,
    passedAt: iso(r['passed_ms']),
    score: numOrNull(r[scoreColumn]),
    attempts,
    timeSeconds: num(r['centis']) / 100,
  }
}

/**
 * The order of the per-learner table: by the sort column in the asked direction, missing values
 * (null) last in either direction, equal values by learner key ascending.
 */
function learnerOrder(query: CourseQuery): (a: LearnerRow, b: LearnerRow) => number {
  const direction = query.order === 'asc' ? 1 : -1
  return (a, b) => {
    const x = a[query.sort]
    const y = b[query.sort]
    if (x === y) return a.learner < b.learner ? -1 : 1
    if (x === null) return 1
    if (y === null) return -1
    return (x < y ? -1 : 1) * direction
  }
}

/** The report by merging every learner row in JS: a cohort, a window, many merged persons. */
async function courseReportInJs(
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
  const moduleIds = await moduleIdsOf(db, storeId, activity, funnel)
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

  const paged = pagesOf(funnel)

  // The per-learner table, sorted and paged.
  const learners = cohort.map((r) =>
    learnerRowOf(r, scoreColumn, attemptsBy.get(String(r['learner'])) ?? 0),
  )
  learners.sort(learnerOrder(query))

  return courseResult(activity, query, {
    cohort: cohort.length,
    counts: outcomeCounts(cohort),
    scores,
    times,
    attempts: { learners: attemptCounts.length, sum: attemptCounts.reduce((x, y) => x + y, 0) },
    distribution,
    openSessions,
    firstStart: engagedTimes.length === 0 ? null : Math.min(...engagedTimes),
    lastActivity: cohort.length === 0 ? null : Math.max(...cohort.map((r) => num(r['last_ms']))),
    modules,
    paged,
    rows: learners.slice((query.page - 1) * query.pageSize, query.page * query.pageSize),
  })
}

/** The report from its parts, as both paths compute them. */
function courseResult<M>(
  activity: string,
  query: CourseQuery,
  p: {
    cohort: number
    counts: OutcomeCounts
    scores: readonly number[]
    times: readonly number[]
    /** Learners with at least one attempt, and their attempts summed. */
    attempts: { learners: number; sum: number }
    distribution: ReadonlyMap<number, number>
    openSessions: number
    firstStart: number | null
    lastActivity: number | null
    modules: M[]
    paged: ReturnType<typeof pagesOf>
    rows: LearnerRow[]
  },
) {
  return {
    activity,
    cohort: p.cohort,
    ...outcomeOfCounts(p.counts),
    scores: { of: query.scoreOf, ...summary(p.scores), histogram: scoreHistogram(p.scores).bins },
    attempts: {
      learners: p.attempts.learners,
      // An integer sum is exact: the mean `summary` gives of the per-learner counts.
      mean: p.attempts.learners === 0 ? null : round(p.attempts.sum / p.attempts.learners),
      distribution: [...p.distribution]
        .sort((a, b) => a[0] - b[0])
        .map(([attempts, learners]) => ({ attempts, learners })),
      openSessions: p.openSessions,
    },
    timeSpent: { ...summary(p.times), unit: 'seconds' },
    dates: { firstStart: iso(p.firstStart), lastActivity: iso(p.lastActivity) },
    modules: p.modules,
    ...p.paged,
    learners: {
      total: p.cohort,
      page: query.page,
      pageSize: query.pageSize,
      sort: query.sort,
      order: query.order,
      rows: p.rows,
    },
  }
}

/**
 * The report over the open window without a cohort, aggregated in SQL: the course's learner rows
 * never travel to JS whole. Every IFI that is not one of a person with several (nearly all) is
 * a person of its own, so its rows are counted, summed and paged in the database; the few
 * persons with several IFIs (`sharedIfis`) are left out there, merged from their own rows in JS
 * (`rowsByPerson`, as the JS path does) and added in. Only the one-column value lists the
 * medians need (scores, times, module best scores) are read whole, as bare numbers.
 */
async function courseReportInSql(
  db: AnyDb,
  storeId: number,
  activity: string,
  window: ReportWindow,
  query: CourseQuery,
  people: PersonScope,
  sharedIfis: readonly string[],
) {
  const exists = await db
    .selectFrom('an_learner_activity')
    .select('learner')
    .where('store_id', '=', storeId)
    .where('activity_id', '=', activity)
    .limit(1)
    .execute()
  if (exists.length === 0)
    throw NotFoundError(`no learner has statements about the activity ${activity}`)
  const scoreColumn = SCORE_COLUMN[query.scoreOf]
  // The course rows counted in SQL: first statement in the window, not a shared person's IFI.
  const cohortOf = (alias: string) =>
    sql`${sql.raw(alias)}.first_ms >= ${window.sinceMs} and ${sql.raw(alias)}.first_ms < ${window.untilMs}${
      sharedIfis.length === 0
        ? sql``
        : sql` and ${sql.raw(alias)}.learner not in (${sql.join([...sharedIfis])})`
    }`
  const courseRows = sql`an_learner_activity la where la.store_id = ${storeId}
    and la.activity_id = ${activity} and ${cohortOf('la')}`

  // The shared persons' own rows, merged by person (few).
  const sharedCourseRows = await rowsOfLearners(
    db,
    'an_learner_activity',
    'activity_id',
    storeId,
    activity,
    sharedIfis,
  )
  const sharedCohort = rowsByPerson(LEARNER_ACTIVITY, sharedCourseRows, people).filter(
    (r) => num(r['first_ms']) >= window.sinceMs && num(r['first_ms']) < window.untilMs,
  )
  const inSharedCohort = new Set(sharedCohort.map((r) => String(r['learner'])))

  // Outcome measures (§1, §2) and dates.
  const [totals] = (
    await sql<AnyRow>`select count(*) as cohort, ${outcomeCountsSql('la')},
        min(la.engaged_ms) as first_start, max(la.last_ms) as last_activity
      from ${courseRows}`.execute(db)
  ).rows
  const counts = addCounts(countsOfSqlRow(totals), outcomeCounts(sharedCohort))
  const cohortSize = num(totals?.['cohort']) + sharedCohort.length
  const engagedTimes = sharedCohort
    .map((r) => numOrNull(r['engaged_ms']))
    .filter((v): v is number => v !== null)
  const firstStartSql = numOrNull(totals?.['first_start'])
  if (firstStartSql !== null) engagedTimes.push(firstStartSql)
  const lastTimes = sharedCohort.map((r) => num(r['last_ms']))
  if (num(totals?.['cohort']) > 0) lastTimes.push(num(totals?.['last_activity']))

  // Scores (§3) and time spent (§4), the bare values for the medians, and attempts (§5) per
  // learner, in one pass over the cohort's rows. A learner row keeps its attempts (migration
  // 0043): its cmi5 sessions of the activity as AU or under it as course, as the JS path counts
  // them; a learner without sessions has no attempts.
  const scores: number[] = []
  const times: number[] = []
  const distribution = new Map<number, number>()
  let attemptLearners = 0
  let attemptSum = 0
  let openSessions = 0
  for (const r of (
    await sql<AnyRow>`select la.${sql.raw(scoreColumn)} as s, la.centis as c, la.sessions as n,
        la.open_sessions as o from ${courseRows}
        and (la.${sql.raw(scoreColumn)} is not null or la.centis > 0 or la.sessions > 0)`.execute(
      db,
    )
  ).rows) {
    if (r['s'] !== null) scores.push(Number(r['s']))
    if (num(r['c']) > 0) times.push(num(r['c']) / 100)
    const attempts = num(r['n'])
    if (attempts > 0) {
      distribution.set(attempts, (distribution.get(attempts) ?? 0) + 1)
      attemptLearners += 1
      attemptSum += attempts
      openSessions += num(r['o'])
    }
  }
  for (const r of sharedCohort) {
    const s = numOrNull(r[scoreColumn])
    if (s !== null) scores.push(s)
    if (num(r['centis']) > 0) times.push(num(r['centis']) / 100)
  }
  const sharedAttempts = new Map<string, number>()
  for (const s of relabelByPerson(
    await sessionsOfLearners(db, storeId, activity, sharedIfis),
    people,
  )) {
    const person = String(s['learner'])
    if (!inSharedCohort.has(person)) continue
    sharedAttempts.set(person, (sharedAttempts.get(person) ?? 0) + num(s['n']))
    openSessions += num(s['o'])
  }
  for (const n of sharedAttempts.values()) {
    distribution.set(n, (distribution.get(n) ?? 0) + 1)
    attemptLearners += 1
    attemptSum += n
  }

  // Funnel, exits (§6) and modules.
  const funnel = isOpenWindow(window)
    ? await funnelFromProjection(db, storeId, activity, sharedCourseRows, people, sharedIfis)
    : await funnelOfWindow(db, storeId, activity, window, people, sharedIfis, sharedCohort)
  const moduleIds = [...(await moduleIdsOf(db, storeId, activity, funnel))]
  const modules =
    moduleIds.length === 0
      ? []
      : await modulesInSql(
          db,
          storeId,
          activity,
          moduleIds,
          cohortOf,
          people,
          sharedIfis,
          inSharedCohort,
        )

  // The per-learner table: the page of the SQL-sorted rows around the asked offset, merged with
  // the shared persons' rows (see `pageOfUnion`).
  const order = learnerOrder(query)
  const sharedLearners = sharedCohort
    .map((r) => learnerRowOf(r, scoreColumn, sharedAttempts.get(String(r['learner'])) ?? 0))
    .sort(order)
  const offset = (query.page - 1) * query.pageSize
  const start = Math.max(0, offset - sharedLearners.length)
  // The tie-break compares learner keys as JS does (code units); PostgreSQL's default collation
  // would order by locale, so byte order is asked there.
  const collate = onPostgres(db) ? ' collate "C"' : ''
  const sortSql = {
    learner: `la.learner${collate}`,
    firstAt: 'la.first_ms',
    lastAt: 'la.last_ms',
    completedAt: 'la.completed_ms',
    score: `la.${scoreColumn}`,
    attempts: 'la.sessions',
    timeSeconds: 'coalesce(la.centis, 0)',
  }[query.sort]
  // The page's keys first, sorted on the columns alone (by learner: the key's index order, read
  // no further than the page), then the page's rows by key, in that order.
  const keys = (
    await sql<AnyRow>`select la.learner from an_learner_activity la
      where la.store_id = ${storeId} and la.activity_id = ${activity} and ${cohortOf('la')}
      order by ${
        query.sort === 'learner'
          ? sql.raw(`${sortSql} ${query.order}`)
          : sql.raw(`(${sortSql}) is null, ${sortSql} ${query.order}, la.learner${collate}`)
      }
      limit ${query.pageSize + sharedLearners.length} offset ${start}`.execute(db)
  ).rows
  const rank = new Map(keys.map((r, i) => [String(r['learner']), i]))
  const pageRows = (
    keys.length === 0
      ? []
      : ((await db
          .selectFrom('an_learner_activity')
          .select([
            'learner',
            'first_ms',
            'last_ms',
            'engaged_ms',
            'completed_ms',
            'judged_success',
            'passed_ms',
            scoreColumn,
            'centis',
            'sessions',
          ])
          .where('store_id', '=', storeId)
          .where('activity_id', '=', activity)
          .where('learner', 'in', [...rank.keys()])
          .execute()) as AnyRow[])
  ).sort((x, y) => (rank.get(String(x['learner'])) ?? 0) - (rank.get(String(y['learner'])) ?? 0))
  const rows = pageOfUnion(
    pageRows.map((r) => learnerRowOf(r, scoreColumn, num(r['sessions']))),
    start,
    sharedLearners,
    order,
    offset,
    query.pageSize,
  )

  return courseResult(activity, query, {
    cohort: cohortSize,
    counts,
    scores,
    times,
    attempts: { learners: attemptLearners, sum: attemptSum },
    distribution,
    openSessions,
    firstStart: engagedTimes.length === 0 ? null : Math.min(...engagedTimes),
    lastActivity: cohortSize === 0 ? null : Math.max(...lastTimes),
    modules,
    paged: pagesOf(funnel),
    rows,
  })
}

/**
 * Rows `offset … offset + size` of the union of the SQL-ordered rows (of which `window` holds
 * those from position `start` = max(0, offset − shared.length) on, up to size + shared.length)
 * and the shared persons' rows (`shared`, all of them), in `order`. Merging the two sorted lists,
 * each element from the first window row on has the union position `start + i` (everything
 * before it in the union is either one of the `start` earlier SQL rows or in the merged list);
 * elements before that are shared rows that precede a row at union position ≤ offset, so they
 * fall before the page; elements after the window's last row, if the window is full, lie at
 * union positions ≥ start + size + shared.length ≥ offset + size, after the page. An empty window
 * with start > 0 means the SQL rows end before it, so the page starts past the union's end.
 */
function pageOfUnion(
  window: readonly LearnerRow[],
  start: number,
  shared: readonly LearnerRow[],
  order: (a: LearnerRow, b: LearnerRow) => number,
  offset: number,
  size: number,
): LearnerRow[] {
  if (window.length === 0 && start > 0) return []
  const merged = [...window, ...shared].sort(order)
  return merged.filter((_, i) => start + i >= offset && start + i < offset + size)
}

/** Sessions per learner key (`n`, open ones `o`) of the activity for these keys, as the JS path. */
async function sessionsOfLearners(
  db: AnyDb,
  storeId: number,
  activity: string,
  learners: readonly string[],
): Promise<AnyRow[]> {
  const rows: AnyRow[] = []
  for (const some of chunk(learners, KEYS_PER_QUERY)) {
    rows.push(
      ...(
        await sql<AnyRow>`select learner, count(*) as n, sum(case when ended = 0 then 1 else 0 end) as o
          from an_sessions where store_id = ${storeId} and course = ${activity}
            and learner in (${sql.join(some)}) group by learner
          union all
          select learner, count(*) as n, sum(case when ended = 0 then 1 else 0 end) as o
          from an_sessions where store_id = ${storeId} and activity_id = ${activity}
            and (course is null or course <> ${activity}) and learner in (${sql.join(some)})
          group by learner`.execute(db)
      ).rows,
    )
  }
  return rows
}

/**
 * Each activity's first statement by anyone (`first`, null when it has no learner row): one
 * `min` per activity, so PostgreSQL reads the first entry of the activity's range of its
 * (store, activity, first_ms) index (migration 0038) instead of every learner row of the
 * activity, which a `min … group by` over all of them would read.
 */
export function firstStatementsOf(storeId: number, activities: readonly string[]) {
  return sql<AnyRow>`${sql.join(
    activities.map(
      (id) => sql`select ${id} as activity_id, (select min(first_ms) from an_learner_activity
        where store_id = ${storeId} and activity_id = ${id}) as first`,
    ),
    sql` union all `,
  )}`
}

/**
 * The modules' outcome measures and best-score summaries over the course's cohort: counted in
 * SQL for the IFIs that are persons of their own (a module row joined to the learner's course
 * row in the cohort), from merged rows for the shared persons; the best scores read as bare
 * values for the medians. `firstSeen` (the order) is the module's first statement by anyone.
 */
async function modulesInSql(
  db: AnyDb,
  storeId: number,
  activity: string,
  moduleIds: readonly string[],
  cohortOf: (alias: string) => RawBuilder<unknown>,
  people: PersonScope,
  sharedIfis: readonly string[],
  inSharedCohort: ReadonlySet<string>,
) {
  const modules = sql`m.store_id = ${storeId} and m.activity_id in (${sql.join([...moduleIds])})`
  // The modules' rows of the course's cohort. PostgreSQL joins them to the course rows (a hash
  // join). SQLite would probe the course rows' index once per module row; instead it looks each
  // up in the cohort's learners, gathered once into a temporary index (`+` keeps the module rows'
  // own range as the way in): at 10⁷ statements, for five modules of the largest course, 110
  // against 140 ms. The same rows either way: a learner has one course row.
  const joined = onPostgres(db)
    ? sql`an_learner_activity m join an_learner_activity la
      on la.store_id = m.store_id and la.activity_id = ${activity} and la.learner = m.learner
    where ${modules} and ${cohortOf('la')}`
    : sql`an_learner_activity m where ${modules} and +m.learner in (select la.learner
      from an_learner_activity la
      where la.store_id = ${storeId} and la.activity_id = ${activity} and ${cohortOf('la')})`
  const firstSeen = new Map<string, number>()
  for (const r of (await firstStatementsOf(storeId, moduleIds).execute(db)).rows)
    if (r['first'] !== null) firstSeen.set(String(r['activity_id']), num(r['first']))
  // One pass grouped by (module, best score): the counts add up over the groups, and the
  // scores (few distinct values) come back as value and multiplicity.
  const counts = new Map<string, OutcomeCounts>()
  const best = new Map<string, number[]>(moduleIds.map((id) => [id, []]))
  for (const r of (
    await sql<AnyRow>`select m.activity_id, m.best_score as v, count(*) as k,
        ${outcomeCountsSql('m')}
      from ${joined} group by m.activity_id, m.best_score`.execute(db)
  ).rows) {
    const id = String(r['activity_id'])
    counts.set(id, addCounts(counts.get(id) ?? countsOfSqlRow(undefined), countsOfSqlRow(r)))
    const v = numOrNull(r['v'])
    const scores = best.get(id)
    if (v !== null && scores !== undefined) for (let k = num(r['k']); k > 0; k--) scores.push(v)
  }
  const shared = rowsByPerson(
    LEARNER_ACTIVITY,
    sharedIfis.length === 0
      ? []
      : ((await db
          .selectFrom('an_learner_activity')
          .select([...OUTCOME_COLUMNS, 'best_score'])
          .where('store_id', '=', storeId)
          .where('activity_id', 'in', [...moduleIds])
          .where('learner', 'in', [...sharedIfis])
          .execute()) as AnyRow[]),
    people,
  ).filter((r) => inSharedCohort.has(String(r['learner'])))
  return moduleIds
    .map((id) => {
      const mine = shared.filter((r) => r['activity_id'] === id)
      const scores = best.get(id) ?? []
      for (const r of mine) {
        const s = numOrNull(r['best_score'])
        if (s !== null) scores.push(s)
      }
      return {
        activity: id,
        firstSeen: firstSeen.get(id) ?? Number.MAX_SAFE_INTEGER,
        ...outcomeOfCounts(
          addCounts(counts.get(id) ?? countsOfSqlRow(undefined), outcomeCounts(mine)),
        ),
        bestScore: summary(scores),
      }
    })
    .sort((a, b) => a.firstSeen - b.firstSeen || (a.activity < b.activity ? -1 : 1))
    .map(({ firstSeen: _, ...rest }, index) => ({ order: index + 1, ...rest }))
}
