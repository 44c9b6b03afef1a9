/**
 * @module Migration 0035 on a database that already holds projection rows: on SQLite the
 * course rows' table is made again clustered on its key, with the same rows, indexes and
 * triggers; on both backends the projection tables end as they would without the migration.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import type { AnyRow } from '../../src/analytics/reports/report-context.js'
import type { Storage } from '../../src/storage/ports.js'
import { createPostgresStorage } from '../../src/storage/postgres/create-postgres-storage.js'
import { createPostgresPool } from '../../src/storage/postgres/postgres-pool.js'
import { postgresSqlDialect } from '../../src/storage/postgres/postgres-sql-dialect.js'
import type { Database } from '../../src/storage/sql/database.js'
import { createMigrationProvider } from '../../src/storage/sql/migrations.js'
import { createSqliteStorage } from '../../src/storage/sqlite/create-sqlite-storage.js'
import { ImmediateSqliteDialect } from '../../src/storage/sqlite/immediate-sqlite-dialect.js'
import { sqliteSqlDialect } from '../../src/storage/sqlite/sqlite-sql-dialect.js'
import { analyticsFixture, S, simulated } from '../analytics/analytics-fixture.js'
import { createThrowawaySchema, TEST_POSTGRES_URL } from '../fixtures/throwaway-postgres.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const MIGRATOR_TABLES = {
  migrationTableName: 'almanac_migration',
  migrationLockTableName: 'almanac_migration_lock',
}
const BEFORE = '0034-course-exits-earlier'

/** The rows written by hand, and the tables the triggers derive from them. */
const WRITTEN = ['an_learner_activity', 'an_pages'] as const
const DERIVED = ['an_page_totals', 'an_course_funnel', 'an_course_exits'] as const

/** Two databases of one backend: `reference` opened as Almanac does, `old` at migration 0034. */
interface Pair {
  reference: Storage
  old: Kysely<Database>
  migrator: Migrator
}

const BACKENDS: { name: string; skip: boolean; open(): Promise<Pair> }[] = [
  {
    name: 'sqlite',
    skip: false,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'almanac-migration-'))
      const reference = createSqliteStorage({ file: join(dir, 'reference.db') })
      await reference.migrate()
      const old = new Kysely<Database>({
        dialect: new ImmediateSqliteDialect({ database: new BetterSqlite3(join(dir, 'old.db')) }),
      })
      cleanups.push(async () => {
        await reference.close()
        await old.destroy()
        rmSync(dir, { recursive: true, force: true })
      })
      const migrator = new Migrator({
        db: old,
        provider: createMigrationProvider(sqliteSqlDialect),
        ...MIGRATOR_TABLES,
      })
      return { reference, old, migrator }
    },
  },
  {
    name: 'postgres',
    skip: TEST_POSTGRES_URL === undefined,
    async open() {
      const url = TEST_POSTGRES_URL ?? ''
      const referenceSchema = await createThrowawaySchema(url)
      const oldSchema = await createThrowawaySchema(url)
      const reference = createPostgresStorage({ url, schema: referenceSchema.name })
      await reference.migrate()
      const old = new Kysely<Database>({
        dialect: new PostgresDialect({ pool: createPostgresPool({ url, schema: oldSchema.name }) }),
      })
      cleanups.push(async () => {
        await reference.close()
        await old.destroy()
        await referenceSchema.drop()
        await oldSchema.drop()
      })
      const migrator = new Migrator({
        db: old,
        provider: createMigrationProvider(postgresSqlDialect),
        ...MIGRATOR_TABLES,
        migrationTableSchema: oldSchema.name,
      })
      return { reference, old, migrator }
    },
  },
]

/** A table's rows as sorted lines, columns by name. */
async function contents(db: Kysely<Database>, table: string): Promise<string[]> {
  const rows = (await sql<AnyRow>`select * from ${sql.table(table)}`.execute(db)).rows
  return rows
    .map((r) =>
      JSON.stringify(
        Object.keys(r)
          .sort()
          .map((k) => [k, r[k]]),
      ),
    )
    .sort()
}

