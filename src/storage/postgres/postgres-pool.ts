/** @module The connection pool Almanac runs PostgreSQL with, and why each setting. */
import pg from 'pg'

export interface PostgresPoolOptions {
  /** A `postgres://` connection URL (user, password, host, port, database, `?sslmode=` …). */
  url: string
  /**
   * The schema the tables live in, as the connections' search_path. Default: the URL's or the
   * server's (`public`). Letters, digits and underscores only.
   */
  schema?: string
  /** The most connections this process opens; default 10. */
  poolMax?: number
  /** The longest one SQL statement may run before the server cancels it; default 30 s. */
  statementTimeoutMs?: number
  /**
   * How long a statement waits for a lock (the store's write lock above all) before failing
   * with 55P03, which retries the unit of work; default 5 s, like SQLite's busy_timeout.
   */
  lockTimeoutMs?: number
}

/** The defaults, for documentation and tests. */
export const POOL_DEFAULTS = {
  poolMax: 10,
  statementTimeoutMs: 30_000,
  lockTimeoutMs: 5_000,
  /** A transaction left open this long (a bug, a hung process) is ended by the server. */
  idleInTransactionTimeoutMs: 60_000,
  /** Idle connections are closed after this long; the pool opens new ones on demand. */
  idleTimeoutMs: 30_000,
  /** Waiting this long for a free connection (or to connect) fails the request. */
  connectionTimeoutMs: 10_000,
} as const

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * int8 (`bigint`: seq, epoch milliseconds, counts) parsed as a number, not pg's default
 * string: every value Almanac stores is far below 2^53. Set on the pool's own type table, so
 * other users of `pg` in the process keep the default.
 */
function almanacTypes(): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides()
  types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value))
  return types
}

/**
 * A pool whose every connection carries the session settings (sent at connect time, no extra
 * round trip): statement_timeout bounds runaway queries, lock_timeout turns a long wait for a
 * lock into a retry, idle_in_transaction_session_timeout frees a lock a stuck transaction holds.
 */
export function createPostgresPool(options: PostgresPoolOptions): pg.Pool {
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema))
    throw new Error(`invalid PostgreSQL schema name '${options.schema}'`)
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax ?? POOL_DEFAULTS.poolMax,
    idleTimeoutMillis: POOL_DEFAULTS.idleTimeoutMs,
    connectionTimeoutMillis: POOL_DEFAULTS.connectionTimeoutMs,
    statement_timeout: options.statementTimeoutMs ?? POOL_DEFAULTS.statementTimeoutMs,
    lock_timeout: options.lockTimeoutMs ?? POOL_DEFAULTS.lockTimeoutMs,
    idle_in_transaction_session_timeout: POOL_DEFAULTS.idleInTransactionTimeoutMs,
    application_name: 'almanac',
    keepAlive: true,
    types: almanacTypes(),
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
  })
  // A connection that breaks while idle in the pool (a server restart, a network cut) emits
  // 'error' on the pool, which would end the process unheard; the pool has already dropped it
  // and the next checkout connects anew, so there is nothing left to do.
  pool.on('error', () => undefined)
  return pool
}

/** A result for a `begin` not sent yet, or for the end of a transaction that sent nothing. */
function emptyResult(command: string): pg.QueryResult {
  return { command, rowCount: null, oid: 0, fields: [], rows: [] }
}

/** The text Kysely begins a transaction with: `begin`, or `start transaction …` with settings. */
function isBegin(text: string): boolean {
  return text === 'begin' || text.startsWith('start transaction')
}

/**
 * The pool as Kysely's `PostgresDialect` uses it, with one round trip less per transaction: a
 * `begin` is not sent on its own but in one message with the transaction's first statement when
 * that statement has no parameters (a multi-statement simple query; its result is the
 * statement's), before it otherwise. Each round trip costs ~0.1–0.4 ms of latency and CPU on
 * both sides here, and every unit of work of Almanac starts with a statement without
 * parameters (its lock: `lockStoreWrites`, `reserveStatements` with `begin`), as do the log
 * consumers' (`pg_stat_clear_snapshot()`). Nothing else changes: the statement runs inside
 * the transaction as before, and a failure of either leaves the transaction to Kysely's
 * `rollback`. A transaction that ends before any statement sends nothing at all.
 */
export function deferringBegin(pool: pg.Pool): {
  connect(): Promise<pg.PoolClient>
  end(): Promise<void>
} {
  const wrapped = new WeakMap<pg.PoolClient, pg.PoolClient>()

  function wrap(client: pg.PoolClient): pg.PoolClient {
    let pending: string | undefined
    const query = async (text: unknown, values?: unknown): Promise<unknown> => {
      const plain =
        typeof text === 'string' &&
        (values === undefined || (Array.isArray(values) && values.length === 0))
      if (plain && pending === undefined && isBegin(text)) {
        pending = text
        return emptyResult('BEGIN')
      }
      if (pending !== undefined) {
        const begin = pending
        pending = undefined
        if (plain && (text === 'commit' || text === 'rollback'))
          return emptyResult(text.toUpperCase())
        if (plain) {
          const results = (await client.query(`${begin}; ${text}`)) as unknown
          return Array.isArray(results) ? results[results.length - 1] : results
        }
        await client.query(begin)
      }
      return (client.query as (t: unknown, v?: unknown) => Promise<unknown>).call(
        client,
        text,
        values,
      )
    }
    return Object.assign(Object.create(client) as pg.PoolClient, {
      query,
      release: (error?: Error | boolean) => {
        pending = undefined
        client.release(error)
      },
    })
  }

  return {
    async connect() {
      const client = await pool.connect()
      let facade = wrapped.get(client)
      if (facade === undefined) {
        facade = wrap(client)
        wrapped.set(client, facade)
      }
      return facade
    },
    end: () => pool.end(),
  }
}
