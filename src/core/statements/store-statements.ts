/** @module The ingest pipeline: validate → normalise → persist → project → notify. */
import { randomUUID } from 'node:crypto'
import {
  BadRequestError,
  InvalidParameterError,
  StatementConflictError,
  VoidingTargetError,
} from '../../errors/errors.js'
import type { LrsError } from '../../errors/lrs-error.js'
import type { AttachmentOwner, StoreScope } from '../../storage/ports.js'
import { statementsEquivalent } from '../../xapi/statement-equivalence.js'
import { toUtcTimestamp } from '../../xapi/timestamps.js'
import { isUuid } from '../../xapi/formats.js'
import type { Statement, StatementRef, StoredStatement } from '../../xapi/types.js'
import { VOIDED_VERB_ID } from '../../xapi/types.js'
import { validateStatement, validateStatementBatch } from '../../xapi/validate-statement.js'
import type { CoreDeps } from '../core-deps.js'
import type { AttachmentPart, RequestContext, StatementQueryParameters } from '../lrs.js'
import { attachmentOwners } from './attachment-owners.js'
import { checkAttachments } from './check-attachments.js'
import {
  notifyListeners,
  type IngestListener,
  type ListenerErrorHandler,
} from './notify-listeners.js'
import { createGroupCommit, type GroupOutcome } from './group-commit.js'
import { buildStatementIndex } from './statement-index.js'

/**
 * A step run inside the ingest transaction after the statements are persisted, e.g. the
 * canonical activity definitions, the Agents resource, analytics projections. The contract:
 *
 * - It sees only the statements new to the store, in request order: not the equivalent re-sends
 *   the batch dropped, nor (with `partial`) the rejected ones. The list may be empty (a batch of
 *   re-sends): a step is called once per unit of work.
 * - It runs after voiding is applied in `scope`, but the objects it receives carry no voided
 *   marker: a statement voided by a voiding statement of the same batch is in the list, and so is
 *   that voiding statement (verb `http://adlnet.gov/expapi/verbs/voided`, Data §2.3.2), each at
 *   its place in the request. A step that must not count voided statements looks for the
 *   batch's voiding statements (and, for targets stored earlier, queries `scope`).
 * - It shares the transaction: if it throws, nothing of the batch is stored and the request
 *   fails; if the unit of work is retried (a serialization conflict), the step runs again, so it
 *   must only write through `scope`.
 */
export type ProjectStep = (
  scope: StoreScope,
  statements: readonly StoredStatement[],
) => Promise<void>

export type { IngestListener, ListenerErrorHandler } from './notify-listeners.js'

export interface IngestDeps extends CoreDeps {
  readonly projectSteps: readonly ProjectStep[]
  /** Run after commit; their failures go to `onListenerError` (notify-listeners.ts). */
  readonly listeners: readonly IngestListener[]
  readonly onListenerError: ListenerErrorHandler
}

/**
 * A statement with every LRS-set field except `stored` (and the `timestamp` that defaults to it);
 * `stored` is present only when an import preserves it.
 */
type NormalisedStatement = Omit<StoredStatement, 'stored' | 'timestamp'> & {
  timestamp?: string
  stored?: string
}

/** How one ingest treats the LRS-owned properties and the failures of single statements. */
export interface IngestOptions {
  /**
   * Keep the `stored` and `authority` the statements carry, as a bulk import of exported
   * statements must; when false (every xAPI request) the LRS sets them (Data §2.4.8, §2.4.9).
   */
  readonly preserve: boolean
  /**
   * When given, collects by index every statement that conflicts with a stored one (or voids a
   * voiding statement). Without it the first such statement fails the batch, as a statement
   * request must (Communication §2.1.2).
   */
  readonly rejections?: Map<number, LrsError>
  /**
   * With `rejections`: store the rest of the batch. Otherwise nothing is stored and the first
   * rejection is thrown once all are collected.
   */
  readonly partial?: boolean
}

