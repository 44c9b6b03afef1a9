/** @module The storage port: what core needs from a backend. One adapter per backend implements it. */
import type { Activity, ActivityDefinition, Agent, Group, StoredStatement } from '../xapi/types.js'

/** A tenant. Every record belongs to exactly one store; nothing is visible across stores. */
export type StoreId = number

/** The store created on first start; used until multi-tenancy (stores) is configured. */
export const DEFAULT_STORE_ID: StoreId = 1

/** How an agent appears in a statement, for the `agent` / `related_agents` filters. */
export type AgentRelation =
  /**
   * the statement's actor, or its object when that is an Agent/Group, including the members of
   * such a Group (the plain `agent` filter, Communication §2.1.3).
   */
  | 'direct'
  /** authority, instructor, team (and their members), context agents/groups, anything in a SubStatement. */
  | 'related'

/** How an activity appears in a statement, for the `activity` / `related_activities` filters. */
export type ActivityRelation =
  /** the statement's object (the plain `activity` filter). */
  | 'direct'
  /** contextActivities of any kind, and the object/context of a SubStatement. */
  | 'related'

/** The index entries of one statement, computed by core (`core/statements/statement-index.ts`). */
export interface StatementIndex {
  verbId: string
  /** Canonical IFI key (see `xapi/ifi.ts`) of the actor; undefined for an anonymous group. */
  actorIfi: string | undefined
  /** id of the object when it is an Activity. */
  objectActivityId: string | undefined
  /** id of the targeted statement when the object is a StatementRef. */
  objectStatementId: string | undefined
  registration: string | undefined
  /** True for a statement whose verb is `voided` (Data §2.3.2). */
  isVoiding: boolean
  /** Every identified agent/group the statement mentions, deduplicated by (ifi, relation). */
  agents: readonly { ifi: string; relation: AgentRelation }[]
  /** Every activity the statement mentions, deduplicated by (activityId, relation). */
  activities: readonly { activityId: string; relation: ActivityRelation }[]
  /**
   * Canonical IFI key of the statement's `authority`: what the `statements/read/mine` scope
   * filters on (Communication §4.2). Undefined for an anonymous group authority.
   */
  authorityIfi?: string | undefined
}

/** A statement ready to be persisted: LRS-set fields already filled in. */
export interface StatementRecord {
  statement: StoredStatement
  index: StatementIndex
}

/** A statement as read back. */
export interface StatementRow {
  statement: StoredStatement
  voided: boolean
}

/** The filters of `GET /statements` (Communication §2.1.3), already parsed and validated. */
export interface StatementQuery {
  /** Canonical IFI key of the `agent` parameter. */
  agentIfi?: string
  verbId?: string
  activityId?: string
  registration?: string
  relatedActivities: boolean
  relatedAgents: boolean
  /** Exclusive lower bound on `stored`, ISO 8601 UTC. */
  since?: string
  /** Inclusive upper bound on `stored`, ISO 8601 UTC. */
  until?: string
  ascending: boolean
  /** Page size, already capped by core; always ≥ 1. */
  limit: number
  /**
   * Only statements whose authority has this canonical IFI key (`StatementIndex.authorityIfi`):
   * the `statements/read/mine` scope (Communication §4.2). Applies to the statements returned,
   * not to the targets of their StatementRefs.
   */
  authorityIfi?: string
}

/**
 * Where a page left off. Opaque to core except that it round-trips through the `more` token.
 * `snapshot` fixes the upper bound of the query at the time of the first page, so pages never
 * shift when statements are added meanwhile.
 */
export interface StatementCursor {
  /** The highest `seq` visible when the first page was read. */
  snapshot: number
  /** The `seq` of the last statement on the previous page. */
  after: number
}

export interface StatementPage {
  statements: StoredStatement[]
  /** Present when more statements match; pass it back with the same query for the next page. */
  next: StatementCursor | undefined
}

export interface AttachmentContent {
  sha2: string
  contentType: string
  content: Uint8Array
}

