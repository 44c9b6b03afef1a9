/**
 * @module The report API: GET /api/stores/:id/reports/… as JSON or CSV. Readers: an admin
 * session (bearer token), or an xAPI credential of that store holding `all` or `all/read`
 * (the xAPI scopes that already grant reading everything in a store, Communication §4.2).
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import { z } from 'zod'
import type { Analytics } from '../../analytics/analytics.js'
import type { PeopleReports } from '../../analytics/people/people-reports.js'
import { reportCsv } from '../../analytics/reports/report-csv.js'
import { registerPeopleReports } from './people-report-routes.js'
import { LEARNER_SORTS } from '../../analytics/reports/course-report.js'
import type { Admin } from '../../core/admin/admin.js'
import type { Lrs } from '../../core/lrs.js'
import {
  ForbiddenError,
  InvalidParameterError,
  NotFoundError,
  UnauthorizedError,
} from '../../errors/errors.js'
import { getCookie } from 'hono/cookie'
import {
  bearerChallenge,
  bearerToken,
  clearSessionCookie,
  SESSION_COOKIE,
} from '../middleware/admin-session.js'

/** The scopes that let a credential read its store's reports. */
export const REPORT_SCOPES = ['all', 'all/read'] as const

export function storeIdOf(c: Context): number {
  const text = c.req.param('id') ?? ''
  const id = /^[1-9][0-9]{0,15}$/.test(text) ? Number(text) : NaN
  if (!Number.isSafeInteger(id)) throw NotFoundError(`no store with id '${text}'`)
  return id
}

function basicCredentials(header: string | undefined): { key: string; secret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '')
  if (match?.[1] === undefined) return undefined
  const decoded = Buffer.from(match[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return colon < 0 ? undefined : { key: decoded.slice(0, colon), secret: decoded.slice(colon + 1) }
}

export function reportReader(admin: Admin, lrs: Lrs): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header('Authorization')
    const token = bearerToken(header)
    if (token !== undefined) {
      if ((await admin.session(token)) === undefined) {
        bearerChallenge(c)
        throw UnauthorizedError('the session expired or was ended; sign in again')
      }
      return next()
    }
    // The web console's cookie session (reports are GET only: no CSRF token needed).
    const cookie = header === undefined ? getCookie(c, SESSION_COOKIE) : undefined
    if (cookie !== undefined) {
      if ((await admin.session(cookie)) === undefined) {
        bearerChallenge(c)
        clearSessionCookie(c)
        throw UnauthorizedError('the session expired or was ended; sign in again')
      }
      return next()
    }
    const basic = basicCredentials(header)
    const principal =
      basic === undefined ? undefined : await lrs.authenticate(basic.key, basic.secret)
    if (principal === undefined) {
      bearerChallenge(c)
      throw UnauthorizedError(
        'send Authorization: Bearer <admin session token>, or Basic credentials of the store with scope all or all/read',
      )
    }
    if (principal.storeId !== storeIdOf(c))
      throw ForbiddenError(
        "this credential belongs to another store; it reads only its own store's reports",
      )
    if (!principal.scopes.some((s) => (REPORT_SCOPES as readonly string[]).includes(s)))
      throw ForbiddenError('reading reports needs a credential with scope all or all/read')
    return next()
  }
}

const iso = z.string().optional()
const common = {
  since: iso,
  until: iso,
  format: z.enum(['json', 'csv']).optional(),
}
const intIn = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback)

/** A cohort id (docs/people.md): the report counts only its members. */
const cohort = z.coerce.number().int().positive().optional()

const OverviewQuery = z.strictObject({
  ...common,
  cohort,
  interval: z.enum(['day', 'week']).default('day'),
  top: intIn(1, 100, 10),
})
const CourseQuery = z.strictObject({
  ...common,
  cohort,
  activity: z.string().min(1),
  scoreOf: z.enum(['best', 'first', 'last']).default('best'),
  page: intIn(1, 1_000_000, 1),
  pageSize: intIn(1, 500, 50),
  sort: z.enum(LEARNER_SORTS).default('learner'),
  order: z.enum(['asc', 'desc']).default('asc'),
})

const LearnerQuery = z.strictObject({ ...common, cohort, learner: z.string().min(1) })
const ItemsQuery = z.strictObject({ ...common, cohort, assessment: z.string().min(1) })
const PagesQuery = z.strictObject({ ...common, cohort, activity: z.string().min(1) })
const ObjectivesQuery = z.strictObject({
  ...common,
  cohort,
  course: z.string().min(1).optional(),
  page: intIn(1, 1_000_000, 1),
  pageSize: intIn(1, 500, 50),
})

/** The query parameters checked against `schema`; a 400 names the first bad one. */
export function queryOf<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const parsed = schema.safeParse(c.req.query())
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const name =
    issue?.code === 'unrecognized_keys'
      ? (issue.keys[0] ?? 'query')
      : issue === undefined || issue.path.length === 0
        ? 'query'
        : issue.path.join('.')
  throw InvalidParameterError(
    name,
    issue?.code === 'unrecognized_keys'
      ? 'is not a parameter of this report'
      : (issue?.message ?? 'invalid'),
  )
}

/** JSON, or CSV when asked by `?format=csv` or `Accept: text/csv`. */
export function answer(c: Context, format: 'json' | 'csv' | undefined, report: { report: string }) {
  const wantsCsv =
    format === 'csv' || (format === undefined && /\btext\/csv\b/.test(c.req.header('Accept') ?? ''))
  if (!wantsCsv) return c.json(report, 200)
  c.header('Content-Type', 'text/csv; charset=utf-8')
  c.header('Content-Disposition', `attachment; filename="${report.report}.csv"`)
  return c.body(reportCsv(report), 200)
}

/** Mounted at /api/stores/:id/reports, before the admin routes (whose session check it replaces here). */
export function createReportRoutes(
  analytics: Analytics,
  admin: Admin,
  lrs: Lrs,
  people?: PeopleReports,
): Hono {
  const api = new Hono()
  api.use('*', async (c, next) => {
    await next()
    c.header('Cache-Control', 'no-store')
  })
  api.use('*', reportReader(admin, lrs))

  api.get('/freshness', async (c) => c.json(await analytics.freshness(storeIdOf(c)), 200))
  api.get('/overview', async (c) => {
    const q = queryOf(c, OverviewQuery)
    return answer(c, q.format, await analytics.overview(storeIdOf(c), q))
  })
  api.get('/course', async (c) => {
    const q = queryOf(c, CourseQuery)
    return answer(c, q.format, await analytics.course(storeIdOf(c), q.activity, q))
  })
  api.get('/learner', async (c) => {
    const q = queryOf(c, LearnerQuery)
    return answer(c, q.format, await analytics.learner(storeIdOf(c), q.learner, q))
  })
  api.get('/items', async (c) => {
    const q = queryOf(c, ItemsQuery)
    return answer(c, q.format, await analytics.items(storeIdOf(c), q.assessment, q))
  })
  api.get('/pages', async (c) => {
    const q = queryOf(c, PagesQuery)
    return answer(c, q.format, await analytics.pages(storeIdOf(c), q.activity, q))
  })
  api.get('/objectives', async (c) => {
    const q = queryOf(c, ObjectivesQuery)
    return answer(c, q.format, await analytics.objectives(storeIdOf(c), q))
  })
  if (people !== undefined) registerPeopleReports(api, people)
  return api
}
