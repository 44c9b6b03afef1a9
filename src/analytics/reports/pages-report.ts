/** @module Report 5, pages: views, unique viewers, median time, order and drop-off per page (§6). */
import { NotFoundError } from '../../errors/errors.js'
import { PAGES } from '../../storage/sql/analytics-schema.js'
import { type PersonScope, rowsByPerson } from '../people/person-scope.js'
import { type AnyDb, type AnyRow, num, type ReportWindow } from './report-context.js'
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

export async function pagesReport(
  db: AnyDb,
  storeId: number,
  activity: string,
  window: ReportWindow,
  /** A cohort (people/person-scope.ts): only its members count, by person. */
  people?: PersonScope,
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
  let rows = await select('module')
  if (rows.length === 0) rows = await select('course')
  if (rows.length === 0) throw NotFoundError(`no pages under ${activity}`)
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
  for (const r of people === undefined ? rows : rowsByPerson(PAGES, rows, people)) {
    const entry = pages.get(String(r['page']))
    const at = num(r['view_ms'])
    if (entry !== undefined && at >= window.sinceMs && at < window.untilMs) {
      entry.viewers.set(String(r['learner']), num(r['centis']) / 100)
      entry.views += num(r['views'])
    }
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
