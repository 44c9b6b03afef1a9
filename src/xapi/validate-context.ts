/** @module Validation of the Context object (Data §2.4.6, plus the contextAgents/contextGroups of xAPI 2.0). */
import { InvalidStatementError } from '../errors/errors.js'
import type { ContextActivities } from './types.js'
import { peekObjectType, validateActor, validateAgent, validateGroup } from './validate-actor.js'
import { validateActivity } from './validate-activity.js'
import {
  expectArray,
  expectExtensions,
  expectIri,
  expectLanguageTag,
  expectObject,
  expectString,
  expectUuid,
  isJsonObject,
  itemPath,
  propertyPath,
  required,
  type JsonObject,
  type ValidationContext,
} from './validate-values.js'

const CONTEXT_KEYS_1_0: ReadonlySet<string> = new Set([
  'registration',
  'instructor',
  'team',
  'contextActivities',
  'revision',
  'platform',
  'language',
  'statement',
  'extensions',
])
/** xAPI 2.0 adds contextAgents and contextGroups; under 1.0.3 they are unknown properties. */
const CONTEXT_KEYS_2_0: ReadonlySet<string> = new Set([
  ...CONTEXT_KEYS_1_0,
  'contextAgents',
  'contextGroups',
])
const CONTEXT_ACTIVITY_KINDS = ['parent', 'grouping', 'category', 'other'] as const
const CONTEXT_ACTIVITIES_KEYS: ReadonlySet<string> = new Set(CONTEXT_ACTIVITY_KINDS)
const CONTEXT_AGENT_KEYS: ReadonlySet<string> = new Set(['objectType', 'agent', 'relevantTypes'])
const CONTEXT_GROUP_KEYS: ReadonlySet<string> = new Set(['objectType', 'group', 'relevantTypes'])
const STATEMENT_REF_KEYS: ReadonlySet<string> = new Set(['objectType', 'id'])

/**
 * A Context object. `objectIsActivity` says whether the enclosing statement's object is an
 * Activity: revision and platform are only allowed then (Data §2.4.6, XAPI-00084/85).
 */
export function validateContext(
  value: unknown,
  path: string,
  objectIsActivity: boolean,
  ctx: ValidationContext,
): void {
  const allowed = ctx.version === '2.0.0' ? CONTEXT_KEYS_2_0 : CONTEXT_KEYS_1_0
  const context = expectObject(value, path, 'a Context', allowed)
  if (context['registration'] !== undefined)
    expectUuid(context['registration'], propertyPath(path, 'registration'))
  if (context['instructor'] !== undefined)
    validateActor(context['instructor'], propertyPath(path, 'instructor'))
  if (context['team'] !== undefined) {
    const teamPath = propertyPath(path, 'team')
    if (peekObjectType(context['team']) !== 'Group')
      throw InvalidStatementError(
        teamPath,
        "must be a Group with objectType 'Group' (Data §2.4.6, XAPI-00088)",
      )
    validateGroup(context['team'], teamPath)
  }
  if (context['contextActivities'] !== undefined)
    validateContextActivities(context['contextActivities'], propertyPath(path, 'contextActivities'))
  for (const key of ['revision', 'platform'] as const) {
    if (context[key] === undefined) continue
    expectString(context[key], propertyPath(path, key))
    if (!objectIsActivity)
      throw InvalidStatementError(
        propertyPath(path, key),
        "may only be used when the statement's object is an Activity (Data §2.4.6, XAPI-00084, XAPI-00085)",
      )
  }
  if (context['language'] !== undefined)
    expectLanguageTag(context['language'], propertyPath(path, 'language'))
  if (context['statement'] !== undefined)
    validateStatementRef(context['statement'], propertyPath(path, 'statement'))
  if (context['extensions'] !== undefined)
    expectExtensions(context['extensions'], propertyPath(path, 'extensions'))
  if (context['contextAgents'] !== undefined)
    validateContextAgents(context['contextAgents'], propertyPath(path, 'contextAgents'))
  if (context['contextGroups'] !== undefined)
    validateContextGroups(context['contextGroups'], propertyPath(path, 'contextGroups'))
}

