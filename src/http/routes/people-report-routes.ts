/**
 * @module The people reports under `/api/stores/:id/reports/` (registered by report-routes.ts,
 * behind its readers): informal learning, ineffective content, cohort comparison, as JSON or
 * CSV (each report's main table).
 */
import type { Context, Hono } from 'hono'
import { z } from 'zod'
import { ineffectiveCsvRows } from '../../analytics/people/ineffective-report.js'
import type { PeopleReports } from '../../analytics/people/people-reports.js'
import { table } from '../../analytics/reports/report-csv.js'
import { queryOf, storeIdOf } from './report-routes.js'

const common = {
  since: z.string().optional(),
  until: z.string().optional(),
  format: z.enum(['json', 'csv']).optional(),
}
const cohortId = z.coerce.number().int().positive()

const InformalQuery = z.strictObject({
  ...common,
  cohort: cohortId.optional(),
  interval: z.enum(['day', 'week']).default('week'),
})
const IneffectiveQuery = z.strictObject({
  ...common,
  cohort: cohortId.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
})
const CompareQuery = z.strictObject({
  ...common,
  cohort: cohortId,
  versus: z.union([z.literal('rest'), cohortId]).default('rest'),
  activity: z.string().min(1).optional(),
})

/** JSON, or the CSV of `rows` when asked by `?format=csv` or `Accept: text/csv`. */
function answer(
  c: Context,
  format: 'json' | 'csv' | undefined,
  report: { report: string },
  rows: () => Record<string, unknown>[],
) {
  const wantsCsv =
    format === 'csv' || (format === undefined && /\btext\/csv\b/.test(c.req.header('Accept') ?? ''))
  if (!wantsCsv) return c.json(report, 200)
  c.header('Content-Type', 'text/csv; charset=utf-8')
  c.header('Content-Disposition', `attachment; filename="${report.report}.csv"`)
  return c.body(table(rows()), 200)
}

export function registerPeopleReports(api: Hono, reports: PeopleReports): void {
  api.get('/informal', async (c) => {
    const q = queryOf(c, InformalQuery)
    const report = await reports.informal(storeIdOf(c), q)
    return answer(c, q.format, report, () => report.people)
  })
  api.get('/ineffective', async (c) => {
    const q = queryOf(c, IneffectiveQuery)
    const report = await reports.ineffective(storeIdOf(c), q)
    return answer(c, q.format, report, () => ineffectiveCsvRows(report))
  })
  api.get('/compare', async (c) => {
    const q = queryOf(c, CompareQuery)
    const report = await reports.compare(storeIdOf(c), q)
    return answer(c, q.format, report, () =>
      report.measures.flatMap((m) =>
        m.groups.map((g) => ({
          measure: m.measure,
          group: g.label,
          n: g.n,
          value: g.value,
          suppressed: g.suppressed,
          test: m.test?.test ?? null,
          statistic: m.test?.statistic ?? null,
          p: m.test?.p ?? null,
        })),
      ),
    )
  })
}
