/** @module What differs between SQL engines, as one small object each adapter supplies. */
import type { ColumnDataType, CreateTableBuilder, Kysely, RawBuilder } from 'kysely'
import type { Database } from './database.js'

/**
 * The engine-specific parts of the SQL storage. Everything else in `storage/sql/` is plain
 * Kysely that both SQLite and PostgreSQL run; an adapter is this object plus a connection.
 */
export interface SqlDialect {
  readonly name: string
  /** The most bind parameters one statement may carry (SQLite 32766, PostgreSQL 65535). */
  readonly maxParameters: number
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
   * Makes the transaction `db` the only writer of the store until it ends; called when a unit
   * of work begins. SQLite: nothing to do, `begin immediate` already holds the database's write
   * lock. PostgreSQL: a transaction-level advisory lock per store, so that units of work of one
   * store commit one at a time, in `seq` order, from any number of processes.
   */
  lockStoreWrites(db: Kysely<Database>, storeId: number): Promise<void>
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
   * Turns a driver error into an `LrsError` from `storage-errors.ts` (transient failures into
   * `StorageBusyError`, so the transaction is retried); returns anything else unchanged.
   */
  readonly translateError: (error: unknown) => unknown
}

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
}