/** Statements, their index tables and attachment contents, for one store. */
export interface StatementStore {
  /**
   * The `stored` time for the statements of the current unit of work (ISO 8601 UTC, ms).
   * Called inside `Storage.transaction`, before `insertStatements`. It is never earlier than a
   * `stored` time already committed and always later than any `consistentThrough()` already
   * returned, so a consumer that advances its `since` watermark never skips a statement.
   * `count`: the most statements the unit of work will insert with it (default 1); a shared
   * unit of work (`UnitOfWorkOptions.shared`) reserves that many `seq` values with its time.
   */
  allocateStored(count?: number): Promise<string>

  /**
   * Reads the statements with these ids, voided or not (for conflict checks and StatementRefs).
   * Ids are lower-case UUIDs.
   */
  findStatementsByIds(ids: readonly string[]): Promise<Map<string, StatementRow>>

  /**
   * Persists statements and their index entries; assigns each a monotonically increasing `seq`.
   * The caller has already rejected conflicting ids. Must run inside `Storage.transaction`.
   */
  insertStatements(records: readonly StatementRecord[]): Promise<void>

  /** Marks the statements with these ids voided (those that exist); others are ignored. */
  markVoided(ids: readonly string[]): Promise<void>

  /**
   * Ids of the stored voiding statements that target any of `ids` (Data §2.3.2), so a statement
   * that arrives after its voiding statement is stored voided.
   */
  findVoidedTargets(ids: readonly string[]): Promise<Set<string>>

  /**
   * Reads one statement by id. `voided: false` finds it only when not voided (the `statementId`
   * parameter); `voided: true` only when voided (`voidedStatementId`). With `authorityIfi`, only
   * a statement whose authority has that IFI key is found (`statements/read/mine`).
   */
  findStatement(
    id: string,
    voided: boolean,
    authorityIfi?: string,
  ): Promise<StoredStatement | undefined>

  /**
   * One page of the statements matching `query`, newest `stored` first unless `ascending`.
   * Voided statements are never returned. A statement whose object is a StatementRef matches a
   * filter (other than since/until/limit) when its target matches it, recursively
   * (Communication §2.1.3 "Filter Conditions for StatementRefs").
   */
  queryStatements(query: StatementQuery, cursor?: StatementCursor): Promise<StatementPage>

  /**
   * The `stored` time up to which every statement is visible to readers (ISO 8601 UTC): the
   * `X-Experience-API-Consistent-Through` header. A consumer that pages with since = this value
   * never skips a statement.
   */
  consistentThrough(): Promise<string>

  /**
   * Stores attachment contents, one copy per SHA-2 (later duplicates are ignored), and records
   * which statements were stored together with which content (`owners`, issue 15): only those
   * statements return it. Must run inside `Storage.transaction`, with the statements.
   */
  insertAttachments(
    attachments: readonly AttachmentContent[],
    owners: readonly AttachmentOwner[],
  ): Promise<void>

  /**
   * The attachment contents stored together with any of these statements (by id), by SHA-2.
   * A statement that only declares a hash (fileUrl, or a content another statement brought)
   * gets nothing for it: a hash is not a secret.
   */
  findStatementAttachments(statementIds: readonly string[]): Promise<Map<string, AttachmentContent>>
}

/** A statement that was stored together with the content of one of its attachments. */
export interface AttachmentOwner {
  statementId: string
  sha2: string
}

/** Which documents a key addresses (Communication §2.2–2.7). */
export type DocumentKind = 'state' | 'activityProfile' | 'agentProfile'

/** The full key of one document. Unused parts are undefined (e.g. no agent for activity profiles). */
export interface DocumentKey {
  kind: DocumentKind
  activityId: string | undefined
  /** Canonical IFI key of the agent. */
  agentIfi: string | undefined
  /** Only for state; undefined means "no registration", which is its own namespace. */
  registration: string | undefined
  /** stateId or profileId. */
  documentId: string
}

/** The set of documents addressed by the id-list and delete-all requests: a key without its id. */
export type DocumentScope = Omit<DocumentKey, 'documentId'>

export interface StoredDocument {
  key: DocumentKey
  contentType: string
  content: Uint8Array
  /** The SHA-1 hex of the content, unquoted; HTTP adds the quotes. */
  etag: string
  /** Last change, ISO 8601 UTC with milliseconds. */
  updated: string
}

