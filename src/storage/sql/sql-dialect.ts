/** @module What differs between SQL engines, as one small object each adapter supplies. */
import type { ColumnDataType, CreateTableBuilder, Kysely, RawBuilder } from 'kysely'
import type { Database } from './database.js'
import type { PlannerStats } from './planner-stats-refresh.js'

/**
 * The engine-specific parts of the SQL storage. Everything else in `storage/sql/` is plain
 * Kysely that both SQLite and PostgreSQL run; an adapter is this object plus a connection.
 */
export interface SqlDialect {
  readonly name: string
  /** The most bind parameters one statement may carry (SQLite 32766, PostgreSQL 65535). */
  readonly maxParameters: number
  /**
   * True when the adapter keeps prepared statements by SQL text (SQLite,
   * prepared-statement-cache.ts): multi-row inserts and `in (…)` lists are then cut to a few
   * fixed sizes, so that their texts repeat and are compiled once (`insertChunks`, `listChunks`).
   */
  readonly cachesStatementsByText: boolean
  /** The column type for binary content (`blob`, `bytea`). */
  readonly blobType: ColumnDataType
  /**
   * Adds the `seq` column: an integer primary key the database assigns in insertion order and
   * never reuses, even after deletes (SQLite `integer primary key autoincrement`, PostgreSQL
   * `bigint generated always as identity`).
   */
  addSeqColumn<T extends string, C extends string>(
    table: CreateTableBuilder<T, C>,
  ): CreateTableBuilder<T, C | 'seq'>
  /**
   * Stores the table as one B-tree ordered by its primary key when the engine can (SQLite
   * `without rowid`): the index tables are only ever read by their key, so a separate rowid
   * tree would double the write cost. Returns the table unchanged elsewhere.
   */
  clustered<T extends string, C extends string>(
    table: CreateTableBuilder<T, C>,
  ): CreateTableBuilder<T, C>
  /**
   * True when `stored` never decreases as `seq` grows within a store, because the engine runs
   * one write transaction at a time and `allocateStored` reads the latest committed `stored`
   * under that lock. Then `since`/`until` can be turned into `seq` bounds, which keeps every
   * filter an ordered index walk. False for engines with concurrent writers of one store,
   * where they are filtered on `stored_ms` instead.
   */
  readonly storedFollowsSeq: boolean
  /**
   * Makes the transaction `db` a writer of the store until it ends; called when a unit of work
   * begins. 'exclusive' (the default): the only writer. 'shared': one of several shared writers
   * (see `StoreWriteMode`), which then draw `seq` and `stored` with `reserveStatements`. SQLite:
   * nothing to do, `begin immediate` already holds the database's write lock. PostgreSQL: a
   * transaction-level advisory lock per store, taken exclusive or shared, and a publication of
   * the unit of work in flight (`SharedClock`) that readers by `seq` and by `stored` respect.
   */
  lockStoreWrites(db: Kysely<Database>, storeId: number, mode?: StoreWriteMode): Promise<void>
  /**
   * Set when units of work of one store may write in parallel (PostgreSQL; `lockStoreWrites`
   * with 'shared'). Such a unit of work draws its `seq` values and its `stored` time together,
   * in one short step that only one writer of the store takes at a time, so `stored` still
   * never decreases in `seq` order; it inserts with those `seq` values. Undefined where a store
   * has one writer at a time (SQLite), whose units of work draw `seq` as they insert.
   */
  readonly reserveStatements:
    | ((
        db: Kysely<Database>,
        storeId: number,
        count: number,
        floorMs: number,
        /**
         * True when the unit of work has not called `lockStoreWrites` yet: the same step then
         * takes the store's lock shared and publishes first, as `lockStoreWrites` 'shared'
         * would (one round trip instead of two). `createSqlStorage` defers a shared unit of
         * work's lock to its first use for that reason.
         */
        begin: boolean,
      ) => Promise<{ storedMs: number; seqs: number[] }>)
    | undefined
  /**
   * With shared writers: makes the transaction `db` the only shared writer of the store that
   * holds any of `keys` until it ends (a transaction-level lock per key, taken in one order,
   * so two writers never wait for each other in a cycle). For rows that are read, merged and
   * written back (canonical activity definitions): the second writer reads the first one's
   * result. Undefined where a store has one writer at a time.
   */
  readonly lockKeys:
    ((db: Kysely<Database>, storeId: number, keys: readonly string[]) => Promise<void>) | undefined
  /**
   * Makes the transaction `db` the only unit of work over the admin data (stores, credentials,
   * accounts) until it ends. SQLite: nothing to do (`begin immediate`). PostgreSQL: a
   * transaction-level advisory lock of its own key, so check-then-write admin use cases of any
   * number of processes run one at a time.
   */
  lockAdminWrites(db: Kysely<Database>): Promise<void>
  /**
   * Runs `fn` at a moment when no write transaction is in flight, so that what it reads about
   * committed statements is final (the `consistentThrough` watermark). `fn` must not write.
   * Engines with a `sharedClock` need no exclusion: the watermark accounts for the writers in
   * flight instead.
   */
  runExclusiveOfWriters<T>(
    db: Kysely<Database>,
    fn: (db: Kysely<Database>) => Promise<T>,
  ): Promise<T>
  /**
   * Set when other processes may write the same database at once (PostgreSQL); undefined when
   * one process writes it (SQLite), whose clock and own watermarks are then all there is.
   */
  readonly sharedClock: SharedClock | undefined
  /**
   * Runs `fn` in a read-only transaction that sees one snapshot (`StatementLogStorage.read`):
   * SQLite a deferred `begin` on the reader connection, PostgreSQL `repeatable read`.
   */
  readTransaction<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T>
  /**
   * Runs after the migrations, at every `migrate()`: engine upkeep that is not schema, such as
   * the planner statistics SQLite is given. Must be idempotent.
   */
  afterMigrate(db: Kysely<Database>): Promise<void>
  /**
   * Refreshes the planner's statistics of the statement tables (unless another process just
   * did) and returns them; `createSqlStorage` calls it in the background as the table grows
   * (planner-stats-refresh.ts). Undefined where the statistics are fixed (SQLite).
   */
  readonly refreshPlannerStats:
    ((db: Kysely<Database>, analysesSeen: number | undefined) => Promise<PlannerStats>) | undefined
  /** `StatementLogStorage.tidyTables`, on the pool (never in a transaction). */
  tidyTables(db: Kysely<Database>, tables: readonly string[]): Promise<void>
  /**
   * Turns a driver error into an `LrsError` from `storage-errors.ts` (transient failures into
   * `StorageBusyError`, so the transaction is retried); returns anything else unchanged.
   */
  readonly translateError: (error: unknown) => unknown
}