/** What one ingest did: every statement's id in order, and the statements new to the store. */
export interface IngestResult {
  ids: string[]
  fresh: StoredStatement[]
}

function isVoiding<T extends Statement>(statement: T): statement is T & { object: StatementRef } {
  return statement.verb.id === VOIDED_VERB_ID && statement.object.objectType === 'StatementRef'
}

/** LRS-owned properties (Data §2.4.1, §2.4.7, §2.4.9, §2.4.10). */
function normalise(
  statement: Statement,
  ctx: RequestContext,
  preserve: boolean,
): NormalisedStatement {
  // Data §2.4.8: `stored` is set by the LRS; whatever the client sent is discarded (an import
  // of exported statements puts it back below: they were stored before, by an LRS).
  // Without the rest pattern when there is no `stored` to drop (most requests): V8 copies an
  // object by spread faster than it copies all but one of its properties.
  const sentStored = statement.stored
  const sent = sentStored === undefined ? statement : withoutStored(statement)
  const normalised: NormalisedStatement = {
    ...sent,
    id: statement.id === undefined ? randomUUID() : statement.id.toLowerCase(),
    // The credential's identity is the authority of what it stores (Data §2.4.9).
    authority:
      preserve && statement.authority !== undefined ? statement.authority : ctx.principal.authority,
    // Data §2.4.10: a statement keeps the version it was sent with; otherwise it is stored as
    // the version of the request's rule set.
    version: statement.version ?? (ctx.version === '2.0.0' ? '2.0.0' : '1.0.0'),
  }
  // xAPI 2.0: timestamps are returned in UTC; converting once on the way in keeps reads cheap.
  if (statement.timestamp !== undefined) normalised.timestamp = toUtcTimestamp(statement.timestamp)
  if (preserve && sentStored !== undefined) normalised.stored = toUtcTimestamp(sentStored)
  return normalised
}

function withoutStored<T extends { stored?: unknown }>(statement: T): Omit<T, 'stored'> {
  const { stored: _dropped, ...rest } = statement
  return rest
}

function complete(statement: NormalisedStatement, stored: string): StoredStatement {
  // As in `normalise`: the rest pattern only when there is a `stored` to drop (an import's),
  // which then comes last, as it did before.
  const rest = statement.stored === undefined ? statement : withoutStored(statement)
  // Data §2.4.7: a statement without a timestamp gets the time it was stored.
  return { ...rest, timestamp: rest.timestamp ?? stored, stored }
}

/**
 * The `stored` of each statement. A request's statements share one allocated time. An import
 * keeps the times statements carry, but never lets `stored` go back in insertion order (below
 * the store's latest or an earlier statement of the batch): `stored` follows insertion order,
 * which since/until queries rely on, so an older time is raised to that floor.
 */
async function storedTimes(
  scope: StoreScope,
  statements: readonly NormalisedStatement[],
  preserve: boolean,
): Promise<string[]> {
  const allocated = await scope.statements.allocateStored()
  if (!preserve || statements.every((s) => s.stored === undefined))
    return statements.map(() => allocated)
  // The newest statement a query returns; only a statement that arrived after the statement
  // voiding it can be newer, and then the difference is one request's worth of time.
  const latest = await scope.statements.queryStatements({
    relatedActivities: false,
    relatedAgents: false,
    ascending: false,
    limit: 1,
  })
  let floor = latest.statements[0]?.stored ?? ''
  return statements.map((statement) => {
    const wanted = statement.stored ?? allocated
    // Canonical UTC timestamps of one length (toUtcTimestamp) compare correctly as text.
    floor = wanted > floor ? wanted : floor
    return floor
  })
}

/**
 * Persists what is new; returns it. Equivalent re-sends are no-ops, different ones are 409 (see
 * `IngestOptions` for `rejections` and `partial`).
 */
