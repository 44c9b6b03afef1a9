/** @module The first middleware: a request id per request, the access log line and the HTTP metrics. */
import type { Context, MiddlewareHandler } from 'hono'
import { matchedRoutes } from 'hono/route'
import type { Logger } from '../../observability/logger.js'
import type { Metrics } from '../../observability/metrics.js'

/** The response (and accepted request) header carrying the request id. */
export const REQUEST_ID_HEADER = 'X-Request-Id'

/**
 * An incoming id is kept when it is short and plain (a UUID, a ULID, a trace id from a proxy):
 * it is echoed in a header and written to logs, so anything else is replaced by a new one.
 */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** What is known about one request while it is served; error-response.ts fills `errorCode`. */
export interface RequestObservation {
  readonly requestId: string
  /** The `error` code of the error body, when the answer is an error. */
  errorCode?: string
}

/** The document resources by route pattern, for `almanac_documents_written_total`. */
const DOCUMENT_ROUTES: Readonly<Record<string, string>> = {
  '/xapi/activities/state': 'state',
  '/xapi/activities/profile': 'activity_profile',
  '/xapi/agents/profile': 'agent_profile',
}

/** The observation of the request `c` serves, if the observer ran (it always does in the app). */
export function requestObservation(c: Context): RequestObservation | undefined {
  return c.get('observation') as RequestObservation | undefined
}

/**
 * The registered pattern of the route that answered: bounded label values, never the raw path
 * (which holds ids and would make a series per statement). Middleware patterns (`*`, `/xapi/*`)
 * are skipped, so a request refused by authentication is still labelled by its route.
 */
function routeLabel(c: Context): string {
  // The console's fallback (`GET *`, console-web-routes.ts) matches every GET path; a request
  // any other route matched belongs to that route. One backward walk, no intermediate arrays:
  // this runs for every request.
  const routes = matchedRoutes(c)
  let fallback: string | undefined
  for (let i = routes.length - 1; i >= 0; i--) {
    const route = routes[i]
    if (route === undefined || route.method === 'ALL') continue
    if (route.path !== '/*') return route.path
    fallback ??= route.path
  }
  return fallback ?? 'unmatched'
}

export interface ObserveRequestsDeps {
  readonly logger: Logger
  readonly metrics: Metrics
}

export function observeRequests(deps: ObserveRequestsDeps): MiddlewareHandler {
  return async (c, next) => {
    // A request rebuilt from the alternate request syntax (alternate-syntax.ts) is the same
    // request: it shares the outer one's observation, which logs and counts it once.
    const env = c.env as { almanacObservation?: RequestObservation } | undefined
    if (env?.almanacObservation !== undefined) {
      c.set('observation', env.almanacObservation)
      await next()
      return
    }
    const started = process.hrtime.bigint()
    const incoming = c.req.header(REQUEST_ID_HEADER)
    const observation: RequestObservation = {
      requestId:
        incoming !== undefined && SANE_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID(),
    }
    c.set('observation', observation)
    c.env = { ...(c.env as object | undefined), almanacObservation: observation }
    // Set before the handler runs: Hono copies prepared headers into the response it builds,
    // whereas a header set on a finished response makes it build the Response again.
    c.header(REQUEST_ID_HEADER, observation.requestId)
    try {
      await next()
    } finally {
      // A response built without the context (the alternate syntax's re-dispatch) lacks it.
      if (!c.res.headers.has(REQUEST_ID_HEADER)) c.header(REQUEST_ID_HEADER, observation.requestId)
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      const status = c.res.status
      const route = routeLabel(c)
      const method = c.req.method
      deps.metrics.observeRequest(method, route, status, seconds)
      if (status >= 400) deps.metrics.rejected(observation.errorCode ?? `HTTP_${status}`, status)
      const resource = DOCUMENT_ROUTES[route]
      if (resource !== undefined && status === 204) {
        // POST ?method=PUT (the alternate syntax) is a PUT.
        const actual = (c.req.query('method') ?? method).toLowerCase()
        if (actual === 'put' || actual === 'post' || actual === 'delete')
          deps.metrics.documentWritten(resource, actual)
      }
      // The path without its query: query strings carry agents (emails) and other personal data.
      deps.logger.log(status >= 500 ? 'error' : 'info', 'request', {
        requestId: observation.requestId,
        method,
        route,
        path: c.req.path,
        status,
        durationMs: Math.round(seconds * 1e4) / 10,
        ...(observation.errorCode === undefined ? {} : { errorCode: observation.errorCode }),
      })
    }
  }
}
