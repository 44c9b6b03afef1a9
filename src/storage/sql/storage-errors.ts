/** @module The errors a storage adapter raises when the database itself fails or refuses. */
import { defineError, LrsError } from '../../errors/lrs-error.js'

/** A write broke a uniqueness rule, e.g. two processes inserting the same statement id at once. */
export const StorageConflictError = defineError(
  'STORAGE_CONFLICT',
  'Conflict',
  (detail: string) => `the write conflicts with stored data: ${detail}`,
)

/**
 * The database stayed locked or the transaction could not be serialised, even after retries.
 * `Storage.transaction` retries errors with this code; callers see it only when retries ran out.
 */
export const StorageBusyError = defineError(
  'STORAGE_BUSY',
  'Internal',
  (detail: string) => `the database is busy: ${detail}`,
)

/** Any other database failure (corruption, full disk, a broken schema). */
export const StorageFailureError = defineError(
  'STORAGE_FAILURE',
  'Internal',
  (detail: string) => `the database failed: ${detail}`,
)

/** The same error with the driver error attached as its cause, for logs. */
export function withCause(error: LrsError, cause: unknown): LrsError {
  return new LrsError(error.code, error.kind, error.message, error.details, { cause })
}
