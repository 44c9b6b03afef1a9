/** @module Migration 0014: people (a person, their attributes and IFIs) and cohorts of a store. */
import type { Kysely, Migration } from 'kysely'
import type { SqlDialect } from './sql-dialect.js'

/**
 * `people`: one row per person of a store, with the attributes cohorts filter on (text, '' is
 * never stored: absent is NULL) and any custom fields as JSON text. `person_identifiers`: the
 * IFIs (canonical keys, `xapi/ifi.ts`) of each person; an IFI belongs to one person of a store.
 * Reports resolve a learner key (the actor's IFI) through this table at query time, so a merge
 * or an attribute change shows at once without rebuilding the projections.
 * `cohorts`: saved filters over the attributes (JSON text).
 * `an_informal`: informal learning (analytics-definitions.md §15) per learner, UTC day, source
 * platform, credential and kind, kept by the people log consumer (`analytics/people/`); its
 * columns only add up (statements, centiseconds), so voiding subtracts exactly.
 */
export function peopleMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await dialect
        .addSeqColumn(db.schema.createTable('people'))
        .addColumn('store_id', 'integer', (col) => col.notNull())
        .addColumn('name', 'text')
        .addColumn('email', 'text')
        .addColumn('role', 'text')
        .addColumn('team', 'text')
        .addColumn('org_unit', 'text')
        .addColumn('manager', 'text')
        .addColumn('location', 'text')
        .addColumn('start_date', 'text')
        .addColumn('custom', 'text', (col) => col.notNull())
        .addColumn('source', 'text', (col) => col.notNull())
        .addColumn('created_ms', 'bigint', (col) => col.notNull())
        .addColumn('updated_ms', 'bigint', (col) => col.notNull())
        .execute()
      await db.schema
        .createIndex('people_store')
        .on('people')
        .columns(['store_id', 'seq'])
        .execute()

      await dialect
        .clustered(
          db.schema
            .createTable('person_identifiers')
            .addColumn('store_id', 'integer', (col) => col.notNull())
            .addColumn('ifi', 'text', (col) => col.notNull())
            .addColumn('person_id', 'bigint', (col) => col.notNull())
            .addColumn('added_ms', 'bigint', (col) => col.notNull())
            .addPrimaryKeyConstraint('person_identifiers_pk', ['store_id', 'ifi']),
        )
        .execute()
      await db.schema
        .createIndex('person_identifiers_person')
        .on('person_identifiers')
        .columns(['store_id', 'person_id'])
        .execute()

      await dialect
        .addSeqColumn(db.schema.createTable('cohorts'))
        .addColumn('store_id', 'integer', (col) => col.notNull())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('description', 'text', (col) => col.notNull())
        .addColumn('filter', 'text', (col) => col.notNull())
        .addColumn('created_ms', 'bigint', (col) => col.notNull())
        .addColumn('updated_ms', 'bigint', (col) => col.notNull())
        .execute()
      await db.schema
        .createIndex('cohorts_store_name')
        .on('cohorts')
        .columns(['store_id', 'name'])
        .unique()
        .execute()

      await db.schema
        .createTable('an_informal')
        .addColumn('store_id', 'integer', (col) => col.notNull())
        .addColumn('learner', 'text', (col) => col.notNull())
        .addColumn('day', 'bigint', (col) => col.notNull())
        .addColumn('platform', 'text', (col) => col.notNull())
        .addColumn('authority', 'text', (col) => col.notNull())
        .addColumn('kind', 'text', (col) => col.notNull())
        .addColumn('statements', 'bigint', (col) => col.notNull())
        .addColumn('centis', 'bigint', (col) => col.notNull())
        .addPrimaryKeyConstraint('an_informal_pk', [
          'store_id',
          'learner',
          'day',
          'platform',
          'authority',
          'kind',
        ])
        .execute()
      await db.schema
        .createIndex('an_informal_day')
        .on('an_informal')
        .columns(['store_id', 'day'])
        .execute()
    },
  }
}
