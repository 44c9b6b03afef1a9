/** @module Shared steps of the storage contract tests: a fresh backend per test, statement writes. */
import { afterEach, beforeEach } from 'vitest'
import type { StatementQuery, StatementStore, Storage, StoreId } from '../../src/storage/ports.js'
import type { StoredStatement } from '../../src/xapi/types.js'
import { buildRecord, type StatementSpec } from '../fixtures/storage-records.js'
import type { Backend, OpenedBackend } from './backends.js'

/** Opens a fresh backend before each test and disposes of it after; read it inside tests. */
export function useBackend(backend: Backend): () => OpenedBackend {
  let opened: OpenedBackend | undefined
  beforeEach(async () => {
    opened = await backend.open()
  })
  afterEach(async () => {
    await opened?.dispose()
    opened = undefined
  })
  return () => {
    if (opened === undefined) throw new Error('the backend is not open')
    return opened
  }
}

/**
 * Stores statements as core does: one unit of work, `stored` from allocateStored, then the
 * voiding of targets. Returns the statements as stored.
 */
export async function storeStatements(
  storage: Storage,
  storeId: StoreId,
  specs: readonly StatementSpec[],
): Promise<StoredStatement[]> {
  return storage.transaction(storeId, async (scope) => {
    const stored = await scope.statements.allocateStored()
    const records = specs.map((spec) => buildRecord(spec, stored))
    await scope.statements.insertStatements(records)
    const targets = records.flatMap((r) =>
      r.index.isVoiding && r.index.objectStatementId !== undefined
        ? [r.index.objectStatementId]
        : [],
    )
    if (targets.length > 0) await scope.statements.markVoided(targets)
    return records.map((r) => r.statement)
  })
}

/** Stores each spec in its own unit of work, so each gets its own (later) `stored`. */
export async function storeOneByOne(
  storage: Storage,
  storeId: StoreId,
  specs: readonly StatementSpec[],
): Promise<StoredStatement[]> {
  const stored: StoredStatement[] = []
  for (const spec of specs) stored.push(...(await storeStatements(storage, storeId, [spec])))
  return stored
}

export function ids(statements: readonly { id: string }[]): string[] {
  return statements.map((s) => s.id)
}

/** A query with the defaults of `GET /statements`, overridden by `filters`. */
export function q(filters: Partial<StatementQuery> = {}): StatementQuery {
  return {
    relatedActivities: false,
    relatedAgents: false,
    ascending: false,
    limit: 100,
    ...filters,
  }
}

/** Pages `allPages` reads before it fails: no contract test stores nearly this many. */
const MAX_PAGES = 1000

/** The ids a query returns over all its pages; fails (rather than hangs) on endless cursors. */
export async function allPages(
  statements: StatementStore,
  query: StatementQuery,
): Promise<string[]> {
  const seen: string[] = []
  let page = await statements.queryStatements(query)
  seen.push(...ids(page.statements))
  for (let pages = 1; page.next !== undefined; pages++) {
    if (pages >= MAX_PAGES) throw new Error(`a query returned more than ${MAX_PAGES} pages`)
    page = await statements.queryStatements(query, page.next)
    seen.push(...ids(page.statements))
  }
  return seen
}

/** Newest first, as queries return them by default. */
export function newestFirst(statements: readonly StoredStatement[]): string[] {
  return ids(statements).reverse()
}

/** Forces the next unit of work to a strictly later `stored` (the watermark guarantees it). */
export async function tick(storage: Storage, storeId: StoreId): Promise<void> {
  await storage.scope(storeId).statements.consistentThrough()
}
