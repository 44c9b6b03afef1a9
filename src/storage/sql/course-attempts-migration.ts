/**
 * @module Migration 0043: each learner row of `an_learner_activity` keeps its attempts (§5):
 * `sessions`, the learner's cmi5 sessions of the activity, and `open_sessions`, those not ended.
 *
 * The sessions of an activity are those launched under it as course (`an_sessions.course`) and
 * those of it as AU outside that course (`activity_id`, another or no course), as the course
 * report has counted them since migration 0030. The report grouped a course's sessions per
 * learner and joined them to the cohort's rows: at 10⁷ simulated statements, 64 ms of the
 * report on the largest course (23,102 learners) over the open window on SQLite
 * (bench/results/analytics-wave17-2026-12-05.md). Kept on the row, the attempts are read in
 * the same pass as the scores and times.
 *
 * Kept by triggers in the projector's unit of work, as migration 0030's funnel is, and exact
 * after every single row change of either table in any order: a session row adds itself to
 * (and takes itself back from) the one or two learner rows it counts for; a learner row that
 * appears, or whose key changes, counts its sessions afresh. The projector's upserts name only
 * the projection's own columns, so they never overwrite these two. A learner row without
 * sessions skips the count (most rows: questions, pages, objectives).
 *
 * On PostgreSQL the course report reads a course's learner rows from the outcomes index alone
 * (migration 0037), so the index also carries the two columns: without them each row would be a
 * heap page read again (one page per row at 10⁷ statements).
 */
import { type Kysely, type Migration, sql } from 'kysely'
import { createCoveringOutcomesIndex, INCLUDED } from './covering-course-rows-migration.js'
import type { SqlDialect } from './sql-dialect.js'

const COLUMNS = ['sessions', 'open_sessions']

/** The learner rows that session row `row` counts for: its course's, and its AU's outside it. */
const ROWS_OF_SESSION = (row: 'new' | 'old') => `store_id = ${row}.store_id
          and learner = ${row}.learner
          and activity_id in (${row}.course, case when ${row}.course is null
            or ${row}.course <> ${row}.activity_id then ${row}.activity_id end)`

/** 1 when session row `row` (a trigger's row or an alias) is open: no end seen yet. */
const OPEN = (row: string) => `case when ${row}.ended = 0 then 1 else 0 end`

const SESSION_ADDED = `update an_learner_activity set sessions = sessions + 1,
          open_sessions = open_sessions + ${OPEN('new')}
        where ${ROWS_OF_SESSION('new')};`

const SESSION_REMOVED = `update an_learner_activity set sessions = sessions - 1,
          open_sessions = open_sessions - ${OPEN('old')}
        where ${ROWS_OF_SESSION('old')};`

/** A session update that changes what it counts for (or whether it is open). */
const SESSION_MOVED = `old.course is distinct from new.course
        or old.activity_id is distinct from new.activity_id or old.learner <> new.learner
        or old.store_id <> new.store_id or (${OPEN('old')}) <> (${OPEN('new')})`

/** The sessions of learner row `new` (alias s): along the (course, learner) and (AU, learner) indexes. */
const sessionsOfRow = (columns: string) => `select ${columns} from an_sessions s
          where s.store_id = new.store_id and s.course = new.activity_id and s.learner = new.learner
          union all
          select ${columns} from an_sessions s
          where s.store_id = new.store_id and s.activity_id = new.activity_id
            and s.learner = new.learner and (s.course is null or s.course <> new.activity_id)`

const HAS_SESSIONS = `exists (${sessionsOfRow('1')})`

/** Learner row `new` counts its sessions afresh. */
const ROW_COUNTED = `update an_learner_activity set (sessions, open_sessions) = (
          select count(*), coalesce(sum(${OPEN('x')}), 0)
          from (${sessionsOfRow('s.ended')}) x)
        where store_id = new.store_id and activity_id = new.activity_id and learner = new.learner;`