/** SQLite's schema entries (name → SQL) of the indexes and triggers. */
async function sqliteSchema(db: Kysely<Database>): Promise<Map<string, string>> {
  const rows = (
    await sql<{ name: string; sql: string }>`select name, sql from sqlite_master
      where type in ('index', 'trigger') and sql is not null`.execute(db)
  ).rows
  return new Map(rows.map((r) => [r.name, r.sql]))
}

for (const backend of BACKENDS)
  describe.skipIf(backend.skip)(`migration 0035-clustered-course-rows on ${backend.name}`, () => {
    it('keeps the rows, indexes and triggers, and the triggers go on deriving the same tables', async () => {
      const { reference, old, migrator } = await backend.open()
      const fx = analyticsFixture(reference)
      await fx.ingest(simulated(3000))
      await fx.projector.catchUp(S)
      const written = await reference.log.read(async (connection) => {
        const db = connection as Kysely<Database>
        const out: Record<string, AnyRow[]> = {}
        for (const table of WRITTEN)
          out[table] = (await sql<AnyRow>`select * from ${sql.table(table)}`.execute(db)).rows
        return out
      })
      const expected = await reference.log.read(async (connection) => {
        const out: Record<string, string[]> = {}
        for (const table of [...WRITTEN, ...DERIVED])
          out[table] = await contents(connection as Kysely<Database>, table)
        return out
      })
      expect(expected['an_learner_activity']?.length).toBeGreaterThan(100)
      expect(expected['an_course_exits']?.length).toBeGreaterThan(0)

      // Half of each table's rows written before the migration, the rest after it: the copy
      // must keep the first half and the triggers made again must handle the second.
      expect((await migrator.migrateTo(BEFORE)).error).toBeUndefined()
      const halves = (part: 0 | 1) =>
        WRITTEN.map((table) => {
          const rows = written[table] ?? []
          const middle = Math.floor(rows.length / 2)
          return [table, part === 0 ? rows.slice(0, middle) : rows.slice(middle)] as const
        })
      const insert = async (part: 0 | 1) => {
        for (const [table, rows] of halves(part))
          for (let i = 0; i < rows.length; i += 200)
            await old
              .insertInto(table as never)
              .values(rows.slice(i, i + 200))
              .execute()
      }
      await insert(0)
      const schemaBefore = backend.name === 'sqlite' ? await sqliteSchema(old) : undefined
      const firstHalf = await contents(old, 'an_learner_activity')
      const { error, results } = await migrator.migrateToLatest()
      expect(error).toBeUndefined()
      expect(results?.map((r) => `${r.migrationName} ${r.status}`)).toContain(
        '0035-clustered-course-rows Success',
      )
      expect(await contents(old, 'an_learner_activity')).toEqual(firstHalf)
      if (schemaBefore !== undefined) {
        const table = (
          await sql<{ sql: string }>`select sql from sqlite_master
            where type = 'table' and name = 'an_learner_activity'`.execute(old)
        ).rows[0]?.sql
        expect(table).toMatch(/without rowid\s*$/i)
        expect(table).toMatch(/primary key \("store_id", "activity_id", "learner"\)/)
        // Every index and trigger as before (the table's key index is now the table itself).
        const after = await sqliteSchema(old)
        const kept = [...schemaBefore].filter(
          ([name]) => name !== 'sqlite_autoindex_an_learner_activity_1',
        )
        expect(kept.filter(([name, text]) => after.get(name) !== text)).toEqual([])
        expect([...after.keys()].filter((name) => !schemaBefore.has(name))).toEqual([])
      }
      await insert(1)
      for (const table of [...WRITTEN, ...DERIVED])
        expect({ table, rows: await contents(old, table) }).toEqual({
          table,
          rows: expected[table],
        })
    })
  })