/**
 * A Statement Reference (Data §2.4.4.3): objectType `StatementRef` is required and `id` is a
 * UUID (XAPI-00072, XAPI-00073). Also the type of `context.statement` (XAPI-00092).
 */
export function validateStatementRef(value: unknown, path: string): void {
  const ref = expectObject(value, path, 'a StatementRef', STATEMENT_REF_KEYS)
  if (ref['objectType'] !== 'StatementRef')
    throw InvalidStatementError(
      propertyPath(path, 'objectType'),
      "must be 'StatementRef' (Data §2.4.4.3, XAPI-00073)",
    )
  expectUuid(required(ref, 'id', path, 'Data §2.4.4.3, XAPI-00072'), propertyPath(path, 'id'))
}

/**
 * contextActivities: keys parent/grouping/category/other (XAPI-00093), each an Activity or an
 * array of Activities (XAPI-00094). The single-object form is accepted; `normalizeContextActivities`
 * turns it into an array, as the LRS must return (Data §2.4.6.2, XAPI-00096).
 */
function validateContextActivities(value: unknown, path: string): void {
  const activities = expectObject(value, path, 'a contextActivities', CONTEXT_ACTIVITIES_KEYS)
  for (const [kind, entry] of Object.entries(activities)) {
    const kindPath = propertyPath(path, kind)
    if (Array.isArray(entry))
      entry.forEach((item, index) => validateActivity(item, itemPath(kindPath, index)))
    else validateActivity(entry, kindPath)
  }
}

/** xAPI 2.0 contextAgents: `{ objectType: 'contextAgent', agent, relevantTypes? }` items. */
function validateContextAgents(value: unknown, path: string): void {
  expectArray(value, path).forEach((item, index) => {
    const itemAt = itemPath(path, index)
    const entry = expectObject(item, itemAt, 'a contextAgent', CONTEXT_AGENT_KEYS)
    if (entry['objectType'] !== 'contextAgent')
      throw InvalidStatementError(
        propertyPath(itemAt, 'objectType'),
        "must be 'contextAgent' (xAPI 2.0 Context)",
      )
    validateAgent(
      required(entry, 'agent', itemAt, 'xAPI 2.0 Context'),
      propertyPath(itemAt, 'agent'),
    )
    validateRelevantTypes(entry, itemAt)
  })
}

/** xAPI 2.0 contextGroups: `{ objectType: 'contextGroup', group, relevantTypes? }` items. */
function validateContextGroups(value: unknown, path: string): void {
  expectArray(value, path).forEach((item, index) => {
    const itemAt = itemPath(path, index)
    const entry = expectObject(item, itemAt, 'a contextGroup', CONTEXT_GROUP_KEYS)
    if (entry['objectType'] !== 'contextGroup')
      throw InvalidStatementError(
        propertyPath(itemAt, 'objectType'),
        "must be 'contextGroup' (xAPI 2.0 Context)",
      )
    validateGroup(
      required(entry, 'group', itemAt, 'xAPI 2.0 Context'),
      propertyPath(itemAt, 'group'),
    )
    validateRelevantTypes(entry, itemAt)
  })
}

/** relevantTypes, when present, is a non-empty array of IRIs (xAPI 2.0 Context). */
function validateRelevantTypes(entry: JsonObject, path: string): void {
  if (entry['relevantTypes'] === undefined) return
  const typesPath = propertyPath(path, 'relevantTypes')
  const types = expectArray(entry['relevantTypes'], typesPath)
  if (types.length === 0)
    throw InvalidStatementError(
      typesPath,
      'must contain at least one IRI when present (xAPI 2.0 Context)',
    )
  types.forEach((type, index) => expectIri(type, itemPath(typesPath, index)))
}

/**
 * Returns contextActivities with every value as an array (Data §2.4.6.2: "The LRS MUST return
 * every value in the contextActivities Object as an array"). Expects a validated value.
 */
export function normalizeContextActivities(value: unknown): ContextActivities {
  if (!isJsonObject(value)) return {}
  const normalized: Record<string, unknown[]> = {}
  for (const [kind, entry] of Object.entries(value))
    normalized[kind] = Array.isArray(entry) ? entry : [entry]
  return normalized
}
