/** @module Builds the HTTP application: middleware order, routes and error rendering. */
import { Hono, type MiddlewareHandler } from 'hono'
import { bodyLimit } from './middleware/body-limit.js'
import type { Analytics } from '../analytics/analytics.js'
import type { PeopleReports } from '../analytics/people/people-reports.js'
import type { People } from '../analytics/people/people.js'
import type { Admin } from '../core/admin/admin.js'
import type { Forwarding } from '../core/forwarding/forwarding.js'
import type { Lrs } from '../core/lrs.js'
import type { OperatorStatements } from '../core/statements/operator-statements.js'
import type { PersonalData } from '../core/personal-data/personal-data.js'
import { NotFoundError, PayloadTooLargeError } from '../errors/errors.js'
import type { Logger } from '../observability/logger.js'
import type { Metrics } from '../observability/metrics.js'
import { LATEST_VERSION, parseVersionHeader } from '../xapi/versions.js'
import type { AppEnv } from './app-env.js'
import { errorResponse, type ErrorLogger } from './error-response.js'
import { alternateSyntax } from './middleware/alternate-syntax.js'
import { authenticate } from './middleware/authenticate.js'
import { credentialLimits } from './middleware/credential-limits.js'
import { xapiCors } from './middleware/xapi-cors.js'
import { observeRequests, REQUEST_ID_HEADER } from './middleware/observe-requests.js'
import { createVersionMemory, VERSION_HEADER, xapiVersion } from './middleware/xapi-version.js'
import { createRateLimiter } from './rate-limiter.js'
import { buildOpenApiDocument } from './openapi/openapi-document.js'
import { registerAboutRoutes } from './routes/about-routes.js'
import { registerApiDocsRoutes } from './routes/api-docs-routes.js'
import { createAdminRoutes } from './routes/admin-routes.js'
import { registerConsoleWebRoutes } from './routes/console-web-routes.js'
import type { TailOptions } from './routes/console-statement-routes.js'
import { registerDocumentRoutes } from './routes/document-routes.js'
import { type OpsDeps, registerOpsRoutes } from './routes/ops-routes.js'
import { createForwardingRoutes } from './routes/forwarding-routes.js'
import { createPeopleRoutes } from './routes/people-routes.js'
import { createPersonalDataRoutes } from './routes/personal-data-routes.js'
import { createReportRoutes } from './routes/report-routes.js'
import { createInsightsRoutes } from './routes/insights-routes.js'
import type { Insights } from '../analytics/insights/insights.js'
import { registerStatementRoutes } from './routes/statement-routes.js'

export interface HttpDeps {
  readonly lrs: Lrs
  /** Requests with a larger body are answered 413. */
  readonly maxBodyBytes: number
  readonly logError: ErrorLogger
  /** The admin use cases behind `/api/`. */
  readonly admin: Admin
  /** Requests per minute per credential that sets no limit of its own; undefined = unlimited. */
  readonly rateLimitPerMinute: number | undefined
  /** The access log (one line per request, with its request id). */
  readonly logger: Logger
  readonly metrics: Metrics
  /** `/healthz`, `/readyz` and `/metrics`. */
  readonly ops: OpsDeps
  /** For the OpenAPI document: the product version and the public URL. */
  readonly productVersion: string
  readonly publicUrl: string
  /** Erasure and retention, under `/api/stores/:id/…`. */
  readonly personalData: PersonalData
  /** Forwarding targets, under `/api/stores/:id/forwarding/…`. */
  readonly forwarding: Forwarding
  /** The report use cases behind `/api/stores/:id/reports/`; absent = no report routes. */
  readonly analytics?: Analytics
  /** Skill gaps, at-risk learners, recommendations under `/api/stores/:id/insights/`; absent = none. */
  readonly insights?: Insights
  /** Persons and cohorts, under `/api/stores/:id/people|cohorts` (docs/people.md). */
  readonly people?: People
  /** Informal learning, ineffective content, cohort comparison, under `…/reports/`. */
  readonly peopleReports?: PeopleReports
  /** The console's statement reads and live tail (admin sessions only). */
  readonly operator: OperatorStatements
  /** The built web console (index.html and assets/), served at `/`. */
  readonly webRoot: string
  /** Mark the console's session cookie Secure even on plain-HTTP requests (public URL is https). */
  readonly secureCookies: boolean
  readonly tail?: TailOptions
  /**
   * Statement writes (POST/PUT `/xapi/statements`) from the first byte of the request to the
   * answer, counted as foreground work that the analytics projector yields to.
   */
  readonly foreground?: { track<T>(work: () => Promise<T>): Promise<T> }
}

type Env = AppEnv

/** The version to echo on an error raised before (or instead of) version negotiation. */
function versionForError(header: string | undefined): string {
  try {
    return parseVersionHeader(header)
  } catch {
    return LATEST_VERSION
  }
}

