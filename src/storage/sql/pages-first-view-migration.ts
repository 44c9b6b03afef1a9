/**
 * @module Migration 0041: an index of `an_pages` by (store, course, first view), so the pages
 * report over a window whose ends fall inside days reads only the page rows first viewed in
 * those part days.
 *
 * Over whole UTC days the report sums `an_page_days` (migration 0040). A window with an end
 * inside a day (an API client's own times) took its viewers and views from every page row of the
 * course instead, through the (store, course, page, …) covering index: about 500 ms for the
 * largest course at 10⁷ statements on PostgreSQL. Now its whole days come from `an_page_days`
 * and only its part days from the page rows, by a range of this index.
 *
 * Only the course scope: a module's pages are a part of one course, and the report over a module
 * reads that module's rows through its covering index (migration 0019) at a cost that follows
 * the module. The price is one more index entry per new page row, and per update of one that is
 * not heap-only on PostgreSQL (every view changes the indexed `centis` or `views` of the covering
 * indexes already, so no update of a page row is heap-only).
 */
import { type Kysely, type Migration, sql } from 'kysely'

export function pagesFirstViewMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await sql`create index an_pages_course_first_view
        on an_pages (store_id, course, view_ms)`.execute(db)
    },
  }
}
