/**
 * @module The projection migrations on a database that already holds projection rows, as an
 * upgrade finds it: rows written before the migrations are kept or backfilled from, rows written
 * after them go through the triggers they made, and every projection table ends as in a store
 * that had the latest schema from the start. On SQLite, migration 0035 also makes the course
 * rows' table again clustered on its key, with the same indexes and triggers.
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
import { createMigrationProvider, MIGRATOR_TABLES } from '../../src/storage/sql/migrations.js'
import { createSqliteStorage } from '../../src/storage/sqlite/create-sqlite-storage.js'
import { ImmediateSqliteDialect } from '../../src/storage/sqlite/immediate-sqlite-dialect.js'
import { sqliteSqlDialect } from '../../src/storage/sqlite/sqlite-sql-dialect.js'
import { TABLES } from '../../src/storage/sql/analytics-schema.js'
import { analyticsFixture, S, simulated } from '../analytics/analytics-fixture.js'
import { createThrowawaySchema, TEST_POSTGRES_URL } from '../fixtures/throwaway-postgres.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** The tables the projector writes (migration 0006); every other `an_` table derives from them. */
const WRITTEN = TABLES.map((t) => t.name)

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

/** The columns the projector writes in `table` (later migrations add derived ones, e.g. 0043). */
const writtenColumns = (table: string) => {
  const spec = TABLES.find((t) => t.name === table)
  return spec === undefined ? undefined : ['store_id', ...Object.keys(spec.columns)]
}

/** A table's rows (all columns, or `columns`) as sorted lines, columns by name. */
async function contents(
  db: Kysely<Database>,
  table: string,
  columns?: readonly string[],
): Promise<string[]> {
  const rows = (
    await sql<AnyRow>`select ${columns === undefined ? sql`*` : sql.join(columns.map((c) => sql.ref(c)))}
      from ${sql.table(table)}`.execute(db)
  ).rows
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

/** The `an_` tables derived from the written ones by the migrations' triggers and backfills. */
async function derivedTables(db: Kysely<Database>, sqlite: boolean): Promise<string[]> {
  const names = sqlite
    ? await sql<{ name: string }>`select name from sqlite_master
        where type = 'table' and name like 'an\_%' escape '\\'`.execute(db)
    : await sql<{ name: string }>`select table_name as name from information_schema.tables
        where table_schema = current_schema() and table_name like 'an\_%'`.execute(db)
  return names.rows
    .map((r) => r.name)
    .filter((name) => !WRITTEN.includes(name))
    .sort()
}

const CASES = [
  // Every migration since the projections' tables were made: the backfills of 0018 (active
  // learners), 0019 (activity totals), 0025 (objective totals), 0026 (page totals), 0030
  // (course funnel and exits), 0031 (returns, objective course totals) and the rest.
  { before: '0014-people', checksCluster: false },
  // The clustering of the course rows (0035) on its own, with its schema checks.
  { before: '0034-course-exits-earlier', checksCluster: true },
]

for (const backend of BACKENDS)
  for (const { before, checksCluster } of CASES)
    describe.skipIf(backend.skip)(
      `projection migrations after ${before} on ${backend.name}`,
      () => {
        it('keep and backfill the rows, and their triggers derive the same tables after', async () => {
          const { reference, old, migrator } = await backend.open()
          const sqlite = backend.name === 'sqlite'
          const fx = analyticsFixture(reference)
          await fx.ingest(simulated(3000))
          await fx.projector.catchUp(S)
          const written = await reference.log.read(async (connection) => {
            const db = connection as Kysely<Database>
            const out: Record<string, AnyRow[]> = {}
            for (const table of WRITTEN)
              out[table] = (
                await sql<AnyRow>`select ${sql.join(
                  (writtenColumns(table) ?? []).map((c) => sql.ref(c)),
                )} from ${sql.table(table)}`.execute(db)
              ).rows
            return out
          })
          const derived = await reference.log.read((connection) =>
            derivedTables(connection as Kysely<Database>, sqlite),
          )
          const expected = await reference.log.read(async (connection) => {
            const out: Record<string, string[]> = {}
            for (const table of [...WRITTEN, ...derived])
              out[table] = await contents(connection as Kysely<Database>, table)
            return out
          })
          for (const table of [
            'an_learner_activity',
            'an_pages',
            'an_objectives',
            'an_learner_days',
          ])
            expect(expected[table]?.length, table).toBeGreaterThan(100)
          for (const table of ['an_course_exits', 'an_objective_shares', 'an_learner_returns'])
            expect(expected[table]?.length, table).toBeGreaterThan(0)

          // Half of each table's rows written before the migrations, the rest after them: the
          // first half must be kept (and backfilled from), the second go through the triggers.
          expect((await migrator.migrateTo(before)).error).toBeUndefined()
          const insert = async (part: 0 | 1) => {
            for (const table of WRITTEN) {
              const rows = written[table] ?? []
              const middle = Math.floor(rows.length / 2)
              const half = part === 0 ? rows.slice(0, middle) : rows.slice(middle)
              for (let i = 0; i < half.length; i += 200)
                await old
                  .insertInto(table as never)
                  .values(half.slice(i, i + 200))
                  .execute()
            }
          }
          await insert(0)
          const schemaBefore = sqlite && checksCluster ? await sqliteSchema(old) : undefined
          const courseColumns = writtenColumns('an_learner_activity')
          const firstHalf = await contents(old, 'an_learner_activity', courseColumns)
          if (schemaBefore !== undefined) {
            // The clustering alone: later migrations change other triggers on purpose.
            expect((await migrator.migrateTo('0035-clustered-course-rows')).error).toBeUndefined()
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
          const { error } = await migrator.migrateToLatest()
          expect(error).toBeUndefined()
          expect(await contents(old, 'an_learner_activity', courseColumns)).toEqual(firstHalf)
          expect(await derivedTables(old, sqlite)).toEqual(derived)
          await insert(1)
          for (const table of [...WRITTEN, ...derived])
            expect({ table, rows: await contents(old, table) }).toEqual({
              table,
              rows: expected[table],
            })
        })
      },
    )
