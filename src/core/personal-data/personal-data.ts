/** @module The `PersonalData` interface: erasure (GDPR Art. 17) and retention (Art. 5(1)(e)), as the admin API and CLI call them. */
import type { ErasureRecord, RetentionCount, StoreId } from '../../storage/ports.js'
import type { AdminActor } from '../admin/admin.js'

/** One erasure as the admin API shows it. */
export type ErasureView = ErasureRecord

export interface RetentionView {
  storeId: StoreId
  /** Days statements are kept (by `stored`); null = for ever. */
  statementDays: number | null
  /** Days documents are kept after their last change; null = for ever. */
  documentDays: number | null
  updatedAt: string | null
}

/** What `setRetention` changes; absent members stay, null means "keep for ever". */
export interface RetentionUpdate {
  statementDays?: number | null | undefined
  documentDays?: number | null | undefined
}

/** What a purge removed, or (dry run) would remove, and the cut-off times it used. */
export interface PurgeReport extends RetentionCount {
  dryRun: boolean
  /** Statements stored before this are purged (ISO 8601 UTC); null without a statement policy. */
  statementsBefore: string | null
  documentsBefore: string | null
}

export interface PersonalData {
  /**
   * Erases an agent from a store: see `erase-agent.ts` for what is deleted and what is
   * anonymised. `agent` is an Agent as JSON (validated as in statements); one unit of work.
   */
  erase(by: AdminActor, storeId: StoreId, agent: unknown): Promise<ErasureView>
  /**
   * Erases a person of the people directory: every one of their identifiers, as `erase` does
   * for one agent, and the person with them; 404 for an unknown person.
   */
  erasePerson(by: AdminActor, storeId: StoreId, personId: number): Promise<ErasureView>
  /** The store's erasures, newest first; 404 for an unknown store. */
  listErasures(storeId: StoreId): Promise<ErasureView[]>
  getRetention(storeId: StoreId): Promise<RetentionView>
  setRetention(by: AdminActor, storeId: StoreId, update: RetentionUpdate): Promise<RetentionView>
  /**
   * Applies the store's retention policy now, in batches of small units of work, or (dry run)
   * only counts what would go.
   */
  purge(by: AdminActor, storeId: StoreId, options: { dryRun: boolean }): Promise<PurgeReport>
}
