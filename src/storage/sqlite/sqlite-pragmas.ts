/** @module The connection settings Almanac runs SQLite with, and why. */

/** The part of better-sqlite3's `Database` this module uses. */
export interface SqlitePragmaTarget {
  pragma(source: string): unknown
  readonly memory: boolean
}

/** The WAL file's size after a checkpoint truncates it (`journal_size_limit`), in bytes. */
export const JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024

/** How long a writer waits for another process's write lock before SQLITE_BUSY, by default. */
export const BUSY_TIMEOUT_MS = 5_000

/**
 * Applies the settings to a freshly opened connection (measurements: /work/shared/stack-notes.md).
 * - WAL: readers never block the writer and the writer never blocks readers; a commit is an
 *   append, not a rewrite of the pages in place.
 * - synchronous=NORMAL: in WAL mode a commit survives a process crash; only an OS crash or power
 *   loss may lose the last commits, never corrupt the file. FULL roughly halves write throughput.
 * - wal_autocheckpoint=10000 pages (~40 MB): checkpointing every 1000 pages (the default) costs
 *   ~40% of insert throughput (7.5 k vs 13 k statements/s measured). The server's writer also
 *   has a checkpoint thread beside it (background-checkpoint.ts), so this is the safety net.
 * - journal_size_limit: after a checkpoint the WAL file is truncated back to 64 MB, so a burst
 *   (or a long-running reader holding the WAL) does not leave a huge file behind.
 * - busy_timeout: a second process (a CLI migrate next to the server) waits for the lock
 *   instead of failing; `Storage.transaction` retries on top of that.
 * - foreign_keys: enforced for any constraint a later migration declares.
 * - cache_size: 64 MiB of page cache (default 16 MB) keeps the hot index pages resident.
 * - temp_store=MEMORY: a statement inside a transaction that holds several (every ingest unit
 *   of work) keeps the original of each page it changes in a statement journal, to undo just
 *   that statement if it fails (https://sqlite.org/tempfiles.html §2.6). By default that journal
 *   is a temporary file, written with a system call per page: a CPU profile of the bulk load
 *   put 10% of the process in those writes. In memory it costs a copy; it holds at most the
 *   pages one statement touches (a multi-row insert: a few hundred KiB). It can only be set
 *   outside a transaction, so here.
 * No `pragma optimize`: it would replace the planner statistics of planner-stats.ts.
 */
export function applySqlitePragmas(
  db: SqlitePragmaTarget,
  busyTimeoutMs: number = BUSY_TIMEOUT_MS,
): void {
  if (!db.memory) db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('wal_autocheckpoint = 10000')
  db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`)
  db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`)
  db.pragma('foreign_keys = ON')
  db.pragma('cache_size = -65536')
  db.pragma('temp_store = MEMORY')
}
