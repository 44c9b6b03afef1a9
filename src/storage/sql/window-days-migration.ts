/**
 * @module Migration 0040: the course funnel, the exit points and the pages report's figures kept
 * per UTC day, so a report over a window of whole days sums a few rows per (page, day) instead
 * of reading the page rows of the window's cohort.
 *
 * A learner belongs to a course report's window by the day of their first statement about the
 * course (§1 Time windows: `an_learner_activity.first_ms`), and to a pages report's window by
 * the day of their first view of the page (`an_pages.view_ms`). Each learner has one such day
 * per key, so the distinct learners of a window are the sum of its days' rows: no learner is
 * counted on two days.
 *
 * - `an_course_funnel_days` (course, day, page → reached, views) replaces `an_course_funnel`
 *   (migration 0030): the same started learners' page rows, keyed also by the day of the
 *   learner's first course statement. The open window sums all of a page's days. Kept by the
 *   triggers of migration 0030 rewritten with the day: a page row counts on the day of its
 *   learner's course row *now*, and a course row that becomes started, stops being started or
 *   moves to another day (an earlier statement arriving) takes its learner's page rows off the
 *   old day and puts them on the new one.
 * - `an_course_exits.day`: the day of the exiting learner's first course statement, stored in
 *   the exit row (set from the course row when the row is inserted, moved with the course row),
 *   and `an_course_exit_days` (course, day, page → learners) counted from the exit rows by
 *   their own `day`. Storing the day keeps the count exact whichever of a course row's triggers
 *   runs first (the exits' recompute and the day's move).
 * - `an_page_days` (course, module, page, day → viewers, views): `an_page_totals` (migration
 *   0026) per day of the first view.
 *
 * Days are UTC epoch days, `floor(ms / 86,400,000)` as `dayOf` computes them in JS
 * (statement-facts.ts). A window whose ends are not at 00:00 UTC still reads the learners of
 * its partial days row by row (course-report.ts, pages-report.ts).
 */
import { type Kysely, type Migration, sql } from 'kysely'
import { PAGES_OF, started } from './course-funnel-migration.js'
import type { SqlDialect } from './sql-dialect.js'

/** The UTC epoch day of epoch milliseconds `ms` (an integer expression), floored below 0 too. */
export const dayOfSql = (ms: string) =>
  `((${ms} - ((${ms} % 86400000) + 86400000) % 86400000) / 86400000)`

// ---------------------------------------------------------------- funnel per day

/** The day of the started course row of page row `row`'s learner (null when not started). */
const STARTED_DAY = (row: 'new' | 'old') => `(select ${dayOfSql('la.first_ms')}
          from an_learner_activity la where la.store_id = ${row}.store_id
            and la.activity_id = ${row}.course and la.learner = ${row}.learner and ${started('la')})`

/** The funnel row of page row `row` (none when its learner has not started: `day = null`). */
const funnelKey = (row: 'new' | 'old') =>
  `store_id = ${row}.store_id and course = ${row}.course and page = ${row}.page
          and day = ${STARTED_DAY(row)}`

const PAGE_REMOVED = `update an_course_funnel_days set reached = reached - 1,
          views = views - coalesce(old.views, 0)
        where ${funnelKey('old')};
      delete from an_course_funnel_days where ${funnelKey('old')} and reached <= 0;`

/** Not an upsert on SQLite: see migration 0030 (the outer upsert's conflict handling). */
const SQLITE_PAGE_ADDED = `update an_course_funnel_days set reached = reached + 1,
          views = views + coalesce(new.views, 0)
        where ${funnelKey('new')};
      insert into an_course_funnel_days (store_id, course, day, page, reached, views)
        select new.store_id, new.course, d.day, new.page, 1, coalesce(new.views, 0)
        from (select ${STARTED_DAY('new')} as day) d
        where d.day is not null and new.course is not null
          and not exists (select 1 from an_course_funnel_days where ${funnelKey('new')});`

const PAGE_VIEWS_CHANGED = `update an_course_funnel_days
        set views = views + coalesce(new.views, 0) - coalesce(old.views, 0)
        where ${funnelKey('new')};`

/** The funnel rows, on course row `row`'s day, of the pages of its learner in its course. */
const FUNNEL_OF = (row: 'new' | 'old') => `store_id = ${row}.store_id
          and course = ${row}.activity_id and day = ${dayOfSql(`${row}.first_ms`)}
          and page in (select p.page from an_pages p where ${PAGES_OF(row)})`