/** The learner row's key changed (or it appeared). */
const ROW_KEY_MOVED = `old.store_id <> new.store_id or old.activity_id <> new.activity_id
        or old.learner <> new.learner`

function sqliteTriggers(): string[] {
  // SQLite spells `is distinct from` as `is not`.
  const moved = SESSION_MOVED.replaceAll('is distinct from', 'is not')
  return [
    `create trigger an_sessions_attempts_added after insert on an_sessions begin
      ${SESSION_ADDED}
    end`,
    `create trigger an_sessions_attempts_moved after update on an_sessions when ${moved} begin
      ${SESSION_REMOVED}
      ${SESSION_ADDED}
    end`,
    `create trigger an_sessions_attempts_removed after delete on an_sessions begin
      ${SESSION_REMOVED}
    end`,
    `create trigger an_learner_activity_attempts_added after insert on an_learner_activity
      when ${HAS_SESSIONS} begin
      ${ROW_COUNTED}
    end`,
    `create trigger an_learner_activity_attempts_moved after update on an_learner_activity
      when ${ROW_KEY_MOVED} begin
      ${ROW_COUNTED}
    end`,
  ]
}

function postgresTriggers(): string[] {
  return [
    `create function an_sessions_attempts() returns trigger language plpgsql as $$
    begin
      if tg_op in ('UPDATE', 'DELETE') then
        ${SESSION_REMOVED}
      end if;
      if tg_op in ('INSERT', 'UPDATE') then
        ${SESSION_ADDED}
      end if;
      return null;
    end $$`,
    `create trigger an_sessions_attempts after insert or delete on an_sessions
      for each row execute function an_sessions_attempts()`,
    // Most updates of a session (every statement in it) change neither what it counts for nor
    // whether it is open; only those that do call the function.
    `create trigger an_sessions_attempts_moved after update on an_sessions
      for each row when (${SESSION_MOVED}) execute function an_sessions_attempts()`,
    `create function an_learner_activity_attempts() returns trigger language plpgsql as $$
    begin
      if ${HAS_SESSIONS} then
        ${ROW_COUNTED}
      end if;
      return null;
    end $$`,
    `create trigger an_learner_activity_attempts after insert on an_learner_activity
      for each row execute function an_learner_activity_attempts()`,
    `create trigger an_learner_activity_attempts_moved after update on an_learner_activity
      for each row when (${ROW_KEY_MOVED}) execute function an_learner_activity_attempts()`,
  ]
}

/** Every learner row's attempts from the sessions there are (stores projected before 0043). */
const BACKFILL = `update an_learner_activity set sessions = x.n, open_sessions = x.o
  from (select store_id, activity_id, learner, count(*) as n,
      sum(${OPEN('s')}) as o
    from (select store_id, course as activity_id, learner, ended from an_sessions
        where course is not null
      union all
      select store_id, activity_id, learner, ended from an_sessions
        where activity_id is not null and (course is null or course <> activity_id)) s
    group by store_id, activity_id, learner) x
  where an_learner_activity.store_id = x.store_id
    and an_learner_activity.activity_id = x.activity_id
    and an_learner_activity.learner = x.learner`

export function courseAttemptsMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      const postgres = dialect.name === 'postgres'
      // Made again after the backfill, which then does not update the index row by row.
      if (postgres) await sql`drop index if exists an_learner_activity_outcomes`.execute(db)
      for (const column of COLUMNS)
        await db.schema
          .alterTable('an_learner_activity')
          .addColumn(column, 'bigint', (c) => c.notNull().defaultTo(0))
          .execute()
      await sql.raw(BACKFILL).execute(db)
      if (postgres) await createCoveringOutcomesIndex(db, [...INCLUDED, ...COLUMNS])
      for (const statement of postgres ? postgresTriggers() : sqliteTriggers())
        await sql.raw(statement).execute(db)
    },
  }
}
