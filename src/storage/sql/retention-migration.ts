/** @module Migration 0010: per-store retention policies and the erasure audit log (GDPR Art. 5(1)(e), 17). */
import type { Kysely, Migration } from 'kysely'
import type { SqlDialect } from './sql-dialect.js'

/**
 * Version 10:
 * - `retention_policies`: how many days a store keeps statements and documents (null = for ever);
 * - `erasures`: one row per erasure, for accountability (who, when, how many), keyed by `seq`;
 *   it holds SHA-256 digests of the IFIs erased, never the IFIs themselves;
 * - `documents_updated` serves the retention purge of documents (oldest first), and
 *   `documents_agent` the erasure of an agent's State and Agent Profile documents, whatever
 *   their activity.
 */
export function retentionMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('retention_policies')
        .addColumn('store_id', 'integer', (col) => col.primaryKey())
        .addColumn('statement_days', 'integer')
        .addColumn('document_days', 'integer')
        .addColumn('updated_ms', 'bigint', (col) => col.notNull())
        .execute()

      await dialect
        .addSeqColumn(db.schema.createTable('erasures'))
        .addColumn('store_id', 'integer', (col) => col.notNull())
        .addColumn('requested_by', 'text', (col) => col.notNull())
        .addColumn('requested_ms', 'bigint', (col) => col.notNull())
        .addColumn('ifi_hashes', 'text', (col) => col.notNull())
        .addColumn('statements_deleted', 'integer', (col) => col.notNull())
        .addColumn('statements_anonymised', 'integer', (col) => col.notNull())
        .addColumn('documents_deleted', 'integer', (col) => col.notNull())
        .addColumn('attachments_deleted', 'integer', (col) => col.notNull())
        .addColumn('agents_deleted', 'integer', (col) => col.notNull())
        .execute()
      await db.schema
        .createIndex('erasures_store')
        .on('erasures')
        .columns(['store_id', 'seq'])
        .execute()

      await db.schema
        .createIndex('documents_updated')
        .on('documents')
        .columns(['store_id', 'updated_ms'])
        .execute()
      await db.schema
        .createIndex('documents_agent')
        .on('documents')
        .columns(['store_id', 'agent_ifi'])
        .execute()
    },
  }
}
