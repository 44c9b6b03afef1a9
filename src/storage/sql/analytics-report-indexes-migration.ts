/**
 * @module Migration 0012: indexes the reports need at 10⁶–10⁷ statements. Each one lets a report
 * read one contiguous, covering index range of a course or an objective instead of a whole
 * store's rows (or of the table through the primary key with a lookup per row).
 */
import type { Kysely, Migration } from 'kysely'

/** [index, table, columns after store_id]: frozen as of this migration. */
export const REPORT_INDEXES: readonly (readonly [string, string, readonly string[]])[] = [
  // Course report: the pages of a course grouped by page, and its funnel (covering).
  ['an_pages_course_page', 'an_pages', ['course', 'page', 'learner', 'view_ms', 'views', 'module']],
  // Course report: the modules (AUs) launched under a course.
  ['an_sessions_course_activity', 'an_sessions', ['course', 'activity_id']],
  // Objectives report: per-objective mastery over a window (covering), store-wide…
  [
    'an_objectives_objective_window',
    'an_objectives',
    ['objective', 'last_ms', 'evidence', 'correct'],
  ],
  // …and within one course.
  [
    'an_objectives_course_window',
    'an_objectives',
    ['course', 'objective', 'last_ms', 'evidence', 'correct', 'learner'],
  ],
]

export function analyticsReportIndexesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      for (const [name, table, columns] of REPORT_INDEXES)
        await db.schema
          .createIndex(name)
          .ifNotExists()
          .on(table)
          .columns(['store_id', ...columns])
          .execute()
    },
  }
}
