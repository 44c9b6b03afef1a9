/**
 * @module Migration 0031: what the overview over a window (overview-report.ts) reads instead of
 * one row per learner or per (day, activity) of the window.
 *
 * - `an_learner_returns` (day, prev_day → learners): how many learners were active on `day`
 *   with their previous active day on `prev_day` (`NO_PREVIOUS_DAY` for a first day). A learner
 *   active in days [a, b) has exactly one active day there whose previous one is before a, so
 *   the distinct active learners of any range of days (§0) are the sum of the rows with
 *   a ≤ day < b and prev_day < a: at most one row per (day, earlier day), however many learners
 *   there are. It replaces one index probe per learner whose active days straddle an end of
 *   the window (`an_learner_span`, migration 0018), 6,667 at 10⁶ statements and 66,667 at 10⁷.
 * - An index on `an_daily_activities` that carries `statements`: the top activities over a
 *   window sum the window's (day, activity) rows, which through the primary key alone are also
 *   a table lookup each for their count.
 *
 * Derived from `an_learner_days` by triggers in the projector's unit of work, as migration 0018
 * does: a day added to a learner between two of theirs, or removed from between them, moves
 * the next day's count from one previous day to another. SQLite runs row triggers as each row
 * changes, so a trigger reads the learner's neighbouring days as they are. PostgreSQL runs its
 * AFTER triggers when the whole statement is done (every row of a multi-row upsert already
 * there), so there one trigger per statement recounts the touched learners' days from the
 * transition table: their pairs before the statement are subtracted, those after added.
 * Counts are per learner key (IFI), as `an_learner_days` is.
 *
 * Also the objectives report's figures per course (objective-course-totals.ts).
 */
import { type Kysely, type Migration, sql } from 'kysely'
import { createObjectiveCourseTotals } from './objective-course-totals.js'
import type { SqlDialect } from './sql-dialect.js'

/** The `prev_day` of a learner's first active day: below every day a timestamp can have. */
export const NO_PREVIOUS_DAY = -100_000_001

/** A learner's active day before / after `row`.day, the SQL of both engines. */
const neighbour = (row: 'new' | 'old', side: 'prev' | 'next') =>
  `(select ${side === 'prev' ? 'max' : 'min'}(day) from an_learner_days d
     where d.store_id = ${row}.store_id and d.learner = ${row}.learner
     and d.day ${side === 'prev' ? '<' : '>'} ${row}.day)`

/** SQLite: add `n` (±1) learners to the pair (day, prev) of the store of `row`. */
function move(row: 'new' | 'old', day: string, prev: string, n: 1 | -1): string {
  const key = `store_id = ${row}.store_id and day = ${day} and prev_day = ${prev}`
  return n === 1
    ? `update an_learner_returns set learners = learners + 1 where ${key};
      insert into an_learner_returns (store_id, day, prev_day, learners)
        select ${row}.store_id, ${day}, ${prev}, 1
        where ${day} is not null and not exists (select 1 from an_learner_returns where ${key});`
    : `update an_learner_returns set learners = learners - 1 where ${key};
      delete from an_learner_returns where ${key} and learners <= 0;`
}

function sqliteTriggers(): string[] {
  // Not `insert or ignore` (migration 0025 says why). A null next day matches no pair.
  const prevOf = (row: 'new' | 'old') => `coalesce(${neighbour(row, 'prev')}, ${NO_PREVIOUS_DAY})`
  return [
    // The new day's previous day is the learner's latest before it; their next day, if any,
    // had that one as its previous day and now has the new day.
    `create trigger an_learner_days_returns_added after insert on an_learner_days begin
      ${move('new', neighbour('new', 'next'), prevOf('new'), -1)}
      ${move('new', neighbour('new', 'next'), 'new.day', 1)}
      ${move('new', 'new.day', prevOf('new'), 1)}
    end`,
    `create trigger an_learner_days_returns_removed after delete on an_learner_days begin
      ${move('old', 'old.day', prevOf('old'), -1)}
      ${move('old', neighbour('old', 'next'), 'old.day', -1)}
      ${move('old', neighbour('old', 'next'), prevOf('old'), 1)}
    end`,
  ]
}

