/** @module The ingest pipeline: validate → normalise → persist → project → notify. */
import { randomUUID } from 'node:crypto'
import {
  BadRequestError,
  InvalidParameterError,
  StatementConflictError,
  VoidingTargetError,
} from '../../errors/errors.js'
import type { StoreScope } from '../../storage/ports.js'
import { statementsEquivalent } from '../../xapi/statement-equivalence.js'
import { toUtcTimestamp } from '../../xapi/timestamps.js'
import { isUuid } from '../../xapi/formats.js'
import type { Statement, StatementRef, StoredStatement } from '../../xapi/types.js'
import { VOIDED_VERB_ID } from '../../xapi/types.js'
import { validateStatement, validateStatementBatch } from '../../xapi/validate-statement.js'
import type { CoreDeps } from '../core-deps.js'
import type { AttachmentPart, RequestContext, StatementQueryParameters } from '../lrs.js'
import { checkAttachments } from './check-attachments.js'
import { buildStatementIndex } from './statement-index.js'

/**
 * A step run inside the ingest transaction after the statements are persisted, e.g. the
 * canonical activity definitions, the Agents resource, analytics projections. It sees only
 * the statements new to the store; if it throws, nothing of the batch is stored.
 */
export type ProjectStep = (scope: StoreScope, statements: readonly StoredStatement[]) => Promise<void>

/** Called after the transaction commits with the statements new to the store (forwarding, streams). */
export type IngestListener = (storeId: number, statements: readonly StoredStatement[]) => void

export interface IngestDeps extends CoreDeps {
  readonly projectSteps: readonly ProjectStep[]
  readonly listeners: readonly IngestListener[]
}

/** A statement with every LRS-set field except `stored` (and the `timestamp` that defaults to it). */
type NormalisedStatement = Omit<StoredStatement, 'stored' | 'timestamp'> & { timestamp?: string }

function isVoiding<T extends Statement>(statement: T): statement is T & { object: StatementRef } {
  return statement.verb.id === VOIDED_VERB_ID && statement.object.objectType === 'StatementRef'
}

/** LRS-owned properties (Data §2.4.1, §2.4.7, §2.4.9, §2.4.10). */
function normalise(statement: Statement, ctx: RequestContext): NormalisedStatement {
  // Data §2.4.8: `stored` is set by the LRS; whatever the client sent is discarded.
  const { stored: _discarded, ...sent } = statement
  const normalised: NormalisedStatement = {
    ...sent,
    id: statement.id === undefined ? randomUUID() : statement.id.toLowerCase(),
    // The credential's identity is the authority of what it stores (Data §2.4.9).
    authority: ctx.principal.authority,
    // Data §2.4.10: a statement keeps the version it was sent with; otherwise it is stored as
    // the version of the request's rule set.
    version: statement.version ?? (ctx.version === '2.0.0' ? '2.0.0' : '1.0.0'),
  }
  // xAPI 2.0: timestamps are returned in UTC; converting once on the way in keeps reads cheap.
  if (statement.timestamp !== undefined) normalised.timestamp = toUtcTimestamp(statement.timestamp)
  return normalised
}

function complete(statement: NormalisedStatement, stored: string): StoredStatement {
  // Data §2.4.7: a statement without a timestamp gets the time it was stored.
  return { ...statement, timestamp: statement.timestamp ?? stored, stored }
}

