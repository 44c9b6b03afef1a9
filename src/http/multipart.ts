/** @module `multipart/mixed` statement bodies (Communication §1.5.2): parsing requests and building responses. */
import { randomBytes } from 'node:crypto'
import {
  MultipartParseError,
  getMultipartBoundary,
  parseMultipart,
  type MultipartPart,
} from '@remix-run/multipart-parser'
import type { AttachmentPart } from '../core/lrs.js'
import { BadRequestError } from '../errors/errors.js'
import { sha2Matches } from '../xapi/sha2-digest.js'
import { reframeByDeclaredHashes } from './multipart-bare-delimiters.js'

/** A parsed `multipart/mixed` statement request: the statements part, then the raw attachment parts. */
export interface ParsedMultipart {
  /** The first part's text: the statement or batch, checked to be well-formed JSON. */
  statementJson: string
  /**
   * Every later part, in order, as received. `sha2` is the `X-Experience-API-Hash` header (trimmed,
   * not yet checked against the content); `contentType` is the part's `Content-Type` header, or ''
   * when the part has none (the declaring attachment's `contentType` then applies).
   */
  parts: AttachmentPart[]
}

/** RFC 2046 §5.1.1 `bchars`: 1–70 of these, not ending in a space. */
const BOUNDARY_PATTERN = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/

const CRLF = '\r\n'
const encoder = new TextEncoder()
const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Parses the body of a PUT/POST /statements sent as `multipart/mixed` (Communication §1.5.2).
 * Framing only: whether each part's hash matches its content and is declared by an attachment is
 * `checkAttachments`' business. Any malformed input throws `BadRequestError`.
 */
export function parseMultipartMixed(body: Uint8Array, contentType: string): ParsedMultipart {
  const boundary = boundaryOf(contentType)
  const framed = body.subarray(firstDelimiterOffset(body, boundary))
  const strict = readFramed(framed, boundary)
  if (strict.parts.every((part) => sha2Matches(part.content, part.sha2))) return strict
  // Some clients omit the CRLF before a delimiter; the declared hashes may prove where each part
  // ends (multipart-bare-delimiters.ts). If they do not, the strict reading stands and the hash
  // check reports the mismatch.
  const reframed = reframeByDeclaredHashes(framed, boundary)
  return reframed === undefined ? strict : readFramed(reframed, boundary)
}

/** Reads the parts of a body that starts with its first delimiter, with every framing check. */
function readFramed(framed: Uint8Array, boundary: string): ParsedMultipart {
  const [first, ...rest] = readParts(framed, boundary)
  if (first === undefined) throw BadRequestError('multipart/mixed body has no parts')

  // Communication §1.5.2 / XAPI-00134: the first part holds the statements, as application/json.
  const firstType = headersOf(first, 'the statements part')['content-type']
  if (mediaTypeOf(firstType) !== 'application/json') {
    throw BadRequestError(
      `the first part of a multipart/mixed statement request must have Content-Type application/json, not '${firstType ?? ''}' (Communication §1.5.2, XAPI-00134)`,
    )
  }
  const statementJson = decodeUtf8(first.bytes, 'the statements part is not valid UTF-8')
  try {
    JSON.parse(statementJson)
  } catch {
    // XAPI-00130: a missing delimiter runs the next part into the JSON.
    throw BadRequestError(
      'the first part of a multipart/mixed statement request is not valid JSON (Communication §1.5.2)',
    )
  }

  return { statementJson, parts: rest.map((part, index) => attachmentPartOf(part, index)) }
}

/**
 * Builds a `multipart/mixed` response for GET /statements?attachments=true (Communication §2.1.3):
 * the statements JSON first, then one part per attachment. The boundary is random hex, so it needs
 * no quoting and is safe for clients that use it in a regular expression (the ADL suite does).
 */
export function buildMultipartMixed(
  json: string,
  parts: readonly AttachmentPart[],
): { contentType: string; body: Uint8Array } {
  const boundary = freshBoundary(json, parts)
  const chunks: Uint8Array[] = [
    encoder.encode(`--${boundary}${CRLF}Content-Type: application/json${CRLF}${CRLF}${json}`),
  ]
  for (const part of parts) {
    // Communication §1.5.2: every part after the first carries its hash and a binary encoding.
    const headers = [
      `Content-Type: ${headerValue(part.contentType) || 'application/octet-stream'}`,
      'Content-Transfer-Encoding: binary',
      `X-Experience-API-Hash: ${headerValue(part.sha2)}`,
    ]
    chunks.push(encoder.encode(`${CRLF}--${boundary}${CRLF}${headers.join(CRLF)}${CRLF}${CRLF}`))
    chunks.push(part.content)
  }
  chunks.push(encoder.encode(`${CRLF}--${boundary}--${CRLF}`))
  return { contentType: `multipart/mixed; boundary=${boundary}`, body: concat(chunks) }
}

