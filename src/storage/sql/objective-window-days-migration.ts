/**
 * @module Migration 0042: the objectives report's figures kept per UTC day of each learner's
 * latest evidence, so the report over a window of whole days sums a few rows per (objective,
 * day) instead of reading every (objective, learner) cell in the window.
 *
 * A cell (learner × objective, `an_objectives`) is in a window when its latest evidence
 * (`last_ms`) is (§8, docs/analytics.md). Each cell has one such day, so:
 *
 * - `an_objective_share_days` (day, objective, evidence, correct → learners): migration 0025's
 *   `an_objective_shares` per day of the cell's latest evidence. An objective's learners,
 *   mastered learners and mean mastery over whole days are sums over its few pairs a day, as
 *   the open window's are over `an_objective_shares`.
 * - `an_objective_learner_days` (day, learner → cells): the learners with a cell on that day.
 *   The matrix's learner count over a window is the distinct learners of its days' rows: a
 *   learner's cells on one day are one row, where the cells themselves were a row each.
 *
 * At 10⁷ simulated statements on SQLite the two queries over the cells took 159.7 ms (per
 * objective) and 118.8 ms (distinct learners) of the report over a month
 * (bench/results/analytics-wave16-2026-12-05.md). The part days at either end of a window that
 * does not start or end at 00:00 UTC are still read cell by cell (objectives-report.ts).
 *
 * Kept by triggers on `an_objectives` in the projector's unit of work, as migration 0025's
 * figures are: the projector's upserts, a voiding's recompute (delete, insert again), erasure
 * and a rebuild's reset all go through its rows. A cell without evidence time (`last_ms` null)
 * is in no window and counts on no day. Days are UTC epoch days (`dayOfSql`, migration 0040).
 */
import { type Kysely, type Migration, sql } from 'kysely'
import type { SqlDialect } from './sql-dialect.js'
import { dayOfSql } from './window-days-migration.js'

/** The UTC day of row `row`'s latest evidence (null without one). */
const dayOf = (row: 'new' | 'old') => dayOfSql(`${row}.last_ms`)

const pair = (row: 'new' | 'old') => `coalesce(${row}.evidence, 0), coalesce(${row}.correct, 0)`

const shareKey = (row: 'new' | 'old') => `store_id = ${row}.store_id and day = ${dayOf(row)}
          and objective = ${row}.objective and evidence = coalesce(${row}.evidence, 0)
          and correct = coalesce(${row}.correct, 0)`

const learnerKey = (row: 'new' | 'old') =>
  `store_id = ${row}.store_id and day = ${dayOf(row)} and learner = ${row}.learner`

const SHARE_REMOVED = `update an_objective_share_days set learners = learners - 1 where ${shareKey('old')};
      delete from an_objective_share_days where ${shareKey('old')} and learners <= 0;`

const LEARNER_REMOVED = `update an_objective_learner_days set cells = cells - 1 where ${learnerKey('old')};
      delete from an_objective_learner_days where ${learnerKey('old')} and cells <= 0;`

/** Not an upsert on SQLite: see migration 0025 (the outer upsert's conflict handling). */
const SQLITE_SHARE_ADDED = `update an_objective_share_days set learners = learners + 1 where ${shareKey('new')};
      insert into an_objective_share_days (store_id, day, objective, evidence, correct, learners)
        select new.store_id, ${dayOf('new')}, new.objective, ${pair('new')}, 1
        where new.last_ms is not null
          and not exists (select 1 from an_objective_share_days where ${shareKey('new')});`

const SQLITE_LEARNER_ADDED = `update an_objective_learner_days set cells = cells + 1 where ${learnerKey('new')};
      insert into an_objective_learner_days (store_id, day, learner, cells)
        select new.store_id, ${dayOf('new')}, new.learner, 1
        where new.last_ms is not null
          and not exists (select 1 from an_objective_learner_days where ${learnerKey('new')});`

/** True when an update moves a cell to another (day, pair) row. */
const SHARE_MOVED = (distinct: string) => `old.evidence ${distinct} new.evidence
        or old.correct ${distinct} new.correct or ${dayOf('old')} ${distinct} ${dayOf('new')}`

