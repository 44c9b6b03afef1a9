/** @module The SQLite dialect's transactions: an error that ends the transaction inside SQLite. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Kysely, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ImmediateSqliteDialect } from './immediate-sqlite-dialect.js'

let dir = ''
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'almanac-immediate-dialect-'))
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('ImmediateSqliteDialect', () => {
  it('reports the error that rolled a transaction back inside SQLite, not the failed rollback', async () => {
    const raw = new Database(join(dir, 'full.db'))
    raw.pragma('journal_mode = WAL')
    raw.exec('create table t (x blob)')
    const db = new Kysely<{ t: { x: Buffer } }>({
      dialect: new ImmediateSqliteDialect({ database: raw }),
    })
    try {
      // A file that may not grow: the large insert fails with SQLITE_FULL, which SQLite answers
      // by rolling the whole transaction back itself.
      const pages = Number(raw.pragma('page_count', { simple: true }))
      raw.pragma(`max_page_count = ${pages + 3}`)
      const failed = db.transaction().execute(async (trx) => {
        await trx
          .insertInto('t')
          .values({ x: Buffer.alloc(1000) })
          .execute()
        await trx
          .insertInto('t')
          .values({ x: Buffer.alloc(400_000) })
          .execute()
      })
      await expect(failed).rejects.toMatchObject({ code: 'SQLITE_FULL' })
      expect(raw.inTransaction).toBe(false)

      // Nothing of it was kept, and the connection takes the next transaction.
      raw.pragma('max_page_count = 1073741823')
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('t')
          .values({ x: Buffer.alloc(10) })
          .execute()
      })
      const rows = await sql<{
        n: number
      }>`select count(*) as n, max(length(x)) as longest from t`.execute(db)
      expect(rows.rows[0]).toEqual({ n: 1, longest: 10 })
    } finally {
      await db.destroy()
    }
  })

  it('still fails a rollback for any other reason', async () => {
    const raw = new Database(join(dir, 'other.db'))
    const db = new Kysely<Record<string, never>>({
      dialect: new ImmediateSqliteDialect({ database: raw }),
    })
    try {
      const failed = db.transaction().execute(async (trx) => {
        await sql`select 1`.execute(trx)
        // Closing the database under the transaction makes its rollback fail differently.
        raw.close()
        throw new Error('the work failed')
      })
      await expect(failed).rejects.toThrow(/not open/)
    } finally {
      await db.destroy().catch(() => undefined)
    }
  })
})
