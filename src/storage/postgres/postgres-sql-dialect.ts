/** @module The PostgreSQL specifics of the SQL storage. */
import { sql } from 'kysely'
import type { SqlDialect } from '../sql/sql-dialect.js'
import { translatePostgresError } from './translate-error.js'

/**
 * The first key of Almanac's two-key advisory locks ('Alma' in ASCII); the second is the store
 * id. Kysely's migration lock is a one-key (bigint) lock, a separate key space.
 */
const STORE_LOCK_CLASS = 0x416c6d61

export const postgresSqlDialect: SqlDialect = {
  name: 'postgres',
  // The Bind message counts parameters in 16 bits.
  maxParameters: 65_535,
  blobType: 'bytea',
  // An identity is a sequence: never reused, also after deletes and rolled-back inserts.
  addSeqColumn: (table) =>
    table.addColumn('seq', 'bigint', (col) => col.generatedAlwaysAsIdentity().primaryKey()),
  // Tables are heaps; the primary key is a separate B-tree whatever we do.
  clustered: (table) => table,
  // Units of work of a store run one at a time (lockStoreWrites, held until commit) and
  // allocateStored reads the latest committed `stored` under that lock: `stored` is
  // non-decreasing in `seq` within a store, as on SQLite.
  storedFollowsSeq: true,
  // A transaction-level lock, released by commit or rollback only after the commit is visible
  // to others: the next writer of the store reads this one's statements. A writer that waits
  // longer than lock_timeout gets 55P03, which is retried (translate-error.ts).
  async lockStoreWrites(db, storeId) {
    await sql`select pg_advisory_xact_lock(${sql.lit(STORE_LOCK_CLASS)}, ${storeId})`.execute(db)
  },
  // The same lock, shared: it waits for the store's writer in flight (if any), keeps new ones
  // out while `fn` reads, and readers never wait for each other.
  runExclusiveOfWriters: (db, fn, storeId) =>
    db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock_shared(${sql.lit(STORE_LOCK_CLASS)}, ${storeId})`.execute(
        trx,
      )
      return fn(trx)
    }),
  // clock_timestamp(), not now(): now() is the start of the transaction, which may be before
  // the lock was granted. Whole milliseconds, truncated as Date.now() does.
  sharedClockMs: sql<string>`floor(extract(epoch from clock_timestamp()) * 1000)::bigint`,
  // The planner's statistics come from autovacuum's ANALYZE of the real data.
  afterMigrate: () => Promise.resolve(),
  translateError: translatePostgresError,
}