function sqliteTriggers(): string[] {
  return [
    `create trigger an_objectives_days_added after insert on an_objectives
      when new.last_ms is not null begin
      ${SQLITE_SHARE_ADDED}
      ${SQLITE_LEARNER_ADDED}
    end`,
    `create trigger an_objectives_share_days_moved after update of evidence, correct, last_ms
      on an_objectives when ${SHARE_MOVED('is not')} begin
      ${SHARE_REMOVED}
      ${SQLITE_SHARE_ADDED}
    end`,
    `create trigger an_objectives_learner_days_moved after update of last_ms on an_objectives
      when ${dayOf('old')} is not ${dayOf('new')} begin
      ${LEARNER_REMOVED}
      ${SQLITE_LEARNER_ADDED}
    end`,
    `create trigger an_objectives_days_removed after delete on an_objectives
      when old.last_ms is not null begin
      ${SHARE_REMOVED}
      ${LEARNER_REMOVED}
    end`,
  ]
}

/**
 * PostgreSQL: one function; only the updates that move a cell call it (most updates of a cell
 * add evidence on the same day, which moves it to another pair, but keeps its learner's day).
 */
function postgresTriggers(): string[] {
  return [
    `create function an_objectives_days() returns trigger language plpgsql as $$
    declare
      old_day bigint := case when tg_op <> 'INSERT' then ${dayOf('old')} end;
      new_day bigint := case when tg_op <> 'DELETE' then ${dayOf('new')} end;
    begin
      if old_day is not null then
        ${SHARE_REMOVED}
        if new_day is distinct from old_day then
          ${LEARNER_REMOVED}
        end if;
      end if;
      if new_day is not null then
        insert into an_objective_share_days as t
            (store_id, day, objective, evidence, correct, learners)
          values (new.store_id, new_day, new.objective, ${pair('new')}, 1)
          on conflict (store_id, day, objective, evidence, correct)
          do update set learners = t.learners + 1;
        if new_day is distinct from old_day then
          insert into an_objective_learner_days as t (store_id, day, learner, cells)
            values (new.store_id, new_day, new.learner, 1)
            on conflict (store_id, day, learner) do update set cells = t.cells + 1;
        end if;
      end if;
      return null;
    end $$`,
    `create trigger an_objectives_days after insert or delete on an_objectives
      for each row execute function an_objectives_days()`,
    `create trigger an_objectives_days_moved after update on an_objectives
      for each row when (${SHARE_MOVED('is distinct from')})
      execute function an_objectives_days()`,
  ]
}

/** The rows of the cells already there (a store projected before this version). */
export const OBJECTIVE_DAYS_BACKFILL = [
  `insert into an_objective_share_days (store_id, day, objective, evidence, correct, learners)
   select store_id, ${dayOfSql('last_ms')}, objective, coalesce(evidence, 0),
     coalesce(correct, 0), count(*)
   from an_objectives where last_ms is not null group by 1, 2, 3, 4, 5`,
  `insert into an_objective_learner_days (store_id, day, learner, cells)
   select store_id, ${dayOfSql('last_ms')}, learner, count(*)
   from an_objectives where last_ms is not null group by 1, 2, 3`,
]

export function objectiveWindowDaysMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // Byte order on PostgreSQL, as every projection's text (migration 0036): the report
      // orders the objectives and merges these rows with the cells'.
      const text = dialect.name === 'postgres' ? sql`text collate "C"` : sql`text`
      // Clustered on SQLite: the report reads a range of days along the key, every column.
      await dialect
        .clustered(
          db.schema
            .createTable('an_objective_share_days')
            .addColumn('store_id', 'integer', (col) => col.notNull())
            .addColumn('day', 'bigint', (col) => col.notNull())
            .addColumn('objective', text, (col) => col.notNull())
            .addColumn('evidence', 'bigint', (col) => col.notNull())
            .addColumn('correct', 'bigint', (col) => col.notNull())
            .addColumn('learners', 'bigint', (col) => col.notNull())
            .addPrimaryKeyConstraint('an_objective_share_days_pk', [
              'store_id',
              'day',
              'objective',
              'evidence',
              'correct',
            ]),
        )
        .execute()
      await dialect
        .clustered(
          db.schema
            .createTable('an_objective_learner_days')
            .addColumn('store_id', 'integer', (col) => col.notNull())
            .addColumn('day', 'bigint', (col) => col.notNull())
            .addColumn('learner', text, (col) => col.notNull())
            .addColumn('cells', 'bigint', (col) => col.notNull())
            .addPrimaryKeyConstraint('an_objective_learner_days_pk', [
              'store_id',
              'day',
              'learner',
            ]),
        )
        .execute()
      for (const backfill of OBJECTIVE_DAYS_BACKFILL) await sql.raw(backfill).execute(db)
      for (const statement of dialect.name === 'postgres' ? postgresTriggers() : sqliteTriggers())
        await sql.raw(statement).execute(db)
    },
  }
}