/** State, Activity Profile and Agent Profile documents, for one store. */
export interface DocumentStore {
  findDocument(key: DocumentKey): Promise<StoredDocument | undefined>
  /** Creates or replaces the document. */
  upsertDocument(document: StoredDocument): Promise<void>
  /** Deletes one document; true when it existed. */
  deleteDocument(key: DocumentKey): Promise<boolean>
  /** Deletes every document in the scope (state delete-all); registration undefined = any. */
  deleteDocuments(scope: DocumentScope): Promise<number>
  /** The ids in the scope updated after `since` (exclusive), any order. */
  listDocumentIds(scope: DocumentScope, since?: string): Promise<string[]>
}

/** The canonical Activity definitions and the agents the LRS has seen, for one store. */
export interface ActorActivityStore {
  /** Reads the canonical Activity for an id. */
  findActivity(activityId: string): Promise<Activity | undefined>
  /** Reads the canonical definitions of many activities at once; unknown ids are absent. */
  findActivityDefinitions(
    activityIds: readonly string[],
    /**
     * `forUpdate`: inside a unit of work that will merge into these definitions and write them
     * back; another unit of work of the store doing the same with any of them waits until this
     * one ends, then reads what it wrote (needed where writers of a store run in parallel).
     */
    options?: { readonly forUpdate?: boolean },
  ): Promise<Map<string, ActivityDefinition>>
  /** Stores definitions; the caller has already merged each with the previous canonical one. */
  upsertActivities(
    activities: readonly { id: string; definition: ActivityDefinition }[],
  ): Promise<void>
  /** Records agents/groups seen in statements (by canonical IFI key), for the Agents resource. */
  upsertAgents(agents: readonly { ifi: string; agent: Agent | Group }[]): Promise<void>
  /** The agents recorded under an IFI key (one per name seen). */
  findAgents(ifi: string): Promise<(Agent | Group)[]>
}

/** A credential an xAPI client authenticates with (HTTP Basic: key + secret). */
export interface CredentialRecord {
  key: string
  /** A slow salted hash (`scrypt$N$r$p$salt$hash`), never the secret itself. */
  secretHash: string
  storeId: StoreId
  name: string
  /** xAPI authorization scopes (Communication §4.2), e.g. `all`, `statements/write`. */
  scopes: readonly string[]
  enabled: boolean
  createdAt: string
  lastUsedAt: string | undefined
  /** Requests per minute this credential may make; undefined = the server's default. */
  rateLimitPerMinute?: number | undefined
  /** The largest request body it may send, in bytes; undefined = the server's limit. */
  maxBodyBytes?: number | undefined
}

/**
 * What `updateCredential` may change; absent members stay as they are. For the limits, `null`
 * goes back to the server's default.
 */
export interface CredentialChanges {
  secretHash?: string
  enabled?: boolean
  name?: string
  scopes?: readonly string[]
  rateLimitPerMinute?: number | null
  maxBodyBytes?: number | null
}

/** A store (tenant) as the admin functions see it. */
export interface StoreRecord {
  id: StoreId
  name: string
  /** ISO 8601 UTC. */
  createdAt: string
}

/** A person who manages the LRS (the admin API, the web console). */
export interface AccountRecord {
  username: string
  /** A slow salted hash (`scrypt$N$r$p$salt$hash`), never the password itself. */
  passwordHash: string
  createdAt: string
  lastLoginAt: string | undefined
}

/** A signed-in admin session; the bearer token itself is never stored. */
export interface SessionRecord {
  /** SHA-256 (hex) of the bearer token. */
  tokenHash: string
  username: string
  createdAt: string
  /** ISO 8601 UTC; the session is unusable from then on. */
  expiresAt: string
}

/**
 * Stores (tenants), their credentials, admin accounts, admin sessions and failed logins; not
 * scoped to one store. Sessions and failed logins live in the database so that every process
 * serving the same database honours them.
 */
/**
 * Stores, credentials and admin accounts (not scoped to a store). Each method is atomic on its
 * own; a use case that checks and then writes runs inside `transaction`.
 */
export interface AdminStore extends AdminRecords {
  /**
   * Runs `fn` as one unit of work over the admin data: all of it commits or none does, and units
   * of work of the admin data run one at a time across every process of the database (SQLite:
   * `begin immediate`; PostgreSQL: a transaction-level advisory lock), so what `fn` reads stays
   * true until it commits (e.g. "not the last account" while deleting one). Retried whole on
   * transient failures, so `fn` must not have side effects outside `admin`; it must not use the
   * outer store either (on SQLite its one connection is held by the unit of work). Keep slow
   * work (password hashing) outside.
   */
  transaction<T>(fn: (admin: AdminRecords) => Promise<T>): Promise<T>
}

