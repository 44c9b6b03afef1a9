/** @module Renders every error as an HTTP response: the only kind → status table in Almanac. */
import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { isLrsError, type ErrorKind } from '../errors/lrs-error.js'
import { requestObservation } from './middleware/observe-requests.js'

const STATUS: Readonly<Record<ErrorKind, ContentfulStatusCode>> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  PreconditionFailed: 412,
  PayloadTooLarge: 413,
  UnsupportedMediaType: 415,
  TooManyRequests: 429,
  Internal: 500,
}

/** Where unexpected errors are reported; the composition root passes the real logger. */
export type ErrorLogger = (errorId: string, error: unknown, requestId: string | undefined) => void

/**
 * The JSON error body: a stable `code` for programs and a `message` for people.
 * Unknown errors become a 500 with a generated id that is logged with the cause, so nothing
 * internal leaks to the client. Every body carries the request id (also in `X-Request-Id`), so a
 * report from a client can be matched to the server's log lines.
 */
export function errorResponse(error: unknown, c: Context, log: ErrorLogger): Response {
  const observation = requestObservation(c)
  const requestId = observation?.requestId
  const withId = requestId === undefined ? {} : { requestId }
  if (isLrsError(error)) {
    if (observation !== undefined) observation.errorCode = error.code
    // The admin API sets its own (Bearer) challenge before failing; xAPI uses Basic (§4.1).
    if (error.kind === 'Unauthorized' && c.res.headers.get('WWW-Authenticate') === null)
      c.header('WWW-Authenticate', 'Basic realm="Almanac xAPI"')
    // RFC 6585 §4: a 429 may say how long to wait.
    const retryAfter = error.details?.['retryAfterSeconds']
    if (typeof retryAfter === 'number') c.header('Retry-After', String(retryAfter))
    return c.json({ error: error.code, message: error.message, ...withId }, STATUS[error.kind])
  }
  const errorId = crypto.randomUUID()
  if (observation !== undefined) observation.errorCode = 'INTERNAL'
  log(errorId, error, requestId)
  return c.json({ error: 'INTERNAL', message: `internal error ${errorId}`, ...withId }, 500)
}
