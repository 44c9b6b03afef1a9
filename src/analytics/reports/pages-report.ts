/** @module Report 5, pages: views, unique viewers, median time, order and drop-off per page (§6). */
import { sql } from 'kysely'
import { NotFoundError } from '../../errors/errors.js'
import { type AnyDb, type AnyRow, num, type ReportWindow } from './report-context.js'
import { median, ratio, round, roundOrNull } from './stats.js'

export const PAGE_RULES = {
  scope:
    'the pages whose parent is the activity (a module or lesson), else the pages of the course it groups',
  window: "a learner's views of a page count when their first view of it falls in the window",
  order: 'pages ordered by their earliest first view by any learner (ties by id)',
  time: 'median over viewers of their total seconds on the page (sum of result.duration)',
  dropoff: '1 − viewers of this page / viewers of the previous page (non-strict funnel)',
} as const

export async function pagesReport(
  db: AnyDb,
  storeId: number,
  activity: string,
  window: ReportWindow,
) {
  // Aggregated in the database, one row per page (plus the one or two middle viewers per page
  // for the median): the (page, learner) rows of a course never travel to JS.
  const inWindow = sql<boolean>`view_ms >= ${window.sinceMs} and view_ms < ${window.untilMs}`
  const perPage = (column: 'module' | 'course') =>
    db
      .selectFrom('an_pages')
      .select([
        'page',
        sql<string>`min(module)`.as('module'),
        sql<number>`min(view_ms)`.as('first'),
        sql<number>`sum(case when ${inWindow} then views else 0 end)`.as('views'),
        sql<number>`sum(case when ${inWindow} then 1 else 0 end)`.as('viewers'),
      ])
      .where('store_id', '=', storeId)
      .where(column, '=', activity)
      .groupBy('page')
      .execute() as Promise<AnyRow[]>
  let column: 'module' | 'course' = 'module'
  let rows = await perPage(column)
  if (rows.length === 0) rows = await perPage((column = 'course'))
  if (rows.length === 0) throw NotFoundError(`no pages under ${activity}`)
  // The median viewer(s) of each page by total time: ranks within the page's in-window rows.
  const middles = (await db
    .selectFrom(
      db
        .selectFrom('an_pages')
        .select([
          'page',
          'centis',
          sql<number>`row_number() over (partition by page order by centis)`.as('rn'),
          sql<number>`count(*) over (partition by page)`.as('n'),
        ])
        .where('store_id', '=', storeId)
        .where(column, '=', activity)
        .where(inWindow)
        .as('ranked'),
    )
    .select(['page', 'centis'])
    .where(sql<boolean>`rn in ((n + 1) / 2, (n + 2) / 2)`)
    .execute()) as AnyRow[]
  const middleOf = new Map<string, number[]>()
  for (const m of middles) {
    const list = middleOf.get(String(m['page'])) ?? []
    list.push(num(m['centis']) / 100)
    middleOf.set(String(m['page']), list)
  }
  const pages = new Map(
    rows.map((r) => [
      String(r['page']),
      {
        module: String(r['module']),
        first: num(r['first']),
        viewers: num(r['viewers']),
        views: num(r['views']),
      },
    ]),
  )
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
          medianSeconds: roundOrNull(median(middleOf.get(page) ?? [])),
          dropoff: conversion === null ? null : round(1 - conversion),
        }
      }),
  }
}
