/** @module Full validation of statements and statement batches (Data §2.2–2.6, §4; xAPI 2.0 changes). */
import { InvalidStatementError } from '../errors/errors.js'
import { ifiKey } from './ifi.js'
import { checkJsonDepth } from './json-depth.js'
import { VOIDED_VERB_ID, type Statement } from './types.js'
import { peekObjectType, validateActor, validateAgent, validateGroup } from './validate-actor.js'
import { validateActivity } from './validate-activity.js'
import { validateAttachments } from './validate-attachments.js'
import {
  normalizeContextActivities,
  validateContext,
  validateStatementRef,
} from './validate-context.js'
import { validateResult } from './validate-result.js'
import {
  expectIri,
  expectLanguageMap,
  expectObject,
  expectString,
  expectTimestamp,
  expectUuid,
  isJsonObject,
  itemPath,
  propertyPath,
  required,
  type JsonObject,
  type ValidationContext,
} from './validate-values.js'
import type { XapiVersion } from './versions.js'

const STATEMENT_KEYS: ReadonlySet<string> = new Set([
  'id',
  'actor',
  'verb',
  'object',
  'result',
  'context',
  'timestamp',
  'stored',
  'authority',
  'version',
  'attachments',
])
/** Data §2.4.4.3: "A SubStatement MUST NOT have the id, stored, version or authority properties". */
const SUB_STATEMENT_FORBIDDEN = [
  ['id', 'XAPI-00070'],
  ['stored', 'XAPI-00069'],
  ['version', 'XAPI-00068'],
  ['authority', 'XAPI-00067'],
] as const
const SUB_STATEMENT_KEYS: ReadonlySet<string> = new Set([
  'objectType',
  'actor',
  'verb',
  'object',
  'result',
  'context',
  'timestamp',
  'attachments',
])
const VERB_KEYS: ReadonlySet<string> = new Set(['id', 'display'])

/**
 * Statement versions each rule set accepts (Data §2.4.10: "MUST accept all Statements where their
 * version starts with 1.0." and reject others; the 2.0 suite also sends `2.0.0`, XAPI-00101/00332).
 */
const VERSION_PATTERN: Readonly<Record<XapiVersion, RegExp>> = {
  '1.0.3': /^1\.0(\.[0-9]+)?$/,
  '2.0.0': /^(1\.0|2\.0)(\.[0-9]+)?$/,
}

/**
 * Validates one statement as received and returns it normalized: the input is not changed (the
 * result shares the nested objects it did not need to change), and contextActivities values are
 * arrays (Data §2.4.6.2). Everything else keeps the exact form
 * it was sent in. Throws InvalidStatementError naming the first offending property.
 */
export function validateStatement(input: unknown, version: XapiVersion): Statement {
  checkJsonDepth(input, 'the statement')
  return validateStatementAt(input, '', { version })
}

/**
 * Validates the body of POST /statements: "An array of Statements or a single Statement"
 * (Communication §2.1.2). Always returns an array, in request order; errors in an array item
 * carry an `[i]` path prefix (`[2].verb.id`).
 *
 * Rejected besides invalid statements:
 * - an empty array: a batch stores at least one statement, and POST answers with their ids;
 * - two statements with the same id, compared case-insensitively as UUIDs (Communication §2.1.2:
 *   the LRS SHOULD* reject such a batch with 400; the 2.0 suite requires it, and it is as right
 *   under 1.0.3, whose text carries the same SHOULD*).
 */
export function validateStatementBatch(input: unknown, version: XapiVersion): Statement[] {
  // Before any recursive step (validation, canonical form, equivalence, JSON.stringify).
  checkJsonDepth(input, Array.isArray(input) ? 'the statement batch' : 'the statement')
  const ctx = { version }
  if (!Array.isArray(input)) return [validateStatementAt(input, '', ctx)]
  if (input.length === 0)
    throw InvalidStatementError(
      '',
      'the request body must hold a statement or a non-empty array of statements (Communication §2.1.2)',
    )
  const statements = input.map((item, index) => validateStatementAt(item, itemPath('', index), ctx))
  const seen = new Map<string, number>()
  statements.forEach((statement, index) => {
    if (statement.id === undefined) return
    const id = statement.id.toLowerCase()
    const first = seen.get(id)
    if (first !== undefined)
      throw InvalidStatementError(
        propertyPath(itemPath('', index), 'id'),
        `repeats the id of statement [${first}]; a batch must not use an id twice (Communication §2.1.2)`,
      )
    seen.set(id, index)
  })
  return statements
}