async function persist(
  scope: StoreScope,
  sent: readonly NormalisedStatement[],
  stored: readonly string[],
  attachments: readonly AttachmentPart[],
  rejections: Map<number, LrsError> | undefined,
  partial: boolean,
): Promise<StoredStatement[]> {
  const reject = (index: number, error: LrsError): void => {
    if (rejections === undefined) throw error
    rejections.set(index, error)
  }
  const statements = sent.map((s, i) => complete(s, stored[i] ?? ''))
  const voidingTargets = statements.filter(isVoiding).map((s) => s.object.id.toLowerCase())
  const ids = statements.map((s) => s.id)
  const existing = await scope.statements.findStatementsByIds([
    ...new Set([...ids, ...voidingTargets]),
  ])

  const fresh: StoredStatement[] = []
  const freshIndex = new Map<string, number>()
  statements.forEach((statement, i) => {
    const row = existing.get(statement.id)
    if (row === undefined) {
      fresh.push(statement)
      freshIndex.set(statement.id, i)
    }
    // Compare what the client sent: a timestamp the LRS filled in is not part of the statement.
    else if (!statementsEquivalent(row.statement, sent[i] ?? statement))
      reject(i, StatementConflictError(statement.id))
  })

  // Data §2.3.2 / XAPI-00016: a voiding statement cannot target another voiding statement.
  const freshById = new Map(fresh.map((s) => [s.id, s]))
  statements.forEach((statement, i) => {
    if (!isVoiding(statement)) return
    const target = statement.object.id.toLowerCase()
    const stored = existing.get(target)?.statement ?? freshById.get(target)
    if (stored !== undefined && isVoiding(stored)) reject(i, VoidingTargetError(target))
  })
  if (rejections !== undefined && rejections.size > 0) {
    const first = rejections.get(Math.min(...rejections.keys()))
    if (!partial && first !== undefined) throw first
    const kept = fresh.filter((s) => !rejections.has(freshIndex.get(s.id) ?? -1))
    fresh.splice(0, fresh.length, ...kept)
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
  // Only the fresh statements of this request own the contents it brought (issue 15).
  if (attachments.length > 0)
    await scope.statements.insertAttachments(attachments, attachmentOwners(fresh, attachments))
  return fresh
}

/** One statement request waiting for its group (see group-commit.ts). */
interface PendingRequest {
  readonly normalised: readonly NormalisedStatement[]
  readonly attachments: readonly AttachmentPart[]
}

/** A group takes requests up to this many statements: one batch of 1000 is a group of its own. */
const GROUP_MAX_STATEMENTS = 1000
/** Under concurrent load, a group gathers requests this long (group-commit.ts `gatherMs`). */
const GROUP_GATHER_MS = 1
/**
 * A shared group starts beside another only while this many statements wait (group-commit.ts
 * `besideFrom`): two requests of the usual batch of 100. A unit of work's own cost (its round
 * trips, their processing; about 1 ms of CPU on PostgreSQL) is then under a tenth of the
 * group's per-statement work (~90 µs each), where it is about a third of a group of 30 single
 * statements.
 */
const GROUP_BESIDE_FROM = 200

/**
 * Decides one request of a group, as `persist` would if the earlier accepted requests of the
 * group (`accepted`) were already stored: returns its statements new to the store, or throws
 * its first rejection (409 for a different statement under a known id, XAPI-00016 for voiding
 * a voiding statement), in which case none of its statements is stored (Communication §2.1.2).
 */
function decideRequest(
  sent: readonly NormalisedStatement[],
  statements: readonly StoredStatement[],
  existing: ReadonlyMap<string, { statement: StoredStatement }>,
  accepted: ReadonlyMap<string, StoredStatement>,
): StoredStatement[] {
  const known = (id: string): StoredStatement | undefined =>
    existing.get(id)?.statement ?? accepted.get(id)
  const fresh: StoredStatement[] = []
  statements.forEach((statement, i) => {
    const row = known(statement.id)
    if (row === undefined) fresh.push(statement)
    // Compare what the client sent: a timestamp the LRS filled in is not part of the statement.
    else if (!statementsEquivalent(row, sent[i] ?? statement))
      throw StatementConflictError(statement.id)
  })
  const freshById = new Map(fresh.map((s) => [s.id, s]))
  for (const statement of statements) {
    if (!isVoiding(statement)) continue
    const target = statement.object.id.toLowerCase()
    const stored = known(target) ?? freshById.get(target)
    if (stored !== undefined && isVoiding(stored)) throw VoidingTargetError(target)
  }
  return fresh
}

/**
 * Persists a group of statement requests in the caller's unit of work: one `stored` time, one
 * look-up of the known ids, one multi-row insert, one run of the projections for all of them.
 * Each request is decided in arrival order against what is stored and what the group's earlier
 * requests add, so the outcomes are those of running them one after another; a rejected
 * request contributes nothing to the writes.
 */
async function persistGroup(
  scope: StoreScope,
  requests: readonly PendingRequest[],
  projectSteps: readonly ProjectStep[],
): Promise<GroupOutcome<StoredStatement[]>[]> {
  if (requests.length === 0) return []
  // Every statement of the group may be new: a shared unit of work reserves that many seqs.
  const count = requests.reduce((n, r) => n + r.normalised.length, 0)
  const stored = await scope.statements.allocateStored(count)
  const completed = requests.map((r) => r.normalised.map((s) => complete(s, stored)))
  const lookup = new Set<string>()
  for (const statements of completed)
    for (const statement of statements) {
      lookup.add(statement.id)
      if (isVoiding(statement)) lookup.add(statement.object.id.toLowerCase())
    }
  const existing = await scope.statements.findStatementsByIds([...lookup])

  const accepted = new Map<string, StoredStatement>()
  const fresh: StoredStatement[] = []
  const attachments: AttachmentPart[] = []
  const owners: AttachmentOwner[] = []
  const outcomes = requests.map((request, r): GroupOutcome<StoredStatement[]> => {
    try {
      const own = decideRequest(request.normalised, completed[r] ?? [], existing, accepted)
      for (const statement of own) accepted.set(statement.id, statement)
      fresh.push(...own)
      if (own.length > 0) {
        attachments.push(...request.attachments)
        // Issue 15: a statement owns only the contents its own request carried.
        owners.push(...attachmentOwners(own, request.attachments))
      }
      return { ok: true, value: own }
    } catch (error) {
      return { ok: false, error }
    }
  })
  // The steps run once per unit of work, with an empty list too (a group of re-sends): the
  // ProjectStep contract above.
  if (fresh.length > 0) {
    await scope.statements.insertStatements(
      fresh.map((statement) => ({ statement, index: buildStatementIndex(statement) })),
    )
    const freshVoidingTargets = fresh.filter(isVoiding).map((s) => s.object.id.toLowerCase())
    if (freshVoidingTargets.length > 0) await scope.statements.markVoided(freshVoidingTargets)
    // A statement may arrive after the statement that voids it (2.0 accepts voiding unknown ids).
    const lateVoided = await scope.statements.findVoidedTargets(fresh.map((s) => s.id))
    if (lateVoided.size > 0) await scope.statements.markVoided([...lateVoided])
    if (attachments.length > 0) await scope.statements.insertAttachments(attachments, owners)
  }
  for (const step of projectSteps) await step(scope, fresh)
  return outcomes
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
  /**
   * The pipeline itself, for statements already validated (`validateStatement`): the bulk
   * import runs it with its own options. `parts` are checked against the statements' attachments.
   */
  ingest: (
    ctx: RequestContext,
    statements: readonly Statement[],
    parts: readonly AttachmentPart[] | 'unchecked',
    options: IngestOptions,
  ) => Promise<IngestResult>
} {
  // Where the backend lets units of work of one store run side by side (PostgreSQL), requests
  // none of whose statements voids or refers to a statement form a lane of shared groups.
  // Voiding and StatementRefs read other statements that a parallel writer may be inserting
  // (the voided flag, the StatementRef closure), so those requests keep exclusive groups.
  const sharedUnits = deps.storage.sharedUnitsPerStore
  const groups = createGroupCommit<PendingRequest, StoredStatement[]>(
    (storeId, take, shared) =>
      deps.storage.transaction(storeId, (scope) => persistGroup(scope, take(), deps.projectSteps), {
        shared,
      }),
    {
      size: (request) => request.normalised.length,
      maxStatements: GROUP_MAX_STATEMENTS,
      gatherMs: GROUP_GATHER_MS,
      ...(sharedUnits > 0
        ? {
            shared: {
              accepts: (request: PendingRequest) =>
                request.normalised.every((s) => s.object.objectType !== 'StatementRef'),
              groups: sharedUnits,
              besideFrom: GROUP_BESIDE_FROM,
            },
          }
        : {}),
    },
  )

  async function ingest(
    ctx: RequestContext,
    statements: readonly Statement[],
    parts: readonly AttachmentPart[] | 'unchecked',
    options: IngestOptions,
  ): Promise<IngestResult> {
    // 'unchecked': an import has no parts; attachment contents are not part of its input.
    const attachments =
      parts === 'unchecked' ? [] : await checkAttachments(statements, parts, ctx.version)
    const normalised = statements.map((s) => normalise(s, ctx, options.preserve))
    const storeId = ctx.principal.storeId
    // A statement request (all or nothing, LRS-set `stored`) joins its store's next group
    // commit; an import, with its own options, is a unit of work of its own.
    const grouped = !options.preserve && options.rejections === undefined
    const fresh = grouped
      ? await groups.submit(storeId, { normalised, attachments })
      : await deps.storage.transaction(storeId, async (scope) => {
          // A retried unit of work starts over: forget what an earlier try rejected.
          options.rejections?.clear()
          const stored = await storedTimes(scope, normalised, options.preserve)
          const inserted = await persist(
            scope,
            normalised,
            stored,
            attachments,
            options.rejections,
            options.partial ?? false,
          )
          for (const step of deps.projectSteps) await step(scope, inserted)
          return inserted
        })
    if (fresh.length > 0) notifyListeners(deps.listeners, storeId, fresh, deps.onListenerError)
    return { ids: normalised.map((s) => s.id), fresh }
  }

  const REQUEST: IngestOptions = { preserve: false }

  return {
    async storeStatements(ctx, parameters, body, attachments) {
      const names = Object.keys(parameters)
      if (names[0] !== undefined)
        throw InvalidParameterError(
          names[0],
          'POST /statements takes no query parameters (XAPI-00324)',
        )
      const statements = validateStatementBatch(body, ctx.version)
      return (await ingest(ctx, statements, attachments, REQUEST)).ids
    },

    async putStatement(ctx, parameters, body, attachments) {
      const extra = Object.keys(parameters).find((name) => name !== 'statementId')
      if (extra !== undefined)
        throw InvalidParameterError(extra, 'PUT /statements takes only statementId (XAPI-00324)')
      const statementId = parameters['statementId']
      if (statementId === undefined)
        throw InvalidParameterError('statementId', 'is required for PUT')
      if (!isUuid(statementId)) throw InvalidParameterError('statementId', 'must be a UUID')
      if (Array.isArray(body))
        throw BadRequestError('PUT /statements takes one statement, not an array')
      const statement = validateStatement(body, ctx.version)
      if (statement.id !== undefined && statement.id.toLowerCase() !== statementId.toLowerCase())
        throw BadRequestError(
          `the statement's id ${statement.id} differs from the statementId parameter ${statementId}`,
        )
      await ingest(ctx, [{ ...statement, id: statementId.toLowerCase() }], attachments, REQUEST)
    },

    ingest,
  }
}
