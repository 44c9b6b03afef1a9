/** @module The PostgreSQL specifics of the SQL storage. */
import { type RawBuilder, sql } from 'kysely'
import type { SqlDialect } from '../sql/sql-dialect.js'
import { translatePostgresError } from './translate-error.js'

/**
 * The first key of Almanac's two-key advisory locks ('Alma' in ASCII); the second is the store
 * id. Kysely's migration lock is a one-key (bigint) lock, a separate key space.
 */
const STORE_LOCK_CLASS = 0x416c6d61

/** The time now in epoch ms, truncated as Date.now() is; clock_timestamp() moves within a statement. */
const CLOCK_MS = sql<string>`floor(extract(epoch from clock_timestamp()) * 1000)::bigint`

/**
 * `almanac:<schema oid>:<store id>`: how the unit of work of a store in flight names its session
 * (63 bytes at most), apart from installations in other schemas or databases of the server.
 */
function writerTag(storeId: number): RawBuilder<string> {
  return sql<string>`'almanac:' || current_schema()::regnamespace::oid || ':' || ${storeId}`
}

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
  // longer than lock_timeout gets 55P03, which is retried (translate-error.ts). Once it holds
  // the lock it records when it began where every connection can read it (`inFlightSinceMs`):
  // a transaction-local application_name, restored by the end of the transaction, again only
  // after its commit is visible.
  async lockStoreWrites(db, storeId) {
    await sql`select pg_advisory_xact_lock(${sql.lit(STORE_LOCK_CLASS)}, ${storeId}),
      set_config('application_name', ${writerTag(storeId)} || ':' || ${CLOCK_MS}, true)`.execute(db)
  },
  readTransaction: (db, fn) =>
    db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(fn),
  // The watermark needs no exclusion: it accounts for the writers in flight (`sharedClock`).
  runExclusiveOfWriters: (db, fn) => fn(db),
  sharedClock: {
    // The start of the statement: before anything it reads, after what the session did before.
    nowMs: sql<string>`floor(extract(epoch from statement_timestamp()) * 1000)::bigint`,
    // Every role may read every session's application_name (pg_stat_activity, here the
    // function under it, which skips the view's joins), and sees a change at once.
    inFlightSinceMs: (storeId) => sql<string | null>`(select
        min(split_part(a.application_name, ':', 4)::bigint) from pg_stat_get_activity(null) a
        where a.datid = (select oid from pg_database where datname = current_database())
        and a.application_name like ${writerTag(storeId)} || ':%')`,
  },
  // The planner's statistics come from autovacuum's ANALYZE of the real data; refreshing them at
  // start costs a sample of each table (well under a second) and covers a server that runs with
  // autovacuum off: with the statistics of an empty table the planner sorts a whole store for
  // an unfiltered page instead of walking the primary key backwards (measured at 10⁵ statements
  // on a server with autovacuum off: 156 ms before ANALYZE, 0.3 ms after).
  afterMigrate: async (db) => {
    await sql`analyze statements, statement_agents, statement_activities, statement_refs`.execute(
      db,
    )
  },
  translateError: translatePostgresError,
}
