/**
 * @module The analytics projector: a statement-log consumer (core/log) that keeps the projection
 * tables (analytics-schema.ts) up to date, batch by batch, in the unit of work that moves its
 * cursor. One set-based upsert per table (and chunk) per batch; nothing is read back.
 */
import { CompiledQuery, type Kysely, PostgresAdapter, sql } from 'kysely'
import type { LogBatch, LogHandler } from '../core/log/log-consumer.js'
import type { LogEntry, StatementLog, StoreId } from '../storage/ports.js'
import { type Merge, type Row, TABLES, type TableSpec } from '../storage/sql/analytics-schema.js'
import { chunk } from '../storage/sql/sql-support.js'
import { foldDaily, foldLearner, RowSet } from './fold.js'
import { completeRow } from './projection-merge.js'
import { type StatementFacts, statementFacts } from './statement-facts.js'

/** The consumer name: its cursor and lease in the statement log. */
export const ANALYTICS_CONSUMER = 'analytics'

// The projection tables are not in the storage's `Database` type: they are addressed by name.
type AnyDb = Kysely<Record<string, Record<string, unknown>>>

/** Bound parameters per statement: under SQLite's 32 766 and PostgreSQL's 65 535. */
const PARAMETERS_PER_STATEMENT = 30_000
const ROWS_PER_STATEMENT_MAX = 1000
const KEYS_PER_LOOKUP = 500

/**
 * The SQL that merges the proposed row (`excluded`) into the stored one, per column: the rules
 * of `mergeRows` (projection-merge.ts), evaluated by the database in the upsert itself, so a
 * batch writes each table with one set-based statement per chunk and reads nothing back.
 * Column references in `ON CONFLICT DO UPDATE SET` see the stored row (qualified by the table
 * name, unambiguous on PostgreSQL) and `excluded` the proposed one, on both engines.
 */
function mergeSql(table: TableSpec, column: string, merge: Merge) {
  const t = (c: string) => sql.ref(`${table.name}.${c}`)
  const e = (c: string) => sql.ref(`excluded.${c}`)
  // (a_ms, a_seq) before (b_ms, b_seq), an absent time last: `before` in projection-merge.ts.
  const before = (
    a: (c: string) => ReturnType<typeof sql.ref>,
    b: (c: string) => ReturnType<typeof sql.ref>,
    group: string,
  ) => {
    const [ms, seq] = [`${group}_ms`, `${group}_seq`]
    return sql`(${a(ms)} is not null and (${b(ms)} is null or ${a(ms)} < ${b(ms)} or (${a(ms)} = ${b(ms)} and ${a(seq)} < ${b(seq)})))`
  }
  const pick = (newWins: ReturnType<typeof sql>) =>
    sql`case when ${e(column)} is null then ${t(column)} when ${t(column)} is null then ${e(column)} when ${newWins} then ${e(column)} else ${t(column)} end`
  if (merge === 'sum') return sql`${t(column)} + ${e(column)}`
  if (merge === 'min') return pick(sql`${e(column)} < ${t(column)}`)
  if (merge === 'max') return pick(sql`${e(column)} > ${t(column)}`)
  if (merge === 'key') return t(column)
  if ('first' in merge) return pick(before(e, t, merge.first))
  return pick(before(t, e, merge.last))
}

/** Row counts of one upsert: powers of two, so each table has a few SQL texts (see `writeRows`). */
function powerOfTwoChunks<T>(rows: readonly T[], max: number): T[][] {
  const chunks: T[][] = []
  const largest = 2 ** Math.floor(Math.log2(max))
  let start = 0
  while (rows.length - start >= largest) {
    chunks.push(rows.slice(start, start + largest))
    start += largest
  }
  for (let size = largest / 2; size >= 1; size /= 2)
    if (rows.length - start >= size) {
      chunks.push(rows.slice(start, start + size))
      start += size
    }
  return chunks
}

/** The upsert texts compiled so far, by dialect, table and row count. */
const upsertTexts = new Map<string, string>()

/**
 * Upserts partial rows, merging each into the stored row of its key in the database (one row
 * per key: the caller's `RowSet` merged the batch's partial rows already).
 *
 * The SQL text depends only on the table, the dialect and the number of rows, and its only
 * parameters are the rows' values (the merge expressions are column references): it is built
 * by Kysely once per (dialect, table, row count) and then run with each chunk's values. Rows
 * are cut into power-of-two chunks so those texts are few and SQLite prepares each once
 * (prepared-statement-cache.ts); profiling ingest showed Kysely building the tree of these
 * upserts and SQLite compiling a text per batch size among the projector's largest costs.
 */
async function writeRows(
  db: AnyDb,
  storeId: StoreId,
  table: TableSpec,
  rows: Row[],
): Promise<void> {
  const columns = Object.keys(table.columns)
  const defaults = Object.values(table.columns).map((merge) => (merge === 'sum' ? 0 : null))
  const perRow = columns.length + 1
  const size = Math.min(ROWS_PER_STATEMENT_MAX, Math.floor(PARAMETERS_PER_STATEMENT / perRow))
  const dialect = db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite'
  for (const part of powerOfTwoChunks(rows, size)) {
    const key = `${dialect}|${table.name}|${part.length}`
    let text = upsertTexts.get(key)
    if (text === undefined) {
      const merges = Object.entries(table.columns).filter(([c]) => !table.key.includes(c))
      const set = Object.fromEntries(merges.map(([c, m]) => [c, mergeSql(table, c, m)]))
      const compiled = db
        .insertInto(table.name)
        .values(part.map((row) => ({ store_id: storeId, ...completeRow(table, row) })))
        .onConflict((oc) => oc.columns(['store_id', ...table.key]).doUpdateSet(set))
        .compile()
      // The values in (store_id, …columns) order per row are the whole parameter list.
      if (compiled.parameters.length !== part.length * perRow)
        throw new Error(`unexpected parameters in the upsert of ${table.name}`)
      text = compiled.sql
      upsertTexts.set(key, text)
    }
    // completeRow's values, without building the complete row.
    const parameters: unknown[] = []
    for (const row of part) {
      parameters.push(storeId)
      for (let i = 0; i < columns.length; i++)
        parameters.push(row[columns[i] as string] ?? defaults[i] ?? null)
    }
    await db.executeQuery(CompiledQuery.raw(text, parameters))
  }
}

