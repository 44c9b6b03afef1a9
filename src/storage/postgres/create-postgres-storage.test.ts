import { Kysely, PostgresDialect, sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  activity,
  agent,
  buildRecord,
  ifiOf,
  activityId,
} from '../../../test/fixtures/storage-records.js'
import {
  createThrowawaySchema,
  TEST_POSTGRES_URL,
  type Throwaway,
} from '../../../test/fixtures/throwaway-postgres.js'
import { firstStatementsOf } from '../../analytics/reports/course-report.js'
import { DEFAULT_STORE_ID, type Storage } from '../ports.js'
import { createMigrationProvider } from '../sql/migrations.js'
import { createPostgresStorage } from './create-postgres-storage.js'
import type { Database } from '../sql/database.js'
import { createPostgresPool, deferringBegin } from './postgres-pool.js'
import { ANALYZE_LOCK_KEY, postgresSqlDialect } from './postgres-sql-dialect.js'

const S = DEFAULT_STORE_ID
const url = TEST_POSTGRES_URL ?? ''

/** Records the order in which tracked promises settle. */
function settleOrder(): {
  track: <T>(name: string, promise: Promise<T>) => Promise<T>
  order: string[]
} {
  const order: string[] = []
  return {
    order,
    track: (name, promise) => promise.finally(() => order.push(name)),
  }
}

