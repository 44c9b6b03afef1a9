/** @module Online backup of a SQLite database file, and restore of such a backup into an empty database. */
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { BUSY_TIMEOUT_MS } from './sqlite-pragmas.js'

/** Why a backup or restore cannot be done; the message is for the operator. */
export class SqliteBackupError extends Error {
  override readonly name = 'SqliteBackupError'
}

/** The table every Almanac database has (migrations.ts). */
const MIGRATION_TABLE = 'almanac_migration'

function hasTable(db: BetterSqlite3.Database, name: string): boolean {
  return (
    db.prepare(`select 1 from sqlite_master where type = 'table' and name = ?`).get(name) !==
    undefined
  )
}

/** Fails unless `db` passes SQLite's integrity check and is an Almanac database. */
function checkAlmanacDatabase(db: BetterSqlite3.Database, what: string): void {
  const result = db.pragma('integrity_check', { simple: true })
  if (result !== 'ok')
    throw new SqliteBackupError(`${what} fails the integrity check: ${String(result)}`)
  if (!hasTable(db, MIGRATION_TABLE))
    throw new SqliteBackupError(`${what} is not an Almanac database (no ${MIGRATION_TABLE} table)`)
}

function count(db: BetterSqlite3.Database, query: string): number {
  const row = db.prepare(query).get() as { n: number } | undefined
  return row?.n ?? 0
}

/** What the database holds, in the terms an operator checks after a restore. */
export interface DatabaseSummary {
  readonly statements: number
  readonly documents: number
  readonly stores: number
}

function summarise(db: BetterSqlite3.Database): DatabaseSummary {
  return {
    statements: hasTable(db, 'statements') ? count(db, 'select count(*) as n from statements') : 0,
    documents: hasTable(db, 'documents') ? count(db, 'select count(*) as n from documents') : 0,
    stores: hasTable(db, 'stores') ? count(db, 'select count(*) as n from stores') : 0,
  }
}

/**
 * Writes a consistent copy of the database `source` to the new file `out`, while Almanac serves
 * it. `VACUUM INTO` reads the whole database inside one read transaction: in WAL mode that is a
 * snapshot of the last commit before it began, taken without blocking the server's writes (its
 * commits go on to the WAL meanwhile), so the copy holds every statement acknowledged before the
 * backup started and no half of any batch. (The online backup API restarts whenever another
 * connection writes, so under steady ingest it might never finish.) The copy is compacted and
 * checked before it is reported.
 */
export function backupSqliteDatabase(
  source: string,
  out: string,
): DatabaseSummary & { bytes: number } {
  if (!existsSync(source)) throw new SqliteBackupError(`no database at ${source}`)
  if (existsSync(out)) throw new SqliteBackupError(`${out} exists; choose a new file`)
  const partial = `${out}.partial`
  rmSync(partial, { force: true })
  const db = new BetterSqlite3(source, { readonly: true, fileMustExist: true })
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
    if (!hasTable(db, MIGRATION_TABLE))
      throw new SqliteBackupError(
        `${source} is not an Almanac database (no ${MIGRATION_TABLE} table)`,
      )
    db.prepare('vacuum into ?').run(resolve(partial))
  } catch (error) {
    rmSync(partial, { force: true })
    throw error
  } finally {
    db.close()
  }
  const copy = new BetterSqlite3(partial, { readonly: true, fileMustExist: true })
  let summary: DatabaseSummary
  try {
    checkAlmanacDatabase(copy, 'the copy')
    summary = summarise(copy)
  } catch (error) {
    copy.close()
    rmSync(partial, { force: true })
    throw error
  }
  copy.close()
  renameSync(partial, out)
  return { ...summary, bytes: statSync(out).size }
}

/**
 * Replaces the database `target` by the backup `from`. Refuses unless `target` is missing or
 * empty (no statements, no documents, no store but the default one), or `force` is set. Almanac
 * must not be running on `target`: the file is swapped underneath, and the server would keep the
 * old one open. The backup is checked first, copied next to the target and renamed into place,
 * so a failure leaves the target as it was.
 */
export function restoreSqliteDatabase(
  from: string,
  target: string,
  force: boolean,
): DatabaseSummary {
  if (!existsSync(from)) throw new SqliteBackupError(`no backup at ${from}`)
  if (resolve(from) === resolve(target))
    throw new SqliteBackupError('the backup and the database are the same file')
  if (existsSync(target) && !force) {
    const current = new BetterSqlite3(target, { readonly: true, fileMustExist: true })
    try {
      const held = summarise(current)
      if (held.statements > 0 || held.documents > 0 || held.stores > 1)
        throw new SqliteBackupError(
          `${target} is not empty (${held.statements} statements, ${held.documents} documents, ${held.stores} stores); restore into a new database, or pass --force to replace it`,
        )
    } finally {
      current.close()
    }
  }
  mkdirSync(dirname(resolve(target)), { recursive: true })
  const incoming = `${target}.restoring`
  rmSync(incoming, { force: true })
  const backup = new BetterSqlite3(from, { readonly: true, fileMustExist: true })
  let summary: DatabaseSummary
  try {
    checkAlmanacDatabase(backup, `the backup ${from}`)
    summary = summarise(backup)
    backup.prepare('vacuum into ?').run(resolve(incoming))
  } catch (error) {
    rmSync(incoming, { force: true })
    throw error
  } finally {
    backup.close()
  }
  // The old database's WAL and shared-memory index belong to the old file: left beside the new
  // one, SQLite would replay the old WAL onto it.
  rmSync(`${target}-wal`, { force: true })
  rmSync(`${target}-shm`, { force: true })
  renameSync(incoming, target)
  return summary
}
