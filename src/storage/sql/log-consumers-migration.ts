/** @module Migration 0005: the cursors and leases of statement-log consumers (`StatementLogStorage`). */
import type { Kysely, Migration } from 'kysely'

/**
 * `log_consumers`: one cursor per (store, consumer), moved in the same transaction as the
 * consumer's work. `log_leases`: who consumes a store's log, on engines where the lease is a row
 * (SQLite); PostgreSQL uses session advisory locks and leaves it empty.
 */
export function logConsumersMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('log_consumers')
        .addColumn('store_id', 'integer', (col) => col.notNull())
        .addColumn('consumer', 'text', (col) => col.notNull())
        .addColumn('seq', 'bigint', (col) => col.notNull())
        .addColumn('updated_ms', 'bigint', (col) => col.notNull())
        .addPrimaryKeyConstraint('log_consumers_pk', ['store_id', 'consumer'])
        .execute()
      await db.schema
        .createTable('log_leases')
        .addColumn('store_id', 'integer', (col) => col.notNull())
        .addColumn('consumer', 'text', (col) => col.notNull())
        .addColumn('holder', 'text', (col) => col.notNull())
        .addColumn('expires_ms', 'bigint', (col) => col.notNull())
        .addPrimaryKeyConstraint('log_leases_pk', ['store_id', 'consumer'])
        .execute()
    },
  }
}
