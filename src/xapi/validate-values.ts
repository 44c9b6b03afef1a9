/**
 * @module Shared checks of statement validation: JSON types, allowed keys and the special value
 * types of Data §4, each throwing InvalidStatementError with the offending property path.
 */
import { InvalidStatementError } from '../errors/errors.js'
import { isIri, isIrl, isLanguageTag, isUuid } from './formats.js'
import { isTimestamp } from './timestamps.js'
import type { XapiVersion } from './versions.js'

/** A parsed JSON object. */
export type JsonObject = Record<string, unknown>

/** What every validator needs to know besides the value and its path. */
export interface ValidationContext {
  /** The rule set of the request (xAPI 2.0 adds contextAgents/contextGroups and version 2.0.x). */
  version: XapiVersion
}

/** `context` + `instructor` → `context.instructor`; the root path is ''. */
export function propertyPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`
}

/** `member` + 2 → `member[2]`. */
export function itemPath(path: string, index: number): string {
  return `${path}[${index}]`
}

/** A map key that is not an identifier (an IRI, a language tag): `extensions["http://…"]`. */
export function keyPath(path: string, key: string): string {
  return `${path}[${JSON.stringify(key)}]`
}

/** True for a JSON object: not null, not an array. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Names the JSON type of a wrong value, for messages. */
function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

/**
 * Checks that `value` is an object whose keys are all in `allowed` (Data §2.2: reject a key "not
 * allowed by this specification" and keys whose case does not match). `what` names the object
 * in messages ("an Agent").
 */
export function expectObject(
  value: unknown,
  path: string,
  what: string,
  allowed: ReadonlySet<string>,
): JsonObject {
  if (!isJsonObject(value))
    throw InvalidStatementError(path, `must be ${what} object, not ${typeName(value)} (Data §2.2)`)
  for (const key of Object.keys(value)) {
    if (!allowed.has(key))
      throw InvalidStatementError(
        propertyPath(path, key),
        `is not a property of ${what}; properties the specification does not define are rejected (Data §2.2)`,
      )
  }
  return value
}

/** Rejects a missing property. */
export function required(object: JsonObject, key: string, path: string, section: string): unknown {
  const value = object[key]
  if (value === undefined)
    throw InvalidStatementError(propertyPath(path, key), `is required (${section})`)
  return value
}

/** A string; null and other types are rejected (Data §2.2: "with any null values", wrong types). */
export function expectString(value: unknown, path: string): string {
  if (typeof value !== 'string')
    throw InvalidStatementError(path, `must be a string, not ${typeName(value)} (Data §2.2)`)
  return value
}

export function expectBoolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean')
    throw InvalidStatementError(path, `must be a boolean, not ${typeName(value)} (Data §2.2)`)
  return value
}

export function expectNumber(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw InvalidStatementError(path, `must be a number, not ${typeName(value)} (Data §2.2)`)
  return value
}

export function expectArray(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value))
    throw InvalidStatementError(path, `must be an array, not ${typeName(value)} (Data §2.2)`)
  return value
}

/** An absolute IRI (Data §2.2, §4.3). */
export function expectIri(value: unknown, path: string): string {
  const text = expectString(value, path)
  if (!isIri(text))
    throw InvalidStatementError(path, 'must be an absolute IRI with a scheme (Data §2.2, §4.3)')
  return text
}

/** An absolute IRL (Data §2.2). */
export function expectIrl(value: unknown, path: string): string {
  const text = expectString(value, path)
  if (!isIrl(text))
    throw InvalidStatementError(path, 'must be an absolute IRL with a scheme (Data §2.2, §4.3)')
  return text
}

/** A UUID in standard string form (Data §4.4). */
export function expectUuid(value: unknown, path: string): string {
  const text = expectString(value, path)
  if (!isUuid(text))
    throw InvalidStatementError(path, 'must be a UUID in standard string form (Data §4.4)')
  return text
}

/** An ISO 8601 timestamp; `-00:00`-style offsets are rejected (Data §4.5, RFC 3339, XAPI-00123). */
export function expectTimestamp(value: unknown, path: string): string {
  const text = expectString(value, path)
  if (!isTimestamp(text))
    throw InvalidStatementError(path, 'must be an ISO 8601 / RFC 3339 timestamp (Data §4.5)')
  return text
}

/** An RFC 5646 language tag (Data §2.2, §4.2). */
export function expectLanguageTag(value: unknown, path: string): string {
  const text = expectString(value, path)
  if (!isLanguageTag(text))
    throw InvalidStatementError(path, 'must be an RFC 5646 language tag (Data §4.2)')
  return text
}

/** A language map: RFC 5646 tags to strings (Data §4.2). */
export function expectLanguageMap(value: unknown, path: string): void {
  if (!isJsonObject(value))
    throw InvalidStatementError(
      path,
      `must be a language map object, not ${typeName(value)} (Data §4.2)`,
    )
  for (const [tag, text] of Object.entries(value)) {
    const entryPath = keyPath(path, tag)
    if (!isLanguageTag(tag))
      throw InvalidStatementError(entryPath, 'is not an RFC 5646 language tag (Data §2.2, §4.2)')
    expectString(text, entryPath)
  }
}

/**
 * An extensions map: IRI keys to any JSON value, null included (Data §4.1: "The keys of an
 * extensions map MUST be IRIs"; "An LRS MUST NOT reject a Statement based on the values").
 */
export function expectExtensions(value: unknown, path: string): void {
  if (!isJsonObject(value))
    throw InvalidStatementError(
      path,
      `must be an extensions object, not ${typeName(value)} (Data §4.1)`,
    )
  for (const key of Object.keys(value)) {
    if (!isIri(key))
      throw InvalidStatementError(keyPath(path, key), 'extension keys must be IRIs (Data §4.1)')
  }
}