const VIEWS_OF = (row: 'new' | 'old') => `(select coalesce(p.views, 0) from an_pages p
          where ${PAGES_OF(row)} and p.page = an_course_funnel_days.page)`

/** Course row `new` counts from now on, on its day: its learner's page rows join the funnel. */
const SQLITE_COURSE_STARTED = `update an_course_funnel_days
        set reached = reached + 1, views = views + ${VIEWS_OF('new')}
        where ${FUNNEL_OF('new')};
      insert into an_course_funnel_days (store_id, course, day, page, reached, views)
        select p.store_id, p.course, ${dayOfSql('new.first_ms')}, p.page, 1, coalesce(p.views, 0)
        from an_pages p
        where ${PAGES_OF('new')} and not exists (select 1 from an_course_funnel_days f
          where f.store_id = p.store_id and f.course = p.course
            and f.day = ${dayOfSql('new.first_ms')} and f.page = p.page);`

/** Course row `old` no longer counts on its day (stopped, deleted or moved to another day). */
const COURSE_STOPPED = `update an_course_funnel_days
        set reached = reached - 1, views = views - ${VIEWS_OF('old')}
        where ${FUNNEL_OF('old')};
      delete from an_course_funnel_days where ${FUNNEL_OF('old')} and reached <= 0;`

/** True when course row `row` counts on the same day before and after an update. */
const SAME_DAY_STARTED = `${started('old')} and ${started('new')}
        and ${dayOfSql('old.first_ms')} = ${dayOfSql('new.first_ms')}`

/** The backfill: every started learner's page rows, on the day of their course row. */
export const FUNNEL_DAYS_BACKFILL = `insert into an_course_funnel_days (store_id, course, day, page, reached, views)
  select p.store_id, p.course, ${dayOfSql('la.first_ms')}, p.page, count(*), coalesce(sum(p.views), 0)
  from an_pages p join an_learner_activity la on la.store_id = p.store_id
    and la.activity_id = p.course and la.learner = p.learner
  where ${started('la')}
  group by p.store_id, p.course, ${dayOfSql('la.first_ms')}, p.page`

// ---------------------------------------------------------------- exits per day

const exitKey = (row: 'new' | 'old') =>
  `store_id = ${row}.store_id and course = ${row}.course and day = ${row}.day and page = ${row}.page`

const EXIT_REMOVED = `update an_course_exit_days set learners = learners - 1 where ${exitKey('old')};
      delete from an_course_exit_days where ${exitKey('old')} and learners <= 0;`

const SQLITE_EXIT_ADDED = `update an_course_exit_days set learners = learners + 1 where ${exitKey('new')};
      insert into an_course_exit_days (store_id, course, day, page, learners)
        select new.store_id, new.course, new.day, new.page, 1
        where new.day is not null
          and not exists (select 1 from an_course_exit_days where ${exitKey('new')});`

/** The day of the course row of exit row `new` (its learner's first statement about the course). */
const EXIT_DAY = `(select ${dayOfSql('la.first_ms')} from an_learner_activity la
          where la.store_id = new.store_id and la.activity_id = new.course
            and la.learner = new.learner)`

/** Course row `new` moved to another day: so do its learner's exit row in the course. */
const EXIT_DAY_MOVED = `update an_course_exits set day = ${dayOfSql('new.first_ms')}
        where store_id = new.store_id and course = new.activity_id and learner = new.learner
          and (day is null or day <> ${dayOfSql('new.first_ms')});`

const DAY_MOVED = `${dayOfSql('old.first_ms')} <> ${dayOfSql('new.first_ms')}`

export const EXITS_DAY_BACKFILL = `update an_course_exits set day = (select ${dayOfSql('la.first_ms')}
    from an_learner_activity la where la.store_id = an_course_exits.store_id
      and la.activity_id = an_course_exits.course and la.learner = an_course_exits.learner)`

export const EXIT_DAYS_BACKFILL = `insert into an_course_exit_days (store_id, course, day, page, learners)
  select store_id, course, day, page, count(*) from an_course_exits where day is not null
  group by store_id, course, day, page`

// ---------------------------------------------------------------- pages per day

