/**
 * @module Part of migration 0031: the objectives report's figures per course kept at projection
 * time, as migration 0025 keeps them for the whole store, so the report over a course (no
 * window) reads a few rows per objective and one row per learner of the course instead of
 * aggregating every (objective, learner) row of the course (17,000 rows for the largest course
 * at 10⁶ statements, 170,000 at 10⁷).
 *
 * - `an_objective_course_shares` (course, objective, evidence, correct → learners).
 * - `an_objective_course_learners` (course, learner → objectives): the course's learners with
 *   any evidence, for the matrix's learner count and pages.
 *
 * A row's course is that of its first evidence (§8), which an earlier statement arriving later
 * can change: an update moves the row from its old (course, pair) to its new one, and the
 * learner from the old course to the new. Rows without a course count in no course (the report
 * filters by `course = …`). Triggers in the projector's unit of work, as in migration 0025; the
 * counts are commutative, so PostgreSQL's row triggers running after the whole statement give
 * the same counts.
 */
import { type Kysely, sql } from 'kysely'
import type { SqlDialect } from './sql-dialect.js'

const pairOf = (row: 'new' | 'old') => `store_id = ${row}.store_id and course = ${row}.course
  and objective = ${row}.objective
  and evidence = coalesce(${row}.evidence, 0) and correct = coalesce(${row}.correct, 0)`
const learnerOf = (row: 'new' | 'old') =>
  `store_id = ${row}.store_id and course = ${row}.course and learner = ${row}.learner`

/** SQLite: the old row's pair leaves its course, when `when` holds. */
const pairRemoved = (when: string) => `update an_objective_course_shares set learners = learners - 1
      where ${when} and ${pairOf('old')};
    delete from an_objective_course_shares where ${when} and ${pairOf('old')} and learners <= 0;`
const learnerRemoved = (when: string) => `update an_objective_course_learners
      set objectives = objectives - 1 where ${when} and ${learnerOf('old')};
    delete from an_objective_course_learners
      where ${when} and ${learnerOf('old')} and objectives <= 0;`
// Not `insert or ignore` (migration 0025 says why): an update, then an insert if missing.
const pairAdded = (when: string) => `update an_objective_course_shares set learners = learners + 1
      where ${when} and ${pairOf('new')};
    insert into an_objective_course_shares
        (store_id, course, objective, evidence, correct, learners)
      select new.store_id, new.course, new.objective, coalesce(new.evidence, 0),
        coalesce(new.correct, 0), 1
      where ${when} and not exists (select 1 from an_objective_course_shares
        where ${pairOf('new')});`
const learnerAdded = (when: string) => `update an_objective_course_learners
      set objectives = objectives + 1 where ${when} and ${learnerOf('new')};
    insert into an_objective_course_learners (store_id, course, learner, objectives)
      select new.store_id, new.course, new.learner, 1
      where ${when} and not exists (select 1 from an_objective_course_learners
        where ${learnerOf('new')});`

function sqliteTriggers(): string[] {
  const moved = 'old.course is not new.course'
  return [
    `create trigger an_objectives_course_added after insert on an_objectives
      when new.course is not null begin
      ${pairAdded('1 = 1')}
      ${learnerAdded('1 = 1')}
    end`,
    // The pair moves on any change; the learner only when the course does.
    `create trigger an_objectives_course_changed after update of evidence, correct, course
      on an_objectives
      when old.evidence is not new.evidence or old.correct is not new.correct or ${moved} begin
      ${pairRemoved('old.course is not null')}
      ${learnerRemoved(`old.course is not null and ${moved}`)}
      ${pairAdded('new.course is not null')}
      ${learnerAdded(`new.course is not null and ${moved}`)}
    end`,
    `create trigger an_objectives_course_removed after delete on an_objectives
      when old.course is not null begin
      ${pairRemoved('1 = 1')}
      ${learnerRemoved('1 = 1')}
    end`,
  ]
}

const LEARNER_UPSERT = `insert into an_objective_course_learners as t
              (store_id, course, learner, objectives)
              values (new.store_id, new.course, new.learner, 1)
              on conflict (store_id, course, learner) do update set objectives = t.objectives + 1;`

/** PostgreSQL: one plpgsql function for the three events, as migration 0025's. */
function postgresTriggers(): string[] {
  return [
    `create or replace function an_objectives_course_totals() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' then
        if old.evidence is not distinct from new.evidence
          and old.correct is not distinct from new.correct
          and old.course is not distinct from new.course then
          return null;
        end if;
      end if;
      -- Nested ifs: OLD is null on INSERT and NEW on DELETE, whose fields are then not read.
      if tg_op in ('UPDATE', 'DELETE') then
        if old.course is not null then
          ${pairRemoved('true')}
          if tg_op = 'DELETE' then
            ${learnerRemoved('true')}
          elsif old.course is distinct from new.course then
            ${learnerRemoved('true')}
          end if;
        end if;
      end if;
      if tg_op in ('INSERT', 'UPDATE') then
        if new.course is not null then
          insert into an_objective_course_shares as t
              (store_id, course, objective, evidence, correct, learners)
            values (new.store_id, new.course, new.objective, coalesce(new.evidence, 0),
              coalesce(new.correct, 0), 1)
            on conflict (store_id, course, objective, evidence, correct)
            do update set learners = t.learners + 1;
          if tg_op = 'INSERT' then
            ${LEARNER_UPSERT}
          elsif old.course is distinct from new.course then
            ${LEARNER_UPSERT}
          end if;
        end if;
      end if;
      return null;
    end $$`,
    `create trigger an_objectives_course_totals after insert or update or delete on an_objectives
      for each row execute function an_objectives_course_totals()`,
  ]
}

/** The tables, their counts of the projections already there, and their triggers. */
export async function createObjectiveCourseTotals(
  db: Kysely<unknown>,
  dialect: SqlDialect,
): Promise<void> {
  await db.schema
    .createTable('an_objective_course_shares')
    .addColumn('store_id', 'integer', (col) => col.notNull())
    .addColumn('course', 'text', (col) => col.notNull())
    .addColumn('objective', 'text', (col) => col.notNull())
    .addColumn('evidence', 'bigint', (col) => col.notNull())
    .addColumn('correct', 'bigint', (col) => col.notNull())
    .addColumn('learners', 'bigint', (col) => col.notNull())
    .addPrimaryKeyConstraint('an_objective_course_shares_pk', [
      'store_id',
      'course',
      'objective',
      'evidence',
      'correct',
    ])
    .execute()
  await db.schema
    .createTable('an_objective_course_learners')
    .addColumn('store_id', 'integer', (col) => col.notNull())
    .addColumn('course', 'text', (col) => col.notNull())
    .addColumn('learner', 'text', (col) => col.notNull())
    .addColumn('objectives', 'bigint', (col) => col.notNull())
    .addPrimaryKeyConstraint('an_objective_course_learners_pk', ['store_id', 'course', 'learner'])
    .execute()
  await sql
    .raw(
      `insert into an_objective_course_shares
         (store_id, course, objective, evidence, correct, learners)
       select store_id, course, objective, coalesce(evidence, 0), coalesce(correct, 0), count(*)
       from an_objectives where course is not null group by 1, 2, 3, 4, 5`,
    )
    .execute(db)
  await sql
    .raw(
      `insert into an_objective_course_learners (store_id, course, learner, objectives)
       select store_id, course, learner, count(*) from an_objectives where course is not null
       group by store_id, course, learner`,
    )
    .execute(db)
  for (const statement of dialect.name === 'postgres' ? postgresTriggers() : sqliteTriggers())
    await sql.raw(statement).execute(db)
}