describe.skipIf(TEST_POSTGRES_URL === undefined)('createPostgresStorage', () => {
  let schema: Throwaway
  const opened: Storage[] = []
  function open(options: { poolMax?: number; lockTimeoutMs?: number } = {}): Storage {
    const storage = createPostgresStorage({ url, schema: schema.name, poolMax: 4, ...options })
    opened.push(storage)
    return storage
  }
  /** The migrated schema on one plain connection, for the plan tests' own rows and EXPLAINs. */
  async function migratedConnection() {
    await open().migrate()
    return new Kysely<Record<string, Record<string, unknown>>>({
      dialect: new PostgresDialect({
        pool: createPostgresPool({ url, schema: schema.name, poolMax: 1 }),
      }),
    })
  }
  beforeEach(async () => {
    schema = await createThrowawaySchema(url)
  })
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((storage) => storage.close()))
    await schema.drop()
  })

  it('migrates once when several processes start at the same time', async () => {
    const storages = Array.from({ length: 4 }, () => open())
    await Promise.all(storages.map((storage) => storage.migrate()))
    await Promise.all(storages.map((storage) => storage.admin.ensureDefaultStore()))
    const db = new Kysely<Record<string, Record<string, unknown>>>({
      dialect: new PostgresDialect({ pool: createPostgresPool({ url, schema: schema.name }) }),
    })
    try {
      const applied = await sql<{
        name: string
      }>`select name from almanac_migration order by name`.execute(db)
      const expected = Object.keys(
        await createMigrationProvider(postgresSqlDialect).getMigrations(),
      ).sort()
      expect(applied.rows.map((row) => row.name)).toEqual(expected)
      const stores = await sql<{ id: number }>`select id from stores`.execute(db)
      expect(stores.rows).toEqual([{ id: DEFAULT_STORE_ID }])
    } finally {
      await db.destroy()
    }
  })

  it('sets the session limits on every connection and reads int8 as a number', async () => {
    const db = new Kysely<Record<string, Record<string, unknown>>>({
      dialect: new PostgresDialect({
        pool: createPostgresPool({ url, schema: schema.name, statementTimeoutMs: 1234 }),
      }),
    })
    try {
      const { rows } = await sql<Record<string, unknown>>`select
          current_setting('statement_timeout') as statement_timeout,
          current_setting('lock_timeout') as lock_timeout,
          current_setting('idle_in_transaction_session_timeout') as idle,
          current_schema() as schema,
          9007199254740991::bigint as big`.execute(db)
      expect(rows[0]).toEqual({
        statement_timeout: '1234ms',
        lock_timeout: '5s',
        idle: '1min',
        schema: schema.name,
        big: 9007199254740991,
      })
    } finally {
      await db.destroy()
    }
  })

  it('tidies tables past the pool statement timeout, then gives the connection its timeout back', async () => {
    const setup = new Kysely<Record<string, Record<string, unknown>>>({
      dialect: new PostgresDialect({ pool: createPostgresPool({ url, schema: schema.name }) }),
    })
    // A table whose vacuum takes far longer than the 50 ms timeout below (a rebuilt projection
    // of 10⁷ statements took minutes against the default 30 s).
    try {
      await sql`create table tidy_probe as
        select n, md5(n::text) as t from generate_series(1, 400000) as n`.execute(setup)
    } finally {
      await setup.destroy()
    }
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({
        pool: createPostgresPool({ url, schema: schema.name, statementTimeoutMs: 50, poolMax: 1 }),
      }),
    })
    try {
      await postgresSqlDialect.tidyTables(db, ['tidy_probe'])
      const { rows } = await sql<{
        timeout: string
        visible: number
      }>`select current_setting('statement_timeout') as timeout,
          (select relallvisible from pg_class where oid = 'tidy_probe'::regclass) as visible`.execute(
        db,
      )
      expect(rows[0]?.timeout).toBe('50ms')
      // The vacuum ran: its pages are marked all-visible.
      expect(rows[0]?.visible).toBeGreaterThan(0)
    } finally {
      await db.destroy()
    }
  })

  it("reads a course's learner rows for the course report from one index, not the table (migration 0037)", async () => {
    const db = await migratedConnection()
    try {
      // Twenty activities of 500 learners, the rows of each spread over the table as projection
      // writes leave them (interleaved), then vacuumed as after a rebuild (tidyTables).
      await sql`insert into an_learner_activity (store_id, activity_id, learner, first_ms, last_ms,
          engaged_ms, completed_ms, best_score, first_score, last_score, centis)
        select 1, 'https://example.com/course/' || (n % 20), 'mbox:mailto:l' || n || '@example.com',
          n, n + 1000, n, case when n % 3 = 0 then n + 500 end, (n % 10) / 10.0, 0.5, 0.6, n * 7
        from generate_series(1, 10000) as n`.execute(db)
      await sql`vacuum (analyze) an_learner_activity`.execute(db)
      await sql`set enable_seqscan = off`.execute(db)
      await sql`set enable_bitmapscan = off`.execute(db)
      const course = sql`from an_learner_activity la where la.store_id = 1
        and la.activity_id = 'https://example.com/course/1' and la.first_ms >= 0 and la.first_ms < 20000`
      // The shapes of the course report's passes (course-report.ts): the totals with the last
      // activity, the bare scores and times, and the page of learners sorted by the last score.
      const passes = [
        sql`select count(*), min(la.engaged_ms), max(la.last_ms),
          sum(case when la.completed_ms is not null then 1 else 0 end) ${course}`,
        sql`select la.first_score, la.last_score, la.best_score, la.centis ${course}
          and (la.last_score is not null or la.centis > 0)`,
        sql`select la.learner ${course} order by la.last_score is null, la.last_score desc,
          la.learner limit 20`,
      ]
      for (const pass of passes) {
        const plan = (await sql<{ 'QUERY PLAN': string }>`explain ${pass}`.execute(db)).rows
          .map((r) => r['QUERY PLAN'])
          .join('\n')
        expect(plan).toContain('Index Only Scan using an_learner_activity_outcomes')
      }
    } finally {
      await db.destroy()
    }
  })

  it("finds an activity's first statement by anyone from the first entry of an index (migration 0038)", async () => {
    const db = await migratedConnection()
    try {
      await sql`insert into an_learner_activity (store_id, activity_id, learner, first_ms, last_ms, centis)
        select 1, 'https://example.com/module/' || (n % 5), 'mbox:mailto:l' || n || '@example.com',
          100000 - n, 100000, 0
        from generate_series(1, 20000) as n`.execute(db)
      await sql`vacuum (analyze) an_learner_activity`.execute(db)
      // The course report's query for its modules' order (course-report.ts, modulesInSql).
      const query = firstStatementsOf(1, [
        'https://example.com/module/1',
        'https://example.com/module/4',
      ])
      const plan = (await sql<{ 'QUERY PLAN': string }>`explain ${query}`.execute(db)).rows
        .map((r) => r['QUERY PLAN'])
        .join('\n')
      expect(plan).toContain('Index Only Scan using an_learner_activity_first')
      // Each module's min is its first index entry, not a pass over its 4,000 rows.
      expect(plan).toContain('Limit')
      const { rows } = await query.execute(db)
      expect(rows.map((r) => [r.activity_id, Number(r.first)])).toEqual([
        ['https://example.com/module/1', 100000 - 19996],
        ['https://example.com/module/4', 100000 - 19999],
      ])
    } finally {
      await db.destroy()
    }
  })

  it('gives report reads more work_mem for their transaction only', async () => {
    const storage = open({ poolMax: 1 })
    await storage.migrate()
    const workMem = (connection: unknown) =>
      sql<{ w: string }>`select current_setting('work_mem') as w`
        .execute(connection as Kysely<Database>)
        .then(({ rows }) => rows[0]?.w)
    const server = await storage.log.unitOfWork(S, ({ connection }) => workMem(connection))
    expect(await storage.log.read(workMem)).toBe('64MB')
    // The same (only) connection afterwards: back to the server's setting.
    expect(await storage.log.unitOfWork(S, ({ connection }) => workMem(connection))).toBe(server)
    expect(server).not.toBe('64MB')
  })

  it('skips its growth-triggered ANALYZE when another process is analysing the table or analysed it after its last one', async () => {
    const storage = open()
    await storage.migrate()
    await storage.transaction(S, async (scope) => {
      const stored = await scope.statements.allocateStored()
      await scope.statements.insertStatements(
        Array.from({ length: 40 }, () => buildRecord({}, stored)),
      )
    })
    const db = (await migratedConnection()) as unknown as Kysely<Database>
    try {
      const refresh = postgresSqlDialect.refreshPlannerStats!
      /**
       * `count` more statements (copies of the first with new ids and seqs), on this connection,
       * whose counts then reach the shared statistics at once instead of within 10 s.
       */
      const insert = async (count: number) => {
        await sql`insert into statements overriding system value
          select (jsonb_populate_record(null::statements,
            to_jsonb(s) || jsonb_build_object('seq', nextval('statements_seq_seq'),
              'id', gen_random_uuid()::text))).*
          from (select * from statements limit 1) s, generate_series(1, ${count})`.execute(db)
        await sql`select pg_stat_force_next_flush()`.execute(db)
        await sql`select 1`.execute(db)
      }
      const own = await refresh(db, undefined)
      expect(own.rows).toBe(40)
      // Another process analyses, then 10 rows arrive (a quarter of the table, under half).
      await sql`analyze statements`.execute(db)
      await insert(10)
      const skipped = await refresh(db, own.analyses)
      expect(skipped).toEqual({ rows: 40, analyses: own.analyses + 1 })
      // Nobody else since: it analyses.
      const again = await refresh(db, skipped.analyses)
      expect(again).toEqual({ rows: 50, analyses: skipped.analyses + 1 })
      // Another process again, but the table grew by more than half after it: it analyses too.
      await sql`analyze statements`.execute(db)
      await insert(30)
      const grown = await refresh(db, again.analyses)
      expect(grown).toEqual({ rows: 80, analyses: again.analyses + 2 })
      // While another process is analysing (holding the lock), it leaves the refresh to that one.
      const other = createPostgresPool({ url, schema: schema.name, poolMax: 1 })
      try {
        const key = ANALYZE_LOCK_KEY.compile(db).sql
        await other.query(`select pg_advisory_lock(${key})`)
        expect(await refresh(db, undefined)).toEqual(grown)
        await other.query(`select pg_advisory_unlock(${key})`)
      } finally {
        await other.end()
      }
      expect(await refresh(db, undefined)).toEqual({ rows: 80, analyses: grown.analyses + 1 })
    } finally {
      await db.destroy()
    }
  })

  it('a watermark one process returned is below every stored another allocates later', async () => {
    const reader = open()
    await reader.migrate()
    const writer = open()
    // No pause between the two: the same millisecond is the case that matters.
    for (let i = 0; i < 100; i++) {
      const watermark = await reader.scope(S).statements.consistentThrough()
      const stored = await writer.transaction(S, async (scope) => {
        const allocated = await scope.statements.allocateStored()
        await scope.statements.insertStatements([buildRecord({}, allocated)])
        return allocated
      })
      expect(stored > watermark).toBe(true)
    }
  })

  it('the watermark does not wait for a unit of work in flight elsewhere, and stays below it', async () => {
    const reader = open()
    await reader.migrate()
    const writer = open()
    const { track, order } = settleOrder()
    let inserted = (): void => undefined
    const isInserted = new Promise<void>((resolve) => (inserted = resolve))
    let stored = ''
    const writing = track(
      'commit',
      writer.transaction(S, async (scope) => {
        stored = await scope.statements.allocateStored()
        await scope.statements.insertStatements([buildRecord({}, stored)])
        inserted()
        await new Promise((resolve) => setTimeout(resolve, 150))
      }),
    )
    await isInserted
    const during = await track('watermark', reader.scope(S).statements.consistentThrough())
    await writing
    // Read while the writer held its lock: not kept waiting, and below what it will commit.
    expect(order).toEqual(['watermark', 'commit'])
    expect(during < stored).toBe(true)
    expect((await reader.scope(S).statements.consistentThrough()) >= stored).toBe(true)
  })

  it('units of work of one store queue in the process, leaving connections to readers', async () => {
    const storage = open({ poolMax: 2 })
    await storage.migrate()
    const { track, order } = settleOrder()
    const writes = Array.from({ length: 4 }, (_, i) =>
      track(
        `write ${i}`,
        storage.transaction(S, async (scope) => {
          await scope.statements.allocateStored()
          await new Promise((resolve) => setTimeout(resolve, 40))
        }),
      ),
    )
    await new Promise((resolve) => setTimeout(resolve, 10))
    await track('read', storage.scope(S).statements.findStatementsByIds(['none']))
    await Promise.all(writes)
    // The read needed a connection: with four writers each holding one, it would come last.
    expect(order.indexOf('read')).toBeLessThan(order.indexOf('write 1'))
  })

  it('concurrent batches from two processes on the same agents and activities all commit, in stored order', async () => {
    const one = open()
    await one.migrate()
    const two = open()
    const names = ['ann', 'bob', 'cid', 'dee']
    const slugs = ['a1', 'a2', 'a3']
    const batch = (storage: Storage, round: number) =>
      storage.transaction(S, async (scope) => {
        const stored = await scope.statements.allocateStored()
        // Each batch names the shared rows in its own order.
        const shift = (round % names.length) + 1
        const actors = [...names.slice(shift), ...names.slice(0, shift)]
        const records = actors.map((name, i) =>
          buildRecord(
            { actor: agent(name), object: activity(slugs[(round + i) % slugs.length]!) },
            stored,
          ),
        )
        await scope.statements.insertStatements(records)
        await scope.actorsActivities.upsertAgents(
          actors.map((name) => ({ ifi: ifiOf(name), agent: agent(name) })),
        )
        await scope.actorsActivities.upsertActivities(
          [...slugs].reverse().map((slug) => ({
            id: activityId(slug),
            definition: { name: { 'en-US': `${slug} ${round}` } },
          })),
        )
        return records.length
      })
    const writers = [one, two, one, two, one, two].map(async (storage, w) => {
      let written = 0
      for (let round = 0; round < 8; round++) written += await batch(storage, w * 8 + round)
      return written
    })
    const total = (await Promise.all(writers)).reduce((a, b) => a + b, 0)

    const page = await one.scope(S).statements.queryStatements({
      relatedActivities: false,
      relatedAgents: false,
      ascending: true,
      limit: 1000,
    })
    expect(page.statements).toHaveLength(total)
    // Ascending seq order is ascending stored order: the store's writers committed one by one.
    const stored = page.statements.map((s) => s.stored)
    expect(stored).toEqual([...stored].sort())
    expect(await two.scope(S).actorsActivities.findAgents(ifiOf('ann'))).toEqual([agent('ann')])
  })
  it("a shared writer's stored never goes below one drawn by a writer still in flight", async () => {
    const storage = open()
    await storage.migrate()
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: createPostgresPool({ url, schema: schema.name }) }),
    })
    const reserve = postgresSqlDialect.reserveStatements
    if (reserve === undefined) throw new Error('PostgreSQL draws seq and stored together')
    try {
      let release = (): void => undefined
      const held = new Promise<void>((resolve) => (release = resolve))
      let drawn = (): void => undefined
      const isDrawn = new Promise<void>((resolve) => (drawn = resolve))
      let ahead = { storedMs: 0, seqs: [] as number[] }
      // A writer whose stored ran a minute ahead of the server's clock (as a floor from its
      // process, or a clock stepped back, can make it), still in flight: nothing committed.
      const first = db.transaction().execute(async (trx) => {
        ahead = await reserve(trx, S, 2, Date.now() + 60_000, true)
        drawn()
        await held
      })
      await isDrawn
      // The next writers draw larger seqs: their stored must not be smaller, whether they
      // begin with the draw or took the lock before it.
      const next = await db.transaction().execute((trx) => reserve(trx, S, 1, 0, true))
      const locked = await db.transaction().execute(async (trx) => {
        await postgresSqlDialect.lockStoreWrites(trx, S, 'shared')
        return reserve(trx, S, 1, 0, false)
      })
      release()
      await first
      expect(next.seqs[0]).toBeGreaterThan(ahead.seqs[1] ?? Infinity)
      expect(next.storedMs).toBeGreaterThanOrEqual(ahead.storedMs)
      expect(locked.seqs[0]).toBeGreaterThan(next.seqs[0] ?? Infinity)
      expect(locked.storedMs).toBeGreaterThanOrEqual(next.storedMs)
      // Once it has ended (rolled back: nothing of it was stored or seen), the clock rules again.
      const after = await db.transaction().execute((trx) => reserve(trx, S, 1, 0, true))
      expect(after.storedMs).toBeLessThan(ahead.storedMs)
    } finally {
      await db.destroy()
    }
  })

  it('a transaction whose begin waits for its first statement is still one transaction', async () => {
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({
        pool: deferringBegin(createPostgresPool({ url, schema: schema.name, poolMax: 1 })),
      }),
    })
    try {
      await sql`create table t (n integer)`.execute(db)
      // The first statement without parameters goes with the begin, the next with parameters.
      const ids = await db.transaction().execute(async (trx) => {
        const a = await sql<{ x: string }>`select txid_current()::text as x`.execute(trx)
        await sql`insert into t values (${1})`.execute(trx)
        const b = await sql<{ x: string }>`select txid_current()::text as x`.execute(trx)
        return [a.rows[0]?.x, b.rows[0]?.x]
      })
      expect(ids[0]).toBeDefined()
      expect(ids[1]).toBe(ids[0])
      // A first statement with parameters: the begin is sent before it. A failure rolls back.
      await expect(
        db.transaction().execute(async (trx) => {
          await sql`insert into t values (${2})`.execute(trx)
          await sql`insert into t values (1 / 0)`.execute(trx)
        }),
      ).rejects.toThrow(/division by zero/)
      // Settings of the begin apply; a transaction with no statement sends nothing.
      const isolation = await db
        .transaction()
        .setIsolationLevel('repeatable read')
        .setAccessMode('read only')
        .execute(async (trx) => {
          const { rows } = await sql<{
            i: string
          }>`select current_setting('transaction_isolation') as i`.execute(trx)
          return rows[0]?.i
        })
      expect(isolation).toBe('repeatable read')
      await db.transaction().execute(() => Promise.resolve())
      const { rows } = await sql<{ n: number }>`select n from t order by n`.execute(db)
      expect(rows).toEqual([{ n: 1 }])
      // Outside a transaction, the connection is in autocommit again.
      const { rows: state } = await sql<{
        x: string
      }>`select current_setting('transaction_isolation') as x`.execute(db)
      expect(state[0]?.x).toBe('read committed')
    } finally {
      await db.destroy()
    }
  })
})
