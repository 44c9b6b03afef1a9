/** @module The `agent` query parameter (Communication §2.1.3, §2.3–2.6): JSON text to a validated Agent or Group. */
import { InvalidParameterError, InvalidStatementError } from '../errors/errors.js'
import { jsonDepth, MAX_JSON_DEPTH } from './json-depth.js'
import { ifiKey } from './ifi.js'
import type { Agent, Group } from './types.js'
import { validateActor } from './validate-actor.js'
import type { XapiVersion } from './versions.js'

/**
 * Parses and validates an `agent` parameter: an Agent or an identified Group, validated "to the
 * same standards required for values of the same types in Statements" (Data §2.2, XAPI-00012).
 * An anonymous Group has no IFI to filter or key documents by, so it is rejected.
 * Failures throw InvalidParameterError(name, rule), e.g. for `not JSON` (XAPI-00199) or an
 * agent without an IFI (XAPI-00249).
 *
 * The Agent rules are the same in 1.0.3 and 2.0; `_version` keeps the call shape of the other rules.
 */
export function parseAgentParameter(
  json: string,
  name: string,
  _version: XapiVersion,
): Agent | Group {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    throw InvalidParameterError(
      name,
      'must be an Agent or identified Group as JSON, and is not valid JSON',
    )
  }
  if (jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH)
    throw InvalidParameterError(
      name,
      `nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep (docs/security.md, "Input limits")`,
    )
  let actor: Agent | Group
  try {
    actor = validateActor(value, '')
  } catch (error: unknown) {
    if (InvalidStatementError.is(error)) throw InvalidParameterError(name, error.message)
    throw error
  }
  if (ifiKey(actor) === undefined)
    throw InvalidParameterError(
      name,
      'must identify an Agent or Group by an IFI; an anonymous Group cannot be used here (Data §2.4.2.3)',
    )
  return actor
}
