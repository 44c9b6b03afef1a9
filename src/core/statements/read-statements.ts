/** @module The statement read use cases: one statement by id, and filtered pages with `more`. */
import { InvalidParameterError, NotFoundError } from '../../errors/errors.js'
import type { StatementCursor, StoreId, StoreScope } from '../../storage/ports.js'
import {
  activityIdsOf,
  type FindDefinition,
  formatStatement,
  type StatementFormat,
} from '../../xapi/format-statement.js'
import type { Statement, StoredStatement } from '../../xapi/types.js'
import type { XapiVersion } from '../../xapi/versions.js'
import { ownStatementsFilter } from '../auth/authorize.js'
import type { CoreDeps } from '../core-deps.js'
import type {
  AttachmentPart,
  RequestContext,
  SingleStatementResult,
  StatementQueryParameters,
  StatementsResult,
} from '../lrs.js'
import { declaredAttachments } from './attachment-owners.js'
import {
  decodeMoreToken,
  encodeMoreToken,
  MORE_TOKEN_SECRET,
  newMoreTokenKey,
} from './more-token.js'
import { parseSingleStatementRequest, parseStatementQueryRequest } from './statement-parameters.js'

/**
 * The attachment contents to send with `statements` (attachments=true): only those each was
 * stored together with (issue 15). A statement that merely declares a hash, with a fileUrl or
 * a content another statement brought, is returned with its attachment metadata as stored and
 * without the content. A content one statement of the page owns is sent once and may also be
 * what another statement of the page declares: the reader sees the owner anyway.
 */
async function loadAttachments(
  scope: StoreScope,
  statements: readonly Statement[],
): Promise<AttachmentPart[]> {
  const ids = statements.flatMap((s) =>
    s.id !== undefined && declaredAttachments(s).length > 0 ? [s.id] : [],
  )
  if (ids.length === 0) return []
  const found = await scope.statements.findStatementAttachments(ids)
  return [...found.values()]
}

/**
 * For `format=canonical`: the LRS's canonical definition of each activity of `statements`
 * (Communication §2.1.3, "populated with the canonical definition ... as determined by the
 * LRS"), i.e. the Activities resource's, kept from statements stored with the `define` scope.
 * An activity the LRS holds no definition of keeps the statement's own. Verbs keep their own
 * display (Data §2.4.3: the LRS may determine the canonical Display from the statements it
 * receives; Almanac keeps no verb registry); `formatStatement` applies the language filter.
 */
async function canonicalDefinitions(
  scope: StoreScope,
  statements: readonly StoredStatement[],
  format: StatementFormat,
): Promise<FindDefinition | undefined> {
  if (format !== 'canonical') return undefined
  const ids = activityIdsOf(statements)
  if (ids.length === 0) return undefined
  const known = await scope.actorsActivities.findActivityDefinitions(ids)
  return (activityId) => {
    const definition = known.get(activityId)
    return definition !== undefined && Object.keys(definition).length > 0 ? definition : undefined
  }
}

/**
 * A statement read from storage in the requested format. `exact` is the stored statement as it
 * is (Communication §2.1.3): storage hands out a fresh decoding of the stored text for every
 * read, owned by this request, so it is returned without the copy `formatStatement` makes
 * (a structured clone per statement, the largest cost of a page in `exact` after decoding).
 */
function shaped(
  statement: StoredStatement,
  format: StatementFormat,
  languages: readonly string[],
  canonical: FindDefinition | undefined,
): StoredStatement {
  return format === 'exact' ? statement : formatStatement(statement, format, languages, canonical)
}

/** The read use cases, as standalone functions (they use no `this`). */
export interface ReadStatements {
  readonly consistentThrough: (ctx: RequestContext) => Promise<string>
  readonly getStatement: (
    ctx: RequestContext,
    parameters: StatementQueryParameters,
    languages: readonly string[],
  ) => Promise<SingleStatementResult>
  readonly queryStatements: (
    ctx: RequestContext,
    parameters: StatementQueryParameters,
    languages: readonly string[],
  ) => Promise<StatementsResult>
}

/**
 * Whose reading: the store, the version whose rules apply, the `statements/read/mine` filter
 * (undefined = every statement) and the path `more` links point at.
 */
