/**
 * @module Migration 0018: active-learner counts kept at projection time, so the store overview
 * (report 1) reads one row per day or week instead of counting distinct learners over every
 * `an_learner_days` row of the window (10⁵–10⁶ rows at 10⁶–10⁷ statements).
 *
 * The counts are derived from `an_learner_days` by triggers, in the projector's own unit of work:
 * every path that adds or removes a (day, learner) row — a batch, a voiding's recompute, a
 * rebuild's reset — keeps them exact without the projector reading anything back.
 *
 * - `an_active_days` (day → learners): the IFIs active that UTC day (analytics-definitions.md
 *   §0 "active learner": at least one statement that day).
 * - `an_learner_weeks` (week, learner → days) and `an_active_weeks` (week → learners): the same
 *   per ISO week (Mondays, epoch day 4), as the overview's `interval=week` buckets.
 * - `an_learner_span` (learner → days, first_day, last_day): one row per learner ever active,
 *   so the distinct learners of a window are counted from these rows (wholly inside the window)
 *   plus an index probe for those whose span straddles an end of it.
 *
 * Counts are per IFI (learner key); the report subtracts the extra IFIs of persons with several
 * (docs/people.md), read from the few rows of those persons only.
 */
import { type Kysely, type Migration, sql } from 'kysely'
import type { SqlDialect } from './sql-dialect.js'

/** The Monday (epoch day) starting the week of `day`: the overview's week bucket. */
const week = (day: string) => `((${day} - 4) / 7) * 7 + 4`

/**
 * What removing an `an_learner_days` row does, the same SQL on both engines: the day's and the
 * week's counts go down (a count at 0 removes its row) and the learner's span shrinks.
 */
const DAY_REMOVED = `update an_active_days set learners = learners - 1
        where store_id = old.store_id and day = old.day;
      delete from an_active_days where store_id = old.store_id and day = old.day and learners <= 0;
      update an_learner_weeks set days = days - 1
        where store_id = old.store_id and week = ${week('old.day')} and learner = old.learner;
      delete from an_learner_weeks
        where store_id = old.store_id and week = ${week('old.day')} and learner = old.learner and days <= 0;
      -- The last day of a learner removes their span. PostgreSQL runs AFTER row triggers
      -- once the whole statement is done: every day of a recomputed learner is gone by then,
      -- so min/max keep the old value until the count reaches the last row.
      delete from an_learner_span where store_id = old.store_id and learner = old.learner and days <= 1;
      update an_learner_span set days = days - 1,
        first_day = coalesce((select min(day) from an_learner_days d where d.store_id = old.store_id and d.learner = old.learner), first_day),
        last_day = coalesce((select max(day) from an_learner_days d where d.store_id = old.store_id and d.learner = old.learner), last_day)
        where store_id = old.store_id and learner = old.learner;`

/** What removing an `an_learner_weeks` row does, on both engines. */
const WEEK_REMOVED = `update an_active_weeks set learners = learners - 1
        where store_id = old.store_id and week = old.week;
      delete from an_active_weeks where store_id = old.store_id and week = old.week and learners <= 0;`

/** The SQLite trigger bodies (`insert or ignore` + `update`: no upsert inside a trigger). */
function sqliteTriggers(): string[] {
  /** Adds 1 to `column` of the row of `keys`, creating it at 0 first. */
  const bump = (table: string, keys: Record<string, string>, column: string) => {
    const cols = Object.keys(keys)
    return `insert or ignore into ${table} (store_id, ${cols.join(', ')}, ${column})
        values (new.store_id, ${Object.values(keys).join(', ')}, 0);
      update ${table} set ${column} = ${column} + 1
        where store_id = new.store_id and ${cols.map((c) => `${c} = ${keys[c]}`).join(' and ')};`
  }
  return [
    `create trigger an_learner_days_added after insert on an_learner_days begin
      ${bump('an_active_days', { day: 'new.day' }, 'learners')}
      ${bump('an_learner_weeks', { week: week('new.day'), learner: 'new.learner' }, 'days')}
      insert or ignore into an_learner_span (store_id, learner, days, first_day, last_day)
        values (new.store_id, new.learner, 0, new.day, new.day);
      update an_learner_span set days = days + 1, first_day = min(first_day, new.day),
        last_day = max(last_day, new.day)
        where store_id = new.store_id and learner = new.learner;
    end`,
    `create trigger an_learner_days_removed after delete on an_learner_days begin
      ${DAY_REMOVED}
    end`,
    `create trigger an_learner_weeks_added after insert on an_learner_weeks begin
      ${bump('an_active_weeks', { week: 'new.week' }, 'learners')}
    end`,
    `create trigger an_learner_weeks_removed after delete on an_learner_weeks begin
      ${WEEK_REMOVED}
    end`,
  ]
}

