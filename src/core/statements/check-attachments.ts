/** @module Matching a statement request's attachment parts to the attachments its statements declare. */
import { createHash, webcrypto } from 'node:crypto'
import { BadRequestError, InvalidStatementError } from '../../errors/errors.js'
import type { Attachment, Statement } from '../../xapi/types.js'
import { SIGNATURE_USAGE_TYPE, verifyStatementSignature } from '../../xapi/verify-signature.js'
import type { XapiVersion } from '../../xapi/versions.js'
import type { AttachmentPart } from '../lrs.js'

/** An Attachment Object with where it sits in the request, for error messages. */
interface Declared {
  attachment: Attachment
  /** `statements[0].attachments[1]` or `statements[0].object.attachments[0]`. */
  path: string
  /** The statement the attachment belongs to (a SubStatement's attachment: the outer statement). */
  statement: Statement
  /** True for the outer statement's own attachments, whose signatures cover that statement. */
  topLevel: boolean
}

/**
 * SHA-2 digests by hex length (FIPS 180-4). The sha2 property is "the SHA-2 hash" of any width
 * (Data §2.4.11); providers SHOULD use SHA-256/384/512 (Communication §1.5.2).
 */
const DIGESTS_BY_HEX_LENGTH: ReadonlyMap<number, readonly string[]> = new Map([
  [56, ['sha224', 'sha512-224']],
  [64, ['sha256', 'sha512-256']],
  [96, ['sha384']],
  [128, ['sha512']],
])

/** WebCrypto digests run off the main thread; the others fall back to the synchronous hash. */
const WEBCRYPTO_NAMES: ReadonlyMap<string, string> = new Map([
  ['sha256', 'SHA-256'],
  ['sha384', 'SHA-384'],
  ['sha512', 'SHA-512'],
])

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Enforces the attachment rules of a statement request (Data §2.4.11, §2.6; Communication §1.5):
 * every part hashes to its `X-Experience-API-Hash` and is declared by some attachment; every
 * attachment without `fileUrl` has a part; every signature attachment is an
 * `application/octet-stream` part holding a valid JWS of its statement. `statements` must already
 * be validated; `parts` is empty for `application/json` requests. A `multipart/mixed` request with
 * no parts, or with only `fileUrl` attachments, passes (Communication §1.5.2 SHOULD*, required
 * by the 2.0 suite). The rules are the same for 1.0.3 and 2.0.
 *
 * Returns the parts to persist, one per distinct declared `sha2`, keyed by the sha2 exactly as the
 * statement spells it (reads look contents up by the declared value), with the part's
 * `Content-Type` or, when it had none, the declared `contentType`.
 */
export async function checkAttachments(
  statements: readonly Statement[],
  parts: readonly AttachmentPart[],
  version: XapiVersion,
): Promise<AttachmentPart[]> {
  const declared = declaredAttachments(statements)
  const partsByHash = await checkParts(parts, declared)
  const toPersist = new Map<string, AttachmentPart>()

  for (const { attachment, path, statement, topLevel } of declared) {
    const part = partsByHash.get(attachment.sha2.toLowerCase())
    if (topLevel && attachment.usageType === SIGNATURE_USAGE_TYPE) {
      checkSignature(attachment, path, statement, part, version)
    }
    if (part === undefined) {
      // Communication §1.5.1, §1.5.2 / XAPI-00129: raw data is required unless fileUrl is given.
      if (attachment.fileUrl === undefined) {
        throw InvalidStatementError(
          path,
          `no attachment part has X-Experience-API-Hash ${attachment.sha2}; an attachment without fileUrl must be sent as a multipart/mixed part (Communication §1.5.2, XAPI-00129)`,
        )
      }
      continue
    }
    if (!toPersist.has(attachment.sha2)) {
      toPersist.set(attachment.sha2, {
        sha2: attachment.sha2,
        contentType: part.contentType === '' ? attachment.contentType : part.contentType,
        content: part.content,
      })
    }
  }
  return [...toPersist.values()]
}