export function createApp(deps: HttpDeps): Hono<Env> {
  const app = new Hono<Env>()

  // First, so that every answer (CORS preflights, 404s, errors) has a request id, a log line and
  // its place in the metrics.
  app.use('*', observeRequests({ logger: deps.logger, metrics: deps.metrics }))
  const foreground = deps.foreground
  if (foreground !== undefined)
    app.use('/xapi/statements', async (c, next) => {
      if (c.req.method === 'POST' || c.req.method === 'PUT') await foreground.track(next)
      else await next()
    })

  // Browser clients call the LRS cross-origin (xAPI's own motivation for CORS, Communication §1.3).
  // They send the Authorization header themselves (TinCanJS, xAPIWrapper), so any origin may
  // call, but never with the browser's own credentials: no Access-Control-Allow-Credentials,
  // and `*` is not a reflected origin. Otherwise a page on any site could read the LRS with
  // Basic credentials the browser cached after a 401's WWW-Authenticate prompt (issue 15). A
  // per-store allow-list for credentialed access is not offered. `/api/` (the admin API, used
  // same-origin by the console) answers no CORS at all.
  app.use(
    '/xapi/*',
    xapiCors({
      allowMethods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS'],
      allowHeaders: [
        'Authorization',
        'Content-Type',
        VERSION_HEADER,
        'If-Match',
        'If-None-Match',
        'Accept-Language',
        'X-Requested-With',
        REQUEST_ID_HEADER,
      ],
      exposeHeaders: [
        'ETag',
        'Last-Modified',
        'Content-Type',
        VERSION_HEADER,
        'X-Experience-API-Consistent-Through',
        REQUEST_ID_HEADER,
      ],
      maxAge: 86400,
    }),
  )

  app.use(
    '/xapi/*',
    bodyLimit({
      maxSize: deps.maxBodyBytes,
      onError: () => {
        throw PayloadTooLargeError(deps.maxBodyBytes)
      },
    }),
  )
  app.use(
    '/xapi/*',
    alternateSyntax((request, env) => app.fetch(request, env)),
  )

  const memory = createVersionMemory()
  const requireVersion = xapiVersion({ optional: false, memory })
  const optionalVersion = xapiVersion({ optional: true, memory })
  const requireAuth = authenticate(deps.lrs)
  const limits = credentialLimits({
    defaultRequestsPerMinute: deps.rateLimitPerMinute,
    serverMaxBodyBytes: deps.maxBodyBytes,
    limiter: createRateLimiter(),
  })
  const xapiGate: MiddlewareHandler<Env> = async (c, next) => {
    if (c.req.path === '/xapi/about') {
      await optionalVersion(c, next)
      return
    }
    await requireVersion(c, async () => {
      await requireAuth(c, async () => {
        memory.remember(c.req.header('Authorization'), c.get('version'))
        await limits(c, next)
      })
    })
  }
  app.use('/xapi/*', xapiGate)

  registerAboutRoutes(app, deps.lrs)
  registerStatementRoutes(app, deps.lrs)
  registerDocumentRoutes(app, deps.lrs)
  // Before the admin routes, whose middleware (no-store, body limit) is not for these.
  registerApiDocsRoutes(
    app,
    buildOpenApiDocument({ version: deps.productVersion, serverUrl: deps.publicUrl }),
  )
  // Before the admin routes: reports also accept store credentials, not only admin sessions.
  if (deps.analytics !== undefined)
    app.route(
      '/api/stores/:id/reports',
      createReportRoutes(deps.analytics, deps.admin, deps.lrs, deps.peopleReports),
    )
  if (deps.insights !== undefined)
    app.route('/api/stores/:id/insights', createInsightsRoutes(deps.insights, deps.admin, deps.lrs))
  // Before the admin routes too: a people import may exceed their body limit.
  if (deps.people !== undefined) app.route('/api', createPeopleRoutes(deps.admin, deps.people))
  app.route(
    '/api',
    createAdminRoutes(deps.admin, {
      operator: deps.operator,
      secureCookies: deps.secureCookies,
      ...(deps.tail === undefined ? {} : { tail: deps.tail }),
    }),
  )
  app.route('/api', createPersonalDataRoutes(deps.admin, deps.personalData))
  app.route('/api', createForwardingRoutes(deps.admin, deps.forwarding))
  registerOpsRoutes(app, deps.ops)
  // Last: the console's client routes fall back to its index.html.
  registerConsoleWebRoutes(app, deps.webRoot)

  app.notFound((c) => {
    c.header(VERSION_HEADER, versionForError(c.req.header(VERSION_HEADER)))
    return errorResponse(
      NotFoundError(`no resource at ${c.req.method} ${c.req.path}`),
      c,
      deps.logError,
    )
  })
  app.onError((error, c) => {
    if (c.res.headers.get(VERSION_HEADER) === null)
      c.header(VERSION_HEADER, versionForError(c.req.header(VERSION_HEADER)))
    return errorResponse(error, c, deps.logError)
  })
  return app
}