/** The records of `AdminStore`, as seen inside and outside a unit of work. */
export interface AdminRecords {
  /** Creates the default store if missing; idempotent. */
  ensureDefaultStore(): Promise<void>
  /**
   * Creates a store with the next free id and returns it. Two processes creating stores at the
   * same moment may collide: the loser gets a Conflict error and may try again.
   */
  insertStore(name: string, createdAt: string): Promise<StoreRecord>
  findStore(id: StoreId): Promise<StoreRecord | undefined>
  /** Every store, by id. */
  listStores(): Promise<StoreRecord[]>
  /** Renames a store; false when it does not exist. */
  updateStore(id: StoreId, changes: { name: string }): Promise<boolean>

  findCredential(key: string): Promise<CredentialRecord | undefined>
  insertCredential(record: CredentialRecord): Promise<void>
  countCredentials(): Promise<number>
  /** The credentials of one store, oldest first. */
  listCredentials(storeId: StoreId): Promise<CredentialRecord[]>
  touchCredential(key: string, at: string): Promise<void>
  /** Changes a credential (rotation, revocation, renaming, scopes, limits); no-op when unknown. */
  updateCredential(key: string, changes: CredentialChanges): Promise<void>

  findAccount(username: string): Promise<AccountRecord | undefined>
  /** Every account, by username. */
  listAccounts(): Promise<AccountRecord[]>
  /** Fails with a Conflict error when the username is taken. */
  insertAccount(record: AccountRecord): Promise<void>
  updateAccount(
    username: string,
    changes: { passwordHash?: string; lastLoginAt?: string },
  ): Promise<void>
  /** Deletes the account and its sessions; false when it did not exist. */
  deleteAccount(username: string): Promise<boolean>

  insertSession(record: SessionRecord): Promise<void>
  /** The session with this token hash, unless it expired at or before `now`. */
  findSession(tokenHash: string, now: string): Promise<SessionRecord | undefined>
  deleteSession(tokenHash: string): Promise<void>
  /** Deletes every session of an account (password change, account deletion). */
  deleteSessions(username: string): Promise<void>
  /** Deletes the sessions that expired at or before `now`. */
  deleteExpiredSessions(now: string): Promise<void>

  /** Records one failed login against each subject (e.g. a username+address and an address). */
  insertLoginFailures(subjects: readonly string[], at: string): Promise<void>
  /** How many failures `subject` has after `since` (exclusive), and the oldest of them. */
  countLoginFailures(
    subject: string,
    since: string,
  ): Promise<{ count: number; oldest: string | undefined }>
  /** Forgets a subject's failures (after a successful login). */
  deleteLoginFailures(subject: string): Promise<void>
  /** Forgets every failure at or before `before` (housekeeping). */
  purgeLoginFailures(before: string): Promise<void>

  /**
   * The server secret named `name` (base64): the first `candidate` ever offered under that name
   * wins and every later call, from any process of the database, returns it (e.g. the key of
   * the `more` tokens).
   */
  sharedSecret(name: string, candidate: string): Promise<string>
}

/** A statement as the erasure sees it: its place in the log and who its actor is. */
export interface StatementMention {
  seq: number
  statement: StoredStatement
  voided: boolean
  /** Canonical IFI key of the actor; undefined for an anonymous group. */
  actorIfi: string | undefined
}

/** A statement rewritten in place (an anonymised copy): same seq, id and `stored`. */
export interface RewrittenStatement {
  seq: number
  record: StatementRecord
}

/** One erasure of an agent's personal data (GDPR Art. 17), as kept for accountability. */
export interface ErasureRecord {
  id: number
  /** `admin:<username>` or `cli`. */
  requestedBy: string
  /** ISO 8601 UTC. */
  requestedAt: string
  /**
   * SHA-256 (hex) of each canonical IFI key erased (`xapi/ifi.ts`), never the IFI itself: the
   * record must not keep the personal data it says was erased, yet a claimed identifier can be
   * checked against it.
   */
  ifiHashes: string[]
  statementsDeleted: number
  statementsAnonymised: number
  documentsDeleted: number
  attachmentsDeleted: number
  agentsDeleted: number
}

