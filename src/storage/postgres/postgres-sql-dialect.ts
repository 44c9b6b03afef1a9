/** @module The PostgreSQL specifics of the SQL storage. */
import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { Database } from '../sql/database.js'
import { GROWTH, type PlannerStats } from '../sql/planner-stats-refresh.js'
import { STATEMENT_SEQ_SEQUENCE } from '../sql/parallel-writers-migration.js'
import { STORE_LOCK_CLASS } from '../sql/shared-writer-begin-migration.js'
import type { SqlDialect } from '../sql/sql-dialect.js'
import { toNumber } from '../sql/sql-support.js'
import { translatePostgresError } from './translate-error.js'

// STORE_LOCK_CLASS ('Alma'), the first key of the store write locks: the second is the store
// id. Kysely's migration lock is a one-key (bigint) lock, a separate key space.

/**
 * An integer as an SQL literal. The first statement of a unit of work carries no parameters, so
 * that the pool sends it in one message with the `begin` before it (postgres-pool.ts).
 */
function int(value: number): RawBuilder<number> {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`)
  return sql.raw<number>(String(value))
}

/** The first key of the per-key locks of shared writers ('Actv' in ASCII): see `lockKeys`. */
const KEY_LOCK_CLASS = 0x41637476

/** The key of the admin data's advisory lock ('Admn' in ASCII, second key 0): apart from stores'. */
const ADMIN_LOCK_CLASS = 0x41646d6e

/**
 * The high half of the key of the lock a planner-stats refresh holds while it analyses ('Anlz' in
 * ASCII; the low half is the statements table's oid, so schemas of one database do not share it):
 * processes that reach their thresholds at the same moment would otherwise each analyse, one after
 * the other (ANALYZE waits for ANALYZE of the same table).
 */
const ANALYZE_LOCK_CLASS = 0x416e6c7a
/** The lock's key (one bigint: apart from the two-integer keys of the other locks). */
export const ANALYZE_LOCK_KEY = sql.raw(
  `((${ANALYZE_LOCK_CLASS}::bigint << 32) | 'statements'::regclass::oid::bigint)`,
)

/**
 * work_mem of the report reads (`readTransaction`): per sort or hash node of a query, so a report
 * with a few such nodes on each of the pool's connections stays within a few hundred MB.
 */
const REPORT_WORK_MEM = '64MB'

/** The time now in epoch ms, truncated as Date.now() is; clock_timestamp() moves within a statement. */
const CLOCK_MS = sql<string>`floor(extract(epoch from clock_timestamp()) * 1000)::bigint`

/**
 * `almanac:<schema oid>:<store id>`: how the unit of work of a store in flight names its session
 * (63 bytes at most), apart from installations in other schemas or databases of the server.
 */
function writerTag(storeId: number): RawBuilder<string> {
  return sql<string>`'almanac:' || current_schema()::regnamespace::oid || ':' || ${int(storeId)}`
}

/**
 * The lowest `seq` the sequence can still give (its next value): every value drawn after this
 * is read is at least this. Read before a unit of work draws any (`lockStoreWrites`).
 */
const NEXT_SEQ = sql.raw(
  `(select case when is_called then last_value + 1 else last_value end from ${STATEMENT_SEQ_SEQUENCE})`,
)

/** A published field of the writers in flight of the store: the least, null when none. */
function leastInFlight(storeId: number, field: 4 | 5): RawBuilder<string | null> {
  // nullif: a writer of an earlier version publishes four fields; the lock excludes it anyway.
  return sql<string | null>`(select
      min(nullif(split_part(a.application_name, ':', ${sql.lit(field)}), '')::bigint)
      from pg_stat_get_activity(null) a
      where a.datid = (select oid from pg_database where datname = current_database())
      and a.application_name like ${writerTag(storeId)} || ':%')`
}

/** The statements table's row estimate, changes since its last analysis and analyses so far. */
async function statementsStats(
  db: Kysely<Database>,
): Promise<PlannerStats & { changedSince: number }> {
  const { rows } = await sql<{
    rows: string | number
    changed: string | number
    analyses: string | number
  }>`select greatest(c.reltuples, 0)::bigint as rows,
      coalesce(s.n_mod_since_analyze, 0) as changed,
      coalesce(s.analyze_count + s.autoanalyze_count, 0) as analyses
    from pg_class c left join pg_stat_user_tables s on s.relid = c.oid
    where c.oid = 'statements'::regclass`.execute(db)
  const row = rows[0]
  return {
    rows: Number(row?.rows ?? 0),
    changedSince: Number(row?.changed ?? 0),
    analyses: Number(row?.analyses ?? 0),
  }
}

/**
 * ANALYZE of the statement tables, skipped when another process is analysing them now, or when
 * another process or autovacuum analysed them after this process's last refresh (`analysesSeen`)
 * and the table has grown by less than the threshold since (planner-stats-refresh.ts): each
 * process counts only its own commits. Other backends' changes reach `n_mod_since_analyze` up
 * to 10 s late (PostgreSQL 15 flushes an idle backend's counts after that), so a skip may
 * undercount them by seconds of writes; the next threshold of this process's own commits still
 * comes.
 */
async function analyzeStatementTables(
  db: Kysely<Database>,
  analysesSeen: number | undefined,
): Promise<PlannerStats> {
  const before = await statementsStats(db)
  if (
    analysesSeen !== undefined &&
    before.analyses > analysesSeen &&
    before.rows > 0 &&
    before.changedSince < before.rows * GROWTH
  )
    return { rows: before.rows, analyses: before.analyses }
  // ANALYZE runs in a transaction holding the lock; a process that finds it taken leaves the
  // refresh to the one analysing now.
  const analysed = await db.transaction().execute(async (trx) => {
    const { rows } = await sql<{
      got: boolean
    }>`select pg_try_advisory_xact_lock(${ANALYZE_LOCK_KEY}) as got`.execute(trx)
    if (rows[0]?.got !== true) return false
    await sql`analyze statements, statement_agents, statement_activities, statement_refs`.execute(
      trx,
    )
    return true
  })
  if (!analysed) return { rows: before.rows, analyses: before.analyses }
  const after = await statementsStats(db)
  return { rows: after.rows, analyses: after.analyses }
}

export const postgresSqlDialect: SqlDialect = {
  name: 'postgres',
  // The Bind message counts parameters in 16 bits.
  maxParameters: 65_535,
  // pg sends unnamed statements, parsed anew each time: fewer, larger statements win there.
  cachesStatementsByText: false,
  blobType: 'bytea',
  // An identity is a sequence: never reused, also after deletes and rolled-back inserts.
  addSeqColumn: (table) =>
    table.addColumn('seq', 'bigint', (col) => col.generatedAlwaysAsIdentity().primaryKey()),
  // Tables are heaps; the primary key is a separate B-tree whatever we do.
  clustered: (table) => table,
  // An exclusive unit of work reads the latest committed `stored` while it is the store's only
  // writer (allocateStored); shared ones draw `stored` and `seq` together, one at a time
  // (reserveStatements): either way `stored` is non-decreasing in `seq` within a store.
  storedFollowsSeq: true,
  // A transaction-level lock, released by commit or rollback only after the commit is visible
  // to others: exclusive for a unit of work that must be the store's only writer, shared for
  // the plain statement inserts that may run side by side (docs/scaling.md). A writer that
  // waits longer than lock_timeout gets 55P03, which is retried (translate-error.ts). With the
  // lock it records, where every connection can read it, when it began and the next value of
  // the `seq` sequence: lower bounds of the `stored` and `seq` it may commit (`inFlightSinceMs`,
  // `inFlightLowestSeq`), published before it draws either. It is a transaction-local
  // application_name, restored by the end of the transaction, again only after its commit is
  // visible.
  async lockStoreWrites(db, storeId, mode = 'exclusive') {
    const lock =
      mode === 'shared'
        ? sql`pg_advisory_xact_lock_shared(${sql.lit(STORE_LOCK_CLASS)}, ${int(storeId)})`
        : sql`pg_advisory_xact_lock(${sql.lit(STORE_LOCK_CLASS)}, ${int(storeId)})`
    await sql`select ${lock}, set_config('application_name',
      ${writerTag(storeId)} || ':' || ${CLOCK_MS} || ':' || ${NEXT_SEQ}, true)`.execute(db)
  },
  // One round trip (parallel-writers-migration.ts, shared-writer-begin-migration.ts); it also
  // narrows the publication to the `stored` and lowest `seq` drawn. With `begin` it first takes
  // the store's lock shared and publishes, as `lockStoreWrites` 'shared' would: the first
  // statement of a shared unit of work, sent with its `begin` (no parameters).
  async reserveStatements(db, storeId, count, floorMs, begin) {
    const fn = sql.raw(begin ? 'almanac_begin_shared_writer' : 'almanac_reserve_statements')
    const { rows } = await sql<{
      stored_ms: string | number
      seqs: (string | number)[]
    }>`select stored_ms, seqs from ${fn}(${int(storeId)}, ${int(count)}, ${int(floorMs)})`.execute(
      db,
    )
    const row = rows[0]
    if (row === undefined) throw new Error('almanac_reserve_statements returned no row')
    return { storedMs: toNumber(row.stored_ms), seqs: row.seqs.map(toNumber) }
  },
  // 32-bit hashes of (store, key), locked in ascending order by one statement (the projection
  // above the ordered subquery evaluates the lock calls in its order). Two keys sharing a hash
  // only wait for each other.
  async lockKeys(db, storeId, keys) {
    if (keys.length === 0) return
    await sql`select pg_advisory_xact_lock(${sql.lit(KEY_LOCK_CLASS)}, h.h) from (
        select distinct hashtext(${storeId} || ':' || k) as h from unnest(${[...keys]}::text[]) k
        order by 1) h`.execute(db)
  },
  async lockAdminWrites(db) {
    await sql`select pg_advisory_xact_lock(${sql.lit(ADMIN_LOCK_CLASS)}, 0)`.execute(db)
  },
  // The reads are the reports': their sorts and hash tables hold a course's or an assessment's
  // rows (10⁴–10⁵ at 10⁷ statements), which the default 4 MB of work_mem sends to disk (the
  // items report's answers: "external merge  Disk"). More, for these read-only transactions
  // only (`set local`), keeps them in memory; writers keep the server's setting.
  readTransaction: (db, fn) =>
    db
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute(async (trx) => {
        await sql.raw(`set local work_mem = '${REPORT_WORK_MEM}'`).execute(trx)
        return fn(trx)
      }),
  // The watermark needs no exclusion: it accounts for the writers in flight (`sharedClock`).
  runExclusiveOfWriters: (db, fn) => fn(db),
  sharedClock: {
    // The start of the statement: before anything it reads, after what the session did before.
    nowMs: sql<string>`floor(extract(epoch from statement_timestamp()) * 1000)::bigint`,
    // Every role may read every session's application_name (pg_stat_activity, here the
    // function under it, which skips the view's joins), and sees a change at once.
    inFlightSinceMs: (storeId) => leastInFlight(storeId, 4),
    inFlightLowestSeq: (storeId) => leastInFlight(storeId, 5),
    // pg_stat_get_activity reads the other sessions' state once per transaction.
    refreshInFlight: async (db) => {
      await sql`select pg_stat_clear_snapshot()`.execute(db)
    },
  },
  // The planner's statistics come from autovacuum's ANALYZE of the real data; refreshing them at
  // start costs a sample of each table (well under a second) and covers a server that runs with
  // autovacuum off: with the statistics of an empty table the planner sorts a whole store for
  // an unfiltered page instead of walking the primary key backwards (measured at 10⁵ statements
  // on a server with autovacuum off: 156 ms before ANALYZE, 0.3 ms after).
  afterMigrate: async (db) => {
    await analyzeStatementTables(db, undefined)
  },
  // While a store grows from nothing, autovacuum's ANALYZE comes too late (once a minute at
  // most, after 10% growth): refreshed from the process as its statements grow by half.
  refreshPlannerStats: analyzeStatementTables,
  // A rebuilt table has fresh rows whose pages are not marked all-visible until a vacuum, so an
  // index-only scan still visits the table for each row, and the planner prefers scanning it
  // whole: the items report's question counts at 10⁶ statements took 136–281 ms after a rebuild
  // with autovacuum off, 2 ms after `vacuum an_items`. Vacuum cannot run in a transaction.
  //
  // On one connection without the pool's statement timeout (30 s by default), restored after:
  // vacuuming the projections of 10⁷ statements takes minutes, and the rebuild, its work all
  // committed, ended with "canceling statement due to statement timeout".
  tidyTables: (db, tables) =>
    db.connection().execute(async (connection) => {
      const { rows } = await sql<{
        timeout: string
      }>`select current_setting('statement_timeout') as timeout`.execute(connection)
      await sql`set statement_timeout = 0`.execute(connection)
      try {
        await sql`vacuum (analyze) ${sql.join(tables.map((t) => sql.table(t)))}`.execute(connection)
      } finally {
        await sql`select set_config('statement_timeout', ${rows[0]?.timeout ?? '0'}, false)`.execute(
          connection,
        )
      }
    }),
  translateError: translatePostgresError,
}
