/**
 * @module Re-framing `multipart/mixed` bodies whose delimiters lack their leading CRLF.
 *
 * RFC 2046 §5.1.1 makes the CRLF before `--boundary` part of the delimiter, so a part's content
 * ends two bytes before it. Some clients (`@xapi/xapi` 3.x) write the delimiter of the next
 * attachment straight after the previous attachment's bytes. Read strictly, the first attachment
 * then swallows everything up to the next CRLF-delimiter and fails its hash (Communication §1.5.2).
 * Every attachment part carries the SHA-2 of its content (`X-Experience-API-Hash`), and that hash
 * can prove where the content ends: this module finds, for each attachment part, the one
 * delimiter position at which the bytes so far hash to the declared value, and rewrites the body
 * with a CRLF before each such bare delimiter, so the ordinary parser (and every ordinary check)
 * then runs on a well-framed body.
 *
 * Strict where the hash proves nothing: the statements part (it has no hash) must end with a
 * CRLF-delimiter; a part whose declared hash matches no candidate end leaves the body unframed
 * (the caller keeps the strict reading, which then fails the hash check with the usual message).
 * Two candidate ends of different lengths cannot both match short of a SHA-2 collision.
 */
import { sha2AlgorithmsFor, sha2Matches } from '../xapi/sha2-digest.js'

const CR = 0x0d
const LF = 0x0a
const CRLF = Buffer.from('\r\n', 'latin1')
const HASH_HEADER = /^x-experience-api-hash[ \t]*:[ \t]*([^\r\n]*?)[ \t]*$/im

/**
 * `framed` starts with the first delimiter (the preamble removed). Returns the body with a CRLF
 * inserted before every bare delimiter that a part's declared hash proves, or undefined when
 * the body has no such delimiter or some part's end cannot be proven.
 */
export function reframeByDeclaredHashes(
  framed: Uint8Array,
  boundary: string,
): Uint8Array | undefined {
  const bytes = Buffer.from(framed.buffer, framed.byteOffset, framed.byteLength)
  const delimiters = delimiterLines(bytes, boundary)
  if (delimiters[0]?.at !== 0) return undefined

  const out: Buffer[] = []
  let partStart = 0
  let next = delimiters[0]
  let changed = false
  for (let isFirst = true; !next.closing; isFirst = false) {
    const contentStart = contentStartOf(bytes, next.lineEnd)
    if (contentStart === undefined) return undefined
    const later = delimiters.filter((d) => d.at >= contentStart)
    const end = isFirst
      ? standardEnd(bytes, later, contentStart)
      : provenEnd(bytes, later, contentStart, declaredHash(bytes, next.lineEnd, contentStart))
    if (end === undefined) return undefined
    if (end.contentEnd === end.delimiter.at) changed = true
    out.push(bytes.subarray(partStart, end.contentEnd), CRLF)
    partStart = end.delimiter.at
    next = end.delimiter
  }
  if (!changed) return undefined
  out.push(bytes.subarray(partStart))
  return Buffer.concat(out)
}

interface DelimiterLine {
  /** Offset of `--boundary`. */
  at: number
  /** Offset just past the line's CRLF (or the body's end). */
  lineEnd: number
  /** `--boundary--`: the close-delimiter. */
  closing: boolean
}

/**
 * Every `--boundary` that forms a delimiter line: optionally `--`, then transport padding
 * (spaces and tabs), then CRLF or the end of the body (RFC 2046 §5.1.1 `dash-boundary
 * transport-padding CRLF`). Whether a CRLF precedes it is decided per candidate later.
 */
function delimiterLines(bytes: Buffer, boundary: string): DelimiterLine[] {
  const dashBoundary = Buffer.from(`--${boundary}`, 'latin1')
  const lines: DelimiterLine[] = []
  for (let at = bytes.indexOf(dashBoundary); at !== -1; at = bytes.indexOf(dashBoundary, at + 1)) {
    let i = at + dashBoundary.length
    const closing = bytes[i] === 0x2d && bytes[i + 1] === 0x2d
    if (closing) i += 2
    while (bytes[i] === 0x20 || bytes[i] === 0x09) i += 1
    if (i === bytes.length) lines.push({ at, lineEnd: i, closing })
    else if (bytes[i] === CR && bytes[i + 1] === LF) lines.push({ at, lineEnd: i + 2, closing })
  }
  return lines
}

/** Where a part's content starts: after its header block and the blank line (RFC 2046 §5.1.1). */
function contentStartOf(bytes: Buffer, headerStart: number): number | undefined {
  if (bytes[headerStart] === CR && bytes[headerStart + 1] === LF) return headerStart + 2
  const blank = bytes.indexOf('\r\n\r\n', headerStart, 'latin1')
  return blank === -1 ? undefined : blank + 4
}

function declaredHash(bytes: Buffer, headerStart: number, contentStart: number): string {
  const headers = bytes.subarray(headerStart, contentStart).toString('latin1')
  return HASH_HEADER.exec(headers)?.[1] ?? ''
}

interface PartEnd {
  contentEnd: number
  delimiter: DelimiterLine
}

function precededByCrlf(bytes: Buffer, at: number, contentStart: number): boolean {
  return at - 2 >= contentStart && bytes[at - 2] === CR && bytes[at - 1] === LF
}

/** The strict RFC 2046 end: the first delimiter line that follows a CRLF. */
function standardEnd(
  bytes: Buffer,
  delimiters: readonly DelimiterLine[],
  contentStart: number,
): PartEnd | undefined {
  const delimiter = delimiters.find((d) => precededByCrlf(bytes, d.at, contentStart))
  return delimiter === undefined ? undefined : { contentEnd: delimiter.at - 2, delimiter }
}

/**
 * The end the declared hash proves. Candidates, in order: each delimiter line up to and including
 * the first CRLF-delimiter (content cannot run past one: RFC 2046 forbids the boundary inside a
 * part), ending before the CRLF when there is one, else right before the bare delimiter.
 */
function provenEnd(
  bytes: Buffer,
  delimiters: readonly DelimiterLine[],
  contentStart: number,
  sha2: string,
): PartEnd | undefined {
  if (sha2AlgorithmsFor(sha2) === undefined) return undefined
  for (const delimiter of delimiters) {
    const crlf = precededByCrlf(bytes, delimiter.at, contentStart)
    if (crlf && sha2Matches(bytes.subarray(contentStart, delimiter.at - 2), sha2)) {
      return { contentEnd: delimiter.at - 2, delimiter }
    }
    // A client that omits the CRLF may send content that itself ends in CRLF.
    if (sha2Matches(bytes.subarray(contentStart, delimiter.at), sha2)) {
      return { contentEnd: delimiter.at, delimiter }
    }
    if (crlf) return undefined
  }
  return undefined
}
