/** @module The modules (AUs) launched under a course, found without reading its sessions. */
import { sql } from 'kysely'
import type { AnyDb } from './report-context.js'

/**
 * The distinct activities of the cmi5 sessions launched under `course` (`an_sessions.course`),
 * the course itself left out, sorted as JS sorts strings. A `distinct` over the course's range of
 * the (course, activity) index (migration 0012) reads every session of the course: at 10⁷
 * statements 13 ms for the largest course, once per course of the learner report. Neither SQLite
 * nor PostgreSQL skips through an index for `distinct`, so each step here asks the index for the
 * next activity after the last one: one seek per module.
 */
export async function sessionModulesOf(
  db: AnyDb,
  storeId: number,
  course: string,
): Promise<string[]> {
  const { rows } = await sql<{ a: string | null }>`with recursive m(a) as (
      select min(activity_id) from an_sessions where store_id = ${storeId} and course = ${course}
      union all
      select (select min(s.activity_id) from an_sessions s
          where s.store_id = ${storeId} and s.course = ${course} and s.activity_id > m.a)
        from m where m.a is not null
    )
    select a from m where a is not null`.execute(db)
  return rows
    .map((r) => r.a)
    .filter((id): id is string => typeof id === 'string' && id !== course)
    .sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))
}
