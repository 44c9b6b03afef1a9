/** @module The catalogue of Almanac's error codes. */
import { defineError } from './lrs-error.js'

/** A request that breaks an xAPI rule; `path` names the offending property (`context.instructor.mbox`). */
export const InvalidStatementError = defineError(
  'INVALID_STATEMENT',
  'BadRequest',
  (path: string, rule: string) => (path ? `${path}: ${rule}` : rule),
)
export const BadRequestError = defineError(
  'BAD_REQUEST',
  'BadRequest',
  (message: string) => message,
)
export const InvalidParameterError = defineError(
  'INVALID_PARAMETER',
  'BadRequest',
  (name: string, rule: string) => `parameter '${name}': ${rule}`,
)
export const MissingVersionError = defineError(
  'MISSING_VERSION',
  'BadRequest',
  () => 'the X-Experience-API-Version header is required (xAPI Communication §3.3)',
)
export const UnsupportedVersionError = defineError(
  'UNSUPPORTED_VERSION',
  'BadRequest',
  (version: string) =>
    `X-Experience-API-Version '${version}' is not supported; use 1.0.x or 2.0.x (xAPI Communication §3.3)`,
)
export const UnauthorizedError = defineError(
  'UNAUTHORIZED',
  'Unauthorized',
  (message: string) => message,
)
export const ForbiddenError = defineError('FORBIDDEN', 'Forbidden', (message: string) => message)
export const NotFoundError = defineError('NOT_FOUND', 'NotFound', (message: string) => message)
export const StatementConflictError = defineError(
  'STATEMENT_CONFLICT',
  'Conflict',
  (id: string) =>
    `statement ${id} already exists with different content; statements are immutable (xAPI Data §2.2)`,
)
export const VoidingTargetError = defineError(
  'INVALID_VOIDING_TARGET',
  'BadRequest',
  (id: string) => `statement ${id} is a voiding statement and cannot be voided (xAPI Data §2.3.2)`,
)
export const DocumentConflictError = defineError(
  'DOCUMENT_CONFLICT',
  'Conflict',
  (message: string) => message,
)
export const PreconditionFailedError = defineError(
  'PRECONDITION_FAILED',
  'PreconditionFailed',
  (message: string) => message,
)
export const PayloadTooLargeError = defineError(
  'PAYLOAD_TOO_LARGE',
  'PayloadTooLarge',
  (limit: number) => `request body exceeds the limit of ${limit} bytes`,
)
export const UnsupportedMediaTypeError = defineError(
  'UNSUPPORTED_MEDIA_TYPE',
  'UnsupportedMediaType',
  (message: string) => message,
)
export const TooManyRequestsError = defineError(
  'TOO_MANY_REQUESTS',
  'TooManyRequests',
  (message: string) => message,
)
/** The credential is valid but lacks the xAPI scope (Communication §4.2) an action needs. */
export const InsufficientScopeError = defineError(
  'INSUFFICIENT_SCOPE',
  'Forbidden',
  (action: string, scopes: readonly string[]) =>
    `this credential may not ${action}: that needs the scope ${scopes.map((s) => `'${s}'`).join(' or ')} (xAPI Communication §4.2)`,
)
/** Too many requests or attempts; `retryAfterSeconds` becomes the `Retry-After` header. */
export const RateLimitedError = defineError(
  'RATE_LIMITED',
  'TooManyRequests',
  (message: string, _retryAfterSeconds: number) => message,
  (_message: string, retryAfterSeconds: number) => ({ retryAfterSeconds }),
)
/** A name that must be unique is taken (an admin username, a credential key). */
export const AlreadyExistsError = defineError(
  'ALREADY_EXISTS',
  'Conflict',
  (message: string) => message,
)
/** Deleting the only admin account would lock every person out. */
export const LastAccountError = defineError(
  'LAST_ACCOUNT',
  'Conflict',
  () => 'the last admin account cannot be deleted; create another first',
)
/** A state-changing console request without the session's CSRF token (OWASP CSRF cheat sheet). */
export const CsrfTokenError = defineError(
  'CSRF_TOKEN_INVALID',
  'Forbidden',
  () =>
    'this request needs the X-CSRF-Token header of the signed-in console session (from POST /api/session or GET /api/session)',
)
