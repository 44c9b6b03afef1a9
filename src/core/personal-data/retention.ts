/** @module Retention (GDPR Art. 5(1)(e) storage limitation): per-store policies and their purge in small batches. */
import { setTimeout as sleep } from 'node:timers/promises'
import type { RetentionPolicy, StoreId, Storage } from '../../storage/ports.js'
import type { PurgeReport } from './personal-data.js'

const DAY_MS = 24 * 60 * 60 * 1000

/** How a purge runs: small units of work so that ingest is never held up for long. */
export interface PurgeOptions {
  readonly dryRun: boolean
  /** The clock, epoch ms: what "N days ago" is measured from. */
  readonly now: number
  /** Statements (or documents) removed per unit of work. */
  readonly batchSize: number
  /** A pause between units of work, so writers of the store get the lock in between. */
  readonly pauseMs?: number
}

/** The cut-off of a policy: records older than this go (exclusive: exactly N days are kept). */
export function cutoff(days: number | undefined, now: number): string | undefined {
  return days === undefined ? undefined : new Date(now - days * DAY_MS).toISOString()
}

/**
 * Applies `policy` to a store. A statement is kept when `stored` ≥ now − N days: a store then
 * holds exactly the last N days. Statements go oldest first with their index rows, unused
 * attachments and the agents no remaining statement mentions (so the Agents resource agrees);
 * documents by their last change. A dry run only counts.
 */
export async function purgeStore(
  storage: Storage,
  storeId: StoreId,
  policy: RetentionPolicy | undefined,
  options: PurgeOptions,
): Promise<PurgeReport> {
  const statementsBefore = cutoff(policy?.statementDays, options.now)
  const documentsBefore = cutoff(policy?.documentDays, options.now)
  const report: PurgeReport = {
    dryRun: options.dryRun,
    statementsBefore: statementsBefore ?? null,
    documentsBefore: documentsBefore ?? null,
    ...(await storage.scope(storeId).personalData.countExpired(statementsBefore, documentsBefore)),
  }
  if (options.dryRun) return report

  let statements = 0
  if (statementsBefore !== undefined)
    for (;;) {
      const batch = await storage.transaction(storeId, (scope) =>
        scope.personalData.purgeStatementsBefore(statementsBefore, options.batchSize),
      )
      statements += batch.statements
      if (batch.statements < options.batchSize) break
      if (options.pauseMs !== undefined) await sleep(options.pauseMs)
    }
  let documents = 0
  if (documentsBefore !== undefined)
    for (;;) {
      const batch = await storage.transaction(storeId, (scope) =>
        scope.personalData.purgeDocumentsBefore(documentsBefore, options.batchSize),
      )
      documents += batch
      if (batch < options.batchSize) break
      if (options.pauseMs !== undefined) await sleep(options.pauseMs)
    }
  return { ...report, statements, documents }
}
