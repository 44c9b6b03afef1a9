/** @module The use cases of the document, Agents and Activities resources, bound to their dependencies. */
import { getActivity } from '../activities.js'
import { getPerson } from '../agents.js'
import type { CoreDeps } from '../core-deps.js'
import type { Lrs } from '../lrs.js'
import { deleteDocument } from './delete-document.js'
import { getDocument } from './read-document.js'
import { writeDocument } from './write-document.js'

export type DocumentUseCases = Pick<
  Lrs,
  'getPerson' | 'getActivity' | 'getDocument' | 'writeDocument' | 'deleteDocument'
>

/** Builds the `Lrs` methods of Communication §2.2–2.7 over `deps.storage`. */
export function createDocumentUseCases(deps: CoreDeps): DocumentUseCases {
  return {
    getPerson: (ctx, parameters) => getPerson(deps, ctx, parameters),
    getActivity: (ctx, parameters) => getActivity(deps, ctx, parameters),
    getDocument: (ctx, resource, parameters) => getDocument(deps, ctx, resource, parameters),
    writeDocument: (ctx, resource, mode, parameters, body, preconditions) =>
      writeDocument(deps, ctx, resource, mode, parameters, body, preconditions),
    deleteDocument: (ctx, resource, parameters, preconditions) =>
      deleteDocument(deps, ctx, resource, parameters, preconditions),
  }
}
