/** @module Builds the HTTP application: middleware order, routes and error rendering. */
import { Hono, type MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { cors } from 'hono/cors'
import type { Analytics } from '../analytics/analytics.js'
import type { Admin } from '../core/admin/admin.js'
import type { Forwarding } from '../core/forwarding/forwarding.js'
import type { Lrs } from '../core/lrs.js'
import type { PersonalData } from '../core/personal-data/personal-data.js'
import { NotFoundError, PayloadTooLargeError } from '../errors/errors.js'
import { LATEST_VERSION, parseVersionHeader } from '../xapi/versions.js'
import type { AppEnv } from './app-env.js'
import { errorResponse, type ErrorLogger } from './error-response.js'
import { alternateSyntax } from './middleware/alternate-syntax.js'
import { authenticate } from './middleware/authenticate.js'
import { credentialLimits } from './middleware/credential-limits.js'
import { createVersionMemory, VERSION_HEADER, xapiVersion } from './middleware/xapi-version.js'
import { createRateLimiter } from './rate-limiter.js'
import { registerAboutRoutes } from './routes/about-routes.js'
import { createAdminRoutes } from './routes/admin-routes.js'
import { registerDocumentRoutes } from './routes/document-routes.js'
import { createForwardingRoutes } from './routes/forwarding-routes.js'
import { createPersonalDataRoutes } from './routes/personal-data-routes.js'
import { createReportRoutes } from './routes/report-routes.js'
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
  /** Erasure and retention, under `/api/stores/:id/…`. */
  readonly personalData: PersonalData
  /** Forwarding targets, under `/api/stores/:id/forwarding/…`. */
  readonly forwarding: Forwarding
  /** The report use cases behind `/api/stores/:id/reports/`; absent = no report routes. */
  readonly analytics?: Analytics
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

  // Browser clients call the LRS cross-origin (xAPI's own motivation for CORS, Communication §1.3).
  app.use(
    '*',
    cors({
      origin: (origin) => origin,
      credentials: true,
      allowMethods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS'],
      allowHeaders: [
        'Authorization',
        'Content-Type',
        VERSION_HEADER,
        'If-Match',
        'If-None-Match',
        'Accept-Language',
        'X-Requested-With',
      ],
      exposeHeaders: [
        'ETag',
        'Last-Modified',
        'Content-Type',
        VERSION_HEADER,
        'X-Experience-API-Consistent-Through',
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
  // Before the admin routes: reports also accept store credentials, not only admin sessions.
  if (deps.analytics !== undefined)
    app.route('/api/stores/:id/reports', createReportRoutes(deps.analytics, deps.admin, deps.lrs))
  app.route('/api', createAdminRoutes(deps.admin))
  app.route('/api', createPersonalDataRoutes(deps.admin, deps.personalData))
  app.route('/api', createForwardingRoutes(deps.admin, deps.forwarding))

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