/**
 * PostgreSQL: per statement, the (day, previous day) pairs of the learners it touched, over
 * their days now (`an_learner_days`) minus those over their days before (now without the rows
 * it added, or with the rows it removed), added to the counts; pairs left at 0 are deleted.
 */
function postgresTriggers(): string[] {
  const recount = (event: 'added' | 'removed') => {
    const before =
      event === 'added'
        ? `select d.store_id, d.learner, d.day from an_learner_days d
             join touched t on t.store_id = d.store_id and t.learner = d.learner
           where not exists (select 1 from changed c
             where c.store_id = d.store_id and c.learner = d.learner and c.day = d.day)`
        : `select d.store_id, d.learner, d.day from an_learner_days d
             join touched t on t.store_id = d.store_id and t.learner = d.learner
           union all select store_id, learner, day from changed`
    const pairs = (rows: string, sign: string) =>
      `select store_id, day, coalesce(lag(day) over (partition by store_id, learner order by day),
         ${NO_PREVIOUS_DAY}) as prev_day, ${sign} as n from (${rows}) r`
    return `create or replace function an_learner_days_returns_${event}() returns trigger
      language plpgsql as $$
    begin
      insert into an_learner_returns as t (store_id, day, prev_day, learners)
        with touched as (select distinct store_id, learner from changed),
        delta as (
          ${pairs(
            `select d.store_id, d.learner, d.day from an_learner_days d
               join touched t on t.store_id = d.store_id and t.learner = d.learner`,
            '1',
          )}
          union all
          ${pairs(before, '-1')}
        )
        select store_id, day, prev_day, sum(n) from delta
        group by store_id, day, prev_day having sum(n) <> 0
        on conflict (store_id, day, prev_day) do update set learners = t.learners + excluded.learners;
      delete from an_learner_returns
        where store_id in (select distinct store_id from changed) and learners <= 0;
      return null;
    end $$`
  }
  return [
    recount('added'),
    recount('removed'),
    `create trigger an_learner_days_returns_added after insert on an_learner_days
      referencing new table as changed
      for each statement execute function an_learner_days_returns_added()`,
    `create trigger an_learner_days_returns_removed after delete on an_learner_days
      referencing old table as changed
      for each statement execute function an_learner_days_returns_removed()`,
  ]
}

export function reportWindowsMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('an_learner_returns')
        .addColumn('store_id', 'integer', (col) => col.notNull())
        .addColumn('day', 'bigint', (col) => col.notNull())
        .addColumn('prev_day', 'bigint', (col) => col.notNull())
        .addColumn('learners', 'bigint', (col) => col.notNull())
        .addPrimaryKeyConstraint('an_learner_returns_pk', ['store_id', 'day', 'prev_day'])
        .execute()
      // The pairs of the projections already there (a store projected before this version).
      await sql
        .raw(
          `insert into an_learner_returns (store_id, day, prev_day, learners)
           select store_id, day, prev_day, count(*) from (
             select store_id, day, coalesce(lag(day) over (partition by store_id, learner
               order by day), ${NO_PREVIOUS_DAY}) as prev_day
             from an_learner_days) r
           group by store_id, day, prev_day`,
        )
        .execute(db)
      for (const statement of dialect.name === 'postgres' ? postgresTriggers() : sqliteTriggers())
        await sql.raw(statement).execute(db)
      await db.schema
        .createIndex('an_daily_activities_window')
        .ifNotExists()
        .on('an_daily_activities')
        .columns(['store_id', 'day', 'activity_id', 'statements'])
        .execute()
      await createObjectiveCourseTotals(db, dialect)
    },
  }
}
