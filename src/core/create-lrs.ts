/** @module Assembles the `Lrs` from its use cases. */
import { about } from './about.js'
import { projectActivitiesAndAgents } from './activities.js'
import { createAuthenticator } from './auth/authenticate.js'
import { authorize, mayDefine } from './auth/authorize.js'
import type { CoreDeps } from './core-deps.js'
import { createDocumentUseCases } from './documents/create-document-use-cases.js'
import type { Lrs, RequestContext } from './lrs.js'
import { createExportStatements } from './statements/export-statements.js'
import { createImportStatements } from './statements/import-statements.js'
import { createReadStatements } from './statements/read-statements.js'
import {
  createStoreStatements,
  type IngestListener,
  type ListenerErrorHandler,
  type ProjectStep,
} from './statements/store-statements.js'

export interface LrsOptions {
  readonly productVersion: string
  /** Extra projections run in the ingest transaction, after the built-in ones. */
  readonly projectSteps?: readonly ProjectStep[]
  /** Called after each committed ingest with the new statements (contract: notify-listeners.ts). */
  readonly listeners?: readonly IngestListener[]
  /** Receives each listener failure (log and count it); the request still succeeds. */
  readonly onListenerError?: ListenerErrorHandler
}

export function createLrs(deps: CoreDeps, options: LrsOptions): Lrs {
  const onListenerError = options.onListenerError ?? (() => undefined)
  const writes = createStoreStatements({
    ...deps,
    projectSteps: [projectActivitiesAndAgents, ...(options.projectSteps ?? [])],
    listeners: options.listeners ?? [],
    onListenerError,
  })
  // Without the `define` scope, statements are stored but do not (re)define the canonical
  // activities and agents (Communication §4.2); the other projections still run.
  const undefiningWrites = createStoreStatements({
    ...deps,
    projectSteps: options.projectSteps ?? [],
    listeners: options.listeners ?? [],
    onListenerError,
  })
  const writesFor = (ctx: RequestContext) => (mayDefine(ctx.principal) ? writes : undefiningWrites)
  const reads = createReadStatements(deps)
  const documents = createDocumentUseCases(deps)
  const aboutResource = about(options.productVersion)
  // Every use case checks the caller's scopes first (auth/authorize.ts).
  return authorize({
    authenticate: createAuthenticator(deps.storage.admin, deps.authorityHomePage),
    about: () => aboutResource,
    storeStatements: (ctx, ...rest) => writesFor(ctx).storeStatements(ctx, ...rest),
    putStatement: (ctx, ...rest) => writesFor(ctx).putStatement(ctx, ...rest),
    consistentThrough: reads.consistentThrough,
    getStatement: reads.getStatement,
    queryStatements: reads.queryStatements,
    importStatements: createImportStatements(writes.ingest),
    exportStatements: createExportStatements(deps),
    getPerson: documents.getPerson,
    getActivity: documents.getActivity,
    getDocument: documents.getDocument,
    writeDocument: documents.writeDocument,
    deleteDocument: documents.deleteDocument,
  })
}