const pageDayKey = (row: 'new' | 'old') =>
  `store_id = ${row}.store_id and course = coalesce(${row}.course, '')
        and module = coalesce(${row}.module, '') and page = ${row}.page
        and day = ${dayOfSql(`${row}.view_ms`)}`

const PAGE_DAY_REMOVED = `update an_page_days set viewers = viewers - 1, views = views - coalesce(old.views, 0)
        where ${pageDayKey('old')};
      delete from an_page_days where ${pageDayKey('old')} and viewers <= 0;`

const SQLITE_PAGE_DAY_ADDED = `update an_page_days set viewers = viewers + 1,
        views = views + coalesce(new.views, 0)
        where ${pageDayKey('new')};
      insert into an_page_days (store_id, course, module, page, day, viewers, views)
        select new.store_id, coalesce(new.course, ''), coalesce(new.module, ''), new.page,
          ${dayOfSql('new.view_ms')}, 1, coalesce(new.views, 0)
        where not exists (select 1 from an_page_days where ${pageDayKey('new')});`

const PAGE_DAY_VIEWS = `update an_page_days set views = views + coalesce(new.views, 0) - coalesce(old.views, 0)
        where ${pageDayKey('new')};`

const SQLITE_SAME_PAGE_DAY = `old.course is new.course and old.module is new.module
        and ${dayOfSql('old.view_ms')} = ${dayOfSql('new.view_ms')}`

export const PAGE_DAYS_BACKFILL = `insert into an_page_days (store_id, course, module, page, day, viewers, views)
  select store_id, coalesce(course, ''), coalesce(module, ''), page, ${dayOfSql('view_ms')},
    count(*), coalesce(sum(views), 0)
  from an_pages group by 1, 2, 3, 4, 5`

// ---------------------------------------------------------------- triggers

/** Migration 0030's funnel triggers, replaced by the ones below. */
const SQLITE_FUNNEL_TRIGGERS = [
  'an_pages_funnel_added',
  'an_pages_funnel_changed',
  'an_pages_funnel_moved',
  'an_pages_funnel_removed',
  'an_learner_activity_funnel_added',
  'an_learner_activity_funnel_started',
  'an_learner_activity_funnel_stopped',
  'an_learner_activity_funnel_removed',
]

/**
 * SQLite's four triggers keeping a derived table from the rows of `table`: a row added, a row
 * updated in place (`same`: it stays in its derived row), a row moved to another derived row
 * (taken out of the old, put in the new), a row removed.
 */
function sqliteRowTriggers(
  name: string,
  table: string,
  same: string,
  body: { added: string; changed: string; removed: string },
): string[] {
  return [
    `create trigger ${name}_added after insert on ${table} begin
      ${body.added}
    end`,
    `create trigger ${name}_changed after update on ${table} when ${same} begin
      ${body.changed}
    end`,
    `create trigger ${name}_moved after update on ${table} when not (${same}) begin
      ${body.removed}
      ${body.added}
    end`,
    `create trigger ${name}_removed after delete on ${table} begin
      ${body.removed}
    end`,
  ]
}

function sqliteStatements(): string[] {
  return [
    ...SQLITE_FUNNEL_TRIGGERS.map((name) => `drop trigger if exists ${name}`),
    'drop table an_course_funnel',
    ...sqliteRowTriggers('an_pages_funnel_days', 'an_pages', 'old.course is new.course', {
      added: SQLITE_PAGE_ADDED,
      changed: PAGE_VIEWS_CHANGED,
      removed: PAGE_REMOVED,
    }),
    `create trigger an_learner_activity_funnel_days_added after insert on an_learner_activity
      when ${started('new')} begin
      ${SQLITE_COURSE_STARTED}
    end`,
    // A course row that moves day while started fires both of these, on different days.
    `create trigger an_learner_activity_funnel_days_stopped after update on an_learner_activity
      when ${started('old')} and not (${SAME_DAY_STARTED}) begin
      ${COURSE_STOPPED}
    end`,
    `create trigger an_learner_activity_funnel_days_started after update on an_learner_activity
      when ${started('new')} and not (${SAME_DAY_STARTED}) begin
      ${SQLITE_COURSE_STARTED}
    end`,
    `create trigger an_learner_activity_funnel_days_removed after delete on an_learner_activity
      when ${started('old')} begin
      ${COURSE_STOPPED}
    end`,
    // SQLite's triggers cannot set a column of the row being inserted: the insert's own update.
    `create trigger an_course_exits_day_set after insert on an_course_exits
      when new.day is null begin
      update an_course_exits set day = ${EXIT_DAY}
        where store_id = new.store_id and course = new.course and learner = new.learner;
    end`,
    `create trigger an_course_exits_days_added after insert on an_course_exits
      when new.day is not null begin
      ${SQLITE_EXIT_ADDED}
    end`,
    `create trigger an_course_exits_days_changed after update on an_course_exits
      when old.day is not new.day or old.page is not new.page begin
      ${EXIT_REMOVED}
      ${SQLITE_EXIT_ADDED}
    end`,
    `create trigger an_course_exits_days_removed after delete on an_course_exits begin
      ${EXIT_REMOVED}
    end`,
    `create trigger an_learner_activity_exit_day after update on an_learner_activity
      when ${DAY_MOVED} begin
      ${EXIT_DAY_MOVED}
    end`,
    ...sqliteRowTriggers('an_pages_days', 'an_pages', SQLITE_SAME_PAGE_DAY, {
      added: SQLITE_PAGE_DAY_ADDED,
      changed: PAGE_DAY_VIEWS,
      removed: PAGE_DAY_REMOVED,
    }),
  ]
}

