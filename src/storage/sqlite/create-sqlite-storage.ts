/** @module The SQLite backend: a better-sqlite3 file (or `:memory:`) behind the SQL storage. */
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import type { Storage } from '../ports.js'
import { createSqlStorage } from '../sql/create-sql-storage.js'
import type { Database } from '../sql/database.js'
import { ImmediateSqliteDialect } from './immediate-sqlite-dialect.js'
import { applySqlitePragmas } from './sqlite-pragmas.js'
import { sqliteSqlDialect } from './sqlite-sql-dialect.js'

export interface SqliteStorageOptions {
  /** The database file (its directory is created), or `:memory:` for a private in-memory one. */
  file: string
  /** How long a writer waits for another connection's lock before retrying; default 5 s. */
  busyTimeoutMs?: number
}

function isFileBacked(file: string): boolean {
  return file !== '' && file !== ':memory:' && !file.startsWith('file:')
}

/**
 * Opens (creating if needed) the SQLite database. Call `migrate()` before use.
 *
 * One process serves a database file: better-sqlite3 runs on the main thread with one
 * connection, which serialises this process's units of work, and `consistentThrough` relies on
 * that. Other processes may open the same file at the same time for short jobs (migrations,
 * CLI commands): writers wait for each other (begin immediate + busy_timeout) and retry.
 */
export function createSqliteStorage(options: SqliteStorageOptions): Storage {
  if (isFileBacked(options.file)) mkdirSync(dirname(resolve(options.file)), { recursive: true })
  const database = new BetterSqlite3(options.file)
  applySqlitePragmas(database, options.busyTimeoutMs)
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database }) })
  // Reports read on a second, read-only connection: in WAL mode it reads a snapshot while the
  // writer commits, and holding it never delays a write transaction.
  const openReader = isFileBacked(options.file)
    ? () => {
        const reader = new BetterSqlite3(options.file, { readonly: true })
        reader.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`)
        reader.pragma('cache_size = -32768')
        return new Kysely<Database>({ dialect: new SqliteDialect({ database: reader }) })
      }
    : undefined
  return createSqlStorage(db, sqliteSqlDialect, undefined, openReader)
}