/**
 * The PostgreSQL ones: row triggers calling plpgsql functions. An `insert … on conflict do
 * update` fires AFTER INSERT row triggers only for the rows it inserted (the projector's upsert
 * of a known (day, learner) fires nothing), as SQLite's upsert does.
 */
function postgresTriggers(): string[] {
  return [
    `create or replace function an_learner_days_added() returns trigger language plpgsql as $$
    begin
      insert into an_active_days as t (store_id, day, learners) values (new.store_id, new.day, 1)
        on conflict (store_id, day) do update set learners = t.learners + 1;
      insert into an_learner_weeks as t (store_id, week, learner, days)
        values (new.store_id, ${week('new.day')}, new.learner, 1)
        on conflict (store_id, week, learner) do update set days = t.days + 1;
      insert into an_learner_span as t (store_id, learner, days, first_day, last_day)
        values (new.store_id, new.learner, 1, new.day, new.day)
        on conflict (store_id, learner) do update set days = t.days + 1,
          first_day = least(t.first_day, new.day), last_day = greatest(t.last_day, new.day);
      return null;
    end $$`,
    `create or replace function an_learner_days_removed() returns trigger language plpgsql as $$
    begin
      ${DAY_REMOVED}
      return null;
    end $$`,
    `create or replace function an_learner_weeks_added() returns trigger language plpgsql as $$
    begin
      insert into an_active_weeks as t (store_id, week, learners) values (new.store_id, new.week, 1)
        on conflict (store_id, week) do update set learners = t.learners + 1;
      return null;
    end $$`,
    `create or replace function an_learner_weeks_removed() returns trigger language plpgsql as $$
    begin
      ${WEEK_REMOVED}
      return null;
    end $$`,
    `create trigger an_learner_days_added after insert on an_learner_days
      for each row execute function an_learner_days_added()`,
    `create trigger an_learner_days_removed after delete on an_learner_days
      for each row execute function an_learner_days_removed()`,
    `create trigger an_learner_weeks_added after insert on an_learner_weeks
      for each row execute function an_learner_weeks_added()`,
    `create trigger an_learner_weeks_removed after delete on an_learner_weeks
      for each row execute function an_learner_weeks_removed()`,
  ]
}

export function activeLearnersMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      const table = (name: string, keys: Record<string, 'bigint' | 'text'>, counts: string[]) => {
        let create = db.schema
          .createTable(name)
          .addColumn('store_id', 'integer', (col) => col.notNull())
        for (const [column, type] of Object.entries(keys))
          create = create.addColumn(column, type, (col) => col.notNull())
        for (const column of counts)
          create = create.addColumn(column, 'bigint', (col) => col.notNull())
        return create
          .addPrimaryKeyConstraint(`${name}_pk`, ['store_id', ...Object.keys(keys)] as never)
          .execute()
      }
      await table('an_active_days', { day: 'bigint' }, ['learners'])
      await table('an_active_weeks', { week: 'bigint' }, ['learners'])
      await table('an_learner_weeks', { week: 'bigint', learner: 'text' }, ['days'])
      await table('an_learner_span', { learner: 'text' }, ['days', 'first_day', 'last_day'])
      // A learner's days: the span's min/max after a removal, the person correction's reads,
      // and the voiding recompute's delete by learner (the key leads with the day).
      await db.schema
        .createIndex('an_learner_days_learner_day')
        .on('an_learner_days')
        .columns(['store_id', 'learner', 'day'])
        .execute()
      await db.schema
        .createIndex('an_learner_span_first_day')
        .on('an_learner_span')
        .columns(['store_id', 'first_day', 'last_day'])
        .execute()

      // The counts of the projections already there (a store projected before this version).
      await sql
        .raw(
          `insert into an_active_days (store_id, day, learners)
           select store_id, day, count(*) from an_learner_days group by store_id, day`,
        )
        .execute(db)
      await sql
        .raw(
          `insert into an_learner_weeks (store_id, week, learner, days)
           select store_id, ${week('day')}, learner, count(*) from an_learner_days
           group by store_id, ${week('day')}, learner`,
        )
        .execute(db)
      await sql
        .raw(
          `insert into an_active_weeks (store_id, week, learners)
           select store_id, week, count(*) from an_learner_weeks group by store_id, week`,
        )
        .execute(db)
      await sql
        .raw(
          `insert into an_learner_span (store_id, learner, days, first_day, last_day)
           select store_id, learner, count(*), min(day), max(day) from an_learner_days
           group by store_id, learner`,
        )
        .execute(db)

      for (const statement of dialect.name === 'postgres' ? postgresTriggers() : sqliteTriggers())
        await sql.raw(statement).execute(db)
    },
  }
}
