/** @module Assembles the `Lrs` from its use cases. */
import { about } from './about.js'
import { projectActivitiesAndAgents } from './activities.js'
import { createAuthenticator } from './auth/authenticate.js'
import type { CoreDeps } from './core-deps.js'
import { createDocumentUseCases } from './documents/create-document-use-cases.js'
import type { Lrs } from './lrs.js'
import { createReadStatements } from './statements/read-statements.js'
import {
  createStoreStatements,
  type IngestListener,
  type ProjectStep,
} from './statements/store-statements.js'

export interface LrsOptions {
  readonly productVersion: string
  /** Extra projections run in the ingest transaction, after the built-in ones. */
  readonly projectSteps?: readonly ProjectStep[]
  /** Called after each committed ingest with the new statements. */
  readonly listeners?: readonly IngestListener[]
}

export function createLrs(deps: CoreDeps, options: LrsOptions): Lrs {
  const writes = createStoreStatements({
    ...deps,
    projectSteps: [projectActivitiesAndAgents, ...(options.projectSteps ?? [])],
    listeners: options.listeners ?? [],
  })
  const reads = createReadStatements(deps)
  const documents = createDocumentUseCases(deps)
  const aboutResource = about(options.productVersion)
  return {
    authenticate: createAuthenticator(deps.storage.admin, deps.authorityHomePage),
    about: () => aboutResource,
    storeStatements: writes.storeStatements,
    putStatement: writes.putStatement,
    consistentThrough: reads.consistentThrough,
    getStatement: reads.getStatement,
    queryStatements: reads.queryStatements,
    getPerson: documents.getPerson,
    getActivity: documents.getActivity,
    getDocument: documents.getDocument,
    writeDocument: documents.writeDocument,
    deleteDocument: documents.deleteDocument,
  }
}
