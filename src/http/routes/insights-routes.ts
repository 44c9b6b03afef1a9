/**
 * @module The insights API under /api/stores/:id/insights (docs/insights.md): competencies and
 * targets, skill gaps, at-risk learners and their models, recommendations. Reading: an admin
 * session, or an xAPI credential of the store with `all` or `all/read` (an LMS or LXP asking for
 * a learner's next steps), as for the reports. Changing (definitions, targets, training): an
 * admin session only (with the CSRF token when it is the console's cookie).
 */
import { type Context, Hono } from 'hono'
import { z } from 'zod'
import type { Insights } from '../../analytics/insights/insights.js'
import { table } from '../../analytics/reports/report-csv.js'
import type { Admin } from '../../core/admin/admin.js'
import type { Lrs } from '../../core/lrs.js'
import { adminSession, type AdminEnv } from '../middleware/admin-session.js'
import { readBody } from './admin-routes.js'
import { queryOf, reportReader, storeIdOf } from './report-routes.js'

const iri = z
  .string()
  .min(1)
  .max(2048)
  .regex(/^[a-z][a-z0-9+.-]*:\S+$/i, 'must be an absolute IRI')
const intIn = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback)
const format = z.enum(['json', 'csv']).optional()

const SkillGapsQuery = z.strictObject({
  learner: z.string().min(1).optional(),
  cohort: z.coerce.number().int().positive().optional(),
  page: intIn(1, 1_000_000, 1),
  pageSize: intIn(1, 500, 50),
  format,
})
const AtRiskQuery = z.strictObject({
  course: z.string().min(1).optional(),
  cohort: z.coerce.number().int().positive().optional(),
  asOf: z
    .string()
    .refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 date or time')
    .optional(),
  level: z.enum(['red', 'yellow', 'green']).optional(),
  format,
})
const RecommendationsQuery = z.strictObject({
  learner: z.string().min(1),
  limit: intIn(1, 50, 5),
  format,
  /** Which table the CSV holds: the next modules, or the questions at the learner's level. */
  table: z.enum(['modules', 'questions']).default('modules'),
})
const FormatOnly = z.strictObject({ format })
const TrainQuery = z.strictObject({ course: z.string().min(1).optional() })
const DeleteQuery = z.strictObject({ id: iri })

const CompetencyBody = z.strictObject({
  competencies: z
    .array(
      z.strictObject({
        id: iri,
        name: z.string().trim().min(1).max(200),
        description: z.string().max(2000).default(''),
        activities: z.array(iri).max(10_000).default([]),
      }),
    )
    .min(1)
    .max(10_000),
})
const scope = z
  .string()
  .regex(/^(all|role:.+|cohort:[1-9][0-9]*)$/, "must be 'all', 'role:<role>' or 'cohort:<id>'")
const TargetsBody = z.strictObject({
  targets: z
    .array(
      z.strictObject({
        competency: iri,
        scope,
        level: z.number().min(0).max(1).nullable(),
      }),
    )
    .min(1)
    .max(10_000),
})

/** JSON, or the named main table as CSV (`?format=csv` or `Accept: text/csv`). */
function answer(
  c: Context,
  wanted: 'json' | 'csv' | undefined,
  name: string,
  body: object,
  rows: () => readonly Record<string, unknown>[],
) {
  const csv =
    wanted === 'csv' || (wanted === undefined && /\btext\/csv\b/.test(c.req.header('Accept') ?? ''))
  if (!csv) return c.json(body, 200)
  c.header('Content-Type', 'text/csv; charset=utf-8')
  c.header('Content-Disposition', `attachment; filename="${name}.csv"`)
  return c.body(table(rows()), 200)
}