/** `validateStatement` with a path prefix, for the items of a batch (`[3].actor.mbox`). */
function validateStatementAt(input: unknown, path: string, ctx: ValidationContext): Statement {
  const statement = withoutNullTimestamp(
    expectObject(input, path, 'a Statement', STATEMENT_KEYS),
    ctx,
  )
  if (statement['id'] !== undefined) expectUuid(statement['id'], propertyPath(path, 'id'))
  validateCore(statement, path, ctx, false)
  if (statement['stored'] !== undefined)
    expectTimestamp(statement['stored'], propertyPath(path, 'stored'))
  if (statement['authority'] !== undefined)
    validateAuthority(statement['authority'], propertyPath(path, 'authority'))
  if (statement['version'] !== undefined) {
    const versionPath = propertyPath(path, 'version')
    if (!VERSION_PATTERN[ctx.version].test(expectString(statement['version'], versionPath)))
      throw InvalidStatementError(
        versionPath,
        ctx.version === '2.0.0'
          ? "must be '1.0', '2.0' or start with '1.0.' or '2.0.' (Data §2.4.10, XAPI-00101)"
          : "must be '1.0' or start with '1.0.' (Data §2.4.10, XAPI-00101)",
      )
  }
  // Data §2.3.2: the object of a voiding statement MUST be a StatementRef (XAPI-00017, XAPI-00020).
  const verb = statement['verb'] as JsonObject
  if (verb['id'] === VOIDED_VERB_ID && peekObjectType(statement['object']) !== 'StatementRef')
    throw InvalidStatementError(
      propertyPath(path, 'object'),
      'a voiding statement (verb voided) must have a StatementRef object (Data §2.3.2, XAPI-00017)',
    )
  return normalize(statement)
}

/**
 * Under 2.0 a top-level `"timestamp": null` means "not provided": the 2.0 suite sends it and then
 * expects the LRS to set timestamp to stored (xAPI 2.0 §2.4.7, "The LRS shall set the timestamp
 * property to the value of the stored property if not provided"). Every other null is rejected
 * (Data §2.2, XAPI-00001), as is this one under 1.0.3.
 */
function withoutNullTimestamp(statement: JsonObject, ctx: ValidationContext): JsonObject {
  if (ctx.version !== '2.0.0' || statement['timestamp'] !== null) return statement
  const copy = { ...statement }
  delete copy['timestamp']
  return copy
}

/** The properties a Statement and a SubStatement share (Data §2.4, §2.4.4.3). */
function validateCore(
  statement: JsonObject,
  path: string,
  ctx: ValidationContext,
  inSubStatement: boolean,
): void {
  validateActor(
    required(statement, 'actor', path, 'Data §2.2, XAPI-00003'),
    propertyPath(path, 'actor'),
  )
  validateVerb(
    required(statement, 'verb', path, 'Data §2.2, XAPI-00004'),
    propertyPath(path, 'verb'),
  )
  const object = required(statement, 'object', path, 'Data §2.2, XAPI-00005')
  validateObject(object, propertyPath(path, 'object'), ctx, inSubStatement)
  if (statement['result'] !== undefined)
    validateResult(statement['result'], propertyPath(path, 'result'))
  if (statement['context'] !== undefined) {
    const objectType = peekObjectType(object)
    const objectIsActivity = objectType === undefined || objectType === 'Activity'
    validateContext(statement['context'], propertyPath(path, 'context'), objectIsActivity, ctx)
  }
  if (statement['timestamp'] !== undefined)
    expectTimestamp(statement['timestamp'], propertyPath(path, 'timestamp'))
  if (statement['attachments'] !== undefined)
    validateAttachments(statement['attachments'], propertyPath(path, 'attachments'))
}

