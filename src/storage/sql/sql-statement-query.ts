/** @module The `GET /statements` query (Communication §2.1.3) as SQL: filters, StatementRefs, keyset pages. */
import { type RawBuilder, sql } from 'kysely'
import type { StatementCursor, StatementPage, StatementQuery } from '../ports.js'
import type { StoredStatement } from '../../xapi/types.js'
import {
  filteredPage,
  hasMatchFilters,
  type RefStrategy,
  type SelectiveIndex,
  selectiveIndex,
  unfilteredPage,
  type Window,
} from './sql-statement-filters.js'
import { visibleSeq } from './sql-statement-log.js'
import { msFromIso, type SqlStoreContext, toNumber } from './sql-support.js'

const EMPTY_PAGE: StatementPage = { statements: [], next: undefined }

/**
 * One page of statements. The order is `seq` (the insertion order, which is the `stored`
 * order, see `SqlDialect.storedFollowsSeq`); the cursor is a keyset (`after`) plus the seq
 * through which the store was final at the first page (`snapshot`, `visibleSeq`: below every
 * writer still in flight), so later pages neither shift nor pick up new statements.
 */
export async function queryStatementPage(
  ctx: SqlStoreContext,
  query: StatementQuery,
  cursor: StatementCursor | undefined,
): Promise<StatementPage> {
  const snapshot = cursor?.snapshot ?? (await visibleSeq(ctx.db, ctx.storeId, ctx.dialect))
  if (snapshot === undefined) return EMPTY_PAGE
  const window = await pageWindow(ctx, query, cursor, snapshot)
  if (window === undefined || window.lo >= window.hi) return EMPTY_PAGE

  const fetch = query.limit + 1
  const result = await (
    hasMatchFilters(query)
      ? filteredPage(ctx, query, window, fetch, await refStrategy(ctx, query, window))
      : unfilteredPage(ctx, query, window, fetch)
  ).execute(ctx.db)

  const rows = result.rows
  const statements = rows
    .slice(0, query.limit)
    .map((row) => JSON.parse(row.payload) as StoredStatement)
  const last = rows[query.limit - 1]
  const next =
    rows.length > query.limit && last !== undefined
      ? { snapshot, after: toNumber(last.seq) }
      : undefined
  return { statements, next }
}

/**
 * Narrows the seq window by the cursor and, where `stored` follows `seq`, by since/until: the
 * first statement stored after `since` and the last stored at or before `until` become seq
 * bounds, found in the (store_id, stored_ms, seq) index. Undefined when nothing can match.
 */
async function pageWindow(
  ctx: SqlStoreContext,
  query: StatementQuery,
  cursor: StatementCursor | undefined,
  snapshot: number,
): Promise<Window | undefined> {
  const window: Window = {
    lo: 0,
    hi: snapshot,
    sinceMs: undefined,
    untilMs: undefined,
    authorityIfi: query.authorityIfi,
  }
  if (cursor !== undefined) {
    if (query.ascending) window.lo = Math.max(window.lo, cursor.after)
    else window.hi = Math.min(window.hi, cursor.after - 1)
  }
  const sinceMs = query.since === undefined ? undefined : msFromIso(query.since)
  const untilMs = query.until === undefined ? undefined : msFromIso(query.until)
  if (!ctx.dialect.storedFollowsSeq) return { ...window, sinceMs, untilMs }

  if (sinceMs !== undefined) {
    const first = await ctx.db
      .selectFrom('statements')
      .select('seq')
      .where('store_id', '=', ctx.storeId)
      .where('stored_ms', '>', sinceMs)
      .orderBy('stored_ms', 'asc')
      .orderBy('seq', 'asc')
      .limit(1)
      .executeTakeFirst()
    if (first === undefined) return undefined
    window.lo = Math.max(window.lo, toNumber(first.seq) - 1)
  }
  if (untilMs !== undefined) {
    const last = await ctx.db
      .selectFrom('statements')
      .select('seq')
      .where('store_id', '=', ctx.storeId)
      .where('stored_ms', '<=', untilMs)
      .orderBy('stored_ms', 'desc')
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst()
    if (last === undefined) return undefined
    window.hi = Math.min(window.hi, toNumber(last.seq))
  }
  return window
}

/** Below this many referrers in the window, walking them all is cheaper than counting. */
const FEW_REFERRERS = 200
/** Counting referrers stops here; past it, a selective filter almost always wins. */
const REFERRERS_CAP = 20_000

/** How many rows `rows` returns, counting no further than `cap`. */
async function cappedCount(
  ctx: SqlStoreContext,
  rows: RawBuilder<unknown>,
  cap: number,
): Promise<number> {
  const result = await sql<{
    n: number | string
  }>`select count(*) as n from (${rows} limit ${cap}) capped`.execute(ctx.db)
  return toNumber(result.rows[0]?.n ?? 0)
}

/**
 * How to find the referrers that match through their StatementRefs, reading the fewest rows.
 * Walking the referrers costs a few index lookups per referrer in the window; starting from the
 * most selective filter costs one per statement it matches (any time). Counting index entries
 * is far cheaper than either, so both sizes are counted (each no further than needed):
 * - 'none' when no referrer is in the window, the common case: no ref work at all;
 * - 'referrers-first' while they are few, or fewer than the filter's matches (a frequent verb);
 * - 'targets-first' otherwise (one learner's statements against thousands of voidings).
 */
async function refStrategy(
  ctx: SqlStoreContext,
  query: StatementQuery,
  window: Window,
): Promise<RefStrategy> {
  const referrers = await cappedCount(
    ctx,
    sql`select 1 from statement_refs where store_id = ${ctx.storeId}
      and referrer_seq > ${window.lo} and referrer_seq <= ${window.hi}`,
    REFERRERS_CAP,
  )
  if (referrers === 0) return 'none'
  const driver = selectiveIndex(query)
  if (referrers < FEW_REFERRERS || driver === undefined) return 'referrers-first'
  const matches = await cappedCount(ctx, selectiveRows(ctx, query, driver), referrers)
  return matches < referrers ? 'targets-first' : 'referrers-first'
}

/** The rows of the selective index for the query's value, any time. */
function selectiveRows(
  ctx: SqlStoreContext,
  query: StatementQuery,
  driver: SelectiveIndex,
): RawBuilder<unknown> {
  switch (driver) {
    case 'registration':
      return sql`select 1 from statements where store_id = ${ctx.storeId} and registration = ${query.registration ?? ''}`
    case 'agent':
      return sql`select 1 from statement_agents where store_id = ${ctx.storeId} and ifi = ${query.agentIfi ?? ''}`
    case 'activity':
      return sql`select 1 from statement_activities where store_id = ${ctx.storeId} and activity_id = ${query.activityId ?? ''}`
    case 'verb':
      return sql`select 1 from statements where store_id = ${ctx.storeId} and verb_id = ${query.verbId ?? ''}`
  }
}
