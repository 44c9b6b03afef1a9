/** @module The `Forwarding` interface: per-store forwarding targets (another LRS, a webhook), as the admin API and CLI call them. */
import type { StoreId } from '../../storage/ports.js'
import type { AdminActor } from '../admin/admin.js'

/** A target as shown: never its password or webhook secret. */
export interface TargetView {
  id: number
  storeId: StoreId
  name: string
  kind: 'lrs' | 'webhook'
  /** The LRS endpoint or the webhook URL. */
  url: string
  /** For an LRS target: the username and xAPI version used there. */
  username: string | null
  xapiVersion: string | null
  filter: {
    verbs: string[]
    activities: string[]
    activityPrefixes: string[]
    /** Canonical IFI keys (`mbox:mailto:…`, `account:<homePage>|<name>`, …). */
    actors: string[]
    platforms: string[]
  }
  batchSize: number
  maxFailures: number
  state: 'active' | 'paused'
  createdAt: string
}

/** A target with where it stands in the store's statement log and how delivery goes. */
export interface TargetStatus extends TargetView {
  /** The seq of the last statement delivered (or skipped by the filter). */
  cursor: number
  /** `stored` of the statement at the cursor, ISO 8601 UTC; null before the first. */
  cursorStored: string | null
  /** The store's watermark: the last seq that can be delivered now. */
  watermark: number
  /** How far behind: seqs between cursor and watermark, and the age of the oldest undelivered. */
  lag: { seqs: number; seconds: number }
  lastSuccessAt: string | null
  lastError: string | null
  lastErrorAt: string | null
  consecutiveFailures: number
  counts: { delivered: number; batches: number; failures: number }
}

/** The answer to creating a webhook target: the secret is shown this once. */
export interface CreatedTarget {
  target: TargetStatus
  /** The HMAC-SHA256 key of a webhook target; absent for an LRS target. */
  secret?: string
}

/** The filter as given: actors as Agent objects (or IFI keys), the rest as strings. */
export interface FilterInput {
  verbs?: string[] | undefined
  activities?: string[] | undefined
  activityPrefixes?: string[] | undefined
  actors?: unknown[] | undefined
  platforms?: string[] | undefined
}

export interface NewTargetInput {
  name: string
  kind: 'lrs' | 'webhook'
  /** LRS endpoint (`…/xapi`) or webhook URL; http or https. */
  url: string
  username?: string | undefined
  password?: string | undefined
  /** '1.0.3' or '2.0.0' (default). */
  xapiVersion?: string | undefined
  filter?: FilterInput | undefined
  batchSize?: number | undefined
  maxFailures?: number | undefined
  /** Where delivery starts: 'now' (default), 'beginning' or an ISO 8601 time. */
  startAt?: string | undefined
}

export interface TargetUpdate {
  name?: string | undefined
  url?: string | undefined
  username?: string | undefined
  password?: string | undefined
  xapiVersion?: string | undefined
  filter?: FilterInput | undefined
  batchSize?: number | undefined
  maxFailures?: number | undefined
}

export interface Forwarding {
  createTarget(by: AdminActor, storeId: StoreId, input: NewTargetInput): Promise<CreatedTarget>
  listTargets(storeId: StoreId): Promise<TargetStatus[]>
  getTarget(storeId: StoreId, id: number): Promise<TargetStatus>
  updateTarget(
    by: AdminActor,
    storeId: StoreId,
    id: number,
    update: TargetUpdate,
  ): Promise<TargetStatus>
  deleteTarget(by: AdminActor, storeId: StoreId, id: number): Promise<void>
  pause(by: AdminActor, storeId: StoreId, id: number): Promise<TargetStatus>
  /** Resumes from the cursor (nothing is lost) with the failure count reset. */
  resume(by: AdminActor, storeId: StoreId, id: number): Promise<TargetStatus>
  /** Delivers again every statement stored at or after `from` (ISO 8601), in order. */
  replay(by: AdminActor, storeId: StoreId, id: number, from: string): Promise<TargetStatus>
}
