/** @module The SQL of one statement page: the filters of Communication §2.1.3 as joins and conditions. */
import { type RawBuilder, sql } from 'kysely'
import type { StatementQuery } from '../ports.js'
import type { SqlStoreContext } from './sql-support.js'

/** The part of the seq line a page may read: `lo < seq <= hi`, plus `stored` bounds if needed. */
export interface Window {
  lo: number
  hi: number
  /** Exclusive / inclusive `stored_ms` bounds, for engines where `stored` does not follow `seq`. */
  sinceMs: number | undefined
  untilMs: number | undefined
  /** Only statements with this authority (`StatementQuery.authorityIfi`, statements/read/mine). */
  authorityIfi: string | undefined
}

/** How the StatementRef branch is driven; see `filteredPage`. */
export type RefStrategy = 'none' | 'referrers-first' | 'targets-first'

/** The rows a page is read as; `seq` is a string on drivers that return bigints as text. */
export interface PageRow {
  seq: number | string
  payload: string
}

/**
 * The index that serves the most selective filter of a query. By the xAPI data model, from the
 * most selective: a registration (one attempt), an agent (one learner), an activity, a verb.
 */
export type SelectiveIndex = 'registration' | 'agent' | 'activity' | 'verb'

export function selectiveIndex(query: StatementQuery): SelectiveIndex | undefined {
  if (query.registration !== undefined) return 'registration'
  if (query.agentIfi !== undefined) return 'agent'
  if (query.activityId !== undefined) return 'activity'
  if (query.verbId !== undefined) return 'verb'
  return undefined
}

/** True when the query filters on something a StatementRef's target can satisfy. */
export function hasMatchFilters(query: StatementQuery): boolean {
  return (
    query.agentIfi !== undefined ||
    query.verbId !== undefined ||
    query.activityId !== undefined ||
    query.registration !== undefined
  )
}

const and = (conditions: readonly RawBuilder<unknown>[]): RawBuilder<unknown> =>
  conditions.length === 0 ? sql`1 = 1` : sql.join(conditions, sql` and `)

const ref = (alias: string, column: string): RawBuilder<unknown> => sql.ref(`${alias}.${column}`)

function direction(query: StatementQuery): RawBuilder<unknown> {
  return query.ascending ? sql`asc` : sql`desc`
}

/** The seq range of the window on any seq column. */
function seqRange(column: RawBuilder<unknown>, window: Window): RawBuilder<unknown>[] {
  return [sql`${column} > ${window.lo}`, sql`${column} <= ${window.hi}`]
}

/** `stored` bounds where they are not already seq bounds. */
function storedRange(alias: string, window: Window): RawBuilder<unknown>[] {
  const conditions: RawBuilder<unknown>[] = []
  if (window.sinceMs !== undefined)
    conditions.push(sql`${ref(alias, 'stored_ms')} > ${window.sinceMs}`)
  if (window.untilMs !== undefined)
    conditions.push(sql`${ref(alias, 'stored_ms')} <= ${window.untilMs}`)
  return conditions
}

/** The authority restriction of statements/read/mine, on the returned statement only. */
function authorityCondition(alias: string, window: Window): RawBuilder<unknown>[] {
  return window.authorityIfi === undefined
    ? []
    : [sql`${ref(alias, 'authority_ifi')} = ${window.authorityIfi}`]
}

/** The returned statement itself: in this tenant, not voided, inside the page window. */
function windowConditions(
  ctx: SqlStoreContext,
  alias: string,
  window: Window,
): RawBuilder<unknown>[] {
  return [
    sql`${ref(alias, 'store_id')} = ${ctx.storeId}`,
    sql`${ref(alias, 'voided')} = 0`,
    ...seqRange(ref(alias, 'seq'), window),
    ...storedRange(alias, window),
    ...authorityCondition(alias, window),
  ]
}

/**
 * The filters on the statement `alias`, as the index tables they need and the conditions.
 * `agent` and `activity` use the index tables: without `related_agents` only the actor or an
 * Agent/Group object counts (relation 'direct'); with it, any mention (Communication §2.1.3
 * `related_agents`, `related_activities`). Each table has at most one row per (statement,
 * agent) / (statement, activity), so joining them never repeats a statement. With a `window`,
 * the seq range is repeated on the index table so its key (store, value, seq) bounds the walk.
 */
function filterParts(
  ctx: SqlStoreContext,
  alias: string,
  query: StatementQuery,
  window: Window | undefined,
): {
  tables: Map<SelectiveIndex | 'verb', RawBuilder<unknown>>
  conditions: RawBuilder<unknown>[]
} {
  const seq = ref(alias, 'seq')
  const tables = new Map<SelectiveIndex, RawBuilder<unknown>>()
  const conditions: RawBuilder<unknown>[] = []
  if (query.agentIfi !== undefined) {
    tables.set('agent', sql`statement_agents ag`)
    conditions.push(
      sql`ag.store_id = ${ctx.storeId}`,
      sql`ag.ifi = ${query.agentIfi}`,
      sql`ag.statement_seq = ${seq}`,
    )
    if (window !== undefined) conditions.push(...seqRange(sql.ref('ag.statement_seq'), window))
    if (!query.relatedAgents) conditions.push(sql`ag.relation = 'direct'`)
  }
  if (query.activityId !== undefined) {
    tables.set('activity', sql`statement_activities ac`)
    conditions.push(
      sql`ac.store_id = ${ctx.storeId}`,
      sql`ac.activity_id = ${query.activityId}`,
      sql`ac.statement_seq = ${seq}`,
    )
    if (window !== undefined) conditions.push(...seqRange(sql.ref('ac.statement_seq'), window))
    if (!query.relatedActivities) conditions.push(sql`ac.relation = 'direct'`)
  }
  if (query.verbId !== undefined) conditions.push(sql`${ref(alias, 'verb_id')} = ${query.verbId}`)
  if (query.registration !== undefined)
    conditions.push(sql`${ref(alias, 'registration')} = ${query.registration}`)
  return { tables, conditions }
}

