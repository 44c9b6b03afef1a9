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
  const merged = JSON.stringify(mergeJsonObjects(before, update))
  return { contentType: posted.contentType, content: new TextEncoder().encode(merged) }
}
