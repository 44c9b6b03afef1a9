/** @module Bulk export (`almanac export`): every statement of a store, voided ones included, in stored order. */
import { InvalidParameterError } from '../../errors/errors.js'
import type { StatementCursor, StatementQuery, StoreScope } from '../../storage/ports.js'
import { isTimestamp, toUtcTimestamp } from '../../xapi/timestamps.js'
import type { StoredStatement } from '../../xapi/types.js'
import { VOIDED_VERB_ID } from '../../xapi/types.js'
import type { CoreDeps } from '../core-deps.js'
import type { ExportOptions, RequestContext } from '../lrs.js'

/** Statements read per query page; the storage returns at most this many at a time. */
const DEFAULT_PAGE_SIZE = 1000

function bound(name: 'since' | 'until', value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  if (!isTimestamp(value)) throw InvalidParameterError(name, 'must be an ISO 8601 timestamp')
  return toUtcTimestamp(value)
}

/** Every statement a query matches, page after page (one snapshot: later writes are not seen). */
async function* pages(
  scope: StoreScope,
  query: StatementQuery,
): AsyncGenerator<StoredStatement, void, undefined> {
  let cursor: StatementCursor | undefined
  do {
    const page = await scope.statements.queryStatements(query, cursor)
    yield* page.statements
    cursor = page.next
  } while (cursor !== undefined)
}

/**
 * The voided statements stored in (since, until], ordered by (stored, id). A query never returns
 * voided statements, but each is the target of a voiding statement, which a query does return
 * (Data §2.3.2): the voiding statements are read by their verb (an index lookup), their targets
 * by id. They are held in memory, so an export needs memory for the voided statements only.
 */
async function voidedStatements(
  scope: StoreScope,
  since: string | undefined,
  until: string | undefined,
  pageSize: number,
): Promise<StoredStatement[]> {
  const targets = new Set<string>()
  const voiding = pages(scope, {
    verbId: VOIDED_VERB_ID,
    relatedActivities: false,
    relatedAgents: false,
    ascending: true,
    limit: pageSize,
  })
  // The verb filter also matches statements whose StatementRef target is a voiding statement.
  for await (const statement of voiding)
    if (statement.verb.id === VOIDED_VERB_ID && statement.object.objectType === 'StatementRef')
      targets.add(statement.object.id.toLowerCase())
  const voided: StoredStatement[] = []
  const ids = [...targets]
  for (let i = 0; i < ids.length; i += pageSize) {
    const rows = await scope.statements.findStatementsByIds(ids.slice(i, i + pageSize))
    for (const row of rows.values()) {
      const stored = row.statement.stored
      if (!row.voided || (since !== undefined && stored <= since)) continue
      if (until !== undefined && stored > until) continue
      voided.push(row.statement)
    }
  }
  return voided.sort((a, b) =>
    a.stored === b.stored ? compare(a.id, b.id) : compare(a.stored, b.stored),
  )
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Builds `exportStatements`: the statements stored in (since, until], exactly as stored, oldest
 * first. Voided statements are included where their `stored` time puts them (before any
 * statement stored at the same time), unmarked: importing the export stores the voiding
 * statements again, which voids them again. The order is a pure function of the statements, so
 * export → import into an empty store → export gives the same sequence.
 */
export function createExportStatements(deps: CoreDeps) {
  return async function* exportStatements(
    ctx: RequestContext,
    options: ExportOptions,
  ): AsyncGenerator<StoredStatement, void, undefined> {
    const since = bound('since', options.since)
    const until = bound('until', options.until)
    const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE
    const scope = deps.storage.scope(ctx.principal.storeId)
    const voided = await voidedStatements(scope, since, until, pageSize)

    const query: StatementQuery = {
      relatedActivities: false,
      relatedAgents: false,
      ascending: true,
      limit: pageSize,
    }
    if (since !== undefined) query.since = since
    if (until !== undefined) query.until = until
    let next = 0
    for await (const statement of pages(scope, query)) {
      for (; next < voided.length; next += 1) {
        const pending = voided[next]
        if (pending === undefined || pending.stored > statement.stored) break
        yield pending
      }
      yield statement
    }
    yield* voided.slice(next)
  }
}
