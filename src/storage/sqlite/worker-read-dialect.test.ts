/** @module Report reads in worker threads: same results, errors, dead threads, close. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kysely, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAnalytics } from '../../analytics/analytics.js'
import { analyticsFixture, S, simulated } from '../../../test/analytics/analytics-fixture.js'
import { createSqliteStorage } from './create-sqlite-storage.js'
import { liveReadWorkers, WorkerReadDialect } from './worker-read-dialect.js'

let dir = ''
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'almanac-read-workers-'))
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

/** Counts to `n` in SQL: a query that keeps its thread busy for a while. */
const slow = (n: number) =>
  sql<{ n: number }>`with recursive c(i) as (select 1 union all select i + 1 from c where i < ${n})
    select count(*) as n from c`

describe('SQLite report reads in worker threads', () => {
  it('give the same reports as the main-thread reader, one snapshot per read', async () => {
    const file = join(dir, 'same.db')
    const workers = createSqliteStorage({ file, readWorkers: 2 })
    await workers.migrate()
    const fixture = analyticsFixture(workers)
    await fixture.ingest(simulated(1500))
    await fixture.projector.catchUp(S)
    const direct = createSqliteStorage({ file, readWorkers: 0 })
    const directAnalytics = createAnalytics(direct.log, fixture.projector)
    try {
      const before = liveReadWorkers()
      const overview = await fixture.analytics.overview(S, { interval: 'week', top: 10 })
      expect(liveReadWorkers()).toBeGreaterThan(before)
      const course = overview.topActivities.find((a) => a.activity.includes('/courses/'))
      expect(course).toBeDefined()
      const without = ({ asOf: _a, ...rest }: { asOf: unknown }) => rest
      expect(without(overview)).toEqual(
        without(await directAnalytics.overview(S, { interval: 'week', top: 10 })),
      )
      const query = {
        scoreOf: 'best',
        page: 1,
        pageSize: 20,
        sort: 'score',
        order: 'desc',
      } as const
      const fromWorkers = await fixture.analytics.course(S, course!.activity, query)
      expect(fromWorkers.learners.rows.length).toBeGreaterThan(0)
      expect(without(fromWorkers)).toEqual(
        without(await directAnalytics.course(S, course!.activity, query)),
      )

      // A write committed by the main thread during a read is not seen by that read.
      const counts = await workers.log.read(async (connection) => {
        const db = connection as Kysely<any>
        const count = async () =>
          Number(
            (await sql<{ n: number }>`select count(*) as n from log_consumers`.execute(db)).rows[0]
              ?.n,
          )
        const first = await count()
        await workers.log.resetCursor('read-worker-test', S, 7)
        return [first, await count()]
      })
      expect(counts[1]).toBe(counts[0])
      expect((await workers.log.position('read-worker-test', S)).cursor).toBe(7)
    } finally {
      await direct.close()
      await workers.close()
    }
  })

  it('fail a bad query with SQLite’s message, and keep serving', async () => {
    const storage = createSqliteStorage({ file: join(dir, 'error.db'), readWorkers: 1 })
    await storage.migrate()
    try {
      await expect(
        storage.log.read((c) => sql`select nope from statements`.execute(c as Kysely<any>)),
      ).rejects.toThrow(/no such column: nope/)
      const rows = await storage.log.read(
        async (c) => (await slow(10).execute(c as Kysely<any>)).rows,
      )
      expect(rows).toEqual([{ n: 10 }])
    } finally {
      await storage.close()
    }
  })

  it('fail the queries of a thread that dies, replace it, and hand waiting reads a new one', async () => {
    const file = join(dir, 'killed.db')
    const setup = createSqliteStorage({ file, readWorkers: 0 })
    await setup.migrate()
    await setup.close()
    const dialect = new WorkerReadDialect({ file, workers: 1, busyTimeoutMs: 1000, cacheKib: 1024 })
    const db = new Kysely<any>({ dialect })
    try {
      let started!: () => void
      const running = new Promise<void>((resolve) => (started = resolve))
      // terminate() cannot stop SQLite mid-query: the thread exits when the query returns to
      // JavaScript. So the query must outlast the few milliseconds until terminate() below (it
      // takes about 4 s here) yet end well inside the test's time; counting to 10⁹ took minutes
      // whenever the thread had started it before terminate(), and the test timed out in CI.
      const first = db.transaction().execute(async (trx) => {
        await sql`select 1`.execute(trx)
        started()
        return slow(3e7).execute(trx)
      })
      // Waits for the one thread, held by `first`.
      const second = db.transaction().execute(async (trx) => (await slow(5).execute(trx)).rows)
      await running
      const [thread] = dialect.driver.threads()
      await thread!.terminate()
      await expect(first).rejects.toThrow(/read worker stopped/)
      expect(await second).toEqual([{ n: 5 }])
      expect(dialect.driver.threads()).toHaveLength(1)
      expect(dialect.driver.threads()[0]).not.toBe(thread)
    } finally {
      await db.destroy()
    }
  }, 90_000)

  it('leave no thread running after close, and none for :memory:', async () => {
    const before = liveReadWorkers()
    const storage = createSqliteStorage({ file: join(dir, 'close.db'), readWorkers: 2 })
    await storage.migrate()
    await Promise.all(
      [1, 2, 3].map(() =>
        storage.log.read(async (c) => (await slow(1000).execute(c as Kysely<any>)).rows),
      ),
    )
    expect(liveReadWorkers()).toBe(before + 2)
    await storage.close()
    expect(liveReadWorkers()).toBe(before)

    const memory = createSqliteStorage({ file: ':memory:', readWorkers: 2 })
    await memory.migrate()
    expect(
      await memory.log.read(async (c) => (await slow(3).execute(c as Kysely<any>)).rows),
    ).toEqual([{ n: 3 }])
    expect(liveReadWorkers()).toBe(before)
    await memory.close()
  })
})
