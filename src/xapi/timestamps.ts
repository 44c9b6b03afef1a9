/** @module ISO 8601 / RFC 3339 timestamps (Data §4.5): parsing, validation and conversion to UTC. */
import { BadRequestError } from '../errors/errors.js'

/** A timestamp resolved to a point in time, keeping digits finer than a millisecond. */
export interface ParsedTimestamp {
  /** Milliseconds since the epoch (UTC), truncated to the millisecond. */
  epochMillis: number
  /** Fraction digits beyond the third (e.g. `4567` for `.1234567`), trailing zeros removed. */
  subMillis: string
}

// Extended (`2008-09-15T15:53:00.601+00:00`) and basic (`20080915T155300.601Z`) ISO 8601
// forms. Seconds, fraction and zone are optional in ISO 8601; a missing zone is read as UTC.
const EXTENDED =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]+))?)?([Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?$/
const BASIC =
  /^([0-9]{4})([0-9]{2})([0-9]{2})[Tt]([0-9]{2})([0-9]{2})(?:([0-9]{2})(?:[.,]([0-9]+))?)?([Zz]|[+-][0-9]{2}(?:[0-9]{2})?)?$/

/**
 * Parses a timestamp, or returns undefined when it is not a valid one. Invalid: impossible dates
 * (`2015-02-30`), hours above 23, and the "unknown local offset" forms `-00`, `-0000`, `-00:00`,
 * which RFC 3339 §4.3 reserves and xAPI 2.0 rejects (ADL suite timestamps.js, XAPI-00123).
 */
export function parseTimestamp(value: string): ParsedTimestamp | undefined {
  const match = EXTENDED.exec(value) ?? BASIC.exec(value)
  if (match === null) return undefined
  const [, year, month, day, hour, minute, second, fraction, zone] = match
  const offset = parseOffset(zone)
  if (offset === undefined) return undefined
  const y = Number(year)
  const mo = Number(month)
  const d = Number(day)
  const h = Number(hour)
  const mi = Number(minute)
  const s = second === undefined ? 0 : Number(second)
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined
  const digits = fraction ?? ''
  const date = new Date(0)
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0-99 to 1900-1999.
  date.setUTCFullYear(y, mo - 1, d)
  if (date.getUTCDate() !== d) return undefined
  date.setUTCHours(h, mi, s, Number(digits.slice(0, 3).padEnd(3, '0')))
  const epochMillis = date.getTime() - offset * 60_000
  const utcYear = new Date(epochMillis).getUTCFullYear()
  if (utcYear < 0 || utcYear > 9999) return undefined
  return { epochMillis, subMillis: digits.slice(3).replace(/0+$/, '') }
}

/** Minutes east of UTC; undefined for a malformed or negative-zero offset. */
function parseOffset(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === 'Z' || zone === 'z') return 0
  const sign = zone.startsWith('-') ? -1 : 1
  const digits = zone.slice(1).replace(':', '')
  const hours = Number(digits.slice(0, 2))
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0
  if (hours > 23 || minutes > 59) return undefined
  if (sign === -1 && hours === 0 && minutes === 0) return undefined
  return sign * (hours * 60 + minutes)
}

/** True for a timestamp `parseTimestamp` accepts (Data §4.5). */
export function isTimestamp(value: string): boolean {
  return parseTimestamp(value) !== undefined
}

/** `YYYY-MM-DDTHH:mm:ss.sssZ`, the form `toUtcTimestamp` returns. */
const CANONICAL = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$/

/**
 * Converts a valid timestamp to UTC in the form `YYYY-MM-DDTHH:mm:ss.sssZ` (Data §4.5: "The LRS
 * SHOULD* return the Timestamp in UTC"; xAPI 2.0 returns timestamps converted to UTC).
 *
 * Precision: by default the value is truncated to the millisecond, which Data §4.5 allows ("MAY
 * be truncated or rounded to a precision of at least 3 decimal digits"). Every result then has
 * the same length, so results compare correctly as text, and `since`/`until` bounds compared with
 * `stored` (millisecond precision) give exactly the answers the full value would. Pass
 * `'preserve'` to keep digits beyond the millisecond (`.1234567` stays `.1234567`, trailing zeros
 * dropped), e.g. to return a statement's timestamp with all the precision it was sent with.
 *
 * Throws BadRequestError for an invalid timestamp; validate parameters with `isTimestamp` first.
 */
export function toUtcTimestamp(value: string, precision: 'millis' | 'preserve' = 'millis'): string {
  // Most clients send the result form already (`Date.prototype.toISOString`). It is its own
  // result exactly when it is a valid timestamp, which the round trip through Date decides:
  // an impossible date or hour 24 does not come back as the same text, and takes the full path
  // below (which rejects it). Every ingested statement's timestamp comes through here.
  if (value.length === 24 && CANONICAL.test(value)) {
    // Date.parse gives NaN for some impossible dates (`06-31`) and rolls others over (`02-29`).
    const ms = Date.parse(value)
    if (!Number.isNaN(ms) && new Date(ms).toISOString() === value) return value
  }
  const parsed = parseTimestamp(value)
  if (parsed === undefined)
    throw BadRequestError(`'${value}' is not an ISO 8601 timestamp (Data §4.5)`)
  const iso = new Date(parsed.epochMillis).toISOString()
  if (precision === 'millis' || parsed.subMillis === '') return iso
  return `${iso.slice(0, -1)}${parsed.subMillis}Z`
}
