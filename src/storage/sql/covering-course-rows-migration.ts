/**
 * @module Migration 0037: on PostgreSQL, the course report reads a course's learner rows from
 * one index, not from the table.
 *
 * The course report (§1–§5) reads every learner row of a course: the outcome columns, which the
 * outcomes index (migration 0030) holds, and `last_ms` (the last activity), `centis` (time spent)
 * and the first and last scores, which only the table held. PostgreSQL keeps rows where they
 * were first written, so the 23,278 rows of the largest course at 10⁷ statements lay on 23,086
 * heap pages, one page per row (`EXPLAIN (ANALYZE, BUFFERS)`, bench/results/
 * analytics-wave10-2026-12-04.md); with the default 128 MB of shared buffers each report pass
 * fetched most of them again. SQLite solved this by keeping the table in key order (migration
 * 0035); PostgreSQL has no index-organised table, and CLUSTER is undone by the next writes.
 *
 * So here the outcomes index carries those four columns as `include` columns (not part of the
 * key, so the B-tree's inner pages stay as small as before): the report's passes are index-only
 * scans of one range of consecutive leaf pages. The price: an update that changes `last_ms` or
 * `centis` (most updates of a course row) is no longer a heap-only (HOT) update, so it writes all
 * four indexes of the table. Measured (bench/results/analytics-wave11-2026-12-04.md): projection
 * lag p95 at a steady 1,000 statements/s 0.07 → 0.12 s; ingest and catch-up within the noise.
 *
 * SQLite's table is already in key order (migration 0035), and SQLite has no `include`: there
 * this migration does nothing.
 */
import { type Kysely, type Migration, sql } from 'kysely'
import { OUTCOMES_INDEX_KEY } from './course-funnel-migration.js'
import type { SqlDialect } from './sql-dialect.js'

/** The course report's other columns of a learner row (course-report.ts). */
export const INCLUDED = ['last_ms', 'centis', 'first_score', 'last_score']

/** Creates the outcomes index of `an_learner_activity` on PostgreSQL with `included` columns. */
export async function createCoveringOutcomesIndex(
  db: Kysely<unknown>,
  included: readonly string[],
): Promise<void> {
  await sql
    .raw(
      `create index an_learner_activity_outcomes on an_learner_activity (${OUTCOMES_INDEX_KEY.join(', ')})
        include (${included.join(', ')})`,
    )
    .execute(db)
}

export function coveringCourseRowsMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect.name !== 'postgres') return
      await sql`drop index if exists an_learner_activity_outcomes`.execute(db)
      await createCoveringOutcomesIndex(db, INCLUDED)
    },
  }
}