export interface ReadTarget {
  readonly storeId: StoreId
  readonly version: XapiVersion
  readonly authorityIfi: string | undefined
  readonly statementsPath: string
}

/** The read use cases on an explicit target: shared by xAPI clients and the console operator. */
export interface StatementReader {
  readonly getStatement: (
    target: ReadTarget,
    parameters: StatementQueryParameters,
    languages: readonly string[],
  ) => Promise<SingleStatementResult>
  readonly queryStatements: (
    target: ReadTarget,
    parameters: StatementQueryParameters,
    languages: readonly string[],
  ) => Promise<StatementsResult>
}

export function createStatementReader(deps: CoreDeps): StatementReader {
  // Read from the database once per process, at the first query: every process of the
  // database must seal and open the same tokens (more-token.ts).
  let moreTokenKey: Promise<Uint8Array> | undefined
  const tokenKey = (): Promise<Uint8Array> => {
    moreTokenKey ??= deps.storage.admin
      .sharedSecret(MORE_TOKEN_SECRET, newMoreTokenKey())
      .then((value) => new Uint8Array(Buffer.from(value, 'base64')))
    // A failed read (database down) is tried again by the next request.
    moreTokenKey.catch(() => {
      moreTokenKey = undefined
    })
    return moreTokenKey
  }

  return {
    async getStatement(target, parameters, languages) {
      const request = parseSingleStatementRequest(parameters)
      const scope = deps.storage.scope(target.storeId)
      const statement = await scope.statements.findStatement(
        request.id,
        request.voided,
        target.authorityIfi,
      )
      if (statement === undefined)
        throw NotFoundError(
          request.voided
            ? `no voided statement with id ${request.id}`
            : `no statement with id ${request.id} (a voided statement is read with voidedStatementId)`,
        )
      const canonical = await canonicalDefinitions(scope, [statement], request.format)
      return {
        statement: shaped(statement, request.format, languages, canonical),
        attachments: request.attachments ? await loadAttachments(scope, [statement]) : [],
      }
    },

    async queryStatements(target, parameters, languages) {
      let original = parameters
      let cursor: StatementCursor | undefined
      if ('more' in parameters) {
        const extra = Object.keys(parameters).find((name) => name !== 'more')
        if (extra !== undefined) throw InvalidParameterError(extra, 'cannot be combined with more')
        const decoded = decodeMoreToken(await tokenKey(), target.storeId, parameters['more'] ?? '')
        original = decoded.parameters
        cursor = decoded.cursor
      }
      const request = parseStatementQueryRequest(
        original,
        target.version,
        deps.limits.maxStatementsPerPage,
      )
      const scope = deps.storage.scope(target.storeId)
      const mine = target.authorityIfi
      const query = mine === undefined ? request.query : { ...request.query, authorityIfi: mine }
      const page = await scope.statements.queryStatements(query, cursor)
      const canonical = await canonicalDefinitions(scope, page.statements, request.format)
      const statements: StoredStatement[] = page.statements.map((s) =>
        shaped(s, request.format, languages, canonical),
      )
      const more =
        page.next === undefined
          ? ''
          : `${target.statementsPath}?more=${encodeMoreToken(await tokenKey(), target.storeId, original, page.next)}`
      return {
        statements,
        more,
        attachments: request.attachments ? await loadAttachments(scope, page.statements) : [],
      }
    },
  }
}

export function createReadStatements(deps: CoreDeps): ReadStatements {
  const reader = createStatementReader(deps)
  // statements/read/mine: only this credential's own statements (Communication §4.2).
  const targetOf = (ctx: RequestContext): ReadTarget => ({
    storeId: ctx.principal.storeId,
    version: ctx.version,
    authorityIfi: ownStatementsFilter(ctx.principal),
    statementsPath: `${deps.xapiBasePath}/statements`,
  })
  return {
    consistentThrough(ctx) {
      return deps.storage.scope(ctx.principal.storeId).statements.consistentThrough()
    },
    getStatement: (ctx, parameters, languages) =>
      reader.getStatement(targetOf(ctx), parameters, languages),
    queryStatements: (ctx, parameters, languages) =>
      reader.queryStatements(targetOf(ctx), parameters, languages),
  }
}
