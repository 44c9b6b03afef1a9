/**
 * @module Migration 0034: the exit points (migration 0030) re-set for fewer learners when a page
 * moves earlier in page order.
 *
 * A page's place in the course's page order is its earliest first view by anyone (§6). When an
 * earlier view arrives, migration 0030 recomputed the exit of every viewer of the page. Statements
 * that do not arrive in time order (an import, a rebuild replaying the log learner after learner,
 * an LMS catching up) move a page earlier about ln(viewers) times, so a course of 10⁴ learners
 * recomputed ~10⁵ learners' exits per page: on PostgreSQL 43% of the projector's time at 2·10⁴
 * statements, and growing with the course.
 *
 * A page moving earlier only changes the exit of the learners whose exit it was: a learner's exit
 * is their page latest in page order, and a page that moves earlier cannot overtake it. Those
 * learners still leave (their course rows did not change) and still have pages, so their rows
 * are updated in place to their latest page now (in code point order on ties, as 0030 orders
 * them). A page moving later, appearing or disappearing still recomputes every viewer, as before.
 */
import { type Kysely, type Migration, sql } from 'kysely'
import { RECOMPUTE_VIEWERS } from './course-funnel-migration.js'
import type { SqlDialect } from './sql-dialect.js'

/** The exits at page `row.page` of course `row.course`, set to each learner's latest page now. */
const EXITERS_MOVED = (collate: string) => `update an_course_exits set page = (
          select p.page from an_pages p join (select page, min(first_ms) as first
              from an_page_totals where store_id = new.store_id and course = new.course
              group by page) t on t.page = p.page
          where p.store_id = an_course_exits.store_id and p.course = an_course_exits.course
            and p.learner = an_course_exits.learner and t.first is not null
          order by t.first desc, p.page${collate} desc limit 1)
        where store_id = new.store_id and course = new.course and page = new.page;`

function sqliteStatements(): string[] {
  return [
    'drop trigger if exists an_page_totals_exits_changed',
    `create trigger an_page_totals_exits_earlier after update on an_page_totals
      when new.course != '' and new.first_ms < old.first_ms begin
      ${EXITERS_MOVED('')}
    end`,
    // Later, or to or from null (a voiding's recompute): every viewer, as migration 0030 did.
    `create trigger an_page_totals_exits_changed after update on an_page_totals
      when new.course != '' and old.first_ms is not new.first_ms
        and not coalesce(new.first_ms < old.first_ms, 0) begin
      ${RECOMPUTE_VIEWERS('new', '')}
    end`,
  ]
}

function postgresStatements(): string[] {
  const c = ' collate "C"'
  return [
    `create or replace function an_page_totals_exits() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and old.first_ms is not distinct from new.first_ms then
        return null;
      end if;
      if tg_op = 'UPDATE' and new.course <> '' and new.first_ms < old.first_ms then
        ${EXITERS_MOVED(c)}
        return null;
      end if;
      if tg_op = 'DELETE' then
        if old.course <> '' then
          ${RECOMPUTE_VIEWERS('old', c)}
        end if;
      elsif new.course <> '' then
        ${RECOMPUTE_VIEWERS('new', c)}
      end if;
      return null;
    end $$`,
  ]
}

export function courseExitsEarlierMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      for (const statement of dialect.name === 'postgres'
        ? postgresStatements()
        : sqliteStatements())
        await sql.raw(statement).execute(db)
    },
  }
}
