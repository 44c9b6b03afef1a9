/** @module Report 5, pages: views, unique viewers, median time, order and drop-off per page (§6). */
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
  const select = (column: 'module' | 'course') =>
    db
      .selectFrom('an_pages')
      .select(['page', 'learner', 'module', 'view_ms', 'views', 'centis'])
      .where('store_id', '=', storeId)
      .where(column, '=', activity)
      .execute() as Promise<AnyRow[]>
  let rows = await select('module')
  if (rows.length === 0) rows = await select('course')
  if (rows.length === 0) throw NotFoundError(`no pages under ${activity}`)
  const pages = new Map<
    string,
    { module: string; first: number; viewers: Map<string, number>; views: number }
  >()
  for (const r of rows) {
    const id = String(r['page'])
    const entry = pages.get(id) ?? {
      module: String(r['module']),
      first: Number.MAX_SAFE_INTEGER,
      viewers: new Map(),
      views: 0,
    }
    entry.first = Math.min(entry.first, num(r['view_ms']))
    const at = num(r['view_ms'])
    if (at >= window.sinceMs && at < window.untilMs) {
      entry.viewers.set(String(r['learner']), num(r['centis']) / 100)
      entry.views += num(r['views'])
    }
    pages.set(id, entry)
  }
  let previous: number | undefined
  return {
    activity,
    rules: PAGE_RULES,
    pages: [...pages]
      .sort((a, b) => a[1].first - b[1].first || (a[0] < b[0] ? -1 : 1))
      .map(([page, e], index) => {
        const viewers = e.viewers.size
        const conversion = previous === undefined ? null : ratio(viewers, previous)
        previous = viewers
        return {
          order: index + 1,
          page,
          module: e.module,
          views: e.views,
          uniqueViewers: viewers,
          medianSeconds: roundOrNull(median([...e.viewers.values()])),
          dropoff: conversion === null ? null : round(1 - conversion),
        }
      }),
  }
}