/**
 * The column the direct branch is ordered by: the seq of the index that serves its most
 * selective filter. Ordering by that index's own key lets the walk stop after `limit` rows;
 * ordering by `s.seq` instead makes the engine read every match and sort (35 ms instead of
 * 0.5 ms for an agent with 30 k statements, measured on SQLite).
 */
function orderColumn(query: StatementQuery): string {
  switch (selectiveIndex(query)) {
    case 'agent':
      return 'ag.statement_seq'
    case 'activity':
      return 'ac.statement_seq'
    default:
      return 's.seq'
  }
}

/** No filter but time: a walk of (store_id, seq). */
export function unfilteredPage(
  ctx: SqlStoreContext,
  query: StatementQuery,
  window: Window,
  fetch: number,
): RawBuilder<PageRow> {
  return sql<PageRow>`select s.seq, s.payload from statements s
    where ${and(windowConditions(ctx, 's', window))}
    order by s.seq ${direction(query)} limit ${fetch}`
}

/** The statements that match the filters themselves, the engine choosing the join order. */
function directMatches(
  ctx: SqlStoreContext,
  query: StatementQuery,
  window: Window,
  fetch: number,
): RawBuilder<unknown> {
  const { tables, conditions } = filterParts(ctx, 's', query, window)
  const order = sql.ref(orderColumn(query))
  return sql`select ${order} as seq from ${sql.join([sql`statements s`, ...tables.values()])}
    where ${and([...windowConditions(ctx, 's', window), ...conditions])}
    order by ${order} ${direction(query)} limit ${fetch}`
}

/**
 * The referrers in the window that reach a statement `t` matching every non-time filter
 * (`statement_refs` holds each referrer's whole chain, see sql-statement-refs.ts). Voided
 * referrers have no rows there. The join order is fixed (`cross join`, which SQLite does not
 * reorder; other engines treat it as a plain join): referrers first walks the referrers in
 * seq order and stops after `limit`; targets first starts from the selective index and looks
 * up who refers to each match. `filteredPage` picks the one that reads fewer rows.
 */
function refMatches(
  ctx: SqlStoreContext,
  query: StatementQuery,
  window: Window,
  fetch: number,
  strategy: 'referrers-first' | 'targets-first',
): RawBuilder<unknown> {
  const { tables, conditions } = filterParts(ctx, 't', query, undefined)
  const referrers = [sql`statement_refs rt`]
  const refConditions = [
    sql`rt.store_id = ${ctx.storeId}`,
    sql`rt.target_id = t.id`,
    ...seqRange(sql.ref('rt.referrer_seq'), window),
  ]
  // The referrer's own row is only needed for `stored` bounds that are not seq bounds, and for
  // the authority of statements/read/mine.
  if (
    window.sinceMs !== undefined ||
    window.untilMs !== undefined ||
    window.authorityIfi !== undefined
  ) {
    referrers.push(sql`statements r`)
    refConditions.push(
      sql`r.seq = rt.referrer_seq`,
      ...storedRange('r', window),
      ...authorityCondition('r', window),
    )
  }
  const target = sql`statements t`
  let order: RawBuilder<unknown>[]
  if (strategy === 'referrers-first') order = [...referrers, target, ...tables.values()]
  else {
    // From the selective index: an index table, or `t` itself for registration and verb.
    const driver = selectiveIndex(query)
    const first = driver === undefined ? undefined : tables.get(driver)
    if (driver !== undefined) tables.delete(driver)
    order = [...(first === undefined ? [] : [first]), target, ...tables.values(), ...referrers]
  }
  return sql`select distinct rt.referrer_seq as seq from ${sql.join(order, sql` cross join `)}
    where ${and([sql`t.store_id = ${ctx.storeId}`, ...conditions, ...refConditions])}
    order by rt.referrer_seq ${direction(query)} limit ${fetch}`
}

/**
 * Statements matching the filters directly, united with those whose object is a StatementRef
 * to a matching statement (Communication §2.1.3 "Filter Conditions for StatementRefs"): a
 * referrer matches when one statement it reaches, directly or through other refs, matches
 * every non-time filter. Targets may be voided: a voiding statement is returned for filters its
 * voided target matches (XAPI-00162). since/until and voided apply to the referrer only.
 *
 * Each branch is ordered and limited before the union, so a page costs `limit` rows of each,
 * not the whole match set (`distinct`: a referrer reaching two matches counts once).
 */
export function filteredPage(
  ctx: SqlStoreContext,
  query: StatementQuery,
  window: Window,
  fetch: number,
  strategy: RefStrategy,
): RawBuilder<PageRow> {
  const order = direction(query)
  const branches = [
    sql`select seq from (${directMatches(ctx, query, window, fetch)}) direct_matches`,
  ]
  if (strategy !== 'none')
    branches.push(
      sql`select seq from (${refMatches(ctx, query, window, fetch, strategy)}) ref_matches`,
    )
  return sql<PageRow>`select s.seq, s.payload from statements s
    where s.seq in (${sql.join(branches, sql` union `)})
    order by s.seq ${order} limit ${fetch}`
}
