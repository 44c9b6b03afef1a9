/** @module Migration 0006: the analytics projection tables (analytics-schema.ts). */
import type { Kysely, Migration } from 'kysely'
import { TABLES } from './analytics-schema.js'

/**
 * One table per projection, keyed by store then the projection's key, so every report reads a
 * small range of one index. Frozen as of this migration: a later change to the specs needs a
 * migration of its own (and a rebuild), never an edit here.
 */
export function analyticsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      for (const table of TABLES) {
        let create = db.schema
          .createTable(table.name)
          .addColumn('store_id', 'integer', (col) => col.notNull())
        for (const [column, type] of Object.entries(table.types))
          create = create.addColumn(
            column,
            type === 'real' ? 'double precision' : type,
            table.key.includes(column) ? (col) => col.notNull() : (col) => col,
          )
        await create
          .addPrimaryKeyConstraint(`${table.name}_pk`, ['store_id', ...table.key] as never)
          .execute()
        for (const columns of table.indexes)
          await db.schema
            .createIndex(`${table.name}_${columns.join('_')}`)
            .on(table.name)
            .columns(['store_id', ...columns])
            .execute()
      }
    },
  }
}
