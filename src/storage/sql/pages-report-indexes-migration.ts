/**
 * @module Migration 0019: the pages report's covering indexes and the overview's statements per
 * activity over all time.
 *
 * - Indexes on `an_pages` ordered by page then time on the page (pages-report.ts): the per-page
 *   sums walk one index range in page order; without them SQLite groups by walking the primary
 *   key (page, learner) over every page of the store.
 * - `an_activity_totals` (activity → statements): `an_daily_activities` summed over its days by
 *   triggers in the projector's transaction (insert adds, an upsert's update adds the change, a
 *   delete takes the row back), so the overview's top activities over an open window read one
 *   row per activity instead of one per (day, activity) of the store's history.
 */
import { type Kysely, type Migration, sql } from 'kysely'
import type { SqlDialect } from './sql-dialect.js'

const KEY = 'store_id = new.store_id and activity_id = new.activity_id'
const OLD_KEY = 'store_id = old.store_id and activity_id = old.activity_id'

function sqliteTriggers(): string[] {
  return [
    `create trigger an_daily_activities_added after insert on an_daily_activities begin
      insert or ignore into an_activity_totals (store_id, activity_id, statements)
        values (new.store_id, new.activity_id, 0);
      update an_activity_totals set statements = statements + new.statements where ${KEY};
    end`,
    `create trigger an_daily_activities_changed after update on an_daily_activities begin
      update an_activity_totals set statements = statements + new.statements - old.statements
        where ${KEY};
    end`,
    `create trigger an_daily_activities_removed after delete on an_daily_activities begin
      update an_activity_totals set statements = statements - old.statements where ${OLD_KEY};
      delete from an_activity_totals where ${OLD_KEY} and statements <= 0;
    end`,
  ]
}

function postgresTriggers(): string[] {
  return [
    `create or replace function an_daily_activities_total() returns trigger language plpgsql as $$
    begin
      if tg_op in ('UPDATE', 'DELETE') then
        update an_activity_totals set statements = statements - old.statements where ${OLD_KEY};
        delete from an_activity_totals where ${OLD_KEY} and statements <= 0;
      end if;
      if tg_op in ('INSERT', 'UPDATE') then
        insert into an_activity_totals as t (store_id, activity_id, statements)
          values (new.store_id, new.activity_id, new.statements)
          on conflict (store_id, activity_id) do update set statements = t.statements + new.statements;
      end if;
      return null;
    end $$`,
    `create trigger an_daily_activities_total after insert or update or delete on an_daily_activities
      for each row execute function an_daily_activities_total()`,
  ]
}

export function pagesReportIndexesMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      for (const [name, scope] of [
        ['an_pages_module_page_time', 'module'],
        ['an_pages_course_page_time', 'course'],
      ] as const)
        await db.schema
          .createIndex(name)
          .ifNotExists()
          .on('an_pages')
          .columns(['store_id', scope, 'page', 'centis', 'view_ms', 'views', 'module'])
          .execute()
      await db.schema
        .createTable('an_activity_totals')
        .addColumn('store_id', 'integer', (col) => col.notNull())
        .addColumn('activity_id', 'text', (col) => col.notNull())
        .addColumn('statements', 'bigint', (col) => col.notNull())
        .addPrimaryKeyConstraint('an_activity_totals_pk', ['store_id', 'activity_id'])
        .execute()
      await sql
        .raw(
          `insert into an_activity_totals (store_id, activity_id, statements)
           select store_id, activity_id, sum(statements) from an_daily_activities
           group by store_id, activity_id having sum(statements) > 0`,
        )
        .execute(db)
      for (const statement of dialect.name === 'postgres' ? postgresTriggers() : sqliteTriggers())
        await sql.raw(statement).execute(db)
    },
  }
}