/** How long a store keeps its records; undefined members mean "for ever". */
export interface RetentionPolicy {
  /** Statements whose `stored` is older than this many days are purged. */
  statementDays: number | undefined
  /** Documents (State, profiles) last updated longer ago than this many days are purged. */
  documentDays: number | undefined
  /** ISO 8601 UTC of the last change. */
  updatedAt: string
}

/** What a retention purge would remove (dry run) or removed. */
export interface RetentionCount {
  statements: number
  documents: number
  /** The oldest and newest `stored` of the statements concerned, ISO 8601 UTC. */
  oldestStored: string | undefined
  newestStored: string | undefined
}

/**
 * Removing personal data from one store: erasure (GDPR Art. 17) and retention. Deletions leave
 * no trace in any index table (`statement_agents`, `statement_activities`, `statement_refs`),
 * and `seq` values are never reused, so a `more` cursor issued before simply skips them.
 */
export interface PersonalDataStore {
  /**
   * Every statement (voided ones included) that mentions any of `ifis` anywhere the index
   * records an agent (Data §2.4.2: actor, object, authority, instructor, team, members, context
   * agents and groups, SubStatements), oldest first.
   */
  findStatementsMentioning(ifis: readonly string[]): Promise<StatementMention[]>
  /** Every statement whose StatementRef chain reaches any of `ids` (statement_refs), oldest first. */
  findReferrers(ids: readonly string[]): Promise<StatementMention[]>
  /**
   * Deletes statements by seq with their index rows and ref closures, and the attachment
   * contents no remaining statement of the store references. Must run in a unit of work.
   */
  deleteStatements(seqs: readonly number[]): Promise<{ attachments: number }>
  /** Replaces statements in place (payload and every index row); seq, id and stored stay. */
  rewriteStatements(rows: readonly RewrittenStatement[]): Promise<void>
  /** Deletes the State and Agent Profile documents keyed by any of `ifis`. */
  deleteAgentDocuments(ifis: readonly string[]): Promise<number>
  /** Forgets the agents recorded under `ifis` (the Agents resource). */
  deleteAgents(ifis: readonly string[]): Promise<number>
  /**
   * Takes `ifis` from the persons of the people directory (docs/people.md) and deletes every
   * person left without an identifier, attributes and all; returns how many persons went.
   */
  forgetPeople(ifis: readonly string[]): Promise<number>
  /** The IFI keys of person `personId` of the people directory; undefined when there is none. */
  identifiersOfPerson(personId: number): Promise<string[] | undefined>
  insertErasure(record: Omit<ErasureRecord, 'id'>): Promise<ErasureRecord>
  /** The store's erasures, newest first. */
  listErasures(): Promise<ErasureRecord[]>

  findRetention(): Promise<RetentionPolicy | undefined>
  saveRetention(policy: RetentionPolicy): Promise<void>
  /** What purging statements stored before `statementsBefore` and documents updated before `documentsBefore` removes. */
  countExpired(
    statementsBefore: string | undefined,
    documentsBefore: string | undefined,
  ): Promise<RetentionCount>
  /**
   * Deletes up to `limit` of the oldest statements stored before `before` (exclusive) as
   * `deleteStatements` does, and forgets agents no remaining statement mentions. Returns how
   * many went; 0 when none is left. Must run in a unit of work.
   */
  purgeStatementsBefore(before: string, limit: number): Promise<{ statements: number }>
  /** Deletes up to `limit` documents updated before `before`; returns how many went. */
  purgeDocumentsBefore(before: string, limit: number): Promise<number>
}

/**
 * One statement of a store's log, as a log consumer receives it (`StatementLog.readAfter`).
 * Statements are delivered whatever their `voided` flag, so a consumer sees every seq once.
 */
