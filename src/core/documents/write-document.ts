/** @module PUT and POST of the document resources: replace or JSON-merge, under ETag concurrency control. */
import { createHash } from 'node:crypto'
import { checkDocumentBody, postedDocument, type DocumentBody } from '../../xapi/document-merge.js'
import type { CoreDeps } from '../core-deps.js'
import type {
  DocumentParameters,
  DocumentPreconditions,
  DocumentResource,
  RequestContext,
} from '../lrs.js'
import { checkPreconditions } from './document-preconditions.js'
import { parseDocumentKey } from './document-parameters.js'

/** The ETag of a document: the SHA-1 hex of its content, lower case (Communication §3.1). */
export function documentEtag(content: Uint8Array): string {
  return createHash('sha1').update(content).digest('hex')
}

/**
 * Stores a document. PUT replaces it; POST merges it into the existing JSON object, or creates
 * it when there is none (Communication §2.2). The read, the precondition check and the write run
 * in one unit of work, so concurrent writers using If-Match never lose an update: the second of
 * two writers holding the same ETag gets 412 (Communication §3.1, XAPI-00322). A rejected request
 * changes nothing (XAPI-00182).
 */
export async function writeDocument(
  deps: CoreDeps,
  ctx: RequestContext,
  resource: DocumentResource,
  mode: 'put' | 'post',
  parameters: DocumentParameters,
  body: DocumentBody,
  preconditions: DocumentPreconditions,
): Promise<void> {
  const key = parseDocumentKey(resource, parameters, ctx.version)
  checkDocumentBody(mode, body)
  await deps.storage.transaction(ctx.principal.storeId, async (scope) => {
    const current = await scope.documents.findDocument(key)
    checkPreconditions(mode, resource, ctx.version, preconditions, current?.etag)
    const next = mode === 'put' ? body : postedDocument(current, body)
    await scope.documents.upsertDocument({
      key,
      contentType: next.contentType,
      content: next.content,
      etag: documentEtag(next.content),
      updated: new Date().toISOString(),
    })
  })
}
