/** @module Bulk import (`almanac import`): a batch validated statement by statement, then ingested. */
import { StatementConflictError } from '../../errors/errors.js'
import { isLrsError, type LrsError } from '../../errors/lrs-error.js'
import { statementsEquivalent } from '../../xapi/statement-equivalence.js'
import type { Statement } from '../../xapi/types.js'
import { validateStatement } from '../../xapi/validate-statement.js'
import { isJsonObject } from '../../xapi/validate-values.js'
import { parseVersionHeader, type XapiVersion } from '../../xapi/versions.js'
import type { ImportOptions, ImportResult, RequestContext } from '../lrs.js'
import type { createStoreStatements } from './store-statements.js'

type Ingest = ReturnType<typeof createStoreStatements>['ingest']

/**
 * The rule set a statement is validated by: the one its `version` names (a statement exported
 * from a 1.0.3 request carries `1.0.0` and is held to the 1.0.3 rules it was accepted under),
 * else the request's. An unsupported `version` falls back too, and validation then rejects it.
 */
function ruleSet(item: unknown, fallback: XapiVersion): XapiVersion {
  const version = isJsonObject(item) ? item['version'] : undefined
  if (typeof version !== 'string') return fallback
  try {
    return parseVersionHeader(version)
  } catch {
    return fallback
  }
}

interface Accepted {
  /** Position in the batch given to `importStatements`. */
  index: number
  statement: Statement
}

/**
 * Builds `importStatements` over the ingest pipeline (validate → normalise → persist → project →
 * notify), with two differences from a statement request, both needed to load exported data:
 * each statement is validated and rejected on its own, with its index, instead of failing the
 * batch; and with `preserve`, the `stored` and `authority` statements carry are kept. Attachment
 * contents are not part of an import: attachments keep their metadata, and signatures (whose JWS
 * lives in an attachment) are not verified again.
 */
export function createImportStatements(ingest: Ingest) {
  return async function importStatements(
    ctx: RequestContext,
    items: readonly unknown[],
    options: ImportOptions,
  ): Promise<ImportResult> {
    const rejected = new Map<number, LrsError>()
    const accepted: Accepted[] = []
    const acceptedById = new Map<string, Accepted>()

    // Step 1, validate: one by one, so one bad statement costs only itself.
    items.forEach((item, index) => {
      let statement: Statement
      try {
        statement = validateStatement(item, ruleSet(item, ctx.version))
      } catch (error) {
        if (!isLrsError(error)) throw error
        rejected.set(index, error)
        return
      }
      const id = statement.id?.toLowerCase()
      const first = id === undefined ? undefined : acceptedById.get(id)
      if (id !== undefined && first !== undefined) {
        // A batch may repeat an id (a file is not a request, Communication §2.1.2 does not apply):
        // the same statement again is a no-op, a different one a conflict, as across batches.
        if (!statementsEquivalent(first.statement, statement))
          rejected.set(index, StatementConflictError(id))
        return
      }
      const entry = { index, statement }
      accepted.push(entry)
      if (id !== undefined) acceptedById.set(id, entry)
    })

    /** `stored` new statements; every other accepted one was already there (a no-op). */
    const result = (stored: number, committed: boolean): ImportResult => ({
      stored,
      present: committed ? items.length - stored - rejected.size : 0,
      rejected: [...rejected].sort(([a], [b]) => a - b).map(([index, error]) => ({ index, error })),
    })
    if (rejected.size > 0 && !options.partial) return result(0, false)
    if (accepted.length === 0) return result(0, true)

    // Steps 2-5: the ingest pipeline, keeping going past conflicts when `partial`.
    const rejections = new Map<number, LrsError>()
    try {
      const { fresh } = await ingest(
        ctx,
        accepted.map((a) => a.statement),
        'unchecked',
        { preserve: options.preserve, rejections, partial: options.partial },
      )
      for (const [position, error] of rejections)
        rejected.set(accepted[position]?.index ?? position, error)
      return result(fresh.length, true)
    } catch (error) {
      // Not partial: the unit of work rolled back; report every statement that made it fail.
      if (rejections.size === 0) throw error
      for (const [position, rejection] of rejections)
        rejected.set(accepted[position]?.index ?? position, rejection)
      return result(0, false)
    }
  }
}
