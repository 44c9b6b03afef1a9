/** @module Reuses better-sqlite3's prepared statements across queries of the same SQL text. */
import type BetterSqlite3 from 'better-sqlite3'

/** How many distinct SQL texts stay prepared; a few dozen shapes cover every hot path. */
const CACHE_SIZE = 512

/**
 * The database as Kysely's SQLite driver uses it, with `prepare` memoised by SQL text. Kysely
 * prepares every query anew (sqlite-driver.js), and compiling SQL was 8% of the server's CPU
 * when ingesting single statements (node --cpu-prof). A cached statement is reused only when it
 * is not busy (an iteration of it is still open, as a streamed export keeps one); otherwise a
 * fresh one is prepared. A statement whose schema changed is recompiled by SQLite itself
 * (sqlite3_prepare_v2). Least recently used texts are dropped past `CACHE_SIZE`.
 */
export function withPreparedStatementCache(
  database: BetterSqlite3.Database,
): BetterSqlite3.Database {
  const cache = new Map<string, BetterSqlite3.Statement>()
  const prepare = (source: string): BetterSqlite3.Statement => {
    const cached = cache.get(source)
    if (cached !== undefined && !cached.busy) {
      // Re-insert: Map iteration order is insertion order, so the oldest entry is first.
      cache.delete(source)
      cache.set(source, cached)
      return cached
    }
    const statement = database.prepare(source)
    if (cached === undefined) {
      cache.set(source, statement)
      if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string)
    }
    return statement
  }
  return new Proxy(database, {
    get(target, property, receiver) {
      if (property === 'prepare') return prepare
      const value: unknown = Reflect.get(target, property, receiver)
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value
    },
  })
}