function postgresStatements(): string[] {
  const funnelUpsert = (select: string) => `insert into an_course_funnel_days as f
          (store_id, course, day, page, reached, views)
          ${select}
          on conflict (store_id, course, day, page) do update set
            reached = f.reached + excluded.reached, views = f.views + excluded.views;`
  return [
    'drop trigger an_pages_funnel on an_pages',
    'drop trigger an_learner_activity_funnel on an_learner_activity',
    'drop function an_pages_funnel()',
    'drop function an_learner_activity_funnel()',
    'drop table an_course_funnel',
    `create function an_pages_funnel_days() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and old.course is not distinct from new.course then
        ${PAGE_VIEWS_CHANGED}
        return null;
      end if;
      if tg_op in ('UPDATE', 'DELETE') and old.course is not null then
        ${PAGE_REMOVED}
      end if;
      if tg_op in ('INSERT', 'UPDATE') and new.course is not null then
        ${funnelUpsert(`select new.store_id, new.course, d.day, new.page, 1, coalesce(new.views, 0)
          from (select ${STARTED_DAY('new')} as day) d where d.day is not null`)}
      end if;
      return null;
    end $$`,
    `create trigger an_pages_funnel_days after insert or update or delete on an_pages
      for each row execute function an_pages_funnel_days()`,
    `create function an_learner_activity_funnel_days() returns trigger language plpgsql as $$
    declare
      was boolean := tg_op in ('UPDATE', 'DELETE') and ${started('old')};
      is_started boolean := tg_op in ('INSERT', 'UPDATE') and ${started('new')};
    begin
      if was and is_started and ${dayOfSql('old.first_ms')} = ${dayOfSql('new.first_ms')} then
        return null;
      end if;
      if was then
        ${COURSE_STOPPED}
      end if;
      if is_started then
        ${funnelUpsert(`select p.store_id, p.course, ${dayOfSql('new.first_ms')}, p.page, 1,
            coalesce(p.views, 0) from an_pages p where ${PAGES_OF('new')}`)}
      end if;
      return null;
    end $$`,
    // Only the updates that change the started state or the day call the function: most
    // updates of a course row (every statement about it) change neither.
    `create trigger an_learner_activity_funnel_days after insert or delete on an_learner_activity
      for each row execute function an_learner_activity_funnel_days()`,
    `create trigger an_learner_activity_funnel_days_changed after update on an_learner_activity
      for each row when ((${started('old')}) is distinct from (${started('new')})
        or ${dayOfSql('old.first_ms')} <> ${dayOfSql('new.first_ms')})
      execute function an_learner_activity_funnel_days()`,
    `create function an_course_exits_day() returns trigger language plpgsql as $$
    begin
      new.day := ${EXIT_DAY};
      return new;
    end $$`,
    `create trigger an_course_exits_day before insert on an_course_exits
      for each row execute function an_course_exits_day()`,
    `create function an_course_exits_days() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and old.day is not distinct from new.day and old.page = new.page then
        return null;
      end if;
      if tg_op in ('UPDATE', 'DELETE') and old.day is not null then
        ${EXIT_REMOVED}
      end if;
      if tg_op in ('INSERT', 'UPDATE') and new.day is not null then
        insert into an_course_exit_days as x (store_id, course, day, page, learners)
          values (new.store_id, new.course, new.day, new.page, 1)
          on conflict (store_id, course, day, page) do update set learners = x.learners + 1;
      end if;
      return null;
    end $$`,
    `create trigger an_course_exits_days after insert or update or delete on an_course_exits
      for each row execute function an_course_exits_days()`,
    `create function an_learner_activity_exit_day() returns trigger language plpgsql as $$
    begin
      ${EXIT_DAY_MOVED}
      return null;
    end $$`,
    `create trigger an_learner_activity_exit_day after update on an_learner_activity
      for each row when (${DAY_MOVED}) execute function an_learner_activity_exit_day()`,
    `create function an_pages_days() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and old.course is not distinct from new.course
        and old.module is not distinct from new.module
        and ${dayOfSql('old.view_ms')} = ${dayOfSql('new.view_ms')} then
        ${PAGE_DAY_VIEWS}
        return null;
      end if;
      if tg_op in ('UPDATE', 'DELETE') then
        ${PAGE_DAY_REMOVED}
      end if;
      if tg_op in ('INSERT', 'UPDATE') then
        insert into an_page_days as d (store_id, course, module, page, day, viewers, views)
          values (new.store_id, coalesce(new.course, ''), coalesce(new.module, ''), new.page,
            ${dayOfSql('new.view_ms')}, 1, coalesce(new.views, 0))
          on conflict (store_id, course, module, page, day) do update set
            viewers = d.viewers + 1, views = d.views + excluded.views;
      end if;
      return null;
    end $$`,
    `create trigger an_pages_days after insert or update or delete on an_pages
      for each row execute function an_pages_days()`,
  ]
}

