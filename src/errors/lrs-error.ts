/** @module The one error type of Almanac: a stable code, an HTTP-independent kind, and details. */

/** What went wrong, independent of transport; `http/error-response.ts` maps kinds to statuses. */
export type ErrorKind =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'Conflict'
  | 'PreconditionFailed'
  | 'PayloadTooLarge'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'Internal'

export class LrsError extends Error {
  override readonly name = 'LrsError'
  constructor(
    readonly code: string,
    readonly kind: ErrorKind,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** A factory for one error code; call it with the arguments of `message`. */
export interface ErrorFactory<A extends unknown[]> {
  (...args: A): LrsError
  readonly code: string
  /** True when `error` was made by this factory. */
  is(error: unknown): error is LrsError
}

/**
 * Defines an error code once, so call sites read `throw StatementConflictError(id)`.
 * The message function receives the call's arguments; so does `details`, when given, for
 * facts a front end renders besides the message (e.g. `retryAfterSeconds`).
 */
export function defineError<A extends unknown[]>(
  code: string,
  kind: ErrorKind,
  message: (...args: A) => string,
  details?: (...args: A) => Readonly<Record<string, unknown>>,
): ErrorFactory<A> {
  const factory = (...args: A): LrsError =>
    new LrsError(code, kind, message(...args), details?.(...args))
  return Object.assign(factory, {
    code,
    is: (error: unknown): error is LrsError => error instanceof LrsError && error.code === code,
  })
}

export function isLrsError(error: unknown): error is LrsError {
  return error instanceof LrsError
}
