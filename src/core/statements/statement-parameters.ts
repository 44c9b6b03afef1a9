/** @module Parses and checks the query parameters of the Statement resource (Communication §2.1.3). */
import { InvalidParameterError } from '../../errors/errors.js'
import { ifiKey } from '../../xapi/ifi.js'
import { parseAgentParameter } from '../../xapi/parse-agent-parameter.js'
import { isIri, isUuid } from '../../xapi/formats.js'
import { toUtcTimestamp } from '../../xapi/timestamps.js'
import type { XapiVersion } from '../../xapi/versions.js'
import type { StatementQuery } from '../../storage/ports.js'
import type { StatementFormat, StatementQueryParameters } from '../lrs.js'

/** Parameters of a filtered GET; names are case-sensitive (XAPI-00325). */
const QUERY_PARAMETERS = new Set([
  'agent',
  'verb',
  'activity',
  'registration',
  'related_activities',
  'related_agents',
  'since',
  'until',
  'limit',
  'format',
  'attachments',
  'ascending',
])

/** With statementId or voidedStatementId, only these may accompany it (Communication §2.1.3). */
const SINGLE_PARAMETERS = new Set(['statementId', 'voidedStatementId', 'format', 'attachments'])

export interface SingleStatementRequest {
  id: string
  voided: boolean
  format: StatementFormat
  attachments: boolean
}

export interface StatementQueryRequest {
  /** The storage query without paging state; `limit` is the effective page size. */
  query: StatementQuery
  format: StatementFormat
  attachments: boolean
}

function rejectUnknown(parameters: StatementQueryParameters, allowed: ReadonlySet<string>): void {
  for (const name of Object.keys(parameters)) {
    if (!allowed.has(name))
      throw InvalidParameterError(
        name,
        'is not a parameter of this request (XAPI-00324, names are case-sensitive)',
      )
  }
}

function parseBoolean(parameters: StatementQueryParameters, name: string): boolean {
  const value = parameters[name]
  if (value === undefined) return false
  if (value === 'true') return true
  if (value === 'false') return false
  throw InvalidParameterError(name, `must be 'true' or 'false', got '${value}'`)
}

function parseFormat(parameters: StatementQueryParameters): StatementFormat {
  const value = parameters['format'] ?? 'exact'
  if (value === 'exact' || value === 'ids' || value === 'canonical') return value
  throw InvalidParameterError('format', `must be 'exact', 'ids' or 'canonical', got '${value}'`)
}

function parseTimestamp(parameters: StatementQueryParameters, name: string): string | undefined {
  const value = parameters[name]
  if (value === undefined) return undefined
  try {
    return toUtcTimestamp(value)
  } catch {
    throw InvalidParameterError(name, `must be an ISO 8601 timestamp, got '${value}'`)
  }
}

function parseIri(parameters: StatementQueryParameters, name: string): string | undefined {
  const value = parameters[name]
  if (value === undefined) return undefined
  if (!isIri(value)) throw InvalidParameterError(name, `must be an absolute IRI, got '${value}'`)
  return value
}

function parseUuidParameter(
  parameters: StatementQueryParameters,
  name: string,
): string | undefined {
  const value = parameters[name]
  if (value === undefined) return undefined
  if (!isUuid(value)) throw InvalidParameterError(name, `must be a UUID, got '${value}'`)
  return value.toLowerCase()
}

/** True when the request asks for one statement rather than a filtered list. */
export function isSingleStatementRequest(parameters: StatementQueryParameters): boolean {
  return 'statementId' in parameters || 'voidedStatementId' in parameters
}

export function parseSingleStatementRequest(
  parameters: StatementQueryParameters,
): SingleStatementRequest {
  rejectUnknown(parameters, SINGLE_PARAMETERS)
  if ('statementId' in parameters && 'voidedStatementId' in parameters)
    throw InvalidParameterError('voidedStatementId', 'cannot be combined with statementId')
  const voided = 'voidedStatementId' in parameters
  const name = voided ? 'voidedStatementId' : 'statementId'
  const id = parseUuidParameter(parameters, name)
  if (id === undefined) throw InvalidParameterError(name, 'is required')
  return {
    id,
    voided,
    format: parseFormat(parameters),
    attachments: parseBoolean(parameters, 'attachments'),
  }
}

export function parseStatementQueryRequest(
  parameters: StatementQueryParameters,
  version: XapiVersion,
  maxLimit: number,
): StatementQueryRequest {
  rejectUnknown(parameters, QUERY_PARAMETERS)
  const limitText = parameters['limit']
  let limit = maxLimit
  if (limitText !== undefined) {
    if (!/^[0-9]+$/.test(limitText))
      throw InvalidParameterError('limit', `must be a non-negative integer, got '${limitText}'`)
    const requested = Number(limitText)
    // limit=0 means "the server's maximum" (Communication §2.1.3).
    limit = requested === 0 ? maxLimit : Math.min(requested, maxLimit)
  }
  const agentText = parameters['agent']
  const agentIfi =
    agentText === undefined ? undefined : ifiKey(parseAgentParameter(agentText, 'agent', version))
  if (agentText !== undefined && agentIfi === undefined)
    throw InvalidParameterError('agent', 'must identify an Agent or identified Group by one IFI')

  const query: StatementQuery = {
    relatedActivities: parseBoolean(parameters, 'related_activities'),
    relatedAgents: parseBoolean(parameters, 'related_agents'),
    ascending: parseBoolean(parameters, 'ascending'),
    limit,
  }
  const verbId = parseIri(parameters, 'verb')
  const activityId = parseIri(parameters, 'activity')
  const registration = parseUuidParameter(parameters, 'registration')
  const since = parseTimestamp(parameters, 'since')
  const until = parseTimestamp(parameters, 'until')
  if (agentIfi !== undefined) query.agentIfi = agentIfi
  if (verbId !== undefined) query.verbId = verbId
  if (activityId !== undefined) query.activityId = activityId
  if (registration !== undefined) query.registration = registration
  if (since !== undefined) query.since = since
  if (until !== undefined) query.until = until
  return {
    query,
    format: parseFormat(parameters),
    attachments: parseBoolean(parameters, 'attachments'),
  }
}
