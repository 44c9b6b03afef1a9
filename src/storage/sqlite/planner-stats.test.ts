/** @module The fixed planner statistics steer the reports' reads of the course rows to their indexes. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Kysely, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSqliteStorage } from './create-sqlite-storage.js'

let dir = ''
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'almanac-planner-'))
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('SQLite planner statistics', () => {
  it('read a learner’s course rows through the learner index, a course’s along the key', async () => {
    // A report reader in a worker thread, as the server runs it: it loads the statistics the
    // migration wrote when it opens.
    const storage = createSqliteStorage({ file: join(dir, 'plans.db'), readWorkers: 1 })
    await storage.migrate()
    try {
      const plan = (query: string) =>
        storage.log.read(async (c) =>
          (
            await sql<{ detail: string }>`explain query plan ${sql.raw(query)}`.execute(
              c as Kysely<unknown>,
            )
          ).rows
            .map((r) => r.detail)
            .join(' | '),
        )
      // The learner report (learner-report.ts). Without the statistics: the whole store along
      // the primary key (`USING PRIMARY KEY (store_id=?)`).
      expect(
        await plan(
          `select * from an_learner_activity where store_id = 1 and learner in ('a', 'b')`,
        ),
      ).toMatch(/USING INDEX an_learner_activity_learner \(store_id=\? AND learner=\?\)/)
      // The course report's totals (course-report.ts): one range of the clustered key.
      expect(
        await plan(`select count(*), max(last_ms) from an_learner_activity
          where store_id = 1 and activity_id = 'c' and first_ms >= 0 and first_ms < 9e15`),
      ).toMatch(/USING PRIMARY KEY \(store_id=\? AND activity_id=\?\)/)
    } finally {
      await storage.close()
    }
  })
})
