/** @module Turns PostgreSQL (pg) errors into Almanac's storage errors. */
import {
  StorageBusyError,
  StorageConflictError,
  StorageFailureError,
  withCause,
} from '../sql/storage-errors.js'

/** The shape of pg's `DatabaseError`, typed structurally rather than by the package. */
interface PostgresErrorLike {
  message: string
  /** The SQLSTATE, five characters (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
  code: string
  /** ERROR, FATAL, PANIC: only errors the server sent carry it. */
  severity: string
}

function isPostgresError(error: unknown): error is PostgresErrorLike {
  if (!(error instanceof Error) || !('code' in error) || !('severity' in error)) return false
  return typeof error.code === 'string' && /^[0-9A-Z]{5}$/.test(error.code)
}

/**
 * SQLSTATEs after which running the whole unit of work again can succeed:
 * - 40001 serialization_failure and 40P01 deadlock_detected: PostgreSQL asks for the retry;
 * - 55P03 lock_not_available: a lock (the store's write lock, a row) stayed held past
 *   lock_timeout, like SQLITE_BUSY after busy_timeout;
 * - 53300 too_many_connections and 57P03 cannot_connect_now: the server refused a new
 *   connection for now (connection limit, start-up or recovery).
 */
const TRANSIENT = new Set(['40001', '40P01', '55P03', '53300', '57P03'])

/**
 * Maps SQLSTATEs to storage errors: the transient ones above to `StorageBusyError` (the unit of
 * work is retried), 23505 unique_violation to `StorageConflictError` (a Conflict), everything
 * else the server reports (other constraints, 57014 statement timeout, a full disk) to a
 * failure. Errors that did not come from the server (a bug, a dropped connection) are returned
 * unchanged.
 */
export function translatePostgresError(error: unknown): unknown {
  if (!isPostgresError(error)) return error
  const { code, message } = error
  if (TRANSIENT.has(code)) return withCause(StorageBusyError(message), error)
  if (code === '23505') return withCause(StorageConflictError(message), error)
  return withCause(StorageFailureError(`${code}: ${message}`), error)
}
