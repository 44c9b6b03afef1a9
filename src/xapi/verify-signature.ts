/** @module Signed statements (Data §2.6): checking a JWS signature attachment against its statement. */
import { X509Certificate, constants, verify } from 'node:crypto'
import { base64url, decodeProtectedHeader, type ProtectedHeaderParameters } from 'jose'
import { InvalidStatementError } from '../errors/errors.js'
import type { LrsError } from '../errors/lrs-error.js'
import { jsonDepth, MAX_JSON_DEPTH } from './json-depth.js'
import { statementsEquivalent } from './statement-equivalence.js'
import type { Statement } from './types.js'
import type { XapiVersion } from './versions.js'

/** The usageType that marks an attachment as the statement's JWS signature (Data §2.6). */
export const SIGNATURE_USAGE_TYPE = 'http://adlnet.gov/expapi/attachments/signature'

/** Data §2.6 / XAPI-00117: only the "RSA + SHA" JWS algorithms, with their digests. */
const ALGORITHMS: ReadonlyMap<string, string> = new Map([
  ['RS256', 'sha256'],
  ['RS384', 'sha384'],
  ['RS512', 'sha512'],
])

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Checks a signature attachment's content (`jws`) against the statement that carries it, as the LRS
 * requirements of Data §2.6 list: a compact JWS using RS256/RS384/RS512, whose payload is a JSON
 * statement equivalent to `statement` (`statementsEquivalent`: attachments, including the
 * signature itself, and LRS-assigned properties do not count), and which verifies against
 * the first `x5c` certificate when the header has one. Without `x5c` the LRS has no key to check
 * against, so only the structure and the payload are checked (the spec treats the certificate check
 * as catching mistakes, not as security). Throws `InvalidStatementError` (path `signature`).
 *
 * The rules are the same for 1.0.3 and 2.0; `_version` keeps the call shape of the other rules.
 */
export function verifyStatementSignature(
  statement: Statement,
  jws: string,
  _version: XapiVersion,
): void {
  const token = jws.trim()
  // Data §2.6: compact serialization; the JSON serializations are "strongly discouraged".
  const segments = token.split('.')
  const [encodedHeader, encodedPayload, encodedSignature] = segments
  if (
    segments.length !== 3 ||
    encodedHeader === undefined ||
    encodedPayload === undefined ||
    encodedSignature === undefined
  ) {
    throw invalid('is not a JWS in compact serialization (RFC 7515 §7.1, Data §2.6, XAPI-00115)')
  }

  const header = decodeHeader(token)
  const alg = typeof header.alg === 'string' ? header.alg : ''
  const digest = ALGORITHMS.get(alg)
  if (digest === undefined) {
    throw invalid(
      `uses JWS algorithm '${alg}'; only RS256, RS384 and RS512 are allowed (Data §2.6, XAPI-00117)`,
    )
  }
  // RFC 7515 §4.1.11: a recipient must reject extensions it does not understand.
  if (header.crit !== undefined) throw invalid('has a "crit" header, which is not supported')

  const signature = decodeSegment(encodedSignature, 'signature')
  if (signature.byteLength === 0) throw invalid('has an empty signature (XAPI-00117)')

  if (header.x5c !== undefined) {
    const certificate = leafCertificate(header.x5c)
    // Data §2.6: "validate the signature against that certificate as defined in JWS". The
    // certificate's validity dates are not checked: the spec's own example (Appendix D) has expired.
    const key = certificate.publicKey
    if (key.asymmetricKeyType !== 'rsa') {
      throw invalid(
        `x5c certificate has a ${key.asymmetricKeyType ?? 'non-RSA'} key; ${alg} needs RSA`,
      )
    }
    const signingInput = Buffer.from(`${encodedHeader}.${encodedPayload}`, 'ascii')
    const valid = verify(
      digest,
      signingInput,
      { key, padding: constants.RSA_PKCS1_PADDING },
      signature,
    )
    if (!valid) {
      throw invalid(
        `does not verify with the x5c certificate's key under ${alg} (Data §2.6, XAPI-00117)`,
      )
    }
  }

  // Data §2.6: "Validate that the original Statement is logically equivalent to the received
  // Statement". The comparison ignores attachments (the payload predates its signature) and the
  // properties the LRS may assign (Data §2.3.1).
  if (!statementsEquivalent(decodePayload(encodedPayload), statement)) {
    throw invalid(
      'payload is not the statement it is attached to; it must be the complete statement before the signature was added (Data §2.6, XAPI-00116)',
    )
  }
}

function invalid(rule: string): LrsError {
  return InvalidStatementError('signature', `the JWS ${rule}`)
}

function decodeHeader(token: string): ProtectedHeaderParameters {
  try {
    return decodeProtectedHeader(token)
  } catch {
    throw invalid('header is not base64url-encoded JSON (RFC 7515 §7.1, XAPI-00115)')
  }
}

function decodeSegment(segment: string, name: string): Uint8Array {
  try {
    return base64url.decode(segment)
  } catch {
    throw invalid(`${name} is not base64url-encoded (RFC 7515 §7.1, XAPI-00115)`)
  }
}

/** Data §2.6 / XAPI-00116: the payload is "a valid JSON serialization of the complete Statement". */
function decodePayload(segment: string): Statement {
  let value: unknown
  try {
    value = JSON.parse(utf8.decode(decodeSegment(segment, 'payload')))
  } catch (error: unknown) {
    if (error instanceof SyntaxError || error instanceof TypeError) {
      throw invalid('payload is not a JSON serialization of a statement (Data §2.6, XAPI-00116)')
    }
    throw error
  }
  // The payload is compared with the statement recursively; bound it like the statement itself.
  if (jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw invalid(
      `payload nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep (docs/security.md, "Input limits")`,
    )
  }
  if (
    !isRecord(value) ||
    !isRecord(value.actor) ||
    !isRecord(value.verb) ||
    !isRecord(value.object)
  ) {
    throw invalid(
      'payload is not a statement: it needs actor, verb and object objects (Data §2.6, XAPI-00116)',
    )
  }
  return value as unknown as Statement
}

/** RFC 7515 §4.1.6: `x5c` is an array of base64 (not base64url) DER certificates, signer first. */
function leafCertificate(x5c: unknown): X509Certificate {
  const first: unknown = Array.isArray(x5c) ? x5c[0] : undefined
  if (typeof first !== 'string' || first === '') {
    throw invalid('header "x5c" is not an array of base64 certificates (RFC 7515 §4.1.6)')
  }
  try {
    return new X509Certificate(Buffer.from(first, 'base64'))
  } catch {
    throw invalid('header "x5c" does not start with a valid X.509 certificate (RFC 7515 §4.1.6)')
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
