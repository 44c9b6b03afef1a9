/** @module The SQLite specifics of the SQL storage. */
import { sql } from 'kysely'
import type { SqlDialect } from '../sql/sql-dialect.js'
import { writePlannerStats } from './planner-stats.js'
import { translateSqliteError } from './translate-error.js'

export const sqliteSqlDialect: SqlDialect = {
  name: 'sqlite',
  // SQLITE_MAX_VARIABLE_NUMBER of the bundled SQLite (3.32+).
  maxParameters: 32_766,
  // create-sqlite-storage.ts wraps the connection in prepared-statement-cache.ts.
  cachesStatementsByText: true,
  blobType: 'blob',
  // `integer primary key` aliases the rowid; `autoincrement` forbids reusing the largest seq
  // after a delete, so a paging cursor can never see a new statement behind it.
  addSeqColumn: (table) =>
    table.addColumn('seq', 'integer', (col) => col.primaryKey().autoIncrement()),
  clustered: (table) => table.modifyEnd(sql`without rowid`),
  // One write transaction at a time (begin immediate), and allocateStored reads the latest
  // committed `stored` inside it: `stored` is non-decreasing in `seq`.
  storedFollowsSeq: true,
  // `begin immediate` (immediate-sqlite-dialect.ts) already holds the database's write lock.
  lockStoreWrites: () => Promise.resolve(),
  // One writer of the database at a time: units of work draw `seq` as they insert.
  reserveStatements: undefined,
  lockKeys: undefined,
  // `begin immediate` already makes every unit of work the only writer of the database.
  lockAdminWrites: () => Promise.resolve(),
  // better-sqlite3 has one connection and Kysely lends it to one unit of work at a time: holding
  // it means no transaction of this process is open. Other processes writing the same file are
  // not covered; Almanac serves a SQLite file from one process (see create-sqlite-storage.ts).
  runExclusiveOfWriters: (db, fn) => db.connection().execute(fn),
  // On the reader connection (a plain deferred `begin`): a WAL snapshot, no lock held.
  readTransaction: (db, fn) => db.transaction().execute(fn),
  // One process writes a SQLite file, so its clock and its own watermarks are all there is.
  sharedClock: undefined,
  afterMigrate: writePlannerStats,
  // Fixed statistics (planner-stats.ts) describe any size: nothing to refresh as tables grow.
  refreshPlannerStats: undefined,
  // Same statistics after a rebuild; SQLite has no visibility map to set.
  tidyTables: () => Promise.resolve(),
  translateError: translateSqliteError,
}
