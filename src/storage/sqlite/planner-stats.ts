/** @module Fixed statistics for SQLite's query planner, so statement queries pick the right index. */
import { type Kysely, sql } from 'kysely'
import type { Database } from '../sql/database.js'

/**
 * sqlite_stat1 rows (https://sqlite.org/fileformat2.html#stat1tab): for each index, the rows in
 * the table, then the average rows per distinct value of each key prefix. They describe a
 * typical LRS of 1 M statements in 10 stores: per store, 20 statements per registration, 300
 * per agent, 500 per activity, 2 000 per verb.
 *
 * Why fixed rather than measured: without statistics the planner takes `store_id = ?` for
 * selective and walks a whole store for a rare agent (160 ms at 100 k statements, against 0.5 ms
 * through the agent index). `ANALYZE` fixes that but costs seconds on a large file on the only
 * thread, and `pragma optimize`'s sampled analysis (analysis_limit) reports one store as
 * thousands of distinct values, which misleads it the same way. Relative selectivity is what
 * matters, and it is a property of the xAPI data model, not of one file; it is written at every
 * migrate, replacing whatever an ANALYZE left (https://sqlite.org/queryplanner-ng.html#howtofix).
 */
const STATS: readonly (readonly [table: string, index: string | null, stat: string])[] = [
  ['statements', null, '1000000'],
  ['statements', 'statements_store_id_id', '1000000 100000 1'],
  ['statements', 'statements_store_seq', '1000000 100000 1'],
  ['statements', 'statements_verb', '1000000 100000 2000 1'],
  ['statements', 'statements_registration', '1000000 100000 20 1'],
  ['statements', 'statements_stored', '1000000 100000 10 1'],
  ['statements', 'statements_object_statement', '10000 1000 2 1'],
  // WITHOUT ROWID tables: the primary key is the table, named like it.
  ['statement_agents', 'statement_agents', '3000000 300000 300 1'],
  ['statement_activities', 'statement_activities', '2000000 200000 500 1'],
  ['statement_refs', 'statement_refs', '100000 10000 1 1'],
  ['statement_refs', 'statement_refs_target', '100000 10000 2'],
  // The course rows (analytics), clustered on their key since migration 0035: half a row per
  // statement, 170 learners per activity, 80 activities per learner, 1,300 rows per course
  // (the simulated 10⁶ store, per store of this model). Without them the planner reads a
  // learner's rows by walking the whole store along the key (82 ms for the learner report at
  // 10⁶ statements) rather than through the learner index (a look-up per row of the learner).
  ['an_learner_activity', 'an_learner_activity', '520000 52000 170 1'],
  ['an_learner_activity', 'an_learner_activity_learner', '520000 52000 80'],
  ['an_learner_activity', 'an_learner_activity_course_activity_id', '520000 52000 1300 150'],
  ['an_learner_activity', 'an_learner_activity_outcomes', '520000 52000 170 1 1 1 1 1 1 1 1 1'],
]

export async function writePlannerStats(db: Kysely<Database>): Promise<void> {
  // sqlite_stat1 can only be created by ANALYZE; analysing the tiny `stores` table does that.
  await sql`analyze stores`.execute(db)
  await db.transaction().execute(async (trx) => {
    await sql`delete from sqlite_stat1 where tbl in (${sql.join([...new Set(STATS.map(([t]) => t))])})`.execute(
      trx,
    )
    for (const [table, index, stat] of STATS)
      await sql`insert into sqlite_stat1 (tbl, idx, stat) values (${table}, ${index}, ${stat})`.execute(
        trx,
      )
  })
  // Makes this connection load the new statistics.
  await sql`analyze sqlite_schema`.execute(db)
}
