/** @module Validation of Agents, Groups and their Inverse Functional Identifiers (Data §2.4.2). */
import { InvalidStatementError } from '../errors/errors.js'
import { isMailtoIri, isSha1Hex } from './formats.js'
import type { Agent, Group } from './types.js'
import {
  expectArray,
  expectIri,
  expectIrl,
  expectObject,
  expectString,
  itemPath,
  propertyPath,
  required,
  type JsonObject,
} from './validate-values.js'

const IFI_KEYS = ['mbox', 'mbox_sha1sum', 'openid', 'account'] as const
const AGENT_KEYS: ReadonlySet<string> = new Set(['objectType', 'name', ...IFI_KEYS])
const GROUP_KEYS: ReadonlySet<string> = new Set(['objectType', 'name', 'member', ...IFI_KEYS])
const ACCOUNT_KEYS: ReadonlySet<string> = new Set(['homePage', 'name'])

/**
 * An Agent or a Group wherever an actor may appear: `actor`, `context.instructor`, `authority`,
 * an object with objectType Agent/Group (Data §2.4.2). objectType is case sensitive: `agent` and
 * `group` are rejected (Data §2.2, XAPI-00031).
 */
export function validateActor(value: unknown, path: string): Agent | Group {
  const objectType = peekObjectType(value)
  if (objectType === 'Group') return validateGroup(value, path)
  if (objectType === undefined || objectType === 'Agent') return validateAgent(value, path)
  throw InvalidStatementError(
    propertyPath(path, 'objectType'),
    "must be 'Agent' or 'Group' (case sensitive; Data §2.4.2, XAPI-00031)",
  )
}

/** The objectType of a value that may not be an object (checked later by the caller). */
export function peekObjectType(value: unknown): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)['objectType']
    : undefined
}

/**
 * An Agent: exactly one IFI (Data §2.4.2.1: "MUST be identified by one (1) of the four types of
 * Inverse Functional Identifiers … MUST NOT include more than one"), objectType `Agent` if present.
 */
export function validateAgent(value: unknown, path: string): Agent {
  const objectType = peekObjectType(value)
  if (objectType !== undefined && objectType !== 'Agent')
    throw InvalidStatementError(propertyPath(path, 'objectType'), "must be 'Agent' (Data §2.4.2.1)")
  const agent = expectObject(value, path, 'an Agent', AGENT_KEYS)
  if (agent['name'] !== undefined) expectString(agent['name'], propertyPath(path, 'name'))
  if (validateIfis(agent, path) === 0)
    throw InvalidStatementError(
      path,
      'an Agent must have exactly one of mbox, mbox_sha1sum, openid or account (Data §2.4.2.1, XAPI-00034)',
    )
  return agent
}

/**
 * A Group (Data §2.4.2.2): identified by at most one IFI; an anonymous group (no IFI) must list
 * its members; members are Agents, never Groups.
 */
export function validateGroup(value: unknown, path: string): Group {
  const group = expectObject(value, path, 'a Group', GROUP_KEYS)
  if (group['objectType'] !== 'Group')
    throw InvalidStatementError(propertyPath(path, 'objectType'), "must be 'Group' (Data §2.4.2.2)")
  if (group['name'] !== undefined) expectString(group['name'], propertyPath(path, 'name'))
  const identified = validateIfis(group, path) === 1
  const member = group['member']
  if (member === undefined) {
    if (!identified)
      throw InvalidStatementError(
        propertyPath(path, 'member'),
        'is required on an anonymous Group (one without an IFI) (Data §2.4.2.2, XAPI-00037)',
      )
    return group as unknown as Group
  }
  const members = expectArray(member, propertyPath(path, 'member'))
  if (!identified && members.length === 0)
    throw InvalidStatementError(
      propertyPath(path, 'member'),
      'must list at least one Agent on an anonymous Group (Data §2.4.2.2, XAPI-00037)',
    )
  members.forEach((item, index) => {
    const memberPath = itemPath(propertyPath(path, 'member'), index)
    if (peekObjectType(item) === 'Group')
      throw InvalidStatementError(
        propertyPath(memberPath, 'objectType'),
        'a Group must not contain Group objects in member (Data §2.4.2.2, XAPI-00036)',
      )
    validateAgent(item, memberPath)
  })
  return group as unknown as Group
}

/** Validates each IFI present and returns how many there are; more than one is rejected. */
function validateIfis(object: JsonObject, path: string): number {
  const present = IFI_KEYS.filter((key) => object[key] !== undefined)
  if (present.length > 1)
    throw InvalidStatementError(
      path,
      `must not have more than one Inverse Functional Identifier, found ${present.join(', ')} (Data §2.4.2.1, XAPI-00034)`,
    )
  const [key] = present
  if (key === 'mbox') {
    const mbox = expectString(object['mbox'], propertyPath(path, 'mbox'))
    if (!isMailtoIri(mbox))
      throw InvalidStatementError(
        propertyPath(path, 'mbox'),
        "must be a mailto IRI of the form 'mailto:name@domain' (Data §2.4.2.3, XAPI-00038)",
      )
  } else if (key === 'mbox_sha1sum') {
    const sum = expectString(object['mbox_sha1sum'], propertyPath(path, 'mbox_sha1sum'))
    if (!isSha1Hex(sum))
      throw InvalidStatementError(
        propertyPath(path, 'mbox_sha1sum'),
        'must be the hex-encoded SHA-1 of a mailto IRI (Data §2.4.2.3, XAPI-00039)',
      )
  } else if (key === 'openid') {
    expectIri(object['openid'], propertyPath(path, 'openid')) // XAPI-00040
  } else if (key === 'account') {
    validateAccount(object['account'], propertyPath(path, 'account'))
  }
  return present.length
}

/** An Account object (XAPI-00041): homePage IRL and name string, both required (Data §2.4.2.4). */
function validateAccount(value: unknown, path: string): void {
  const account = expectObject(value, path, 'an Account', ACCOUNT_KEYS)
  expectIrl(
    required(account, 'homePage', path, 'Data §2.4.2.4, XAPI-00042'),
    propertyPath(path, 'homePage'),
  )
  expectString(
    required(account, 'name', path, 'Data §2.4.2.4, XAPI-00043'),
    propertyPath(path, 'name'),
  )
}
