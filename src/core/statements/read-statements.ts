/** @module The statement read use cases: one statement by id, and filtered pages with `more`. */
import { InvalidParameterError, NotFoundError } from '../../errors/errors.js'
import type { StatementCursor, StoreId, StoreScope } from '../../storage/ports.js'
import { formatStatement } from '../../xapi/format-statement.js'
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
import { decodeMoreToken, encodeMoreToken } from './more-token.js'
import { parseSingleStatementRequest, parseStatementQueryRequest } from './statement-parameters.js'

/** SHA-2s of the attachments whose content the LRS holds (those sent as parts, not fileUrl-only). */
function attachmentHashes(statements: readonly Statement[]): string[] {
  const hashes = new Set<string>()
  for (const statement of statements) {
    for (const attachment of statement.attachments ?? []) hashes.add(attachment.sha2)
    if (statement.object.objectType === 'SubStatement')
      for (const attachment of statement.object.attachments ?? []) hashes.add(attachment.sha2)
  }
  return [...hashes]
}

async function loadAttachments(
  scope: StoreScope,
  statements: readonly Statement[],
): Promise<AttachmentPart[]> {
  const hashes = attachmentHashes(statements)
  if (hashes.length === 0) return []
  const found = await scope.statements.findAttachments(hashes)
  return [...found.values()]
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
      return {
        statement: formatStatement(statement, request.format, languages),
        attachments: request.attachments ? await loadAttachments(scope, [statement]) : [],
      }
    },

    async queryStatements(target, parameters, languages) {
      let original = parameters
      let cursor: StatementCursor | undefined
      if ('more' in parameters) {
        const extra = Object.keys(parameters).find((name) => name !== 'more')
        if (extra !== undefined) throw InvalidParameterError(extra, 'cannot be combined with more')
        const decoded = decodeMoreToken(parameters['more'] ?? '')
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
      const statements: StoredStatement[] = page.statements.map((s) =>
        formatStatement(s, request.format, languages),
      )
      const more =
        page.next === undefined
          ? ''
          : `${target.statementsPath}?more=${encodeMoreToken(original, page.next)}`
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
