/** @module Report 5, pages: views, unique viewers, median time, order and drop-off per page (§6). */
import { type RawBuilder, sql } from 'kysely'
import { NotFoundError } from '../../errors/errors.js'
import { PAGES } from '../../storage/sql/analytics-schema.js'
import { type PersonScope, rowsByPerson } from '../people/person-scope.js'
import {
  type AnyDb,
  type AnyRow,
  isOpenWindow,
  num,
  type ReportWindow,
  wholeDays,
} from './report-context.js'
import { median, ratio, round, roundOrNull } from './stats.js'

export const PAGE_RULES = {
  scope:
    'the pages whose parent is the activity (a module or lesson), else the pages of the course it groups',
  window: "a learner's views of a page count when their first view of it falls in the window",
  order: 'pages ordered by their earliest first view by any learner (ties by id)',
  time: 'median over viewers of their total seconds on the page (sum of result.duration)',
  dropoff: '1 − viewers of this page / viewers of the previous page (non-strict funnel)',
  cohort:
    "with a cohort: only its members' views count, by person (the views of all their IFIs); the page order stays that of every learner",
} as const

/** One page's figures before ordering: `seconds` holds the times whose median is the page's. */
interface PageFigures {
  module: string
  first: number
  viewers: number
  views: number
  seconds: number[]
}

export async function pagesReport(
  db: AnyDb,
  storeId: number,
  activity: string,
  window: ReportWindow,
  /** A cohort (people/person-scope.ts): only its members count, by person. */
  people?: PersonScope,
) {
  if (people !== undefined) return cohortPages(db, storeId, activity, window, people)
  if (isOpenWindow(window)) return openPages(db, storeId, activity)
  return pagesOfWindow(db, storeId, activity, window)
}

/**
 * The report over an open window (every view counts) from the per-page figures kept at
 * projection time (migration 0026): a few rows per page, then each page's median time from the
 * one or two middle rows of its (scope, page, centis) index range, found by position.
 */
async function openPages(db: AnyDb, storeId: number, activity: string) {
  const perPage = (column: 'module' | 'course') =>
    db
      .selectFrom('an_page_totals')
      .select([
        'page',
        sql<string>`min(module)`.as('module'),
        sql<number>`min(first_ms)`.as('first'),
        sql<number>`sum(views)`.as('views'),
        sql<number>`sum(viewers)`.as('viewers'),
      ])
      .where('store_id', '=', storeId)
      .where(column, '=', activity)
      .groupBy('page')
      .execute() as Promise<AnyRow[]>
  const { column, rows } = await pagesInScope(activity, perPage)
  const middles = await middleTimes(db, storeId, column, activity, rows)
  return pagesOut(activity, pagesFromRows(rows, middles))
}

/**
 * The report over a window: each page's viewers and views in it summed from its rows per day of
 * first view (migration 0040, `an_page_days`) over the window's whole UTC days, and from its
 * (page, learner) rows first viewed in the part days at either end (`edges`; over a course, a
 * range of the first-view index of migration 0041); its order from `an_page_totals`, and its
 * median time from the middle rows (`middleTimes`).
 */
async function pagesOfWindow(db: AnyDb, storeId: number, activity: string, window: ReportWindow) {
  const { fromDay, toDay, edges } = wholeDays(window)
  const perPage = async (column: 'module' | 'course') => {
    const scope = sql`store_id = ${storeId} and ${sql.ref(column)} = ${activity}`
    const parts = [
      ...(fromDay < toDay
        ? [
            sql`select page, views, viewers from an_page_days
              where ${scope} and day >= ${fromDay} and day < ${toDay}`,
          ]
        : []),
      ...edges.map(
        (edge) => sql`select page, views, 1 as viewers from an_pages
          where ${scope} and view_ms >= ${edge.sinceMs} and view_ms < ${edge.untilMs}`,
      ),
    ]
    return (
      await sql<AnyRow>`select t.page, t.module, t.first,
          coalesce(d.views, 0) as views, coalesce(d.viewers, 0) as viewers
        from (select page, min(module) as module, min(first_ms) as first from an_page_totals
            where ${scope} group by page) t
          left join (select page, sum(views) as views, sum(viewers) as viewers
            from (${sql.join(parts, sql` union all `)}) w group by page) d on d.page = t.page`.execute(
        db,
      )
    ).rows
  }
  const { column, rows } = await pagesInScope(activity, perPage)
  const middles = await middleTimes(db, storeId, column, activity, rows, firstViewIn(window))
  return pagesOut(activity, pagesFromRows(rows, middles))
}

/** A page row whose first view is in the window (PAGE_RULES.window). */
const firstViewIn = (window: ReportWindow) =>
  sql<boolean>`view_ms >= ${window.sinceMs} and view_ms < ${window.untilMs}`

/**
 * Each page's middle one (odd count) or two (even) times in ascending order, from the page's
 * (scope, page, centis) index range found by position: `viewers` per row is how many of the
 * page's rows count (in the window, when one is given), so the median is the row at that
 * offset among them. All pages in one statement (a branch per page: a few dozen in a course).
 * Over a window the range is walked in order of time spent up to the middle, passing over the
 * rows outside the window inside the index: about half the page's rows, where ranking every row
 * in the window (a window function per page) read all of them and sorted them again.
 */