export interface LogEntry {
  /** The statement's position in the store's total order. */
  seq: number
  /**
   * The statement as stored. Read-only: the consumers of a process may be handed the same
   * object for the same stored text (sql-statement-log.ts decodes each text once).
   */
  readonly statement: StoredStatement
  /** True when the statement is voided at the time it is read (see `voidedBy` for when). */
  voided: boolean
  /**
   * The seq of the first voiding statement that targets this statement, if one is stored (it
   * may be later or, for a statement that arrived after its voiding statement, earlier than
   * `seq`; Data §2.3.2). A consumer that adds up contributions counts an entry unless
   * `voidedBy < seq`, and takes it back at the voiding entry (below): then what it holds after
   * any prefix of the log does not depend on when it read it, and a rebuild gives the same.
   */
  voidedBy: number | undefined
  /**
   * For a voiding statement (verb `voided`, object a StatementRef): the statement it targets
   * as stored in the same store, with its seq and its own `voidedBy`, or undefined when that
   * statement has not arrived (yet). Its contribution is to be removed when
   * `target.seq < seq && target.voidedBy === seq` (this is the first voiding of an earlier
   * statement).
   */
  target?: { seq: number; statement: StoredStatement; voidedBy: number | undefined } | undefined
}

/**
 * The log of one store read by a consumer, and the consumer's cursor, inside one unit of work
 * (`StatementLogStorage.unitOfWork`).
 *
 * The watermark is honest because of one assumption, which any change to the write path must
 * keep: **no transaction commits a `seq` at or below a watermark already returned**. SQLite has one writer at a
 * time (`begin immediate`), so the largest committed `seq` is final. On PostgreSQL, shared
 * units of work of one store run in parallel and may commit out of `seq` order, so the
 * watermark is also kept below the lowest `seq` any writer in flight published before drawing
 * it (`visibleSeq` in storage/sql/sql-statement-log.ts, docs/scaling.md).
 */
export interface StatementLog {
  /**
   * The safe watermark: the largest `seq` of the store such that every statement with a seq at
   * or below it is committed and visible, and none can appear later. 0 for an empty store.
   */
  watermark(): Promise<number>
  /** The statements with `after < seq <= upTo`, in seq order, at most `limit`. */
  readAfter(after: number, upTo: number, limit: number): Promise<LogEntry[]>
  /**
   * Every statement whose actor has the canonical IFI key `actorIfi` with `seq <= upTo`, in seq
   * order: what a projection re-reads to recompute one learner's keys after a voiding.
   */
  readActor(actorIfi: string, upTo: number): Promise<LogEntry[]>
  /**
   * The consumer's cursor (the last seq it processed; 0 at first), read so that a concurrent
   * unit of work of the same consumer and store waits until this one ends (row lock / write lock).
   */
  cursor(consumer: string): Promise<number>
  /** Moves the consumer's cursor; commits with the unit of work, together with its work. */
  setCursor(consumer: string, seq: number): Promise<void>
}

/** Where a consumer stands in a store, for status and "as of" reporting. */
export interface ConsumerPosition {
  /** The last seq processed (0 when none). */
  cursor: number
  /** `stored` (epoch ms) of the statement at the cursor; undefined when none. */
  cursorStoredMs: number | undefined
  /** The store's watermark (see `StatementLog.watermark`). */
  watermark: number
  /** `stored` (epoch ms) of the oldest statement not yet processed; undefined when caught up. */
  nextStoredMs: number | undefined
}

/** A consumer's exclusive right to process a store's log; see `StatementLogStorage.acquireLease`. */
export interface ConsumerLease {
  /** False once the lease is known to be lost (e.g. the connection holding it was closed). */
  held(): boolean
  /** Gives the lease up (idempotent). */
  release(): Promise<void>
}

/**
 * The statement log for consumers (analytics projections, forwarding, live tails): the units of
 * work in which a consumer reads a batch and commits its work with its cursor, and the leases
 * that let one process at a time consume a store.
 */
