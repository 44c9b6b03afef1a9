/** @module xAPI version negotiation (Communication §3.3): which rule set a request is served under. */
import { MissingVersionError, UnsupportedVersionError } from '../errors/errors.js'

/** The two rule sets Almanac serves; a request's header selects one. */
export type XapiVersion = '1.0.3' | '2.0.0'

export const SUPPORTED_VERSIONS: readonly XapiVersion[] = ['1.0.3', '2.0.0']

/** The version answered when a response has no request version to echo (e.g. `/about`). */
export const LATEST_VERSION: XapiVersion = '2.0.0'

/**
 * Maps an `X-Experience-API-Version` header to the rule set that serves it.
 * 1.0.0–1.0.3 are patch versions of one standard and are served by the 1.0.3 rules;
 * 2.0.x by the 2.0 rules. Anything else is rejected with 400.
 */
export function parseVersionHeader(header: string | undefined | null): XapiVersion {
  if (header === undefined || header === null || header.trim() === '') throw MissingVersionError()
  const value = header.trim()
  if (/^1\.0(\.[0-9]+)?$/.test(value)) return '1.0.3'
  if (/^2\.0(\.[0-9]+)?$/.test(value)) return '2.0.0'
  throw UnsupportedVersionError(value)
}
