/** @module Migration 0033: the objectives report's window ranges, with their learners. */
import type { Kysely, Migration } from 'kysely'

/**
 * The objectives report over a window without a course reads each objective's cells in the
 * window as one range of the (objective, latest evidence) index and counts their distinct
 * learners there, so the learner joins that index. It replaces migration 0012's, which lacked
 * it: every cell in range was a table row read (28 ms of the report's 76 at 10⁶ statements,
 * growing with the store). Same columns otherwise, so projection writes keep their cost.
 */
export function objectiveWindowIndexMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.dropIndex('an_objectives_objective_window').ifExists().execute()
      await db.schema
        .createIndex('an_objectives_objective_window_learner')
        .ifNotExists()
        .on('an_objectives')
        .columns(['store_id', 'objective', 'last_ms', 'learner', 'evidence', 'correct'])
        .execute()
    },
  }
}
