/**
 * @module Migration 0039: on PostgreSQL, the exit points (migration 0030) of the learners whose
 * page rows a statement changed are set once per statement, not once per row.
 *
 * A learner's exit is their page latest in page order while their course row leaves (§6). Migration
 * 0030 re-set it from a row-level trigger on `an_pages`: the projector upserts a batch's page rows
 * in one statement (a few hundred rows), so the same delete and insert ran once per row, each
 * reading the course's page order again. In the PostgreSQL ingest bench that was 4,256 calls and
 * 2.6 s of 24 s of database time (pg_stat_statements, docs/scaling.md, wave 14), the largest part
 * of the projector's.
 *
 * Statement-level triggers with transition tables see every row the statement changed, so the
 * exits of all of them are re-set by one delete and one insert, which read the page order of each
 * course involved once. The rule is the same as 0030's (`recompute`): idempotent, it reads only
 * the current rows, and a statement-level trigger runs after all of the statement's rows and
 * their row-level triggers, so the exits are exact at the end of every statement.
 *
 * The triggers on `an_learner_activity` and `an_page_totals` stay row-level: the projector changes
 * few course rows whose leaving state flips, and page order changes are rare once a course's pages
 * have been seen. SQLite has no statement-level triggers: its row-level triggers stay.
 */
import { type Kysely, type Migration, sql } from 'kysely'
import { exitsInsert } from './course-funnel-migration.js'
import type { SqlDialect } from './sql-dialect.js'

/** The keys of `an_recompute_exits`, from its three array arguments. */
const KEYS = 'unnest(p_stores, p_courses, p_learners) as k(store_id, course, learner)'

/**
 * Re-sets the exits of the distinct (store, course, learner) keys given as three arrays: the
 * rule of migration 0030 (`exitsInsert`) for many keys at once, reading the page order (the
 * earliest first view of each page by anyone, from `an_page_totals`) once per course.
 */
const RECOMPUTE_KEYS = `create or replace function an_recompute_exits(
      p_stores integer[], p_courses text[], p_learners text[]) returns void
    language plpgsql as $$
    begin
      delete from an_course_exits e using ${KEYS}
        where e.store_id = k.store_id and e.course = k.course and e.learner = k.learner;
      ${exitsInsert(' collate "C"', {
        keys: KEYS,
        courses:
          'select c.store_id, c.course from unnest(p_stores, p_courses) as c(store_id, course)',
      })};
    end $$`

/** A trigger function that re-sets the exits of the keys `keys` (a select of distinct rows). */
const statementTrigger = (name: string, keys: string) => `create or replace function ${name}()
    returns trigger language plpgsql as $$
    declare
      v_stores integer[];
      v_courses text[];
      v_learners text[];
    begin
      select array_agg(k.store_id), array_agg(k.course), array_agg(k.learner)
        into v_stores, v_courses, v_learners
        from (${keys}) k;
      if v_stores is not null then
        perform an_recompute_exits(v_stores, v_courses, v_learners);
      end if;
      return null;
    end $$`

const statements = [
  'drop trigger if exists an_pages_exits on an_pages',
  'drop function if exists an_pages_exits()',
  RECOMPUTE_KEYS,
  // A new page row: its learner's exit may now be that page.
  statementTrigger(
    'an_pages_exits_inserted',
    'select distinct store_id, course, learner from inserted where course is not null',
  ),
  // An update changes an exit only when it moves the row to another course (an earlier view of
  // the page naming another course); more views of a page leave every exit as it was.
  statementTrigger(
    'an_pages_exits_updated',
    `select o.store_id, o.course, o.learner from old_rows o join new_rows n
        on n.store_id = o.store_id and n.page = o.page and n.learner = o.learner
        where o.course is distinct from n.course and o.course is not null
      union
      select n.store_id, n.course, n.learner from old_rows o join new_rows n
        on n.store_id = o.store_id and n.page = o.page and n.learner = o.learner
        where o.course is distinct from n.course and n.course is not null`,
  ),
  statementTrigger(
    'an_pages_exits_deleted',
    'select distinct store_id, course, learner from old_rows where course is not null',
  ),
  `create trigger an_pages_exits_inserted after insert on an_pages
    referencing new table as inserted for each statement
    execute function an_pages_exits_inserted()`,
  `create trigger an_pages_exits_updated after update on an_pages
    referencing old table as old_rows new table as new_rows for each statement
    execute function an_pages_exits_updated()`,
  `create trigger an_pages_exits_deleted after delete on an_pages
    referencing old table as old_rows for each statement
    execute function an_pages_exits_deleted()`,
]

export function statementLevelExitsMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect.name !== 'postgres') return
      for (const statement of statements) await sql.raw(statement).execute(db)
    },
  }
}
