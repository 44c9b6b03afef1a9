/** @module Builds the `Storage` port from a Kysely connection and the engine's `SqlDialect`. */
import { setTimeout as sleep } from 'node:timers/promises'
import { type Kysely, sql } from 'kysely'
import type {
  ConsumerLease,
  Storage,
  StorageHealth,
  StorageOperations,
  StoreId,
  StoreScope,
} from '../ports.js'
import type { Database } from './database.js'
import { migrateToLatest, pendingMigrations } from './migrations.js'
import { createPlannerStatsRefresher } from './planner-stats-refresh.js'
import { createSqlActorActivityStore } from './sql-actor-activity-store.js'
import { createSqlAdminStore } from './sql-admin-store.js'
import type { SqlDialect, StoreWriteMode } from './sql-dialect.js'
import { createSqlDocumentStore } from './sql-document-store.js'
import { createSqlForwardingStore } from './sql-forwarding-store.js'
import { createSqlPersonalDataStore } from './sql-personal-data-store.js'
import {
  createRowLeases,
  createSqlStatementLog,
  readConsumerPosition,
  writeConsumerCursor,
} from './sql-statement-log.js'
import { createSqlStatementStore } from './sql-statement-store.js'
import { type StoredClock, withErrorTranslation } from './sql-support.js'
import { StorageBusyError, StorageFailureError } from './storage-errors.js'

/** How many times a unit of work runs before a transient failure is reported. */
const MAX_ATTEMPTS = 5

/** Exponential backoff with jitter: ~25, 50, 100, 200 ms. */
function backoffMs(attempt: number): number {
  return 25 * 2 ** (attempt - 1) * (0.5 + Math.random())
}

/** The engine-specific parts of the gauges (the pool, the files); none by default. */
export type ExtraGauges = () => Omit<
  ReturnType<StorageOperations['gauges']>,
  'transactionsInFlight'
>

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** How log-consumer leases are taken (`StatementLogStorage.acquireLease`). */
export interface LeaseProvider {
  acquire(consumer: string, storeId: StoreId): Promise<ConsumerLease | undefined>
  /** Releases every lease still held. */
  close(): Promise<void>
}

/**
 * The `Storage` of an SQL database: every store scoped by `store_id`, units of work as
 * transactions retried on transient failures, driver errors translated to `LrsError`s. Only
 * stores given to a unit of work may be used inside it: on SQLite the one connection is held by
 * the transaction, so a store from `scope()` would wait for it forever.
 */
