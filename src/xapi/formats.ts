/** @module Format predicates for the xAPI value types of Data §4 (IRI, UUID, mailto, hashes, language tags, durations). */

/**
 * An absolute IRI (Data §2.2: "containing IRL or IRI values without a scheme" are rejected; §4.3).
 * Best-effort, as Data §2.2 allows: a RFC 3986 scheme, a colon, a non-empty rest, and none of the
 * characters RFC 3987 never allows unescaped (spaces, controls, `<>"{}|\^` and backtick).
 * `ab=c://x` fails because `=` cannot appear in a scheme; `example.com/x` fails for lack of one.
 */
export function isIri(value: string): boolean {
  return IRI.test(value)
}
const IRI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|\\^`\p{Cc}]+$/u

/** An IRL is an IRI meant to be resolvable; validation is the same best-effort check (Data §2.2). */
export const isIrl = isIri

/**
 * A `mailto:` IRI naming one email address (Data §2.4.2.3 mbox: "mailto:email address").
 * `mailto:should.fail.com` fails: there is no `@` (XAPI-00038).
 */
export function isMailtoIri(value: string): boolean {
  return MAILTO.test(value)
}
const MAILTO = /^mailto:[^\s@<>"]+@[^\s@<>"]+$/

/** A UUID in the standard 8-4-4-4-12 hex string form; hex digits in either case (Data §4.4). */
export function isUuid(value: string): boolean {
  return UUID.test(value)
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The hex SHA-1 of a mailto IRI (Data §2.4.2.3 mbox_sha1sum). */
export function isSha1Hex(value: string): boolean {
  return /^[0-9a-f]{40}$/i.test(value)
}

/**
 * The hex digest of a SHA-2 function: SHA-224, -256, -384 or -512 (Data §2.4.11 sha2;
 * Communication §1.5.2 sends it as `X-Experience-API-Hash`).
 */
export function isSha2Hex(value: string): boolean {
  return /^(?:[0-9a-f]{56}|[0-9a-f]{64}|[0-9a-f]{96}|[0-9a-f]{128})$/i.test(value)
}

/**
 * An RFC 5646 language tag (Data §2.2: "the LRS MUST at least validate that the sequence of token
 * lengths for language map keys matches the RFC 5646 standard"). The regular expression follows the
 * ABNF of RFC 5646 §2.1 (langtag / privateuse / grandfathered), case-insensitively.
 */
export function isLanguageTag(value: string): boolean {
  return LANGTAG.test(value) || GRANDFATHERED.has(value.toLowerCase())
}
const LANGTAG = new RegExp(
  '^(?:' +
    // language: 2-3 letters with up to three extlangs, or 4, or 5-8 letters
    '(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})' +
    '(?:-[a-z]{4})?' + // script
    '(?:-(?:[a-z]{2}|[0-9]{3}))?' + // region
    '(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*' + // variants
    '(?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*' + // extensions
    '(?:-x(?:-[a-z0-9]{1,8})+)?' + // private use suffix
    '|x(?:-[a-z0-9]{1,8})+' + // a private use tag alone
    ')$',
  'i',
)
const GRANDFATHERED = new Set([
  'en-gb-oed',
  'i-ami',
  'i-bnn',
  'i-default',
  'i-enochian',
  'i-hak',
  'i-klingon',
  'i-lux',
  'i-mingo',
  'i-navajo',
  'i-pwn',
  'i-tao',
  'i-tay',
  'i-tsu',
  'sgn-be-fr',
  'sgn-be-nl',
  'sgn-ch-de',
  'art-lojban',
  'cel-gaulish',
  'no-bok',
  'no-nyn',
  'zh-guoyu',
  'zh-hakka',
  'zh-min',
  'zh-min-nan',
  'zh-xiang',
])

/**
 * An ISO 8601:2004 §4.4.3.2 duration (Data §4.6): `PnYnMnDTnHnMnS` with any components omitted,
 * or `PnW` alone (`P4W1D` is invalid). The alternative format of §4.4.3.3 (`P0003-01-29T…`) is
 * not allowed. Only the lowest-order component may carry a decimal fraction.
 */
export function isDuration(value: string): boolean {
  if (!DURATION.test(value)) return false
  // A fraction followed by another component means the fraction was not on the lowest order.
  return !/[.,][0-9]+[YMWDHS].*[0-9]/.test(value.replace('T', ''))
}
const NUMBER = '[0-9]+(?:[.,][0-9]+)?'
const DURATION = new RegExp(
  `^P(?:${NUMBER}W|(?=[0-9]|T[0-9])(?:${NUMBER}Y)?(?:${NUMBER}M)?(?:${NUMBER}D)?` +
    `(?:T(?=[0-9])(?:${NUMBER}H)?(?:${NUMBER}M)?(?:${NUMBER}S)?)?)$`,
)

/**
 * An Internet Media Type (RFC 2046) as used by attachment `contentType` (Data §2.4.11):
 * `type/subtype` with optional `; parameter=value` parts.
 */
export function isMediaType(value: string): boolean {
  return MEDIA_TYPE.test(value)
}
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+"
const MEDIA_TYPE = new RegExp(
  `^${TOKEN}/${TOKEN}(?:\\s*;\\s*${TOKEN}=(?:${TOKEN}|"(?:[^"\\\\]|\\\\.)*"))*\\s*$`,
)