/**
 * How a unit of work writes its store: 'exclusive' (every unit of work that is not a plain
 * statement insert: documents, voiding, StatementRefs, imports, erasure) is the store's only
 * writer from begin to commit; 'shared' units of work (statements that neither void nor refer
 * to a statement) run beside each other, but never beside an exclusive one. Engines with one
 * writer at a time treat both alike.
 */
export type StoreWriteMode = 'exclusive' | 'shared'

/**
 * The clock of a database several processes write, as SQL expressions evaluated in the query
 * that reads the latest committed `stored` of a store. A watermark one process returned is
 * unknown to the writers of the others, so the rules of `allocateStored` and
 * `consistentThrough` (sql-statement-store.ts) rely only on what these expressions show.
 */
export interface SharedClock {
  /** The time now in epoch ms on the database server, at the start of the statement. */
  readonly nowMs: RawBuilder<number | string>
  /**
   * The earliest time (epoch ms, same clock) at which a unit of work of the store that is still
   * in flight, on any connection, took its write lock (`lockStoreWrites` records it); null when
   * none is. Such a unit of work allocates no `stored` earlier than that.
   */
  inFlightSinceMs(storeId: number): RawBuilder<number | string | null>
  /**
   * The lowest `seq` a unit of work of the store still in flight, on any connection, may commit
   * (each publishes a lower bound before it draws any); null when none is. Read in the same
   * statement as the store's largest committed `seq`: the statement's snapshot is taken before
   * this is evaluated (see `visibleSeq` in sql-statement-log.ts).
   */
  inFlightLowestSeq(storeId: number): RawBuilder<number | string | null>
  /**
   * Discards the per-transaction cache of the other sessions' state, so that a transaction that
   * read `inFlightSinceMs` or `inFlightLowestSeq` before reads them afresh.
   */
  refreshInFlight(db: Kysely<Database>): Promise<void>
}
