/** @module GET of the document resources: one document, or the ids in scope (Communication §2.3, §2.6, §2.7). */
import { NotFoundError } from '../../errors/errors.js'
import type { CoreDeps } from '../core-deps.js'
import type {
  DocumentParameters,
  DocumentResource,
  DocumentResult,
  RequestContext,
} from '../lrs.js'
import {
  documentIdName,
  parseDocumentId,
  parseDocumentScope,
  parseSince,
} from './document-parameters.js'

/**
 * With a `stateId`/`profileId`, the document itself (404 when absent); without, the ids of the
 * documents in scope, limited to those updated after `since` (exclusive) when given (XAPI-00193,
 * XAPI-00195, XAPI-00275, XAPI-00294). A state list without `registration` spans every registration.
 */
export async function getDocument(
  deps: CoreDeps,
  ctx: RequestContext,
  resource: DocumentResource,
  parameters: DocumentParameters,
): Promise<DocumentResult | string[]> {
  const scope = parseDocumentScope(resource, parameters, ctx.version)
  const documentId = parseDocumentId(resource, parameters)
  const store = deps.storage.scope(ctx.principal.storeId).documents
  if (documentId === undefined) return store.listDocumentIds(scope, parseSince(parameters))

  const document = await store.findDocument({ ...scope, documentId })
  if (document === undefined)
    throw NotFoundError(`no document with ${documentIdName(resource)} '${documentId}'`)
  return {
    contentType: document.contentType,
    content: document.content,
    etag: document.etag,
    updated: document.updated,
  }
}
