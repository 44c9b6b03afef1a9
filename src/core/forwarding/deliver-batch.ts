/** @module Sending one batch of statements to a forwarding destination: another xAPI LRS, or a signed webhook. */
import { createHmac, randomBytes } from 'node:crypto'
import type { AttachmentContent, ForwardingDestination } from '../../storage/ports.js'
import type { StoredStatement } from '../../xapi/types.js'

/** The header carrying `sha256=<hex HMAC-SHA256 of the body>` under the target's secret. */
export const SIGNATURE_HEADER = 'X-Almanac-Signature'
export const DELIVERY_HEADER = 'X-Almanac-Delivery'
export const STATEMENT_IDS_HEADER = 'X-Almanac-Statement-Ids'

/** A delivery that did not succeed; the message is what the target's status shows. */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError'
}

export interface DeliveryContext {
  readonly deliveryId: string
  readonly storeId: number
  readonly targetId: number
  readonly timeoutMs: number
  /** Aborts a request in flight (the process is stopping). */
  readonly signal: AbortSignal
  /**
   * The contents of the statements' attachments that have no `fileUrl`, by SHA-2: an LRS
   * target needs them as parts of a multipart/mixed request (Communication §1.5.2).
   */
  readonly attachments?: ReadonlyMap<string, AttachmentContent> | undefined
}

/** The attachment contents a batch must carry to an LRS: those declared without a fileUrl. */
export function attachmentHashes(statements: readonly StoredStatement[]): string[] {
  const hashes = new Set<string>()
  for (const statement of statements)
    for (const attachment of statement.attachments ?? [])
      if (attachment.fileUrl === undefined) hashes.add(attachment.sha2)
  return [...hashes]
}

/** A multipart/mixed body: the statements as JSON, then one part per attachment content. */
function multipartBody(
  json: string,
  parts: readonly AttachmentContent[],
): { contentType: string; body: Buffer } {
  const boundary = `almanac-${randomBytes(16).toString('hex')}`
  const chunks: Buffer[] = [
    Buffer.from(`--${boundary}\r\nContent-Type: application/json\r\n\r\n${json}`),
  ]
  for (const part of parts) {
    chunks.push(
      Buffer.from(
        `\r\n--${boundary}\r\nContent-Type: ${part.contentType}\r\n` +
          `Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: ${part.sha2}\r\n\r\n`,
      ),
    )
    chunks.push(Buffer.from(part.content.buffer, part.content.byteOffset, part.content.byteLength))
  }
  chunks.push(Buffer.from(`\r\n--${boundary}--\r\n`))
  return { contentType: `multipart/mixed; boundary=${boundary}`, body: Buffer.concat(chunks) }
}

/** The signature value of a webhook body (`sha256=` and the hex HMAC). */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

/**
 * The statement as sent to another LRS: its id, actor, verb, object, result, context,
 * timestamp and attachments as stored. `stored`, `authority` and `version` are the receiving
 * LRS's to set (Data §2.4.8–2.4.10), and sending the same statement again is then equivalent
 * (Data §2.2 immutability), so a redelivery is a no-op there.
 */
function forLrs(statement: StoredStatement): Record<string, unknown> {
  const { stored: _stored, authority: _authority, version: _version, ...rest } = statement
  return rest
}

async function post(
  url: string,
  init: { headers: Record<string, string>; body: string | Buffer; method?: string },
  context: DeliveryContext,
): Promise<Response> {
  try {
    return await fetch(url, {
      method: init.method ?? 'POST',
      headers: init.headers,
      body: init.body,
      signal: AbortSignal.any([context.signal, AbortSignal.timeout(context.timeoutMs)]),
    })
  } catch (error) {
    const cause =
      error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : ''
    throw new DeliveryError(`${error instanceof Error ? error.message : String(error)}${cause}`)
  }
}

async function failure(response: Response): Promise<DeliveryError> {
  const text = (await response.text().catch(() => '')).slice(0, 300)
  return new DeliveryError(`HTTP ${response.status}${text === '' ? '' : `: ${text}`}`)
}

async function toLrs(
  destination: Extract<ForwardingDestination, { kind: 'lrs' }>,
  statements: readonly StoredStatement[],
  context: DeliveryContext,
): Promise<void> {
  const headers = {
    'Content-Type': 'application/json',
    'X-Experience-API-Version': destination.xapiVersion,
    Authorization: `Basic ${Buffer.from(`${destination.username}:${destination.password}`).toString('base64')}`,
  }
  const url = `${destination.endpoint}/statements`
  /** The body of `list`: JSON, or multipart/mixed when attachment contents must travel. */
  const bodyOf = (list: readonly StoredStatement[], json: string) => {
    const parts = attachmentHashes(list).flatMap((sha2) => {
      const content = context.attachments?.get(sha2)
      return content === undefined ? [] : [content]
    })
    if (parts.length === 0) return { headers, body: json }
    const multipart = multipartBody(json, parts)
    return { headers: { ...headers, 'Content-Type': multipart.contentType }, body: multipart.body }
  }
  const response = await post(
    url,
    bodyOf(statements, JSON.stringify(statements.map(forLrs))),
    context,
  )
  if (response.ok) {
    await response.body?.cancel()
    return
  }
  if (response.status !== 409) throw await failure(response)
  await response.body?.cancel()
  // 409: some id is already stored there with other content (e.g. erased here since, and now
  // anonymised). One by one with PUT: an equivalent statement is a 204, a conflicting one is
  // left as the target has it, since statements are immutable (Data §2.2).
  for (const statement of statements) {
    const one = await post(
      `${url}?statementId=${encodeURIComponent(statement.id)}`,
      { method: 'PUT', ...bodyOf([statement], JSON.stringify(forLrs(statement))) },
      context,
    )
    if (!one.ok && one.status !== 409) throw await failure(one)
    await one.body?.cancel()
  }
}

async function toWebhook(
  destination: Extract<ForwardingDestination, { kind: 'webhook' }>,
  statements: readonly StoredStatement[],
  context: DeliveryContext,
): Promise<void> {
  const ids = statements.map((s) => s.id)
  const body = JSON.stringify({
    deliveryId: context.deliveryId,
    storeId: context.storeId,
    targetId: context.targetId,
    statementIds: ids,
    statements,
  })
  const response = await post(
    destination.url,
    {
      headers: {
        'Content-Type': 'application/json',
        [SIGNATURE_HEADER]: signBody(destination.secret, body),
        [DELIVERY_HEADER]: context.deliveryId,
        [STATEMENT_IDS_HEADER]: ids.join(','),
      },
      body,
    },
    context,
  )
  if (!response.ok) throw await failure(response)
  await response.body?.cancel()
}

/** Sends the batch; resolves when the destination accepted it (2xx), else throws DeliveryError. */
export function deliverBatch(
  destination: ForwardingDestination,
  statements: readonly StoredStatement[],
  context: DeliveryContext,
): Promise<void> {
  return destination.kind === 'lrs'
    ? toLrs(destination, statements, context)
    : toWebhook(destination, statements, context)
}
