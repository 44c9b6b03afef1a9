/**
 * @module Migration 0038: on PostgreSQL, an index of `an_learner_activity` by (store, activity,
 * first statement), so an activity's first statement by anyone is one index lookup.
 *
 * The course report orders a course's modules by their first statement by anyone (§6: the
 * module order; course-report.ts, `modulesInSql`), the least `first_ms` of the module's learner
 * rows. No index began with (store, activity, first_ms), so that `min` read every learner row
 * of each module: 18 ms of the largest course's report at 10⁷ statements, for five numbers
 * (auto_explain, bench/results/analytics-wave11-2026-12-04.md). With this index each module's
 * `min` reads the first entry of its range.
 *
 * The price: one more index entry per new learner row and per update of a row that is not
 * heap-only (since migration 0037, most updates of a course row); measured in docs/scaling.md
 * (808 MB at 10⁷ statements; lag and ingest ratio still inside their targets).
 *
 * SQLite keeps the table in key order (migration 0035), where reading a module's rows is a
 * range of consecutive pages, and its projector shares the one writer with ingest: there this
 * migration does nothing.
 */
import { type Kysely, type Migration, sql } from 'kysely'
import type { SqlDialect } from './sql-dialect.js'

export function activityFirstSeenMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect.name !== 'postgres') return
      await sql`create index an_learner_activity_first
        on an_learner_activity (store_id, activity_id, first_ms)`.execute(db)
    },
  }
}
