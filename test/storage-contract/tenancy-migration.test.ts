/** @module Migration 0002 on a database written by version 1: statements get their authority IFI. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, Migrator } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_STORE_ID } from '../../src/storage/ports.js'
import type { Database } from '../../src/storage/sql/database.js'
import { createMigrationProvider, MIGRATOR_TABLES } from '../../src/storage/sql/migrations.js'
import { createSqliteStorage } from '../../src/storage/sqlite/create-sqlite-storage.js'
import { ImmediateSqliteDialect } from '../../src/storage/sqlite/immediate-sqlite-dialect.js'
import { sqliteSqlDialect } from '../../src/storage/sqlite/sqlite-sql-dialect.js'

let dir: string | undefined
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  dir = undefined
})

describe('migration 0002-tenancy', () => {
  it('backfills the authority IFI of statements stored before it, so read/mine finds them', async () => {
    dir = mkdtempSync(join(tmpdir(), 'almanac-migration-'))
    const file = join(dir, 'almanac.db')
    const db = new Kysely<Database>({
      dialect: new ImmediateSqliteDialect({ database: new BetterSqlite3(file) }),
    })
    const migrator = new Migrator({
      db,
      provider: createMigrationProvider(sqliteSqlDialect),
      ...MIGRATOR_TABLES,
    })
    expect((await migrator.migrateTo('0001-initial')).error).toBeUndefined()
    const authority = { objectType: 'Agent', account: { homePage: 'https://lrs', name: 'k1' } }
    const rows = ['a', 'b'].map((id, i) => ({
      store_id: DEFAULT_STORE_ID,
      id,
      stored_ms: 1_700_000_000_000 + i,
      voided: 0,
      verb_id: 'http://example.com/verb',
      actor_ifi: null,
      object_activity_id: null,
      object_statement_id: null,
      registration: null,
      is_voiding: 0,
      payload: JSON.stringify(
        i === 0 ? { id, authority } : { id, authority: { objectType: 'Group', member: [] } },
      ),
    }))
    // Typed as the version-1 table: no authority_ifi yet.
    await (db as unknown as Kysely<{ statements: (typeof rows)[number] }>)
      .insertInto('statements')
      .values(rows)
      .execute()
    await db.destroy()

    const storage = createSqliteStorage({ file })
    try {
      await storage.migrate()
      const statements = storage.scope(DEFAULT_STORE_ID).statements
      expect(await statements.findStatement('a', false, 'account:https://lrs|k1')).toMatchObject({
        id: 'a',
      })
      // An anonymous group authority has no IFI: it is nobody's "mine".
      expect(await statements.findStatement('b', false, 'account:https://lrs|k1')).toBeUndefined()
      expect(await statements.findStatement('b', false)).toMatchObject({ id: 'b' })
      // The new tables exist.
      expect(await storage.admin.listAccounts()).toEqual([])
    } finally {
      await storage.close()
    }
  })
})