export function createSqlStorage(
  db: Kysely<Database>,
  dialect: SqlDialect,
  extraGauges: ExtraGauges = () => ({}),
  leases: LeaseProvider = createRowLeases(db),
  /** A connection for `log.read` that does not share `db`'s lock (SQLite); default `db`. */
  openReader?: () => Kysely<Database>,
  /** `Storage.sharedUnitsPerStore` where the dialect has shared writers. */
  sharedUnitsPerStore = 1,
): Storage {
  let reader: Kysely<Database> | undefined
  const clock: StoredClock = { lastConsistentMs: 0 }
  const running = new Set<Promise<unknown>>()
  let closed = false

  const refreshPlannerStats = dialect.refreshPlannerStats
  const plannerStats =
    refreshPlannerStats === undefined
      ? undefined
      : createPlannerStatsRefresher((seen) => refreshPlannerStats(db, seen))

  function scopeOf(
    conn: Kysely<Database>,
    storeId: StoreId,
    /** How the unit of work `conn` writes the store; undefined outside one. */
    writeMode: StoreWriteMode | undefined,
    onInserted: (count: number) => void = () => undefined,
    /** A shared unit of work whose lock is not taken yet (see `lockedFirst`). */
    sharedWriter?: { locked: boolean },
  ): StoreScope {
    const ctx = {
      db: conn,
      storeId,
      dialect,
      clock,
      inTransaction: writeMode !== undefined,
      writeMode,
      sharedWriter,
      prefetch: writeMode === undefined ? undefined : {},
    }
    const statements = createSqlStatementStore(ctx)
    const locked = <T extends object>(store: T, exempt?: keyof T): T =>
      sharedWriter === undefined ? store : lockedFirst(store, conn, storeId, sharedWriter, exempt)
    return {
      statements: withErrorTranslation(
        locked(
          {
            ...statements,
            insertStatements: async (records) => {
              await statements.insertStatements(records)
              onInserted(records.length)
            },
          },
          // It takes the lock itself, in its drawing step.
          'allocateStored',
        ),
        dialect.translateError,
      ),
      documents: withErrorTranslation(locked(createSqlDocumentStore(ctx)), dialect.translateError),
      actorsActivities: withErrorTranslation(
        locked(createSqlActorActivityStore(ctx)),
        dialect.translateError,
      ),
      personalData: withErrorTranslation(
        locked(createSqlPersonalDataStore(ctx)),
        dialect.translateError,
      ),
    }
  }

  /**
   * `store` whose methods (but `exempt`) first make the shared unit of work `conn` a writer of
   * the store, once: its lock is deferred to its first use, because its first use is normally
   * `allocateStored`, whose drawing step takes the lock in the same round trip.
   */
  function lockedFirst<T extends object>(
    store: T,
    conn: Kysely<Database>,
    storeId: StoreId,
    writer: { locked: boolean },
    exempt?: keyof T,
  ): T {
    const wrapped: Record<string, unknown> = {}
    for (const [name, member] of Object.entries(store)) {
      if (typeof member !== 'function' || name === exempt) {
        wrapped[name] = member
        continue
      }
      const method = member as (...args: unknown[]) => Promise<unknown>
      wrapped[name] = async (...args: unknown[]) => {
        if (!writer.locked) {
          await dialect.lockStoreWrites(conn, storeId, 'shared')
          writer.locked = true
        }
        return method.apply(store, args)
      }
    }
    return wrapped as T
  }

  /** Runs `work` again when it failed for a reason the dialect calls transient. */
  async function retrying<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work()
      } catch (error) {
        const translated = dialect.translateError(error)
        if (!StorageBusyError.is(translated) || attempt >= MAX_ATTEMPTS) throw translated
        await sleep(backoffMs(attempt))
      }
    }
  }

  function tracked<T>(work: Promise<T>): Promise<T> {
    running.add(work)
    const forget = (): void => {
      running.delete(work)
    }
    work.then(forget, forget)
    return work
  }

  return {
    migrate() {
      return retrying(async () => {
        await migrateToLatest(db, dialect)
        await dialect.afterMigrate(db)
      })
    },

    scope(storeId) {
      return scopeOf(db, storeId, undefined)
    },

    transaction(storeId, fn, options) {
      if (closed) return Promise.reject(StorageFailureError('the storage is closed'))
      const writeMode: StoreWriteMode =
        options?.shared === true && dialect.reserveStatements !== undefined ? 'shared' : 'exclusive'
      // The whole function reruns on a transient failure: a new transaction, a new scope.
      return tracked(
        retrying(async () => {
          let inserted = 0
          const result = await db.transaction().execute(async (trx) => {
            // A shared unit of work takes its lock with its first use (`lockedFirst`).
            if (writeMode === 'exclusive') await dialect.lockStoreWrites(trx, storeId, writeMode)
            return fn(
              scopeOf(
                trx,
                storeId,
                writeMode,
                (count) => (inserted += count),
                writeMode === 'shared' ? { locked: false } : undefined,
              ),
            )
          })
          // After the commit: the statements are in the table the statistics describe.
          if (inserted > 0) plannerStats?.noteInserted(inserted)
          return result
        }),
      )
    },

    sharedUnitsPerStore: dialect.reserveStatements === undefined ? 0 : sharedUnitsPerStore,

    admin: {
      ...withErrorTranslation(createSqlAdminStore(db), dialect.translateError),
      transaction(fn) {
        if (closed) return Promise.reject(StorageFailureError('the storage is closed'))
        return tracked(
          retrying(() =>
            db.transaction().execute(async (trx) => {
              await dialect.lockAdminWrites(trx)
              return fn(
                withErrorTranslation(createSqlAdminStore(trx, true), dialect.translateError),
              )
            }),
          ),
        )
      },
    },

    operations: {
      async health(): Promise<StorageHealth> {
        if (closed) return { reachable: false, pendingMigrations: [], detail: 'storage closed' }
        try {
          await sql`select 1`.execute(db)
        } catch (error) {
          return { reachable: false, pendingMigrations: [], detail: messageOf(error) }
        }
        try {
          return { reachable: true, pendingMigrations: await pendingMigrations(db, dialect) }
        } catch (error) {
          return {
            reachable: true,
            pendingMigrations: ['(all)'],
            detail: `cannot read the migration table: ${messageOf(error)}`,
          }
        }
      },
      gauges() {
        return { ...extraGauges(), transactionsInFlight: running.size }
      },
    },

    forwarding: withErrorTranslation(createSqlForwardingStore(db), dialect.translateError),

    log: withErrorTranslation(
      {
        unitOfWork<T>(
          storeId: StoreId,
          fn: (unit: {
            readonly log: ReturnType<typeof createSqlStatementLog>
            readonly connection: unknown
          }) => Promise<T>,
        ): Promise<T> {
          if (closed) return Promise.reject(StorageFailureError('the storage is closed'))
          // No lockStoreWrites: a consumer only reads statements, and its cursor row serialises
          // it against another unit of work of the same consumer (StatementLog.cursor).
          return tracked(
            retrying(() =>
              db.transaction().execute((trx) =>
                fn({
                  log: withErrorTranslation(
                    createSqlStatementLog(trx, storeId, dialect),
                    dialect.translateError,
                  ),
                  connection: trx,
                }),
              ),
            ),
          )
        },
        read<T>(fn: (connection: unknown) => Promise<T>): Promise<T> {
          if (closed) return Promise.reject(StorageFailureError('the storage is closed'))
          reader ??= openReader?.() ?? db
          return tracked(dialect.readTransaction(reader, (trx) => fn(trx)))
        },
        acquireLease: (consumer: string, storeId: StoreId) => leases.acquire(consumer, storeId),
        position: (consumer: string, storeId: StoreId) =>
          readConsumerPosition(db, consumer, storeId, dialect),
        resetCursor: (consumer: string, storeId: StoreId, seq: number) =>
          writeConsumerCursor(db, consumer, storeId, seq),
        tidyTables(tables: readonly string[]): Promise<void> {
          if (closed) return Promise.reject(StorageFailureError('the storage is closed'))
          return tracked(dialect.tidyTables(db, tables))
        },
      },
      dialect.translateError,
    ),

    async close() {
      if (closed) return
      closed = true
      await Promise.allSettled([...running])
      await plannerStats?.idle()
      await leases.close()
      if (reader !== undefined && reader !== db) await reader.destroy()
      await db.destroy()
    },
  }
}
