/**
 * PostgreSQL only (regression, issue 13): a store that grows from nothing keeps its plans. The
 * statistics of the empty tables (ANALYZE at start) made the planner read and sort every
 * statement of a common activity for a verb+activity page; the storage now refreshes them from
 * the process as the statements grow (planner-stats-refresh.ts), so the plan becomes the
 * backward walk of the activity index that stops after a page, long before autovacuum's ANALYZE.
 */
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { DEFAULT_STORE_ID } from '../../src/storage/ports.js'
import { createPostgresStorage } from '../../src/storage/postgres/create-postgres-storage.js'
import { activity, activityId, VERBS } from '../fixtures/storage-records.js'
import { createThrowawaySchema, TEST_POSTGRES_URL } from '../fixtures/throwaway-postgres.js'
import { storeStatements } from './contract-helpers.js'

const url = TEST_POSTGRES_URL

describe.skipIf(url === undefined)('planner statistics on postgres while a store grows', () => {
  it('the verb+activity page is an index walk, not a sort, after growing 0 → 6 000 statements', async () => {
    const schema = await createThrowawaySchema(url!)
    const storage = createPostgresStorage({ url: url!, schema: schema.name, poolMax: 2 })
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      await storage.migrate()
      // One common activity (as a course's module is) with three verbs, in batches of 500.
      const verbs = [VERBS.completed, VERBS.attempted, VERBS.confirmed]
      for (let batch = 0; batch < 12; batch++) {
        await storeStatements(
          storage,
          DEFAULT_STORE_ID,
          Array.from({ length: 500 }, (_, i) => ({
            verb: verbs[i % 3]!,
            object: activity(i % 10 === 0 ? `other-${i}` : 'module-1'),
          })),
        )
      }
      // Closing waits for a refresh in flight.
      await storage.close()

      await client.query(`set search_path to ${schema.name}`)
      const { rows: tuples } = await client.query<{ reltuples: number }>(
        `select reltuples from pg_class where oid = 'statements'::regclass`,
      )
      expect(tuples[0]!.reltuples).toBeGreaterThanOrEqual(2_000)
      // Autovacuum has not run in this short test: the statistics are the storage's doing.
      const { rows: plan } = await client.query<{ 'QUERY PLAN': string }>(
        `explain select ac.statement_seq from statements s
           join statement_activities ac on ac.store_id = s.store_id and ac.statement_seq = s.seq
         where s.store_id = $1 and s.voided = 0 and s.verb_id = $2
           and ac.store_id = $1 and ac.activity_id = $3 and ac.relation = 'direct'
         order by ac.statement_seq desc limit 11`,
        [DEFAULT_STORE_ID, VERBS.attempted, activityId('module-1')],
      )
      const text = plan.map((r) => r['QUERY PLAN']).join('\n')
      expect(text).toMatch(/Index Scan Backward using statement_activities_pk/)
      expect(text).not.toMatch(/Sort/)
    } finally {
      await storage.close()
      await client.end()
      await schema.drop()
    }
  })
})
