/** @module Statement reads of the console operator: an admin browsing any store, not a credential. */
import type { StoreId } from '../../storage/ports.js'
import type { StoredStatement } from '../../xapi/types.js'
import { LATEST_VERSION } from '../../xapi/versions.js'
import type { CoreDeps } from '../core-deps.js'
import type { SingleStatementResult, StatementQueryParameters, StatementsResult } from '../lrs.js'
import { createStatementReader, type ReadTarget } from './read-statements.js'

/** One statement of the tail with its position in the store's statement log. */
export interface TailEntry {
  seq: number
  statement: StoredStatement
}

/**
 * What an admin may read of a store's statements. An admin account manages every store
 * (docs/security.md), so it reads every statement: no authority filter, and no credential's
 * Principal is invented for it. Authentication is the admin session's, checked by the caller.
 */
export interface OperatorStatements {
  /** GET /statements with every xAPI filter and `more` paging, as `statements/read` sees it. */
  queryStatements(
    storeId: StoreId,
    parameters: StatementQueryParameters,
    languages: readonly string[],
  ): Promise<StatementsResult>
  /** One statement by `statementId` or `voidedStatementId`. */
  getStatement(
    storeId: StoreId,
    parameters: StatementQueryParameters,
    languages: readonly string[],
  ): Promise<SingleStatementResult>
  /**
   * The live tail: up to `limit` statements after position `afterSeq` of the store's log, in
   * order, never past the log's safe watermark (so a resumed tail neither misses nor repeats).
   */
  readAfter(storeId: StoreId, afterSeq: number, limit: number): Promise<TailEntry[]>
  /** The store's log watermark (0 when empty): where a new tail starts. */
  lastSeq(storeId: StoreId): Promise<number>
}

export function createOperatorStatements(
  deps: CoreDeps,
  /** The admin API path of a store's statements, for `more` links. */
  statementsPath: (storeId: StoreId) => string,
): OperatorStatements {
  const reader = createStatementReader(deps)
  const target = (storeId: StoreId): ReadTarget => ({
    storeId,
    version: LATEST_VERSION,
    authorityIfi: undefined,
    statementsPath: statementsPath(storeId),
  })
  return {
    queryStatements: (storeId, parameters, languages) =>
      reader.queryStatements(target(storeId), parameters, languages),
    getStatement: (storeId, parameters, languages) =>
      reader.getStatement(target(storeId), parameters, languages),
    // The statement log of core/log (analytics' port): read-only units of work, no cursor.
    readAfter: (storeId, afterSeq, limit) =>
      deps.storage.log.unitOfWork(storeId, async ({ log }) => {
        const entries = await log.readAfter(afterSeq, await log.watermark(), limit)
        return entries.map((entry) => ({ seq: entry.seq, statement: entry.statement }))
      }),
    lastSeq: (storeId) => deps.storage.log.unitOfWork(storeId, ({ log }) => log.watermark()),
  }
}
