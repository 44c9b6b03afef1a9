/** @module The SQL schema as Kysely table types: one interface per table, snake_case columns. */
import type { Generated } from 'kysely'

/**
 * Column conventions, chosen to mean the same on SQLite and PostgreSQL:
 * - times that are ordered or ranged over are integer epoch milliseconds (`*_ms`);
 * - booleans are integers 0/1;
 * - "absent" parts of a unique key are '' rather than NULL, because NULLs never collide in a
 *   unique index (both engines), which would let duplicate documents in;
 * - JSON is stored as text: it is only ever read back whole, and text is the cheapest to write
 *   on both engines (see /work/shared/stack-notes.md: jsonb costs ~37 µs per row on PostgreSQL).
 * Every table carries `store_id`: a tenant never sees another tenant's rows.
 */

export interface StoresTable {
  id: number
  name: string
  created_ms: number
}

export interface StatementsTable {
  /** The total order of statements (keyset paging); never reused. */
  seq: Generated<number>
  store_id: number
  id: string
  stored_ms: number
  voided: number
  verb_id: string
  actor_ifi: string | null
  object_activity_id: string | null
  object_statement_id: string | null
  registration: string | null
  is_voiding: number
  /** The full statement as JSON text. */
  payload: string
  /** Canonical IFI key of the authority (`statements/read/mine`); since migration 0002. */
  authority_ifi: string | null
}

/** One row per (statement, agent IFI): `relation` is 'direct' when any mention is direct. */
export interface StatementAgentsTable {
  statement_seq: number
  store_id: number
  ifi: string
  relation: string
}

/** One row per (statement, activity): `relation` is 'direct' when any mention is direct. */
export interface StatementActivitiesTable {
  statement_seq: number
  store_id: number
  activity_id: string
  relation: string
}

/** The transitive targets of each statement whose object is a StatementRef. */
export interface StatementRefsTable {
  store_id: number
  referrer_seq: number
  /** A statement id reached from the referrer; the statement may not have arrived yet. */
  target_id: string
}

export interface AttachmentsTable {
  store_id: number
  sha2: string
  content_type: string
  content: Uint8Array
}

/**
 * The attachment contents a statement was stored together with (since migration 0003): only
 * these are returned with it (issue 15).
 */
export interface StatementAttachmentsTable {
  store_id: number
  statement_id: string
  sha2: string
}

/** Random keys every process of the database shares (since migration 0003), base64. */
export interface ServerSecretsTable {
  name: string
  value: string
}

export interface DocumentsTable {
  store_id: number
  kind: string
  /** '' when the kind has no activity (agent profiles). */
  activity_id: string
  /** '' when the kind has no agent (activity profiles). */
  agent_ifi: string
  /** '' for "no registration" (its own namespace for state) and for profiles. */
  registration: string
  document_id: string
  content_type: string
  content: Uint8Array
  etag: string
  updated_ms: number
}

export interface ActivitiesTable {
  store_id: number
  activity_id: string
  /** The canonical definition as JSON text. */
  definition: string
}

export interface AgentsTable {
  store_id: number
  ifi: string
  /** The name seen with the IFI, '' when none. */
  name: string
  /** The agent or group as JSON text. */
  agent: string
}

export interface CredentialsTable {
  key: string
  store_id: number
  secret_hash: string
  name: string
  /** JSON array of scope strings. */
  scopes: string
  enabled: number
  created_at: string
  last_used_at: string | null
  /** Requests per minute; null = the server default. Since migration 0002. */
  rate_limit_per_minute: number | null
  /** Largest request body in bytes; null = the server limit. Since migration 0002. */
  max_body_bytes: number | null
}

/** People who manage the LRS; the password only as a scrypt hash. */
export interface AdminAccountsTable {
  username: string
  password_hash: string
  created_at: string
  last_login_at: string | null
}

/** Admin bearer sessions, by the SHA-256 of the token (the token itself is never stored). */
export interface AdminSessionsTable {
  token_hash: string
  username: string
  created_ms: number
  expires_ms: number
}

/** One row per failed admin login and subject (username+address, address), for throttling. */
export interface LoginFailuresTable {
  subject: string
  failed_ms: number
}

/** How long a store keeps statements and documents (days; null = for ever). Since migration 0010. */
export interface RetentionPoliciesTable {
  store_id: number
  statement_days: number | null
  document_days: number | null
  updated_ms: number
}

/** One erasure (GDPR Art. 17) for accountability; IFIs only as SHA-256 digests. Since 0010. */
export interface ErasuresTable {
  seq: Generated<number>
  store_id: number
  requested_by: string
  requested_ms: number
  /** JSON array of SHA-256 hex digests of the canonical IFI keys erased. */
  ifi_hashes: string
  statements_deleted: number
  statements_anonymised: number
  documents_deleted: number
  attachments_deleted: number
  agents_deleted: number
}

/** A log consumer's cursor per store (migration 0005): the last seq it committed work for. */
export interface LogConsumersTable {
  store_id: number
  consumer: string
  seq: number
  /** When the cursor last moved (epoch ms). */
  updated_ms: number
}

/**
 * Leases of log consumers on engines without session advisory locks (SQLite): one row per
 * (store, consumer), held by `holder` until `expires_ms` unless renewed. Migration 0005.
 */
export interface LogLeasesTable {
  store_id: number
  consumer: string
  holder: string
  expires_ms: number
}

/** Forwarding targets (migration 0009); JSON as text, times as epoch ms. */
export interface ForwardingTargetsTable {
  seq: Generated<number>
  store_id: number
  name: string
  /** `ForwardingDestination` as JSON (credentials and webhook secret included). */
  destination: string
  /** `ForwardingFilter` as JSON. */
  filter: string
  batch_size: number
  max_failures: number
  paused: number
  consecutive_failures: number
  last_error: string | null
  last_error_ms: number | null
  last_success_ms: number | null
  delivered: number
  batches: number
  failures: number
  created_ms: number
}

export interface Database {
  stores: StoresTable
  statements: StatementsTable
  statement_agents: StatementAgentsTable
  statement_activities: StatementActivitiesTable
  statement_refs: StatementRefsTable
  attachments: AttachmentsTable
  statement_attachments: StatementAttachmentsTable
  server_secrets: ServerSecretsTable
  documents: DocumentsTable
  activities: ActivitiesTable
  agents: AgentsTable
  credentials: CredentialsTable
  admin_accounts: AdminAccountsTable
  admin_sessions: AdminSessionsTable
  login_failures: LoginFailuresTable
  retention_policies: RetentionPoliciesTable
  erasures: ErasuresTable
  log_consumers: LogConsumersTable
  log_leases: LogLeasesTable
  forwarding_targets: ForwardingTargetsTable
}
