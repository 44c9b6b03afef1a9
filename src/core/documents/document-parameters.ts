/** @module Parses and checks the query parameters of the document resources (Communication §2.3, §2.6, §2.7). */
import { InvalidParameterError } from '../../errors/errors.js'
import { isIri, isUuid } from '../../xapi/formats.js'
import { ifiKey } from '../../xapi/ifi.js'
import { parseAgentParameter } from '../../xapi/parse-agent-parameter.js'
import { isTimestamp, toUtcTimestamp } from '../../xapi/timestamps.js'
import type { XapiVersion } from '../../xapi/versions.js'
import type { DocumentKey, DocumentScope } from '../../storage/ports.js'
import type { DocumentParameters, DocumentResource } from '../lrs.js'

/** Which parameters address a document of each resource (the tables of §2.3, §2.6 and §2.7). */
interface ResourceShape {
  activityId: boolean
  agent: boolean
  registration: boolean
  idName: 'stateId' | 'profileId'
}

const SHAPES: Readonly<Record<DocumentResource, ResourceShape>> = {
  state: { activityId: true, agent: true, registration: true, idName: 'stateId' },
  activityProfile: { activityId: true, agent: false, registration: false, idName: 'profileId' },
  agentProfile: { activityId: false, agent: true, registration: false, idName: 'profileId' },
}

/** The name of the document id parameter of a resource, for messages. */
export function documentIdName(resource: DocumentResource): 'stateId' | 'profileId' {
  return SHAPES[resource].idName
}

/**
 * Rejects a parameter the resource does not define, and any whose case differs, with 400
 * (Communication §3.2, XAPI-00324, XAPI-00325).
 */
export function rejectUnknownParameters(
  parameters: DocumentParameters,
  allowed: readonly string[],
): void {
  for (const name of Object.keys(parameters)) {
    if (!allowed.includes(name))
      throw InvalidParameterError(
        name,
        `is not a parameter of this resource; expected ${allowed.join(', ')}`,
      )
  }
}

/** A parameter that must be present and non-empty. */
export function requireParameter(parameters: DocumentParameters, name: string): string {
  const value = parameters[name]
  if (value === undefined || value === '') throw InvalidParameterError(name, 'is required')
  return value
}

/** The `activityId` parameter: required, an absolute IRI (Communication §2.3 table, Data §2.4.4.1). */
export function parseActivityIdParameter(parameters: DocumentParameters): string {
  const value = requireParameter(parameters, 'activityId')
  if (!isIri(value))
    throw InvalidParameterError('activityId', `must be an absolute IRI, got '${value}'`)
  return value
}

/**
 * The canonical IFI key of the required `agent` parameter: a JSON Agent (or identified Group,
 * which xAPI 2.0 allows) with exactly one IFI; malformed JSON or structure is a 400 (XAPI-00196…
 * XAPI-00199, XAPI-00235, XAPI-00255…XAPI-00258).
 */
export function parseAgentIfiParameter(
  parameters: DocumentParameters,
  version: XapiVersion,
): string {
  const agent = parseAgentParameter(requireParameter(parameters, 'agent'), 'agent', version)
  const ifi = ifiKey(agent)
  if (ifi === undefined)
    throw InvalidParameterError('agent', 'must identify an Agent by exactly one IFI')
  return ifi
}

function parseRegistration(parameters: DocumentParameters): string | undefined {
  const value = parameters['registration']
  if (value === undefined) return undefined
  // XAPI-00200…XAPI-00203: a registration that is not a UUID is a 400.
  if (!isUuid(value)) throw InvalidParameterError('registration', `must be a UUID, got '${value}'`)
  return value.toLowerCase()
}

/** The parameter names each resource accepts. */
export function documentParameterNames(resource: DocumentResource): string[] {
  const shape = SHAPES[resource]
  return [
    ...(shape.activityId ? ['activityId'] : []),
    ...(shape.agent ? ['agent'] : []),
    ...(shape.registration ? ['registration'] : []),
    shape.idName,
    'since',
  ]
}

/** The set of documents the parameters address, without their id (checks every part). */
export function parseDocumentScope(
  resource: DocumentResource,
  parameters: DocumentParameters,
  version: XapiVersion,
): DocumentScope {
  rejectUnknownParameters(parameters, documentParameterNames(resource))
  const shape = SHAPES[resource]
  return {
    kind: resource,
    activityId: shape.activityId ? parseActivityIdParameter(parameters) : undefined,
    agentIfi: shape.agent ? parseAgentIfiParameter(parameters, version) : undefined,
    registration: shape.registration ? parseRegistration(parameters) : undefined,
  }
}

/** The `stateId` / `profileId`, or undefined when the request addresses every document in scope. */
export function parseDocumentId(
  resource: DocumentResource,
  parameters: DocumentParameters,
): string | undefined {
  const value = parameters[SHAPES[resource].idName]
  return value === undefined || value === '' ? undefined : value
}

/** The full key of one document; the id is required (XAPI-00206, XAPI-00211, XAPI-00265…XAPI-00267). */
export function parseDocumentKey(
  resource: DocumentResource,
  parameters: DocumentParameters,
  version: XapiVersion,
): DocumentKey {
  const scope = parseDocumentScope(resource, parameters, version)
  return { ...scope, documentId: requireParameter(parameters, SHAPES[resource].idName) }
}

/**
 * The `since` bound of an id list, in UTC with millisecond precision to compare with `updated`;
 * anything but a timestamp is a 400 (XAPI-00204, XAPI-00260, XAPI-00295).
 */
export function parseSince(parameters: DocumentParameters): string | undefined {
  const value = parameters['since']
  if (value === undefined) return undefined
  if (!isTimestamp(value))
    throw InvalidParameterError('since', `must be an ISO 8601 timestamp, got '${value}'`)
  return toUtcTimestamp(value, 'millis')
}
