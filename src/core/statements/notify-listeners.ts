/** @module Running the after-commit ingest listeners, each isolated from the request and the others. */
import type { StoredStatement } from '../../xapi/types.js'

/**
 * Called after an ingest transaction commits, with the statements new to the store in request
 * order (the same list the `ProjectStep`s saw). The contract:
 *
 * - **After commit, never part of it.** The statements are durable before any listener runs, so a
 *   listener cannot veto or roll back a write. A throw (or a rejected promise) is caught, reported
 *   through `onListenerError` (logged and counted by the composition root) and does not change
 *   the response; the other listeners still run.
 * - **Not durable.** A listener runs in this process, at most once per committed batch, with no
 *   retry: a crash or restart between the commit and the call loses the notification, and a
 *   batch committed by another process is never seen here. Work that must not be lost reads the
 *   statement log instead (statements totally ordered by `seq`, consumed from a stored cursor).
 * - **Cheap and synchronous.** Listeners run in order on the request's path; the synchronous part
 *   of each delays the response. Hand real work off (queue it); a returned promise is not
 *   awaited, only watched for rejection.
 * - **Voiding.** Statements voided by a voiding statement of the same batch are in the list, with
 *   no marker: the voiding statement (verb `http://adlnet.gov/expapi/verbs/voided`, Data §2.3.2)
 *   follows in the same list. Statements stored earlier and voided by this batch are not.
 */
export type IngestListener = (
  storeId: number,
  statements: readonly StoredStatement[],
) => void | Promise<void>

/** Receives each listener failure; must not throw itself. */
export type ListenerErrorHandler = (error: unknown, storeId: number) => void

/** Calls every listener with the committed statements; no failure escapes. */
export function notifyListeners(
  listeners: readonly IngestListener[],
  storeId: number,
  statements: readonly StoredStatement[],
  onError: ListenerErrorHandler,
): void {
  for (const listener of listeners) {
    try {
      const result = listener(storeId, statements)
      if (result instanceof Promise)
        result.catch((error: unknown) => report(onError, error, storeId))
    } catch (error: unknown) {
      report(onError, error, storeId)
    }
  }
}

function report(onError: ListenerErrorHandler, error: unknown, storeId: number): void {
  try {
    onError(error, storeId)
  } catch {
    // The handler logs; if even that fails, the committed write must still be answered.
  }
}