/** Data §2.4.11: a SubStatement may carry attachments too, matched like the statement's own. */
function declaredAttachments(statements: readonly Statement[]): Declared[] {
  const declared: Declared[] = []
  statements.forEach((statement, i) => {
    statement.attachments?.forEach((attachment, j) => {
      declared.push({
        attachment,
        path: `statements[${i}].attachments[${j}]`,
        statement,
        topLevel: true,
      })
    })
    if (statement.object.objectType === 'SubStatement') {
      statement.object.attachments?.forEach((attachment, j) => {
        const path = `statements[${i}].object.attachments[${j}]`
        declared.push({ attachment, path, statement, topLevel: false })
      })
    }
  })
  return declared
}

/**
 * Every part must carry the SHA-2 of its content (Communication §1.5.2: matching is by hash and
 * "MUST not" be done any other way) and be declared by an attachment (XAPI-00128, XAPI-00132).
 * The declared `length` is deliberately not compared: the ADL suite sends a JPEG as hex text with
 * the binary file's length and expects 200.
 */
async function checkParts(
  parts: readonly AttachmentPart[],
  declared: readonly Declared[],
): Promise<Map<string, AttachmentPart>> {
  const declaredHashes = new Set(declared.map(({ attachment }) => attachment.sha2.toLowerCase()))
  const byHash = new Map<string, AttachmentPart>()
  for (const [index, part] of parts.entries()) {
    const where = `attachment part ${index + 1} (X-Experience-API-Hash ${part.sha2})`
    const sha2 = part.sha2.toLowerCase()
    const algorithms = /^[0-9a-f]+$/.test(sha2) ? DIGESTS_BY_HEX_LENGTH.get(sha2.length) : undefined
    if (algorithms === undefined) {
      throw BadRequestError(
        `${where}: the hash is not a hex SHA-2 digest (SHA-224, -256, -384 or -512) (Data §2.4.11)`,
      )
    }
    if (!(await matchesAny(part.content, sha2, algorithms))) {
      throw BadRequestError(
        `${where}: the part's content does not hash to its X-Experience-API-Hash (Communication §1.5.2, XAPI-00132)`,
      )
    }
    if (!declaredHashes.has(sha2)) {
      throw BadRequestError(
        `${where}: no attachment in the statements declares this sha2; every part after the statements must be an attachment's raw data (Communication §1.5.1, XAPI-00128)`,
      )
    }
    byHash.set(sha2, part)
  }
  return byHash
}

async function matchesAny(
  content: Uint8Array,
  expected: string,
  algorithms: readonly string[],
): Promise<boolean> {
  for (const algorithm of algorithms) {
    if ((await hexDigest(algorithm, content)) === expected) return true
  }
  return false
}

async function hexDigest(algorithm: string, content: Uint8Array): Promise<string> {
  const webName = WEBCRYPTO_NAMES.get(algorithm)
  if (webName === undefined) return createHash(algorithm).update(content).digest('hex')
  return Buffer.from(await webcrypto.subtle.digest(webName, content)).toString('hex')
}

/**
 * Data §2.6 / XAPI-00115: a signature attachment is an `application/octet-stream` part holding
 * a JWS of the statement; a `fileUrl` does not stand in for it, since the LRS must check it.
 */
function checkSignature(
  attachment: Attachment,
  path: string,
  statement: Statement,
  part: AttachmentPart | undefined,
  version: XapiVersion,
): void {
  const mediaType = attachment.contentType.split(';', 1)[0]?.trim().toLowerCase()
  if (mediaType !== 'application/octet-stream') {
    throw InvalidStatementError(
      path,
      `a signature attachment must have contentType application/octet-stream, not '${attachment.contentType}' (Data §2.6, XAPI-00115)`,
    )
  }
  if (part === undefined) {
    throw InvalidStatementError(
      path,
      `the signature attachment has no part with X-Experience-API-Hash ${attachment.sha2}; a signed statement must include its JWS (Data §2.6, XAPI-00115)`,
    )
  }
  let jws: string
  try {
    jws = utf8.decode(part.content)
  } catch {
    throw InvalidStatementError(
      path,
      'the signature is not a JWS: its content is not text (Data §2.6)',
    )
  }
  try {
    verifyStatementSignature(statement, jws, version)
  } catch (error: unknown) {
    // Name the attachment: the verifier knows only the statement and the JWS.
    if (InvalidStatementError.is(error)) throw InvalidStatementError(path, error.message)
    throw error
  }
}
