/** @module Turns better-sqlite3 errors into Almanac's storage errors. */
import {
  StorageBusyError,
  StorageConflictError,
  StorageFailureError,
  withCause,
} from '../sql/storage-errors.js'

/** The shape of better-sqlite3's `SqliteError`, typed structurally rather than by the package. */
interface SqliteErrorLike {
  message: string
  /** The extended result code, e.g. `SQLITE_CONSTRAINT_UNIQUE`, `SQLITE_BUSY_SNAPSHOT`. */
  code: string
}

function isSqliteError(error: unknown): error is SqliteErrorLike {
  if (!(error instanceof Error) || !('code' in error)) return false
  return typeof error.code === 'string' && error.code.startsWith('SQLITE_')
}

/**
 * Maps SQLite result codes (https://sqlite.org/rescode.html) to storage errors:
 * - SQLITE_BUSY* / SQLITE_LOCKED*: another connection holds the lock past busy_timeout; the
 *   transaction is retried, so this is `StorageBusyError`;
 * - unique and primary-key violations: `StorageConflictError` (a Conflict);
 * - everything else from SQLite (other constraints, I/O, full disk, corruption): a failure.
 * Errors that did not come from SQLite are returned unchanged.
 */
export function translateSqliteError(error: unknown): unknown {
  if (!isSqliteError(error)) return error
  const { code, message } = error
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return withCause(StorageBusyError(message), error)
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
    return withCause(StorageConflictError(message), error)
  return withCause(StorageFailureError(`${code}: ${message}`), error)
}
