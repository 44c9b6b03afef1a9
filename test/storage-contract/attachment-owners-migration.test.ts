/** @module Migration 0003 on a database written by version 2: existing attachment contents get one owner. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, Migrator, PostgresDialect } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_STORE_ID, type Storage } from '../../src/storage/ports.js'
import { createPostgresStorage } from '../../src/storage/postgres/create-postgres-storage.js'
import { createPostgresPool } from '../../src/storage/postgres/postgres-pool.js'
import { postgresSqlDialect } from '../../src/storage/postgres/postgres-sql-dialect.js'
import type { Database } from '../../src/storage/sql/database.js'
import { createMigrationProvider, MIGRATOR_TABLES } from '../../src/storage/sql/migrations.js'
import { createSqliteStorage } from '../../src/storage/sqlite/create-sqlite-storage.js'
import { ImmediateSqliteDialect } from '../../src/storage/sqlite/immediate-sqlite-dialect.js'
import { sqliteSqlDialect } from '../../src/storage/sqlite/sqlite-sql-dialect.js'
import { createThrowawaySchema, TEST_POSTGRES_URL } from '../fixtures/throwaway-postgres.js'

/** A database at version 2 (Kysely connection + migrator), and how to open it as a `Storage`. */
interface AtVersion2 {
  db: Kysely<Database>
  migrator: Migrator
  storage: () => Storage
}

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const BACKENDS: { name: string; skip: boolean; open(): Promise<AtVersion2> }[] = [
  {
    name: 'sqlite',
    skip: false,
    open() {
      const dir = mkdtempSync(join(tmpdir(), 'almanac-migration-'))
      cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })))
      const file = join(dir, 'almanac.db')
      const db = new Kysely<Database>({
        dialect: new ImmediateSqliteDialect({ database: new BetterSqlite3(file) }),
      })
      const migrator = new Migrator({
        db,
        provider: createMigrationProvider(sqliteSqlDialect),
        ...MIGRATOR_TABLES,
      })
      return Promise.resolve({ db, migrator, storage: () => createSqliteStorage({ file }) })
    },
  },
  {
    name: 'postgres',
    skip: TEST_POSTGRES_URL === undefined,
    async open() {
      const url = TEST_POSTGRES_URL ?? ''
      const schema = await createThrowawaySchema(url)
      cleanups.push(() => schema.drop())
      const db = new Kysely<Database>({
        dialect: new PostgresDialect({ pool: createPostgresPool({ url, schema: schema.name }) }),
      })
      const migrator = new Migrator({
        db,
        provider: createMigrationProvider(postgresSqlDialect),
        ...MIGRATOR_TABLES,
        migrationTableSchema: schema.name,
      })
      return { db, migrator, storage: () => createPostgresStorage({ url, schema: schema.name }) }
    },
  },
]

const attachment = (sha2: string) => ({
  usageType: 'http://example.com/usage',
  display: { en: 'file' },
  contentType: 'text/plain',
  length: 1,
  sha2,
})

for (const backend of BACKENDS)
  describe.skipIf(backend.skip)(`migration 0003-attachment-owners on ${backend.name}`, () => {
    it('gives each stored content to the first statement of its store that declares it, and no other', async () => {
      const { db, migrator, storage: openStorage } = await backend.open()
      expect((await migrator.migrateTo('0002-tenancy')).error).toBeUndefined()
      await db.insertInto('stores').values({ id: 2, name: 'two', created_ms: 0 }).execute()
      const payloads: [number, string, unknown][] = [
        [DEFAULT_STORE_ID, 'plain', { id: 'plain' }],
        // The carrier: the first to declare 'aa' in store 1.
        [DEFAULT_STORE_ID, 'first', { id: 'first', attachments: [attachment('aa')] }],
        // A later declarer (e.g. a fileUrl naming the hash): metadata only from now on.
        [DEFAULT_STORE_ID, 'later', { id: 'later', attachments: [attachment('aa')] }],
        // A hash declared inside a SubStatement.
        [
          DEFAULT_STORE_ID,
          'sub',
          { id: 'sub', object: { objectType: 'SubStatement', attachments: [attachment('bb')] } },
        ],
        // Store 2 has no content for 'aa': its declarer gets nothing.
        [2, 'other-store', { id: 'other-store', attachments: [attachment('aa')] }],
      ]
      await db
        .insertInto('statements')
        .values(
          payloads.map(([storeId, id, payload], i) => ({
            store_id: storeId,
            id,
            stored_ms: 1_700_000_000_000 + i,
            voided: 0,
            verb_id: 'http://example.com/verb',
            actor_ifi: null,
            object_activity_id: null,
            object_statement_id: null,
            registration: null,
            is_voiding: 0,
            payload: JSON.stringify(payload),
            authority_ifi: null,
          })),
        )
        .execute()
      const content = (text: string) => new Uint8Array(Buffer.from(text))
      // Typed as the version-2 table.
      await (db as unknown as Kysely<{ attachments: Database['attachments'] }>)
        .insertInto('attachments')
        .values([
          {
            store_id: DEFAULT_STORE_ID,
            sha2: 'aa',
            content_type: 'text/plain',
            content: content('A'),
          },
          {
            store_id: DEFAULT_STORE_ID,
            sha2: 'bb',
            content_type: 'text/plain',
            content: content('B'),
          },
        ])
        .execute()
      await db.destroy()

      const storage = openStorage()
      try {
        await storage.migrate()
        const one = storage.scope(DEFAULT_STORE_ID).statements
        const of = async (id: string, store = one) =>
          [...(await store.findStatementAttachments([id])).values()].map((a) => [
            a.sha2,
            Buffer.from(a.content).toString(),
          ])
        expect(await of('first')).toEqual([['aa', 'A']])
        expect(await of('later')).toEqual([])
        expect(await of('plain')).toEqual([])
        expect(await of('sub')).toEqual([['bb', 'B']])
        expect(await of('other-store', storage.scope(2).statements)).toEqual([])
        // The server secrets table exists: the first candidate wins.
        expect(await storage.admin.sharedSecret('k', 'one')).toBe('one')
        expect(await storage.admin.sharedSecret('k', 'two')).toBe('one')
      } finally {
        await storage.close()
      }
    })
  })
