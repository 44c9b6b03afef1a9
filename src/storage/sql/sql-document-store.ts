/** @module DocumentStore on SQL: State, Activity Profile and Agent Profile documents. */
import type { DocumentKey, DocumentKind, DocumentScope, DocumentStore } from '../ports.js'
import type { DocumentsTable } from './database.js'
import {
  fromBlob,
  isoFromMs,
  msFromIso,
  type SqlStoreContext,
  toBlob,
  toNumber,
} from './sql-support.js'

/** An unused part of a key: '' so that the unique key treats it as one value (not NULL). */
const NONE = ''

/** The key columns of a document; '' stands for an undefined part. */
function keyColumns(
  storeId: number,
  key: DocumentKey,
): Pick<
  DocumentsTable,
  'store_id' | 'kind' | 'activity_id' | 'agent_ifi' | 'registration' | 'document_id'
> {
  return {
    store_id: storeId,
    kind: key.kind,
    activity_id: key.activityId ?? NONE,
    agent_ifi: key.agentIfi ?? NONE,
    registration: key.registration ?? NONE,
    document_id: key.documentId,
  }
}

function keyFromRow(row: DocumentsTable): DocumentKey {
  return {
    kind: row.kind as DocumentKind,
    activityId: row.activity_id === NONE ? undefined : row.activity_id,
    agentIfi: row.agent_ifi === NONE ? undefined : row.agent_ifi,
    registration: row.registration === NONE ? undefined : row.registration,
    documentId: row.document_id,
  }
}

export function createSqlDocumentStore(ctx: SqlStoreContext): DocumentStore {
  const { db, storeId } = ctx

  return {
    async findDocument(key) {
      const row = await db
        .selectFrom('documents')
        .selectAll()
        .where((eb) => eb.and(keyColumns(storeId, key)))
        .executeTakeFirst()
      if (row === undefined) return undefined
      return {
        key: keyFromRow(row),
        contentType: row.content_type,
        content: fromBlob(row.content),
        etag: row.etag,
        updated: isoFromMs(toNumber(row.updated_ms)),
      }
    },

    async upsertDocument(document) {
      const changes = {
        content_type: document.contentType,
        content: toBlob(document.content),
        etag: document.etag,
        updated_ms: msFromIso(document.updated),
      }
      await db
        .insertInto('documents')
        .values({ ...keyColumns(storeId, document.key), ...changes })
        .onConflict((oc) =>
          oc
            .columns([
              'store_id',
              'kind',
              'activity_id',
              'agent_ifi',
              'registration',
              'document_id',
            ])
            .doUpdateSet(changes),
        )
        .execute()
    },

    async deleteDocument(key) {
      const result = await db
        .deleteFrom('documents')
        .where((eb) => eb.and(keyColumns(storeId, key)))
        .executeTakeFirst()
      return result.numDeletedRows > 0n
    },

    // Communication §2.3: "Deletes all state data for this context (Activity + Agent [+
    // registration if specified])": without a registration, every registration's documents go.
    async deleteDocuments(scope: DocumentScope) {
      let query = db
        .deleteFrom('documents')
        .where('store_id', '=', storeId)
        .where('kind', '=', scope.kind)
        .where('activity_id', '=', scope.activityId ?? NONE)
        .where('agent_ifi', '=', scope.agentIfi ?? NONE)
      if (scope.registration !== undefined)
        query = query.where('registration', '=', scope.registration)
      const result = await query.executeTakeFirst()
      return Number(result.numDeletedRows)
    },

    // Communication §2.3: the ids "for this context (Activity + Agent [+ registration if
    // specified])"; the same id under two registrations is listed once.
    async listDocumentIds(scope, since) {
      let query = db
        .selectFrom('documents')
        .select('document_id')
        .distinct()
        .where('store_id', '=', storeId)
        .where('kind', '=', scope.kind)
        .where('activity_id', '=', scope.activityId ?? NONE)
        .where('agent_ifi', '=', scope.agentIfi ?? NONE)
      if (scope.registration !== undefined)
        query = query.where('registration', '=', scope.registration)
      if (since !== undefined) query = query.where('updated_ms', '>', msFromIso(since))
      const rows = await query.execute()
      return rows.map((row) => row.document_id)
    },
  }
}