export function createInsightsRoutes(insights: Insights, admin: Admin, lrs: Lrs): Hono<AdminEnv> {
  const api = new Hono<AdminEnv>()
  api.use('*', async (c, next) => {
    await next()
    c.header('Cache-Control', 'no-store')
  })
  const reader = reportReader(admin, lrs)
  const writer = adminSession(admin)

  api.get('/competencies', reader, async (c) => {
    const q = queryOf(c, FormatOnly)
    const report = await insights.competencies(storeIdOf(c))
    return answer(c, q.format, 'competencies', report, () =>
      report.competencies.map((k) => ({
        id: k.id,
        name: k.name,
        source: k.source,
        items: k.items.length,
        content: k.content,
        aligned: k.aligned.length,
      })),
    )
  })
  api.put('/competencies', writer, async (c) => {
    const body = await readBody(c, CompetencyBody)
    return c.json(await insights.defineCompetencies(storeIdOf(c), body.competencies), 200)
  })
  api.delete('/competencies', writer, async (c) => {
    const q = queryOf(c, DeleteQuery)
    await insights.deleteCompetency(storeIdOf(c), q.id)
    return c.body(null, 204)
  })
  api.get('/targets', reader, async (c) => {
    const q = queryOf(c, FormatOnly)
    const targets = await insights.targets(storeIdOf(c))
    return answer(c, q.format, 'targets', { targets }, () => targets as never)
  })
  api.put('/targets', writer, async (c) => {
    const body = await readBody(c, TargetsBody)
    await insights.setTargets(storeIdOf(c), body.targets)
    return c.json({ targets: await insights.targets(storeIdOf(c)) }, 200)
  })
  api.get('/skill-gaps', reader, async (c) => {
    const q = queryOf(c, SkillGapsQuery)
    const report = await insights.skillGaps(storeIdOf(c), q)
    return answer(c, q.format, 'skill-gaps', report, () =>
      (report['cells'] as Record<string, unknown>[]).map((cell) =>
        q.learner === undefined ? cell : { learner: report['learner'], ...cell },
      ),
    )
  })
  api.get('/at-risk', reader, async (c) => {
    const q = queryOf(c, AtRiskQuery)
    const report = await insights.atRisk(storeIdOf(c), q)
    return answer(c, q.format, 'at-risk', report, () =>
      (report['flags'] as Record<string, unknown>[]).map(({ reasons: _reasons, ...flag }) => flag),
    )
  })
  api.get('/at-risk/models', reader, async (c) => {
    const q = queryOf(c, FormatOnly)
    const report = await insights.riskModels(storeIdOf(c))
    return answer(c, q.format, 'at-risk-models', report, () =>
      report.models.map((m) => ({
        course: m.course,
        kind: m.kind,
        trainedAt: m.trainedAt,
        usualDays: m.usualDays,
        knownOutcomes: m.knownOutcomes,
        atRiskOutcomes: m.atRiskOutcomes,
        fallbackReason: m.fallbackReason,
        intercept: m.intercept,
        ...Object.fromEntries(Object.entries(m.coefficients).map(([k, v]) => [`coef_${k}`, v])),
        auc: m.quality?.auc ?? null,
        baselineAuc: m.quality?.baselineAuc ?? null,
        precisionAtTop10: m.quality?.precisionAtTop10 ?? null,
      })),
    )
  })
  api.post('/at-risk/train', writer, async (c) => {
    const q = queryOf(c, TrainQuery)
    const models = await insights.trainRisk(storeIdOf(c), q.course)
    return c.json({ report: 'at-risk-models', storeId: storeIdOf(c), models }, 200)
  })
  api.get('/recommendations', reader, async (c) => {
    const q = queryOf(c, RecommendationsQuery)
    const report = await insights.recommendations(storeIdOf(c), q.learner, q.limit)
    return answer(
      c,
      q.format,
      q.table === 'questions' ? 'recommended-questions' : 'recommendations',
      report,
      () =>
        (
          report[q.table === 'questions' ? 'questions' : 'recommendations'] as Record<
            string,
            unknown
          >[]
        ).map((r, i) => ({ rank: i + 1, ...r })),
    )
  })
  return api
}