async function middleTimes(
  db: AnyDb,
  storeId: number,
  column: 'module' | 'course',
  activity: string,
  rows: readonly AnyRow[],
  inWindow?: RawBuilder<boolean>,
): Promise<AnyRow[]> {
  const branches = rows
    .filter((r) => num(r['viewers']) > 0)
    .map((r) => {
      const viewers = num(r['viewers'])
      let range = db
        .selectFrom('an_pages')
        .select(['page', 'centis'])
        .where('store_id', '=', storeId)
        .where(column, '=', activity)
        .where('page', '=', String(r['page']))
      if (inWindow !== undefined) range = range.where(inWindow)
      return db
        .selectFrom(
          range
            .orderBy('centis')
            .limit(viewers % 2 === 1 ? 1 : 2)
            .offset(Math.floor((viewers - 1) / 2))
            .as('middle'),
        )
        .select(['page', 'centis'])
    })
  const [head, ...rest] = branches
  return head === undefined
    ? []
    : await rest.reduce((union, branch) => union.unionAll(branch), head).execute()
}

/**
 * The pages under the activity as a module or lesson (their parent), else those of the course it
 * groups (PAGE_RULES.scope): the per-page rows of the first scope that has any, and that scope.
 */
async function pagesInScope(
  activity: string,
  perPage: (column: 'module' | 'course') => Promise<AnyRow[]>,
): Promise<{ column: 'module' | 'course'; rows: AnyRow[] }> {
  for (const column of ['module', 'course'] as const) {
    const rows = await perPage(column)
    if (rows.length > 0) return { column, rows }
  }
  throw NotFoundError(`no pages under ${activity}`)
}

/** Per-page figures from the per-page rows and each page's middle time row(s) (centiseconds). */
function pagesFromRows(
  rows: readonly AnyRow[],
  middles: readonly AnyRow[],
): Map<string, PageFigures> {
  const seconds = new Map<string, number[]>()
  for (const m of middles) {
    const list = seconds.get(String(m['page'])) ?? []
    list.push(num(m['centis']) / 100)
    seconds.set(String(m['page']), list)
  }
  return new Map(
    rows.map((r) => [
      String(r['page']),
      {
        module: String(r['module']),
        first: num(r['first']),
        viewers: num(r['viewers']),
        views: num(r['views']),
        seconds: seconds.get(String(r['page'])) ?? [],
      },
    ]),
  )
}

/**
 * The report restricted to a cohort: its members' rows merged by person (several IFIs, one
 * viewer), which needs the (page, learner) rows in JS; a cohort is a small part of a course.
 */
async function cohortPages(
  db: AnyDb,
  storeId: number,
  activity: string,
  window: ReportWindow,
  people: PersonScope,
) {
  const select = (column: 'module' | 'course') =>
    db
      .selectFrom('an_pages')
      .select([
        'page',
        'learner',
        'module',
        'course',
        'view_ms',
        'view_seq',
        'views',
        'last_ms',
        'centis',
      ])
      .where('store_id', '=', storeId)
      .where(column, '=', activity)
      .execute() as Promise<AnyRow[]>
  const { rows } = await pagesInScope(activity, select)
  const pages = new Map<
    string,
    { module: string; first: number; viewers: Map<string, number>; views: number }
  >()
  // Every page of the activity, in the content's order (every learner's first views), also
  // with a cohort: its figures are the scope's, so a page no member viewed shows 0 viewers.
  for (const r of rows) {
    const id = String(r['page'])
    const entry = pages.get(id) ?? {
      module: String(r['module']),
      first: Number.MAX_SAFE_INTEGER,
      viewers: new Map(),
      views: 0,
    }
    entry.first = Math.min(entry.first, num(r['view_ms']))
    pages.set(id, entry)
  }
  for (const r of rowsByPerson(PAGES, rows, people)) {
    const entry = pages.get(String(r['page']))
    const at = num(r['view_ms'])
    if (entry !== undefined && at >= window.sinceMs && at < window.untilMs) {
      entry.viewers.set(String(r['learner']), num(r['centis']) / 100)
      entry.views += num(r['views'])
    }
  }
  return pagesOut(
    activity,
    new Map(
      [...pages].map(([page, e]) => [
        page,
        {
          module: e.module,
          first: e.first,
          viewers: e.viewers.size,
          views: e.views,
          seconds: [...e.viewers.values()],
        },
      ]),
    ),
  )
}

/** The pages in the content's order, with the drop-off from each to the next (PAGE_RULES). */
function pagesOut(activity: string, pages: Map<string, PageFigures>) {
  let previous: number | undefined
  return {
    activity,
    rules: PAGE_RULES,
    pages: [...pages]
      .sort((a, b) => a[1].first - b[1].first || (a[0] < b[0] ? -1 : 1))
      .map(([page, e], index) => {
        const viewers = e.viewers
        const conversion = previous === undefined ? null : ratio(viewers, previous)
        previous = viewers
        return {
          order: index + 1,
          page,
          module: e.module,
          views: e.views,
          uniqueViewers: viewers,
          medianSeconds: roundOrNull(median(e.seconds)),
          dropoff: conversion === null ? null : round(1 - conversion),
        }
      }),
  }
}