function boundaryOf(contentType: string): string {
  // XAPI-00127: multipart/form-data and other multipart types are not the xAPI format.
  if (mediaTypeOf(contentType) !== 'multipart/mixed') {
    throw BadRequestError(
      `expected Content-Type multipart/mixed, not '${contentType}' (Communication §1.5.2)`,
    )
  }
  const boundary = getMultipartBoundary(contentType)?.trim()
  if (boundary === undefined || boundary === '') {
    throw BadRequestError(
      'the multipart/mixed Content-Type has no boundary parameter (Communication §1.5.2, XAPI-00131)',
    )
  }
  if (!BOUNDARY_PATTERN.test(boundary)) {
    throw BadRequestError(`the multipart boundary '${boundary}' is not valid (RFC 2046 §5.1.1)`)
  }
  return boundary
}

/**
 * RFC 2046 §5.1.1 allows a preamble before the first delimiter, which then follows a CRLF; the
 * parser expects the delimiter at offset 0. The conformance suite's signed statements start with
 * a bare CRLF, for one.
 */
function firstDelimiterOffset(body: Uint8Array, boundary: string): number {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1')
  const bytes = asBuffer(body)
  if (bytes.subarray(0, delimiter.length).equals(delimiter)) return 0
  const after = bytes.indexOf(Buffer.concat([Buffer.from(CRLF, 'latin1'), delimiter]))
  if (after === -1) {
    throw BadRequestError(
      `the multipart/mixed body does not contain the boundary '${boundary}' (Communication §1.5.2, XAPI-00131)`,
    )
  }
  return after + CRLF.length
}

function readParts(body: Uint8Array, boundary: string): MultipartPart[] {
  // The body is already in memory and size-limited by the HTTP layer, so no part can exceed it.
  const limit = Math.max(body.byteLength, 1)
  try {
    return [
      ...parseMultipart(body, {
        boundary,
        maxFileSize: limit,
        maxTotalSize: limit,
        maxParts: limit,
        maxHeaderSize: 16 * 1024,
      }),
    ]
  } catch (error: unknown) {
    if (error instanceof MultipartParseError) {
      throw BadRequestError(`malformed multipart/mixed body: ${error.message} (RFC 2046 §5.1)`)
    }
    throw error
  }
}

function attachmentPartOf(part: MultipartPart, index: number): AttachmentPart {
  const where = `attachment part ${index + 1}`
  const headers = headersOf(part, where)
  const sha2 = headers['x-experience-api-hash']?.trim() ?? ''
  // Communication §1.5.2 / XAPI-00132: each part after the first is identified by its hash.
  if (sha2 === '') {
    throw BadRequestError(
      `${where} has no X-Experience-API-Hash header; every part after the statements needs one (Communication §1.5.2, XAPI-00132)`,
    )
  }
  // Communication §1.5.2 / XAPI-00135: the encoding must be binary; an LRS SHOULD assume binary
  // when the header is absent.
  const encoding = headers['content-transfer-encoding']?.trim().toLowerCase()
  if (encoding !== undefined && encoding !== 'binary') {
    throw BadRequestError(
      `${where} has Content-Transfer-Encoding '${encoding}'; attachment parts must be binary (Communication §1.5.2, XAPI-00135)`,
    )
  }
  return { sha2, contentType: headers['content-type']?.trim() ?? '', content: part.bytes }
}

function headersOf(part: MultipartPart, where: string): MultipartPart['headers'] {
  try {
    return part.headers
  } catch {
    // The parser decodes header bytes as strict UTF-8 and throws a TypeError otherwise.
    throw BadRequestError(`${where} has headers that are not valid UTF-8`)
  }
}

/** The lower-cased `type/subtype` of a media type, without parameters. */
function mediaTypeOf(value: string | undefined): string {
  return (value ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? ''
}

function decodeUtf8(bytes: Uint8Array, message: string): string {
  try {
    return utf8.decode(bytes)
  } catch {
    throw BadRequestError(message)
  }
}

/** Header values come from stored data; never let one break the framing. */
function headerValue(value: string): string {
  return value.replace(/\p{Cc}/gu, ' ').trim()
}

/** RFC 2046 §5.1.1: the boundary must not occur in any part; 192 random bits make a retry rare. */
function freshBoundary(json: string, parts: readonly AttachmentPart[]): string {
  for (;;) {
    const boundary = randomBytes(24).toString('hex')
    const clash =
      json.includes(boundary) ||
      parts.some((part) => asBuffer(part.content).includes(boundary, 0, 'latin1'))
    if (!clash) return boundary
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const size = chunks.reduce((total, chunk) => total + chunk.byteLength, 0)
  const body = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    body.set(chunk, offset)
    offset += chunk.byteLength
  }
  return body
}
