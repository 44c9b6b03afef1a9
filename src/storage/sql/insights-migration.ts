/**
 * @module Migration 0015: the insights tables (docs/insights.md). Activity links discovered from
 * statements (hierarchy and competency alignments), competency definitions, target levels, and
 * trained models. None of them holds personal data: links and definitions are about activities,
 * models hold coefficients and aggregate quality figures only.
 */
import type { Kysely, Migration } from 'kysely'

export function insightsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // activity → related activity: relation 'parent' (contextActivities.parent) or 'aligned'
      // (contextActivities.other of a formal answer, or an alignment an operator defined).
      await db.schema
        .createTable('in_links')
        .addColumn('store_id', 'integer', (col) => col.notNull())
        .addColumn('relation', 'text', (col) => col.notNull())
        .addColumn('activity_id', 'text', (col) => col.notNull())
        .addColumn('related_id', 'text', (col) => col.notNull())
        .addColumn('source', 'text', (col) => col.notNull())
        .addColumn('statements', 'bigint', (col) => col.notNull())
        .addColumn('weight', 'double precision', (col) => col.notNull())
        .addPrimaryKeyConstraint('in_links_pk', [
          'store_id',
          'relation',
          'activity_id',
          'related_id',
          'source',
        ])
        .execute()
      await db.schema
        .createIndex('in_links_related')
        .on('in_links')
        .columns(['store_id', 'relation', 'related_id'])
        .execute()
      await db.schema
        .createTable('in_competencies')
        .addColumn('store_id', 'integer', (col) => col.notNull())
        .addColumn('competency_id', 'text', (col) => col.notNull())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('description', 'text', (col) => col.notNull())
        .addColumn('updated_ms', 'bigint', (col) => col.notNull())
        .addPrimaryKeyConstraint('in_competencies_pk', ['store_id', 'competency_id'])
        .execute()
      // scope: 'all', 'role:<role>' or 'cohort:<cohort id>'.
      await db.schema
        .createTable('in_targets')
        .addColumn('store_id', 'integer', (col) => col.notNull())
        .addColumn('competency_id', 'text', (col) => col.notNull())
        .addColumn('scope', 'text', (col) => col.notNull())
        .addColumn('level', 'double precision', (col) => col.notNull())
        .addPrimaryKeyConstraint('in_targets_pk', ['store_id', 'competency_id', 'scope'])
        .execute()
      // One row per (store, kind, course): the model as JSON (coefficients, scaling, quality).
      await db.schema
        .createTable('in_models')
        .addColumn('store_id', 'integer', (col) => col.notNull())
        .addColumn('kind', 'text', (col) => col.notNull())
        .addColumn('course', 'text', (col) => col.notNull())
        .addColumn('trained_ms', 'bigint', (col) => col.notNull())
        .addColumn('body', 'text', (col) => col.notNull())
        .addPrimaryKeyConstraint('in_models_pk', ['store_id', 'kind', 'course'])
        .execute()
    },
  }
}
