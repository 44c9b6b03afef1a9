/**
 * @module Migration 0026: the pages report's per-page figures kept at projection time, and
 * indexes of the items and objectives reports.
 *
 * - `an_page_totals` (course, module, page → viewers, views, first_ms): per page and the
 *   course and module its viewers' rows name (`''` for none), the viewers (rows of `an_pages`),
 *   their views and the earliest first view. The pages report over an open window reads these
 *   few rows per page instead of grouping every (page, learner) row of a course (10⁴–10⁵ rows
 *   at 10⁶–10⁷ statements); its medians are index probes (pages-report.ts).
 *   Derived from `an_pages` by triggers in the projector's unit of work, as migrations 0018,
 *   0019 and 0025 do. The earliest view is a minimum: a removed row (a voiding's recompute, a
 *   rebuild's reset) that held it makes the trigger read the page's rows again, only then.
 * - `an_items_assessment_learner` (assessment, learner, question, success, answer_ms, response):
 *   the items report groups an assessment's answers by learner (its respondents) and joins them
 *   back by learner; with the primary key (assessment, question, learner) and the learner index
 *   alone, SQLite walks the store's answers through the learner index.
 * - `an_objectives_learner_cells` (learner, objective, evidence, correct): a page of the
 *   objectives matrix (its learners' rows) read from one covering range per learner; without
 *   statistics SQLite otherwise prefers a covering index over the whole store's rows.
 */
import { type Kysely, type Migration, sql } from 'kysely'
import type { SqlDialect } from './sql-dialect.js'

const keyOf = (row: 'new' | 'old') =>
  `store_id = ${row}.store_id and course = coalesce(${row}.course, '')
        and module = coalesce(${row}.module, '') and page = ${row}.page`
/** The `an_pages` rows of the totals row of `old` (course and module may be null). */
const ROWS_OF_OLD = `p.store_id = old.store_id and p.page = old.page
          and (p.course = old.course or (p.course is null and old.course is null))
          and (p.module = old.module or (p.module is null and old.module is null))`

/** A row leaving its totals row (a delete, or the old side of an update that moves it). */
const ROW_REMOVED = `update an_page_totals set viewers = viewers - 1, views = views - coalesce(old.views, 0)
        where ${keyOf('old')};
      delete from an_page_totals where ${keyOf('old')} and viewers <= 0;
      update an_page_totals
        set first_ms = (select min(p.view_ms) from an_pages p where ${ROWS_OF_OLD})
        where ${keyOf('old')} and first_ms >= old.view_ms;`

/**
 * A row joining its totals row. Not `insert or ignore` + update: in the trigger of the
 * projector's upsert, SQLite applies the outer statement's conflict handling to the trigger's
 * inserts (see migration 0025), so the insert is guarded by `not exists` instead.
 */
const SQLITE_ROW_ADDED = `update an_page_totals set viewers = viewers + 1,
        views = views + coalesce(new.views, 0), first_ms = min(first_ms, new.view_ms)
        where ${keyOf('new')};
      insert into an_page_totals (store_id, course, module, page, viewers, views, first_ms)
        select new.store_id, coalesce(new.course, ''), coalesce(new.module, ''), new.page, 1,
          coalesce(new.views, 0), new.view_ms
        where not exists (select 1 from an_page_totals where ${keyOf('new')});`

/** An update that keeps the row in its totals row: its views change, its first view may. */
const IN_PLACE = `update an_page_totals set views = views + coalesce(new.views, 0) - coalesce(old.views, 0),
        first_ms = case when new.view_ms < first_ms then new.view_ms else first_ms end
        where ${keyOf('new')};
      update an_page_totals
        set first_ms = (select min(p.view_ms) from an_pages p where ${ROWS_OF_OLD})
        where ${keyOf('new')} and new.view_ms > old.view_ms and first_ms >= old.view_ms;`

const SAME_KEY = `old.course is new.course and old.module is new.module`

function sqliteTriggers(): string[] {
  return [
    `create trigger an_pages_totals_added after insert on an_pages begin
      ${SQLITE_ROW_ADDED}
    end`,
    `create trigger an_pages_totals_changed after update on an_pages when ${SAME_KEY} begin
      ${IN_PLACE}
    end`,
    `create trigger an_pages_totals_moved after update on an_pages when not (${SAME_KEY}) begin
      ${ROW_REMOVED}
      ${SQLITE_ROW_ADDED}
    end`,
    `create trigger an_pages_totals_removed after delete on an_pages begin
      ${ROW_REMOVED}
    end`,
  ]
}

function postgresTriggers(): string[] {
  return [
    `create or replace function an_pages_totals() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' then
        if old.course is not distinct from new.course
          and old.module is not distinct from new.module then
          ${IN_PLACE}
          return null;
        end if;
      end if;
      if tg_op in ('UPDATE', 'DELETE') then
        ${ROW_REMOVED}
      end if;
      if tg_op in ('INSERT', 'UPDATE') then
        insert into an_page_totals as t (store_id, course, module, page, viewers, views, first_ms)
          values (new.store_id, coalesce(new.course, ''), coalesce(new.module, ''), new.page, 1,
            coalesce(new.views, 0), new.view_ms)
          on conflict (store_id, course, module, page) do update set
            viewers = t.viewers + 1, views = t.views + excluded.views,
            first_ms = least(t.first_ms, excluded.first_ms);
      end if;
      return null;
    end $$`,
    `create trigger an_pages_totals after insert or update or delete on an_pages
      for each row execute function an_pages_totals()`,
  ]
}

export function pageTotalsMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('an_page_totals')
        .addColumn('store_id', 'integer', (col) => col.notNull())
        .addColumn('course', 'text', (col) => col.notNull())
        .addColumn('module', 'text', (col) => col.notNull())
        .addColumn('page', 'text', (col) => col.notNull())
        .addColumn('viewers', 'bigint', (col) => col.notNull())
        .addColumn('views', 'bigint', (col) => col.notNull())
        .addColumn('first_ms', 'bigint')
        .addPrimaryKeyConstraint('an_page_totals_pk', ['store_id', 'course', 'module', 'page'])
        .execute()
      await db.schema
        .createIndex('an_page_totals_module')
        .on('an_page_totals')
        .columns(['store_id', 'module', 'page'])
        .execute()
      await db.schema
        .createIndex('an_items_assessment_learner')
        .ifNotExists()
        .on('an_items')
        .columns([
          'store_id',
          'assessment',
          'learner',
          'question',
          'success',
          'answer_ms',
          'response',
        ])
        .execute()
      await db.schema
        .createIndex('an_objectives_learner_cells')
        .ifNotExists()
        .on('an_objectives')
        .columns(['store_id', 'learner', 'objective', 'evidence', 'correct'])
        .execute()
      // The totals of the projections already there (a store projected before this version).
      await sql
        .raw(
          `insert into an_page_totals (store_id, course, module, page, viewers, views, first_ms)
           select store_id, coalesce(course, ''), coalesce(module, ''), page, count(*),
             coalesce(sum(views), 0), min(view_ms)
           from an_pages group by 1, 2, 3, 4`,
        )
        .execute(db)
      for (const statement of dialect.name === 'postgres' ? postgresTriggers() : sqliteTriggers())
        await sql.raw(statement).execute(db)
    },
  }
}
