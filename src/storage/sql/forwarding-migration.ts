/** @module Migration 0009: forwarding targets of a store and their delivery state. */
import type { Kysely, Migration } from 'kysely'
import type { SqlDialect } from './sql-dialect.js'

/**
 * `forwarding_targets`: one row per target (another LRS or a webhook), with its filter, batch
 * size, pause threshold and the state shown in its status. Its cursor is the log consumer
 * cursor `forwarding:<seq>` (`log_consumers`, migration 0005): one mechanism for every reader
 * of the statement log.
 */
export function forwardingMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await dialect
        .addSeqColumn(db.schema.createTable('forwarding_targets'))
        .addColumn('store_id', 'integer', (col) => col.notNull())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('destination', 'text', (col) => col.notNull())
        .addColumn('filter', 'text', (col) => col.notNull())
        .addColumn('batch_size', 'integer', (col) => col.notNull())
        .addColumn('max_failures', 'integer', (col) => col.notNull())
        .addColumn('paused', 'integer', (col) => col.notNull())
        .addColumn('consecutive_failures', 'integer', (col) => col.notNull())
        .addColumn('last_error', 'text')
        .addColumn('last_error_ms', 'bigint')
        .addColumn('last_success_ms', 'bigint')
        .addColumn('delivered', 'bigint', (col) => col.notNull())
        .addColumn('batches', 'bigint', (col) => col.notNull())
        .addColumn('failures', 'bigint', (col) => col.notNull())
        .addColumn('created_ms', 'bigint', (col) => col.notNull())
        .execute()
      await db.schema
        .createIndex('forwarding_targets_store')
        .on('forwarding_targets')
        .columns(['store_id', 'seq'])
        .execute()
    },
  }
}