export interface StatementLogStorage {
  /**
   * Runs `fn` as one transaction on the store's data: all of it commits or none does, the
   * cursor included, so a crash neither skips nor repeats a batch. Unlike
   * `Storage.transaction` it does not take the store's write lock (ingest is not held up on
   * PostgreSQL; SQLite has one writer anyway). Retried as a whole on transient failures.
   * `connection` is the transaction's database handle for projections kept in the same
   * database (`analytics/` uses it as a Kysely transaction); opaque to core.
   */
  unitOfWork<T>(
    storeId: StoreId,
    fn: (unit: { readonly log: StatementLog; readonly connection: unknown }) => Promise<T>,
  ): Promise<T>
  /**
   * Tries to become the only process consuming the store's log as `consumer`; undefined when
   * another holder has it. PostgreSQL: a session advisory lock on a connection kept for the
   * purpose, released by the server when the process dies. SQLite: a lease row with an expiry
   * renewed on a timer while held, since one file may be opened by several processes (a
   * crashed holder's lease lapses after its expiry).
   */
  acquireLease(consumer: string, storeId: StoreId): Promise<ConsumerLease | undefined>
  /** Where `consumer` stands in the store's log. */
  position(consumer: string, storeId: StoreId): Promise<ConsumerPosition>
  /**
   * Runs read-only queries (report queries over projections kept in the same database) in one
   * read transaction (a consistent snapshot) on a connection that never waits for writers and
   * never holds them up: on SQLite a second, read-only connection to the file (WAL readers and
   * the writer do not block each other; `:memory:` has only the one connection), on PostgreSQL
   * the pool, at repeatable read. `connection` is opaque to core, like `unitOfWork`'s.
   */
  read<T>(fn: (connection: unknown) => Promise<T>): Promise<T>
  /** Moves a consumer's cursor outside any batch (a rebuild starts over from 0). */
  resetCursor(consumer: string, storeId: StoreId, seq: number): Promise<void>
  /**
   * Engine upkeep after a consumer rewrote its tables wholesale (a rebuild), outside any
   * transaction: the planner's statistics and, on PostgreSQL, the visibility map that lets a
   * report read its index alone (`vacuum (analyze)`), which autovacuum may bring late or never.
   */
  tidyTables(tables: readonly string[]): Promise<void>
}

/** Which statements a forwarding target receives; an absent list does not restrict. */
export interface ForwardingFilter {
  /** Verb ids (exact). */
  verbs?: string[]
  /** Activity ids (exact), matched against the object and the context activities. */
  activities?: string[]
  /** Activity id prefixes, matched likewise. */
  activityPrefixes?: string[]
  /** Canonical IFI keys of actors (`xapi/ifi.ts`), matched against the actor and its members. */
  actors?: string[]
  /** `context.platform` values (exact). */
  platforms?: string[]
}

/** Where a target sends: another xAPI LRS, or a webhook URL. */
export type ForwardingDestination =
  | {
      kind: 'lrs'
      /** The xAPI endpoint, e.g. `https://lrs.example.com/xapi` (no trailing slash). */
      endpoint: string
      /** Basic credentials at the target LRS (kept to be sent, so stored as given). */
      username: string
      password: string
      /** The `X-Experience-API-Version` sent: '1.0.3' or '2.0.0'. */
      xapiVersion: string
    }
  | {
      kind: 'webhook'
      url: string
      /** The HMAC-SHA256 key of the signature header (shown once when created). */
      secret: string
    }

/** A forwarding target of a store, its settings and its delivery state. */
export interface ForwardingTargetRecord {
  id: number
  storeId: StoreId
  name: string
  destination: ForwardingDestination
  filter: ForwardingFilter
  /** Statements per delivery. */
  batchSize: number
  /** Consecutive failed attempts after which the target is paused. */
  maxFailures: number
  paused: boolean
  consecutiveFailures: number
  lastError: string | undefined
  /** ISO 8601 UTC. */
  lastErrorAt: string | undefined
  lastSuccessAt: string | undefined
  /** Statements delivered (a redelivery counts again), batches delivered, failed attempts. */
  delivered: number
  batches: number
  failures: number
  createdAt: string
}

/** What may change on a target; absent members stay. */
export interface ForwardingTargetChanges {
  name?: string
  destination?: ForwardingDestination
  filter?: ForwardingFilter
  batchSize?: number
  maxFailures?: number
  paused?: boolean
  /** Resets `consecutiveFailures` (on resume). */
  consecutiveFailures?: number
}

