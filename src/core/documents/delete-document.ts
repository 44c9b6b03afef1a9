/** @module DELETE of the document resources: one document, or every state document in scope. */
import type { CoreDeps } from '../core-deps.js'
import type {
  DocumentParameters,
  DocumentPreconditions,
  DocumentResource,
  RequestContext,
} from '../lrs.js'
import { checkPreconditions } from './document-preconditions.js'
import { parseDocumentId, parseDocumentScope, requireParameter } from './document-parameters.js'

/**
 * Deletes the document named by `stateId`/`profileId`, honouring If-Match / If-None-Match
 * (Communication §3.1). Deleting a document that does not exist succeeds: the outcome the
 * client asked for holds. Without a `stateId`, the State resource deletes every document of
 * the activity and agent (and registration, when given) (Communication §2.3 "Multiple Document
 * DELETE", XAPI-00194); the profile resources require their `profileId` (XAPI-00265, XAPI-00300).
 */
export async function deleteDocument(
  deps: CoreDeps,
  ctx: RequestContext,
  resource: DocumentResource,
  parameters: DocumentParameters,
  preconditions: DocumentPreconditions,
): Promise<void> {
  const scope = parseDocumentScope(resource, parameters, ctx.version)
  const documentId =
    resource === 'state'
      ? parseDocumentId(resource, parameters)
      : requireParameter(parameters, 'profileId')
  const storeId = ctx.principal.storeId
  if (documentId === undefined) {
    await deps.storage.scope(storeId).documents.deleteDocuments(scope)
    return
  }
  const key = { ...scope, documentId }
  await deps.storage.transaction(storeId, async (store) => {
    const current = await store.documents.findDocument(key)
    checkPreconditions('delete', resource, ctx.version, preconditions, current?.etag)
    if (current !== undefined) await store.documents.deleteDocument(key)
  })
}
