/** @module Multi-row INSERTs of the ingest path as fixed SQL texts, without Kysely's query tree. */
import { CompiledQuery, type Kysely } from 'kysely'
import type { Database } from './database.js'
import type { SqlDialect } from './sql-dialect.js'
import { insertChunks } from './sql-support.js'

/** The SQLite texts built so far, by table, columns, row count and returning clause (a few dozen). */
const texts = new Map<string, string>()

/** A column of a raw insert: its name, and its type for PostgreSQL's `unnest` arrays. */
export interface RawColumn {
  readonly name: string
  readonly pgType: 'bigint' | 'integer' | 'text'
}

/**
 * Inserts `rows` (values in `columns` order) into `table` and returns the `returning` columns
 * of the inserted rows (no order guaranteed), as plain objects.
 *
 * Why not Kysely's `insertInto(…).values(…)`: it builds a query tree node per value and
 * compiles the tree for every call; profiling batch ingest on SQLite put that above the
 * database's own work for the statement and index rows. Here the SQL text is a function of the
 * table and the number of rows only:
 *
 * - SQLite: `values (?, …), (?, …)` for the power-of-two chunk sizes of `insertChunks`, so the
 *   texts are few and each is prepared once (prepared-statement-cache.ts).
 * - PostgreSQL: one text whatever the number of rows, `select * from unnest($1::t[], …)` with an
 *   array per column: one round trip per table and chunk, one plan shape, and parameters that
 *   do not grow with the batch (the Bind message's 65,535 limit never applies).
 */
export async function insertRows<R extends Record<string, unknown> = Record<string, never>>(
  db: Kysely<Database>,
  dialect: SqlDialect,
  table: string,
  columns: readonly RawColumn[],
  rows: readonly (readonly unknown[])[],
  returning: readonly string[] = [],
): Promise<R[]> {
  if (rows.length === 0) return []
  const names = columns.map((c) => c.name).join(', ')
  const tail = returning.length === 0 ? '' : ` returning ${returning.join(', ')}`
  const out: R[] = []
  if (dialect.name === 'postgres') {
    const arrays = columns.map((_, i) => rows.map((row) => row[i] ?? null))
    const unnest = columns.map((c, i) => `$${i + 1}::${c.pgType}[]`).join(', ')
    const text = `insert into ${table} (${names}) select * from unnest(${unnest})${tail}`
    const result = await db.executeQuery<R>(CompiledQuery.raw(text, arrays))
    out.push(...result.rows)
    return out
  }
  const one = `(${columns.map(() => '?').join(', ')})`
  for (const part of insertChunks(dialect, rows, columns.length)) {
    const key = `${table}|${names}|${part.length}|${tail}`
    let text = texts.get(key)
    if (text === undefined) {
      text = `insert into ${table} (${names}) values ${Array.from(part, () => one).join(', ')}${tail}`
      texts.set(key, text)
    }
    const result = await db.executeQuery<R>(CompiledQuery.raw(text, flatten(part)))
    out.push(...result.rows)
  }
  return out
}

/**
 * The values of `rows`, row after row: what `rows.flat()` returns. V8's generic `flat` took
 * about 470 µs for 500 statement rows in a micro-benchmark, this loop about 40 µs; under batch
 * ingest on SQLite, `insertRows`'s own time fell from 3.7% of the main thread to out of the
 * CPU profile's top 30 (below 0.4%).
 */
function flatten(rows: readonly (readonly unknown[])[]): unknown[] {
  const values: unknown[] = []
  for (const row of rows) for (let i = 0; i < row.length; i++) values.push(row[i])
  return values
}
