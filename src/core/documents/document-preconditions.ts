/** @module Optimistic concurrency of the document resources (Communication §3.1): If-Match, If-None-Match, 409/412. */
import {
  BadRequestError,
  DocumentConflictError,
  PreconditionFailedError,
} from '../../errors/errors.js'
import type { XapiVersion } from '../../xapi/versions.js'
import type { DocumentPreconditions, DocumentResource } from '../lrs.js'

/**
 * True when an If-Match / If-None-Match value matches the current ETag: `*` matches any
 * document, otherwise the header is a comma-separated list of entity tags (RFC 7232 §3.1),
 * quoted or not, weak or not. SHA-1 hex is compared case-insensitively.
 */
function matchesEtag(header: string, etag: string): boolean {
  const tags = header.split(',').map((tag) => tag.trim())
  if (tags.includes('*')) return true
  const wanted = etag.toLowerCase()
  return tags.some(
    (tag) =>
      tag
        .replace(/^W\//, '')
        .replace(/^"(.*)"$/, '$1')
        .toLowerCase() === wanted,
  )
}

/**
 * Whether a PUT without If-Match or If-None-Match must be refused. In 1.0.3 the State
 * resource is exempt ("will permit PUT, POST and DELETE requests without concurrency
 * headers", Communication §3.1); xAPI 2.0 extends concurrency control to it.
 */
function requiresPreconditionOnPut(resource: DocumentResource, version: XapiVersion): boolean {
  return resource !== 'state' || version !== '1.0.3'
}

/**
 * Evaluates the conditional headers of a write or delete against the document as it is now,
 * inside the unit of work that then writes, so no concurrent change can slip between them.
 * - If-Match: the document must exist with a matching ETag, else 412 (XAPI-00322, RFC 7232 §3.1).
 * - If-None-Match: no document may match (`*`: none may exist), else 412.
 * - PUT with neither header onto an existing document: 409 with an explanation
 *   (Communication §3.1), except for 1.0.3 State documents.
 * - PUT with neither header to a new 1.0.3 profile document: 400, since the client "MUST include"
 *   one of them there (Communication §3.1 Client Requirements; ADL 1.0.3 suite,
 *   "fails without ETag header"). xAPI 2.0 dropped this, and the PUT creates the document.
 */
export function checkPreconditions(
  method: 'put' | 'post' | 'delete',
  resource: DocumentResource,
  version: XapiVersion,
  preconditions: DocumentPreconditions,
  currentEtag: string | undefined,
): void {
  const { ifMatch, ifNoneMatch } = preconditions
  if (ifMatch !== undefined) {
    if (currentEtag === undefined)
      throw PreconditionFailedError('If-Match was sent but the document does not exist')
    if (!matchesEtag(ifMatch, currentEtag))
      throw PreconditionFailedError(
        `If-Match ${ifMatch} does not match the current ETag "${currentEtag}": the document changed since it was read; GET it again and retry`,
      )
  }
  if (
    ifNoneMatch !== undefined &&
    currentEtag !== undefined &&
    matchesEtag(ifNoneMatch, currentEtag)
  )
    throw PreconditionFailedError(
      ifNoneMatch.trim() === '*'
        ? 'If-None-Match: * was sent but the document already exists'
        : `If-None-Match ${ifNoneMatch} matches the current ETag`,
    )
  if (method !== 'put' || ifMatch !== undefined || ifNoneMatch !== undefined) return
  if (!requiresPreconditionOnPut(resource, version)) return
  if (currentEtag !== undefined)
    throw DocumentConflictError(
      `the document already exists; to replace it, GET it to check its current state and send its ETag in If-Match ("${currentEtag}" now) (Communication §3.1)`,
    )
  if (version === '1.0.3')
    throw BadRequestError(
      'a PUT to a profile document must carry If-Match (to replace) or If-None-Match: * (to create) (Communication §3.1)',
    )
}
