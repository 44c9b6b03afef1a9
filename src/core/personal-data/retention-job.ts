/** @module The background retention job: every interval, each store's policy is applied in small batches. */
import type { Storage, StoreId } from '../../storage/ports.js'
import type { AuditLog } from '../admin/admin-deps.js'
import { purgeStore } from './retention.js'

export interface RetentionJobOptions {
  /** False: nothing runs on a timer (only `runOnce` when called). */
  readonly enabled: boolean
  readonly storage: Storage
  readonly intervalMs: number
  readonly batchSize: number
  /** A pause between batches, so ingest gets the store's write lock in between. */
  readonly pauseMs: number
  readonly now: () => number
  readonly audit: AuditLog
  /** Rebuilds derived data (analytics) of a store whose statements were purged. */
  readonly afterRemoval?: (storeId: StoreId) => Promise<void>
  /** Reports a failed run; the job carries on at the next interval. */
  readonly onError: (error: unknown) => void
}

export interface RetentionJob {
  /** Runs one pass over every store now (also what the timer does). */
  runOnce(): Promise<void>
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>
}

/**
 * Starts the job. Several processes may run it on one database: each batch is its own unit of
 * work under the store's write lock, and deleting what is already gone deletes nothing.
 */
export function startRetentionJob(options: RetentionJobOptions): RetentionJob {
  let running: Promise<void> | undefined
  let stopped = false

  async function pass(): Promise<void> {
    for (const store of await options.storage.admin.listStores()) {
      if (stopped) return
      const policy = await options.storage.scope(store.id).personalData.findRetention()
      if (policy?.statementDays === undefined && policy?.documentDays === undefined) continue
      const report = await purgeStore(options.storage, store.id, policy, {
        dryRun: false,
        now: options.now(),
        batchSize: options.batchSize,
        pauseMs: options.pauseMs,
      })
      if (report.statements > 0) await options.afterRemoval?.(store.id)
      if (report.statements > 0 || report.documents > 0)
        options.audit('retention.purged', {
          by: 'retention-job',
          storeId: store.id,
          statements: report.statements,
          documents: report.documents,
        })
    }
  }

  function runOnce(): Promise<void> {
    running ??= pass()
      .catch(options.onError)
      .finally(() => {
        running = undefined
      })
    return running
  }

  const timer = options.enabled ? setInterval(() => void runOnce(), options.intervalMs) : undefined
  timer?.unref()
  return {
    runOnce,
    async stop() {
      stopped = true
      clearInterval(timer)
      await running
    },
  }
}
