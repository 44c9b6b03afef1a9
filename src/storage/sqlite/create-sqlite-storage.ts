/** @module The SQLite backend: a better-sqlite3 file (or `:memory:`) behind the SQL storage. */
import { mkdirSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import type { Storage } from '../ports.js'
import { createSqlStorage } from '../sql/create-sql-storage.js'
import type { Database } from '../sql/database.js'
import { ImmediateSqliteDialect } from './immediate-sqlite-dialect.js'
import { withPreparedStatementCache } from './prepared-statement-cache.js'
import { startBackgroundCheckpoint } from './background-checkpoint.js'
import { applySqlitePragmas, BUSY_TIMEOUT_MS, JOURNAL_SIZE_LIMIT } from './sqlite-pragmas.js'
import { sqliteSqlDialect } from './sqlite-sql-dialect.js'
import { WorkerReadDialect } from './worker-read-dialect.js'

export interface SqliteStorageOptions {
  /** The database file (its directory is created), or `:memory:` for a private in-memory one. */
  file: string
  /** How long a writer waits for another connection's lock before retrying; default 5 s. */
  busyTimeoutMs?: number
  /**
   * Worker threads that run the report reads (`log.read`), each with its own read-only
   * connection; 0 runs them on the main thread's read-only connection. Default
   * `DEFAULT_READ_WORKERS`. Ignored for `:memory:` (another thread cannot open it).
   */
  readWorkers?: number
  /**
   * How often a worker thread checkpoints the WAL (background-checkpoint.ts), in ms; 0: only
   * the writer's own autocheckpoint. Default `DEFAULT_CHECKPOINT_MS`. Ignored for `:memory:`.
   */
  checkpointMs?: number
}

/**
 * Four times a second: often enough that the thread usually finds the WAL wholly copied between
 * two commits (so the writer restarts it rather than growing it), and each round copies only
 * the pages of the last quarter second.
 */
export const DEFAULT_CHECKPOINT_MS = 250

/**
 * Two threads: on two cores, a report per thread beside the main thread's ingest; a report
 * holds one thread from its first query to its last (one snapshot), so a third waits.
 */
export const DEFAULT_READ_WORKERS = 2

/** The page cache of each read connection, in KiB (the writer has 64 MiB). */
const READER_CACHE_KIB = 32_768

function isFileBacked(file: string): boolean {
  return file !== '' && file !== ':memory:' && !file.startsWith('file:')
}

/**
 * Opens (creating if needed) the SQLite database. Call `migrate()` before use.
 *
 * One process serves a database file: better-sqlite3 runs on the main thread with one
 * connection, which serialises this process's units of work, and `consistentThrough` relies on
 * that. Only the report reads (`log.read`) use other, read-only connections. Other processes may open the same file at the same time for short jobs (migrations,
 * CLI commands): writers wait for each other (begin immediate + busy_timeout) and retry.
 */
export function createSqliteStorage(options: SqliteStorageOptions): Storage {
  if (isFileBacked(options.file)) mkdirSync(dirname(resolve(options.file)), { recursive: true })
  const database = new BetterSqlite3(options.file)
  applySqlitePragmas(database, options.busyTimeoutMs)
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: withPreparedStatementCache(database) }),
  })
  const file = isFileBacked(options.file) ? resolve(options.file) : undefined
  // Reports read on other, read-only connections: in WAL mode each reads a snapshot while the
  // writer commits, and holding one never delays a write transaction. better-sqlite3 is
  // synchronous, so a report read on the main thread would still hold the event loop (the
  // writes' too) for its whole query time: by default the reads run in worker threads
  // (worker-read-dialect.ts), and the main thread only sends SQL and receives rows.
  const readWorkers = options.readWorkers ?? DEFAULT_READ_WORKERS
  const busyTimeoutMs = options.busyTimeoutMs ?? BUSY_TIMEOUT_MS
  const openReader =
    file === undefined
      ? undefined
      : readWorkers > 0
        ? () =>
            new Kysely<Database>({
              dialect: new WorkerReadDialect({
                file,
                workers: readWorkers,
                busyTimeoutMs,
                cacheKib: READER_CACHE_KIB,
              }),
            })
        : () => {
            const reader = new BetterSqlite3(file, { readonly: true })
            reader.pragma(`busy_timeout = ${busyTimeoutMs}`)
            reader.pragma(`cache_size = -${READER_CACHE_KIB}`)
            return new Kysely<Database>({ dialect: new SqliteDialect({ database: reader }) })
          }
  const checkpointMs = options.checkpointMs ?? DEFAULT_CHECKPOINT_MS
  const checkpoint =
    file === undefined || checkpointMs <= 0
      ? undefined
      : startBackgroundCheckpoint({
          file,
          intervalMs: checkpointMs,
          journalSizeLimit: JOURNAL_SIZE_LIMIT,
        })
  const storage = createSqlStorage(
    db,
    sqliteSqlDialect,
    () =>
      file === undefined
        ? {}
        : { files: { databaseBytes: sizeOf(file), walBytes: sizeOf(`${file}-wal`) } },
    undefined,
    openReader,
  )
  if (checkpoint === undefined) return storage
  return {
    ...storage,
    // The checkpoint thread's connection first: the writer's, closed last, then checkpoints
    // what is left and removes the WAL.
    async close() {
      await checkpoint.close()
      await storage.close()
    },
  }
}

/** A file's size, 0 when it does not exist (the WAL between checkpoints, for one). */
function sizeOf(file: string): number {
  return statSync(file, { throwIfNoEntry: false })?.size ?? 0
}