/** A Verb: IRI id (XAPI-00044) and an optional display language map (XAPI-00045). */
function validateVerb(value: unknown, path: string): void {
  const verb = expectObject(value, path, 'a Verb', VERB_KEYS)
  expectIri(required(verb, 'id', path, 'Data §2.4.3, XAPI-00044'), propertyPath(path, 'id'))
  if (verb['display'] !== undefined)
    expectLanguageMap(verb['display'], propertyPath(path, 'display'))
}

/**
 * The object of a Statement or SubStatement, by objectType (Data §2.4.4, XAPI-00046): absent or
 * `Activity`, `Agent`, `Group`, `StatementRef`, `SubStatement` (not inside a SubStatement).
 */
function validateObject(
  value: unknown,
  path: string,
  ctx: ValidationContext,
  inSubStatement: boolean,
): void {
  const objectType = peekObjectType(value)
  switch (objectType) {
    case undefined:
    case 'Activity':
      validateActivity(value, path)
      return
    case 'Agent':
      validateAgent(value, path)
      return
    case 'Group':
      validateGroup(value, path)
      return
    case 'StatementRef':
      validateStatementRef(value, path)
      return
    case 'SubStatement':
      if (inSubStatement)
        throw InvalidStatementError(
          propertyPath(path, 'objectType'),
          'a SubStatement must not contain a SubStatement (Data §2.4.4.3, XAPI-00071)',
        )
      validateSubStatement(value, path, ctx)
      return
    default:
      throw InvalidStatementError(
        propertyPath(path, 'objectType'),
        "must be 'Activity', 'Agent', 'Group', 'StatementRef' or 'SubStatement' (case sensitive; Data §2.4.4, XAPI-00046)",
      )
  }
}

/**
 * A SubStatement: validated as a Statement (XAPI-00066), minus the LRS-owned properties
 * (Data §2.4.4.3). It may carry contextAgents/contextGroups under 2.0 like any statement.
 */
function validateSubStatement(value: unknown, path: string, ctx: ValidationContext): void {
  if (isJsonObject(value)) {
    for (const [key, requirement] of SUB_STATEMENT_FORBIDDEN) {
      if (value[key] !== undefined)
        throw InvalidStatementError(
          propertyPath(path, key),
          `a SubStatement must not have id, stored, version or authority (Data §2.4.4.3, ${requirement})`,
        )
    }
  }
  validateCore(expectObject(value, path, 'a SubStatement', SUB_STATEMENT_KEYS), path, ctx, true)
}

/**
 * authority (Data §2.4.9): an Agent, or for 3-legged OAuth an anonymous Group of exactly two
 * Agents, the application and the user (XAPI-00024, XAPI-00098).
 */
function validateAuthority(value: unknown, path: string): void {
  const objectType = peekObjectType(value)
  if (objectType !== 'Group') {
    validateActor(value, path)
    return
  }
  const group = validateGroup(value, path)
  if (ifiKey(group) !== undefined || group.member?.length !== 2)
    throw InvalidStatementError(
      path,
      'a Group authority must be an anonymous Group of exactly two Agents, as in 3-legged OAuth (Data §2.4.9, XAPI-00098)',
    )
}

/** A copy of a validated statement with contextActivities values as arrays. */
function normalize(statement: JsonObject): Statement {
  // Copies only along the paths it changes: a deep clone of every statement costs more than
  // validating it, and nothing downstream mutates nested objects.
  const copy = { ...statement } as unknown as Statement
  if (copy.context?.contextActivities !== undefined)
    copy.context = {
      ...copy.context,
      contextActivities: normalizeContextActivities(copy.context.contextActivities),
    }
  if (
    copy.object.objectType === 'SubStatement' &&
    copy.object.context?.contextActivities !== undefined
  )
    copy.object = {
      ...copy.object,
      context: {
        ...copy.object.context,
        contextActivities: normalizeContextActivities(copy.object.context.contextActivities),
      },
    }
  return copy
}