/** Merges the batch's partial rows into the stored ones. */
async function mergeInto(db: AnyDb, storeId: StoreId, rows: RowSet): Promise<void> {
  for (const [table, partial] of rows.tables)
    if (partial.size > 0) await writeRows(db, storeId, table, [...partial.values()])
}

/** True when the entry counts at its own seq: not voided by an earlier voiding statement. */
function counts(entry: { seq: number; voidedBy: number | undefined }): boolean {
  return entry.voidedBy === undefined || entry.voidedBy > entry.seq
}

/** Deletes every learner-keyed row of these learners. */
async function deleteLearners(
  db: AnyDb,
  storeId: StoreId,
  learners: readonly string[],
): Promise<void> {
  for (const table of TABLES.filter((t) => t.byLearner))
    for (const part of chunk(learners, KEYS_PER_LOOKUP))
      await db
        .deleteFrom(table.name)
        .where('store_id', '=', storeId)
        .where('learner', 'in', part)
        .execute()
}

/**
 * Recomputes a learner's rows from their statements up to `upTo`, leaving out those voided by
 * a voiding statement at or below `upTo` — what the incremental rows hold at that point.
 */
async function recomputeLearners(
  db: AnyDb,
  log: StatementLog,
  storeId: StoreId,
  learners: readonly string[],
  upTo: number,
): Promise<void> {
  await deleteLearners(db, storeId, learners)
  const rows = new RowSet()
  for (const learner of learners)
    for (const entry of await log.readActor(learner, upTo)) {
      if (entry.voidedBy !== undefined && entry.voidedBy <= upTo) continue
      const facts = statementFacts(entry.statement)
      if (facts !== undefined) foldLearner(rows, facts, entry.seq)
    }
  for (const [table, partial] of rows.tables)
    await writeRows(db, storeId, table, [...partial.values()])
}

/** Applies one batch of the log to the projections. */
export async function projectBatch(
  db: AnyDb,
  batch: Pick<LogBatch, 'storeId' | 'entries' | 'log' | 'upTo'>,
): Promise<void> {
  const { storeId, entries } = batch
  const daily = new RowSet()
  const learnerRows = new RowSet()
  const recompute = new Set<string>()
  const inBatch: { entry: LogEntry; facts: StatementFacts }[] = []

  for (const entry of entries) {
    const target = entry.target
    if (target !== undefined) {
      // The first voiding of an earlier statement: take its contribution back (§0).
      if (target.seq < entry.seq && target.voidedBy === entry.seq) {
        const facts = statementFacts(target.statement)
        if (facts !== undefined) {
          foldDaily(daily, facts, -1)
          recompute.add(facts.learner)
        }
      }
      continue
    }
    if (!counts(entry)) continue
    const facts = statementFacts(entry.statement)
    if (facts === undefined) continue
    foldDaily(daily, facts, 1)
    // Folded below unless the learner is recomputed anyway.
    inBatch.push({ entry, facts })
  }
  for (const { entry, facts } of inBatch)
    if (!recompute.has(facts.learner)) foldLearner(learnerRows, facts, entry.seq)

  await mergeInto(db, storeId, daily)
  if (daily.tables.size > 0 && recompute.size > 0)
    for (const table of TABLES.filter((t) => !t.byLearner))
      await db
        .deleteFrom(table.name)
        .where('store_id', '=', storeId)
        .where('statements', '<=', 0)
        .execute()
  await mergeInto(db, storeId, learnerRows)
  if (recompute.size > 0)
    await recomputeLearners(db, batch.log, storeId, [...recompute], batch.upTo)
}

/** The projector as a statement-log handler. */
export function createAnalyticsProjector(): LogHandler {
  return {
    name: ANALYTICS_CONSUMER,
    handle: (batch) => projectBatch(batch.connection as AnyDb, batch),
  }
}

/**
 * Empties the store's projections and moves the cursor back to 0, in one unit of work: the
 * consumer then rebuilds everything from the statements (`almanac analytics rebuild`).
 */
export async function resetProjections(
  db: AnyDb,
  log: StatementLog,
  storeId: StoreId,
): Promise<void> {
  for (const table of TABLES)
    await db.deleteFrom(table.name).where('store_id', '=', storeId).execute()
  await log.setCursor(ANALYTICS_CONSUMER, 0)
}

/**
 * Every table a rebuild rewrites: the projections and the tables their triggers keep. After a
 * rebuild their planner statistics describe what was there before (often nothing) and, on
 * PostgreSQL, none of their pages is marked all-visible, so the rebuild has the storage tidy them
 * (`StatementLogStorage.tidyTables`) rather than wait for autovacuum.
 */
export const REBUILT_TABLES: readonly string[] = [
  ...TABLES.map((t) => t.name),
  'an_active_days',
  'an_active_weeks',
  'an_learner_weeks',
  'an_learner_span',
  'an_objective_shares',
  'an_objective_learners',
  'an_page_totals',
  'an_learner_returns',
  'an_objective_course_shares',
  'an_objective_course_learners',
  'an_course_funnel_days',
  'an_course_exits',
  'an_course_exit_days',
  'an_page_days',
  'an_objective_share_days',
  'an_objective_learner_days',
]
