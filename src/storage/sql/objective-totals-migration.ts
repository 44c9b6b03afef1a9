/**
 * @module Migration 0025: the objectives report's store-wide figures kept at projection time, so
 * the report over the whole store (no course, no window) reads a few rows per objective and one
 * row per learner instead of aggregating every (objective, learner) row of `an_objectives`
 * (10⁵ rows at 10⁶ statements, 10⁶ at 10⁷).
 *
 * - `an_objective_shares` (objective, evidence, correct → learners): how many learners have
 *   each (evidence, correct) pair on the objective. A learner's mastery on an objective is
 *   correct / evidence (§8), so the objective's learners, mastered learners and mean mastery are
 *   sums over its few pairs (evidence counts are small integers: a handful of pairs each).
 * - `an_objective_learners` (learner → objectives): the learners with any evidence, for the
 *   matrix's learner count and its pages (learner keys in order).
 *
 * Derived from `an_objectives` by triggers in the projector's unit of work, as migrations 0018
 * and 0019 do: the projector's upserts (insert, or update of a known row), a voiding's
 * recompute (delete and insert again) and a rebuild's reset keep them exact without the
 * projector reading anything back. Counts are per learner key (IFI), as the report's are.
 */
import { type Kysely, type Migration, sql } from 'kysely'
import type { SqlDialect } from './sql-dialect.js'

/** A row's pair; absent counts read as 0, as the report's share does (null share, not mastered). */
const pair = (row: 'new' | 'old') => `coalesce(${row}.evidence, 0), coalesce(${row}.correct, 0)`
const PAIR_OF_OLD = `store_id = old.store_id and objective = old.objective
  and evidence = coalesce(old.evidence, 0) and correct = coalesce(old.correct, 0)`
const LEARNER_OF_OLD = 'store_id = old.store_id and learner = old.learner'

/** What an `an_objectives` row leaving a pair does (a delete, or the old side of an update). */
const PAIR_REMOVED = `update an_objective_shares set learners = learners - 1 where ${PAIR_OF_OLD};
      delete from an_objective_shares where ${PAIR_OF_OLD} and learners <= 0;`
const LEARNER_REMOVED = `update an_objective_learners set objectives = objectives - 1
        where ${LEARNER_OF_OLD};
      delete from an_objective_learners where ${LEARNER_OF_OLD} and objectives <= 0;`

function sqliteTriggers(): string[] {
  // Not `insert or ignore` (as migration 0018 does): in the trigger of the projector's upsert
  // (`on conflict do update`), SQLite applies the outer statement's conflict handling to the
  // trigger's inserts, and the ignore becomes an abort.
  const newPair = `store_id = new.store_id and objective = new.objective
          and evidence = coalesce(new.evidence, 0) and correct = coalesce(new.correct, 0)`
  const pairAdded = `update an_objective_shares set learners = learners + 1 where ${newPair};
      insert into an_objective_shares (store_id, objective, evidence, correct, learners)
        select new.store_id, new.objective, ${pair('new')}, 1
        where not exists (select 1 from an_objective_shares where ${newPair});`
  return [
    `create trigger an_objectives_added after insert on an_objectives begin
      ${pairAdded}
      insert or ignore into an_objective_learners (store_id, learner, objectives)
        values (new.store_id, new.learner, 0);
      update an_objective_learners set objectives = objectives + 1
        where store_id = new.store_id and learner = new.learner;
    end`,
    // The projector's upsert of a known row updates its sums: the row moves to its new pair.
    `create trigger an_objectives_changed after update of evidence, correct on an_objectives
      when old.evidence is not new.evidence or old.correct is not new.correct begin
      ${PAIR_REMOVED}
      ${pairAdded}
    end`,
    `create trigger an_objectives_removed after delete on an_objectives begin
      ${PAIR_REMOVED}
      ${LEARNER_REMOVED}
    end`,
  ]
}

/**
 * PostgreSQL: one plpgsql function for the three events. An `insert … on conflict do update`
 * fires the UPDATE trigger for the rows it updated and the INSERT trigger for those it inserted.
 */
function postgresTriggers(): string[] {
  return [
    `create or replace function an_objectives_totals() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' then
        if old.evidence is not distinct from new.evidence
          and old.correct is not distinct from new.correct then
          return null;
        end if;
      end if;
      if tg_op in ('UPDATE', 'DELETE') then
        ${PAIR_REMOVED}
      end if;
      if tg_op = 'DELETE' then
        ${LEARNER_REMOVED}
      end if;
      if tg_op in ('INSERT', 'UPDATE') then
        insert into an_objective_shares as t (store_id, objective, evidence, correct, learners)
          values (new.store_id, new.objective, ${pair('new')}, 1)
          on conflict (store_id, objective, evidence, correct)
          do update set learners = t.learners + 1;
      end if;
      if tg_op = 'INSERT' then
        insert into an_objective_learners as t (store_id, learner, objectives)
          values (new.store_id, new.learner, 1)
          on conflict (store_id, learner) do update set objectives = t.objectives + 1;
      end if;
      return null;
    end $$`,
    `create trigger an_objectives_totals after insert or update or delete on an_objectives
      for each row execute function an_objectives_totals()`,
  ]
}

export function objectiveTotalsMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('an_objective_shares')
        .addColumn('store_id', 'integer', (col) => col.notNull())
        .addColumn('objective', 'text', (col) => col.notNull())
        .addColumn('evidence', 'bigint', (col) => col.notNull())
        .addColumn('correct', 'bigint', (col) => col.notNull())
        .addColumn('learners', 'bigint', (col) => col.notNull())
        .addPrimaryKeyConstraint('an_objective_shares_pk', [
          'store_id',
          'objective',
          'evidence',
          'correct',
        ])
        .execute()
      await db.schema
        .createTable('an_objective_learners')
        .addColumn('store_id', 'integer', (col) => col.notNull())
        .addColumn('learner', 'text', (col) => col.notNull())
        .addColumn('objectives', 'bigint', (col) => col.notNull())
        .addPrimaryKeyConstraint('an_objective_learners_pk', ['store_id', 'learner'])
        .execute()
      // The figures of the projections already there (a store projected before this version).
      await sql
        .raw(
          `insert into an_objective_shares (store_id, objective, evidence, correct, learners)
           select store_id, objective, coalesce(evidence, 0), coalesce(correct, 0), count(*)
           from an_objectives group by 1, 2, 3, 4`,
        )
        .execute(db)
      await sql
        .raw(
          `insert into an_objective_learners (store_id, learner, objectives)
           select store_id, learner, count(*) from an_objectives group by store_id, learner`,
        )
        .execute(db)
      for (const statement of dialect.name === 'postgres' ? postgresTriggers() : sqliteTriggers())
        await sql.raw(statement).execute(db)
    },
  }
}
