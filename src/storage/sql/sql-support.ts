/** @module The context every SQL store is built from, and the small helpers they share. */
import type { Kysely } from 'kysely'
import type { StoreId } from '../ports.js'
import type { Database } from './database.js'
import type { SqlDialect, StoreWriteMode } from './sql-dialect.js'

/** What `consistentThrough` has promised so far; shared by every scope of one `Storage`. */
export interface StoredClock {
  /** The largest watermark returned; every later `stored` must be greater (epoch ms). */
  lastConsistentMs: number
}

/** Everything a store needs: its connection (a transaction inside a unit of work) and tenant. */
export interface SqlStoreContext {
  readonly db: Kysely<Database>
  readonly storeId: StoreId
  readonly dialect: SqlDialect
  readonly clock: StoredClock
  /** True when `db` is the transaction of `Storage.transaction`. */
  readonly inTransaction: boolean
  /**
   * How that transaction writes the store ('shared': beside other shared writers of the store,
   * see `StoreWriteMode`); undefined outside a unit of work.
   */
  readonly writeMode?: StoreWriteMode | undefined
  /**
   * A shared unit of work's lock state: its lock is taken by its first use, with the drawing
   * step when that comes first (`SqlDialect.reserveStatements`'s `begin`). Undefined elsewhere.
   */
  readonly sharedWriter?: { locked: boolean } | undefined
  /** PostgreSQL, in a unit of work: rows read with its statement insert (`UnitPrefetch`). */
  readonly prefetch?: UnitPrefetch | undefined
}

/**
 * The canonical activities and the agents rows of the keys a unit of work's statements name,
 * read by the statement insert in the same round trip (PostgreSQL), for the projection step
 * that reads them next (core/activities.ts). Each field is set by the insert and dropped when
 * the unit of work writes that table; a read of other keys, or one that locks, goes to the
 * database.
 */
export interface UnitPrefetch {
  activities?: { keys: ReadonlySet<string>; rows: Map<string, string> } | undefined
  agents?:
    { keys: ReadonlySet<string>; rows: { ifi: string; name: string; agent: string }[] } | undefined
}

/**
 * Runs several writes as one: inside a unit of work they already are; outside one (a store
 * used through `Storage.scope`) they get a transaction of their own, so a statement is never
 * visible without its index rows, holding the store's write lock like a unit of work.
 */
export function atomically<T>(
  ctx: SqlStoreContext,
  fn: (db: Kysely<Database>) => Promise<T>,
): Promise<T> {
  if (ctx.inTransaction) return fn(ctx.db)
  return ctx.db.transaction().execute(async (trx) => {
    await ctx.dialect.lockStoreWrites(trx, ctx.storeId)
    return fn(trx)
  })
}

/** Splits `items` into runs of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = []
  for (let start = 0; start < items.length; start += size)
    chunks.push(items.slice(start, start + size))
  return chunks
}

/** The most rows of `columns` values one multi-row INSERT may carry, capped at 500 rows. */
export function rowsPerInsert(dialect: SqlDialect, columns: number): number {
  return Math.max(1, Math.min(500, Math.floor(dialect.maxParameters / columns)))
}

/**
 * Rows of `columns` values cut into multi-row INSERTs. Where the dialect caches statements by
 * text, the part after the full chunks is cut into powers of two (37 rows: 32 + 4 + 1), so a
 * table is written with a dozen distinct texts whatever the group sizes, each compiled once.
 */
export function insertChunks<T>(dialect: SqlDialect, rows: readonly T[], columns: number): T[][] {
  const size = rowsPerInsert(dialect, columns)
  if (!dialect.cachesStatementsByText) return chunk(rows, size)
  const chunks: T[][] = []
  let start = 0
  while (rows.length - start >= size) {
    chunks.push(rows.slice(start, start + size))
    start += size
  }
  for (let power = 2 ** Math.floor(Math.log2(size)); power >= 1; power /= 2)
    if (rows.length - start >= power) {
      chunks.push(rows.slice(start, start + power))
      start += power
    }
  return chunks
}

/**
 * Distinct values cut into `in (…)` lists. Where the dialect caches statements by text, each
 * list is padded to a power of two by repeating its last value, which does not change what
 * `in` matches, so one text per size class is compiled.
 */
export function listChunks<T>(dialect: SqlDialect, values: Iterable<T>): T[][] {
  const chunks = chunk([...new Set(values)], valuesPerList(dialect))
  if (!dialect.cachesStatementsByText) return chunks
  return chunks.map((list) => {
    const last = list[list.length - 1]
    if (last === undefined) return list
    const target = 2 ** Math.ceil(Math.log2(list.length))
    while (list.length < target) list.push(last)
    return list
  })
}

/** The most values one `in (…)` list may carry. */
export function valuesPerList(dialect: SqlDialect): number {
  return Math.min(1000, dialect.maxParameters - 10)
}

/** Binary content as the drivers bind it (better-sqlite3 and pg both take a Buffer); no copy. */
export function toBlob(content: Uint8Array): Buffer {
  return Buffer.from(content.buffer, content.byteOffset, content.byteLength)
}

/** Binary content as read back, as a plain Uint8Array view (no copy). */
export function fromBlob(content: Uint8Array): Uint8Array {
  return new Uint8Array(content.buffer, content.byteOffset, content.byteLength)
}

/**
 * Epoch milliseconds of an ISO 8601 time. Digits below the millisecond are dropped, which keeps
 * both bounds exact: `stored > since` and `stored <= until` compare whole milliseconds.
 */
export function msFromIso(iso: string): number {
  return Date.parse(iso)
}

export function isoFromMs(ms: number): string {
  return new Date(ms).toISOString()
}

/**
 * Bigint columns come back as numbers from better-sqlite3 and as strings from pg; epoch
 * milliseconds and seq values stay far below 2^53.
 */
export function toNumber(value: number | string | bigint): number {
  return Number(value)
}

/**
 * Wraps every method of a store so driver errors reach core already translated (see
 * `SqlDialect.translateError`): core only ever sees `LrsError`s from storage.
 */
export function withErrorTranslation<T extends object>(
  store: T,
  translate: (error: unknown) => unknown,
): T {
  const wrapped: Record<string, unknown> = {}
  for (const [name, member] of Object.entries(store)) {
    if (typeof member !== 'function') {
      wrapped[name] = member
      continue
    }
    const method = member as (...args: unknown[]) => Promise<unknown>
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await method.apply(store, args)
      } catch (error) {
        throw translate(error)
      }
    }
  }
  return wrapped as T
}
