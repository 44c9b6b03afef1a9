/** @module Log-consumer leases on PostgreSQL: session advisory locks on one connection kept for them. */
import type pg from 'pg'
import type { ConsumerLease, StoreId } from '../ports.js'
import type { LeaseProvider } from '../sql/create-sql-storage.js'
import { createPostgresPool, type PostgresPoolOptions } from './postgres-pool.js'

/**
 * Why advisory locks rather than a lease row with an expiry: the server releases a session lock
 * the moment the holder's connection ends (a crash, `kill -9`, a network cut), so another
 * process takes over at its next poll, with no expiry to tune and no renewal traffic; and
 * `pg_try_advisory_lock` never waits. The cost is one connection per process, held open for as
 * long as it holds any lease (all of a process's leases share it).
 *
 * The lock key is two int4s: a hash of 'almanac-log', the schema and the consumer name (so
 * installations in other schemas of the server, and other consumers, never collide), and the
 * store id. A hash collision between two consumer names would only make them take turns.
 *
 * Losing the connection loses every lock on it: each lease then reports `held() === false`, and
 * the runner stops and tries to acquire again. Even a consumer that has not noticed yet cannot
 * double-count: its cursor row lock (StatementLog.cursor) orders its units of work after the new
 * holder's and it re-reads the cursor the new holder committed.
 */
export function createPostgresLogLeases(options: PostgresPoolOptions): LeaseProvider {
  let pool: pg.Pool | undefined
  let client: Promise<pg.PoolClient> | undefined
  let broken = false
  const held = new Map<string, { release(): Promise<void> }>()

  function connection(): Promise<pg.PoolClient> {
    if (client !== undefined && !broken) return client
    broken = false
    // Never closed for idling: the connection must outlive every lease on it. No statement
    // timeout matters here: every query on it is a try-lock or an unlock.
    pool ??= createPostgresPool({ ...options, poolMax: 1 })
    const opening = pool.connect().then((c) => {
      c.on('error', () => {
        broken = true
      })
      c.on('end', () => {
        broken = true
      })
      return c
    })
    client = opening
    opening.catch(() => {
      client = undefined
    })
    return opening
  }

  const key = (storeId: StoreId) => `${storeId}`

  // One query at a time on the shared connection: the consumers of a process poll their leases
  // independently, and a pg client given a query while another runs queues it but deprecates
  // that (pg 9 drops it).
  let last: Promise<unknown> = Promise.resolve()
  function serially<T>(query: () => Promise<T>): Promise<T> {
    const next = last.then(query, query)
    last = next.catch(() => undefined)
    return next
  }

  return {
    async acquire(consumer, storeId) {
      const c = await connection()
      const name = `${consumer}\u0000${key(storeId)}`
      if (held.has(name)) return undefined
      const { rows } = await serially(() =>
        c.query<{ ok: boolean }>(
          `select pg_try_advisory_lock(hashtext('almanac-log:' || current_schema() || ':' || $1), $2) as ok`,
          [consumer, storeId],
        ),
      )
      if (rows[0]?.ok !== true) return undefined
      const mine = c
      let released = false
      const lease: ConsumerLease = {
        held: () => !released && !broken && client !== undefined,
        async release() {
          if (released) return
          released = true
          held.delete(name)
          if (broken) return
          await serially(() =>
            mine.query(
              `select pg_advisory_unlock(hashtext('almanac-log:' || current_schema() || ':' || $1), $2)`,
              [consumer, storeId],
            ),
          ).catch(() => undefined)
        },
      }
      held.set(name, lease)
      return lease
    },

    async close() {
      await Promise.allSettled([...held.values()].map((lease) => lease.release()))
      const open = client
      client = undefined
      if (open !== undefined) (await open.catch(() => undefined))?.release(true)
      await pool?.end()
      pool = undefined
    },
  }
}
