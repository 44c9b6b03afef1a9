/** @module Reads a request body as bytes, and as the statements payload of a statement write. */
import type { Context } from 'hono'
import type { AttachmentPart } from '../core/lrs.js'
import { BadRequestError } from '../errors/errors.js'
import { parseMultipartMixed } from './multipart.js'

export async function readBytes(c: Context): Promise<Uint8Array> {
  return new Uint8Array(await c.req.arrayBuffer())
}

function parseJson(text: string): unknown {
  if (text.trim() === '') throw BadRequestError('the request body is empty; expected JSON')
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error)
    throw BadRequestError(`the request body is not valid JSON: ${detail}`)
  }
}

/**
 * The body of a statement PUT/POST: `application/json`, or `multipart/mixed` whose first part
 * is the statements and the rest attachments (Communication §1.5). Any other type is a 400
 * (XAPI-00127): a statement body cannot be interpreted otherwise.
 */
export async function readStatementBody(
  c: Context,
): Promise<{ body: unknown; attachments: AttachmentPart[] }> {
  const contentType = c.req.header('Content-Type') ?? ''
  if (/^multipart\/mixed\b/i.test(contentType)) {
    const { statementJson, parts } = parseMultipartMixed(await readBytes(c), contentType)
    return { body: parseJson(statementJson), attachments: parts }
  }
  // As text straight from the body's buffer (UTF-8, invalid sequences replaced, a BOM dropped:
  // the WHATWG decoding `TextDecoder` applies): on @hono/node-server `arrayBuffer()` copies the
  // body into a fresh ArrayBuffer first.
  if (contentType === '' || /^application\/json\b/i.test(contentType))
    return { body: parseJson(await c.req.text()), attachments: [] }
  throw BadRequestError(
    `Content-Type '${contentType}' is not accepted for statements: use application/json or multipart/mixed (Communication §1.5)`,
  )
}
