/** @module JSON rules of the document resources: what counts as JSON, and the POST merge (Communication §2.2). */
import { BadRequestError } from '../errors/errors.js'

/** A document as the document resources exchange it: its bytes and their media type. */
export interface DocumentBody {
  contentType: string
  content: Uint8Array
}

export type JsonObject = Record<string, unknown>

const JSON_MEDIA_TYPE = 'application/json'

/** True when a Content-Type names JSON; parameters such as `charset` are ignored. */
export function isJsonContentType(contentType: string): boolean {
  const mediaType = contentType.split(';', 1)[0] ?? ''
  return mediaType.trim().toLowerCase() === JSON_MEDIA_TYPE
}

const UTF8 = new TextDecoder('utf-8', { fatal: true })

/** The JSON value of the bytes, or `undefined` when they are not UTF-8 JSON. */
export function parseJsonContent(content: Uint8Array): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(UTF8.decode(content)) as unknown }
  } catch {
    return undefined
  }
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The bytes as a JSON object, or `undefined` when they are not JSON or not an object. */
export function parseJsonObject(content: Uint8Array): JsonObject | undefined {
  const parsed = parseJsonContent(content)
  return parsed !== undefined && isJsonObject(parsed.value) ? parsed.value : undefined
}

/**
 * Checks a document sent by PUT or POST before anything is read or written. A body that
 * declares `application/json` must be JSON (XAPI-00314, XAPI-00235); a POST body that declares
 * it must be a JSON object, since POST means "merge these properties" (Communication §2.2).
 * Other media types are opaque bytes and always acceptable.
 */
export function checkDocumentBody(mode: 'put' | 'post', body: DocumentBody): void {
  if (!isJsonContentType(body.contentType)) return
  const parsed = parseJsonContent(body.content)
  if (parsed === undefined)
    throw BadRequestError('the document is declared application/json but is not valid JSON')
  if (mode === 'post' && !isJsonObject(parsed.value))
    throw BadRequestError(
      'a POSTed application/json document must be a JSON object: POST merges its properties (Communication §2.2)',
    )
}

/**
 * The merge of Communication §2.2 "JSON Procedure": every top-level property of `posted`
 * replaces the same property of `existing`; nested objects are replaced whole, not merged
 * (XAPI-00183, XAPI-00184).
 */
export function mergeJsonObjects(existing: JsonObject, posted: JsonObject): JsonObject {
  return { ...existing, ...posted }
}

/**
 * The document a POST leaves behind. Without an existing document the POST acts as a PUT
 * (XAPI-00233) and the bytes are kept as sent. With one, both must be `application/json`
 * objects, or the request is rejected with 400 and nothing changes (Communication §2.2,
 * XAPI-00229, XAPI-00232); the result is stored as JSON.
 */
export function postedDocument(
  existing: DocumentBody | undefined,
  posted: DocumentBody,
): DocumentBody {
  if (existing === undefined) return posted
  if (!isJsonContentType(existing.contentType))
    throw BadRequestError(
      `cannot merge into the existing document: it is '${existing.contentType}', not application/json (Communication §2.2)`,
    )
  if (!isJsonContentType(posted.contentType))
    throw BadRequestError(
      `cannot merge a '${posted.contentType}' document: POST to an existing document needs application/json (Communication §2.2)`,
    )
  const before = parseJsonObject(existing.content)
  if (before === undefined)
    throw BadRequestError(
      'cannot merge into the existing document: it is not a JSON object (Communication §2.2)',
    )
  const update = parseJsonObject(posted.content)
  if (update === undefined)
    throw BadRequestError(
      'cannot merge the posted document: it is not a JSON object (Communication §2.2)',
    )
  // Merged from the members' source text: a nested value is kept byte for byte and never
  // re-serialised, so no depth of nesting can exhaust the stack (JSON.stringify recurses).
  const merged = mergeObjectTexts(UTF8.decode(existing.content), UTF8.decode(posted.content))
  return { contentType: posted.contentType, content: new TextEncoder().encode(merged) }
}

/**
 * `mergeJsonObjects` on the text of two JSON objects already known to parse: every top-level
 * member of `posted` replaces the same member of `existing` (the last of repeated names wins, as
 * in `JSON.parse`); the values are copied as written.
 */
export function mergeObjectTexts(existing: string, posted: string): string {
  const members = new Map(topLevelMembers(existing))
  for (const [name, value] of topLevelMembers(posted)) {
    members.delete(name)
    members.set(name, value)
  }
  return `{${[...members].map(([name, value]) => `${JSON.stringify(name)}:${value}`).join(',')}}`
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r'])

/**
 * The top-level members of a JSON object text, as [name, value source text], scanning once with
 * a nesting counter (no recursion). `text` must be valid JSON whose value is an object.
 */
function topLevelMembers(text: string): [string, string][] {
  const members: [string, string][] = []
  let i = skipWhitespace(text, text.indexOf('{') + 1)
  while (text[i] === '"') {
    const nameEnd = stringEnd(text, i)
    const name = JSON.parse(text.slice(i, nameEnd)) as string
    const valueStart = skipWhitespace(text, skipWhitespace(text, nameEnd) + 1) // past ':'
    let depth = 0
    let j = valueStart
    for (; j < text.length; j += 1) {
      const c = text[j]
      if (c === '"') j = stringEnd(text, j) - 1
      else if (c === '{' || c === '[') depth += 1
      else if (c === '}' || c === ']') {
        if (depth === 0) break
        depth -= 1
      } else if (c === ',' && depth === 0) break
    }
    members.push([name, text.slice(valueStart, j).trimEnd()])
    i = text[j] === ',' ? skipWhitespace(text, j + 1) : j
  }
  return members
}

/** The index just past the string literal that starts at `start` (a `"`). */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i += 1) {
    if (text[i] === '\\') i += 1
    else if (text[i] === '"') return i + 1
  }
  return text.length
}

function skipWhitespace(text: string, from: number): number {
  let i = from
  while (i < text.length && WHITESPACE.has(text[i] ?? '')) i += 1
  return i
}