/** Forwarding targets of every store (a global table; each row names its store). */
export interface ForwardingStore {
  insertTarget(
    target: Pick<
      ForwardingTargetRecord,
      'storeId' | 'name' | 'destination' | 'filter' | 'batchSize' | 'maxFailures' | 'createdAt'
    >,
  ): Promise<ForwardingTargetRecord>
  findTarget(id: number): Promise<ForwardingTargetRecord | undefined>
  /** The targets of a store, or of every store, by id. */
  listTargets(storeId?: StoreId): Promise<ForwardingTargetRecord[]>
  /** False when there is no such target. */
  updateTarget(id: number, changes: ForwardingTargetChanges): Promise<boolean>
  deleteTarget(id: number): Promise<boolean>
  /** A delivered batch: counts up, failures reset, `lastSuccessAt` set. */
  recordSuccess(id: number, statements: number, at: string): Promise<void>
  /** A failed attempt: counts up, the error kept; `pause` pauses the target. */
  recordFailure(id: number, error: string, at: string, pause: boolean): Promise<void>
  /** The largest seq of the store stored before `time` (ISO 8601), 0 when none: a replay's cursor. */
  seqStoredBefore(storeId: StoreId, time: string): Promise<number>
}

/** Everything a use case needs for one store, inside or outside a transaction. */
export interface StoreScope {
  readonly statements: StatementStore
  readonly documents: DocumentStore
  readonly actorsActivities: ActorActivityStore
  readonly personalData: PersonalDataStore
}

/** What `/readyz` needs to know about the database. */
export interface StorageHealth {
  /** The database answered a trivial query. */
  readonly reachable: boolean
  /** Migrations this code knows that the database has not applied (empty when up to date). */
  readonly pendingMigrations: readonly string[]
  /** Why it is not reachable or not migrated, for the operator (no secrets). */
  readonly detail?: string
}

/** Connection use, read at every metrics scrape; cheap and synchronous. */
export interface StorageGauges {
  /** Units of work running in this process. */
  readonly transactionsInFlight: number
  /** PostgreSQL: the connection pool (`waiting` = checkouts queued for a connection). */
  readonly pool?: {
    readonly max: number
    readonly total: number
    readonly idle: number
    readonly waiting: number
  }
  /** SQLite: the database file and its write-ahead log, in bytes (absent for `:memory:`). */
  readonly files?: { readonly databaseBytes: number; readonly walBytes: number }
}

/** Operational views of a backend: health checks and gauges, never data. */
export interface StorageOperations {
  /** Pings the database and compares the applied migrations with the code's; never throws. */
  health(): Promise<StorageHealth>
  gauges(): StorageGauges
}

/** How a unit of work of `Storage.transaction` writes its store. */
export interface UnitOfWorkOptions {
  /**
   * The unit of work only inserts statements (with their index rows, attachments, canonical
   * activities and agents) none of which voids or refers to another statement, and calls
   * `allocateStored(count)` once, before inserting. Where the backend allows it (PostgreSQL),
   * such units of work of one store run side by side, from any number of processes; every
   * other unit of work of the store still runs alone. Readers keep their guarantees
   * (`consistentThrough`, `StatementLog.watermark`, `more` snapshots): docs/scaling.md.
   */
  readonly shared?: boolean
}

/** A backend. Built by `compose.ts`; core sees only this interface. */
export interface Storage {
  /** Applies pending migrations; safe to call from several processes at once. */
  migrate(): Promise<void>
  /** The stores' data for one tenant, outside a transaction. */
  scope(storeId: StoreId): StoreScope
  /**
   * Runs `fn` as one unit of work: all of it commits or none of it does. The backend retries
   * the whole function on errors it knows to be transient (serialization failures, deadlocks,
   * SQLITE_BUSY), so `fn` must have no side effects outside the scope it is given.
   */
  transaction<T>(
    storeId: StoreId,
    fn: (scope: StoreScope) => Promise<T>,
    options?: UnitOfWorkOptions,
  ): Promise<T>
  /**
   * How many shared units of work (`UnitOfWorkOptions.shared`) of one store this process should
   * run at once; 0 when the backend runs every unit of work of a store alone (SQLite), and then
   * `shared` changes nothing.
   */
  readonly sharedUnitsPerStore: number
  readonly admin: AdminStore
  /** Health and gauges for `/readyz` and `/metrics`. */
  readonly operations: StorageOperations
  /** The statement log for consumers (projections, forwarding, live tails). */
  readonly log: StatementLogStorage
  /** Forwarding targets and their delivery state. */
  readonly forwarding: ForwardingStore
  /** Releases connections; waits for running transactions to end. */
  close(): Promise<void>
}