export function windowDaysMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('an_course_funnel_days')
        .addColumn('store_id', 'integer', (col) => col.notNull())
        .addColumn('course', 'text', (col) => col.notNull())
        .addColumn('day', 'bigint', (col) => col.notNull())
        .addColumn('page', 'text', (col) => col.notNull())
        .addColumn('reached', 'bigint', (col) => col.notNull())
        .addColumn('views', 'bigint', (col) => col.notNull())
        .addPrimaryKeyConstraint('an_course_funnel_days_pk', ['store_id', 'course', 'day', 'page'])
        .execute()
      await db.schema
        .createTable('an_course_exit_days')
        .addColumn('store_id', 'integer', (col) => col.notNull())
        .addColumn('course', 'text', (col) => col.notNull())
        .addColumn('day', 'bigint', (col) => col.notNull())
        .addColumn('page', 'text', (col) => col.notNull())
        .addColumn('learners', 'bigint', (col) => col.notNull())
        .addPrimaryKeyConstraint('an_course_exit_days_pk', ['store_id', 'course', 'day', 'page'])
        .execute()
      await db.schema
        .createTable('an_page_days')
        .addColumn('store_id', 'integer', (col) => col.notNull())
        .addColumn('course', 'text', (col) => col.notNull())
        .addColumn('module', 'text', (col) => col.notNull())
        .addColumn('page', 'text', (col) => col.notNull())
        .addColumn('day', 'bigint', (col) => col.notNull())
        .addColumn('viewers', 'bigint', (col) => col.notNull())
        .addColumn('views', 'bigint', (col) => col.notNull())
        .addPrimaryKeyConstraint('an_page_days_pk', ['store_id', 'course', 'module', 'page', 'day'])
        .execute()
      // The pages report of a module reads its pages' days along this index.
      await db.schema
        .createIndex('an_page_days_module')
        .on('an_page_days')
        .columns(['store_id', 'module', 'page', 'day'])
        .execute()
      await db.schema.alterTable('an_course_exits').addColumn('day', 'bigint').execute()
      // The rows already there (a store projected before this version), before any trigger.
      for (const backfill of [
        FUNNEL_DAYS_BACKFILL,
        EXITS_DAY_BACKFILL,
        EXIT_DAYS_BACKFILL,
        PAGE_DAYS_BACKFILL,
      ])
        await sql.raw(backfill).execute(db)
      for (const statement of dialect.name === 'postgres'
        ? postgresStatements()
        : sqliteStatements())
        await sql.raw(statement).execute(db)
    },
  }
}