/** Persists what is new; returns it. Equivalent re-sends are no-ops, different ones are 409. */
async function persist(
  scope: StoreScope,
  sent: readonly NormalisedStatement[],
  stored: string,
  attachments: readonly AttachmentPart[],
): Promise<StoredStatement[]> {
  const statements = sent.map((s) => complete(s, stored))
  const voidingTargets = statements.filter(isVoiding).map((s) => s.object.id.toLowerCase())
  const ids = statements.map((s) => s.id)
  const existing = await scope.statements.findStatementsByIds([...new Set([...ids, ...voidingTargets])])

  const fresh: StoredStatement[] = []
  statements.forEach((statement, i) => {
    const row = existing.get(statement.id)
    if (row === undefined) fresh.push(statement)
    // Compare what the client sent: a timestamp the LRS filled in is not part of the statement.
    else if (!statementsEquivalent(row.statement, sent[i] ?? statement))
      throw StatementConflictError(statement.id)
  })

  // Data §2.3.2 / XAPI-00016: a voiding statement cannot target another voiding statement.
  const freshById = new Map(fresh.map((s) => [s.id, s]))
  for (const target of voidingTargets) {
    const stored = existing.get(target)?.statement ?? freshById.get(target)
    if (stored !== undefined && isVoiding(stored)) throw VoidingTargetError(target)
  }
  if (fresh.length === 0) return fresh

  await scope.statements.insertStatements(
    fresh.map((statement) => ({ statement, index: buildStatementIndex(statement) })),
  )
  const freshVoidingTargets = fresh.filter(isVoiding).map((s) => s.object.id.toLowerCase())
  if (freshVoidingTargets.length > 0) await scope.statements.markVoided(freshVoidingTargets)
  // A statement may arrive after the statement that voids it (2.0 accepts voiding unknown ids).
  const lateVoided = await scope.statements.findVoidedTargets(fresh.map((s) => s.id))
  if (lateVoided.size > 0) await scope.statements.markVoided([...lateVoided])
  if (attachments.length > 0) await scope.statements.insertAttachments(attachments)
  return fresh
}

/** Builds the two statement write use cases over one pipeline. */
export function createStoreStatements(deps: IngestDeps): {
  storeStatements(
    ctx: RequestContext,
    parameters: StatementQueryParameters,
    body: unknown,
    attachments: readonly AttachmentPart[],
  ): Promise<string[]>
  putStatement(
    ctx: RequestContext,
    parameters: StatementQueryParameters,
    body: unknown,
    attachments: readonly AttachmentPart[],
  ): Promise<void>
} {
  async function ingest(
    ctx: RequestContext,
    statements: readonly Statement[],
    parts: readonly AttachmentPart[],
  ): Promise<string[]> {
    const attachments = await checkAttachments(statements, parts, ctx.version)
    const normalised = statements.map((s) => normalise(s, ctx))
    const storeId = ctx.principal.storeId
    const fresh = await deps.storage.transaction(storeId, async (scope) => {
      const stored = await scope.statements.allocateStored()
      const inserted = await persist(scope, normalised, stored, attachments)
      for (const step of deps.projectSteps) await step(scope, inserted)
      return inserted
    })
    if (fresh.length > 0) for (const listener of deps.listeners) listener(storeId, fresh)
    return normalised.map((s) => s.id)
  }

  return {
    async storeStatements(ctx, parameters, body, attachments) {
      const names = Object.keys(parameters)
      if (names[0] !== undefined)
        throw InvalidParameterError(names[0], 'POST /statements takes no query parameters (XAPI-00324)')
      const statements = validateStatementBatch(body, ctx.version)
      return ingest(ctx, statements, attachments)
    },

    async putStatement(ctx, parameters, body, attachments) {
      const extra = Object.keys(parameters).find((name) => name !== 'statementId')
      if (extra !== undefined)
        throw InvalidParameterError(extra, 'PUT /statements takes only statementId (XAPI-00324)')
      const statementId = parameters['statementId']
      if (statementId === undefined) throw InvalidParameterError('statementId', 'is required for PUT')
      if (!isUuid(statementId)) throw InvalidParameterError('statementId', 'must be a UUID')
      if (Array.isArray(body)) throw BadRequestError('PUT /statements takes one statement, not an array')
      const statement = validateStatement(body, ctx.version)
      if (statement.id !== undefined && statement.id.toLowerCase() !== statementId.toLowerCase())
        throw BadRequestError(
          `the statement's id ${statement.id} differs from the statementId parameter ${statementId}`,
        )
      await ingest(ctx, [{ ...statement, id: statementId.toLowerCase() }], attachments)
    },
  }
}
