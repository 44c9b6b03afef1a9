/**
 * @module The analytics projector: a statement-log consumer (core/log) that keeps the projection
 * tables (analytics-schema.ts) up to date, batch by batch, in the unit of work that moves its
 * cursor. One read and one upsert per key per batch.
 */
import { type Kysely, sql } from 'kysely'
import type { LogBatch, LogHandler } from '../core/log/log-consumer.js'
import type { LogEntry, StatementLog, StoreId } from '../storage/ports.js'
import { type Row, TABLES, type TableSpec } from '../storage/sql/analytics-schema.js'
import { chunk } from '../storage/sql/sql-support.js'
import { foldDaily, foldLearner, RowSet } from './fold.js'
import { completeRow, keyOf, mergeRows } from './projection-merge.js'
import { type StatementFacts, statementFacts } from './statement-facts.js'

/** The consumer name: its cursor and lease in the statement log. */
export const ANALYTICS_CONSUMER = 'analytics'

// The projection tables are not in the storage's `Database` type: they are addressed by name.
type AnyDb = Kysely<Record<string, Record<string, unknown>>>

/** Rows per multi-row statement: well under both engines' parameter limits. */
const ROWS_PER_STATEMENT = 200
const KEYS_PER_LOOKUP = 500

/** Upserts merged rows: the row replaces what is there (the caller merged it already). */
async function writeRows(
  db: AnyDb,
  storeId: StoreId,
  table: TableSpec,
  rows: Row[],
): Promise<void> {
  const columns = Object.keys(table.columns).filter((c) => !table.key.includes(c))
  for (const part of chunk(rows, ROWS_PER_STATEMENT)) {
    await db
      .insertInto(table.name)
      .values(part.map((row) => ({ store_id: storeId, ...completeRow(table, row) })))
      .onConflict((oc) =>
        oc
          .columns(['store_id', ...table.key])
          .doUpdateSet(Object.fromEntries(columns.map((c) => [c, sql.ref(`excluded.${c}`)]))),
      )
      .execute()
  }
}

/** The stored rows of these keys (looked up by the learner or first key column, then filtered). */
async function readRows(
  db: AnyDb,
  storeId: StoreId,
  table: TableSpec,
  keys: Map<string, Row>,
): Promise<Map<string, Row>> {
  const found = new Map<string, Row>()
  const by = table.byLearner ? 'learner' : (table.key[0] ?? '')
  const second = table.key.find((k) => k !== by)
  const values = [...new Set([...keys.values()].map((row) => row[by]))]
  const seconds = second === undefined ? [] : [...new Set([...keys.values()].map((r) => r[second]))]
  for (const part of chunk(values, KEYS_PER_LOOKUP)) {
    let query = db
      .selectFrom(table.name)
      .selectAll()
      .where('store_id', '=', storeId)
      .where(by, 'in', part)
    if (second !== undefined && seconds.length <= KEYS_PER_LOOKUP)
      query = query.where(second, 'in', seconds)
    for (const row of (await query.execute()) as Row[]) {
      const key = keyOf(table, row)
      if (keys.has(key)) found.set(key, row)
    }
  }
  return found
}

/** Merges the batch's partial rows into the stored ones. */
async function mergeInto(db: AnyDb, storeId: StoreId, rows: RowSet): Promise<void> {
  for (const [table, partial] of rows.tables) {
    if (partial.size === 0) continue
    const stored = await readRows(db, storeId, table, partial)
    const merged = [...partial].map(([key, row]) => {
      const old = stored.get(key)
      return old === undefined ? row : mergeRows(table, old, row)
    })
    await writeRows(db, storeId, table, merged)
  }
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
