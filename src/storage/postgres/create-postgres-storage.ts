/** @module The PostgreSQL backend: a pg pool behind the SQL storage, for any number of processes. */
import { Kysely, PostgresDialect, sql } from 'kysely'
import type { Storage } from '../ports.js'
import { createSqlStorage } from '../sql/create-sql-storage.js'
import type { Database } from '../sql/database.js'
import { migrateToLatest } from '../sql/migrations.js'
import { createPostgresLogLeases } from './postgres-log-leases.js'
import {
  createPostgresPool,
  deferringBegin,
  POOL_DEFAULTS,
  type PostgresPoolOptions,
} from './postgres-pool.js'
import { postgresSqlDialect } from './postgres-sql-dialect.js'
import { queueStoreWrites } from './store-write-queue.js'

export interface PostgresStorageOptions extends PostgresPoolOptions {
  /**
   * How many shared units of work (plain statement inserts, group commits) of one store this
   * process runs at once (`Storage.sharedUnitsPerStore`); default 3. The group commit starts
   * a group beside a running one only while a large group's worth of statements waits
   * (group-commit.ts `besideFrom`): single statements still go one group at a time, each taking
   * every request that arrived meanwhile (more, smaller groups cost more CPU per statement),
   * while batches use the time the process would otherwise wait on the database. Other
   * processes add theirs.
   */
  sharedUnitsPerStore?: number
}

/**
 * See `PostgresStorageOptions.sharedUnitsPerStore`. Measured with one process, batches of 100
 * from 16 clients: 1 unit 7,630–7,690, 2 units 8,440–8,620, 3 units 8,730–9,090 statements/s
 * (two runs each); single statements from 64 clients unchanged (docs/scaling.md, wave 21).
 */
export const SHARED_UNITS_PER_STORE = 3

function connect(options: PostgresPoolOptions): Kysely<Database> {
  return connectWithPool(options).db
}

function connectWithPool(options: PostgresPoolOptions) {
  const pool = createPostgresPool(options)
  return {
    pool,
    db: new Kysely<Database>({ dialect: new PostgresDialect({ pool: deferringBegin(pool) }) }),
  }
}

/**
 * Applies the migrations on a connection of their own without statement or lock timeouts: an
 * index built over a large table may take minutes, and an ALTER TABLE waits for the running
 * queries of other processes. Several processes may start at once: Kysely's migrator holds an
 * advisory lock while it reads and applies what is pending, so each migration runs once.
 */
async function migrate(options: PostgresPoolOptions): Promise<void> {
  const db = connect({ ...options, poolMax: 1, statementTimeoutMs: 0, lockTimeoutMs: 0 })
  try {
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db)
    const schema = rows[0]?.schema
    if (schema === undefined) throw new Error('the connection has no current schema (search_path)')
    await migrateToLatest(db, postgresSqlDialect, schema)
    await postgresSqlDialect.afterMigrate(db)
  } catch (error) {
    throw postgresSqlDialect.translateError(error)
  } finally {
    await db.destroy()
  }
}

/**
 * Opens a pool on the database of `options.url` (nothing connects until first use). Call
 * `migrate()` before use.
 *
 * Any number of processes may serve the same database: nothing that matters is kept in memory.
 * Plain statement inserts of one store run side by side (the store's advisory lock held
 * shared; `seq` and `stored` drawn together in one short step), every other unit of work of a
 * store alone (the lock held exclusive); the watermarks and `more` snapshots stay below every
 * writer in flight, `stored` and the watermark come from the server's clock, and `more` tokens
 * carry their whole cursor. docs/scaling.md has the reasoning and the measured costs.
 */
export function createPostgresStorage(options: PostgresStorageOptions): Storage {
  const { pool, db } = connectWithPool(options)
  const storage = queueStoreWrites(
    createSqlStorage(
      db,
      postgresSqlDialect,
      () => ({
        pool: {
          max: pool.options.max ?? POOL_DEFAULTS.poolMax,
          total: pool.totalCount,
          idle: pool.idleCount,
          waiting: pool.waitingCount,
        },
      }),
      createPostgresLogLeases(options),
      undefined,
      options.sharedUnitsPerStore ?? SHARED_UNITS_PER_STORE,
    ),
  )
  return { ...storage, migrate: () => migrate(options) }
}
