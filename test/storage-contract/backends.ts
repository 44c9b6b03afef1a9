/** @module The storage backends the contract tests run against: SQLite always, PostgreSQL on request. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Storage } from '../../src/storage/ports.js'
import { createPostgresStorage } from '../../src/storage/postgres/create-postgres-storage.js'
import { createSqliteStorage } from '../../src/storage/sqlite/create-sqlite-storage.js'
import { createThrowawaySchema, TEST_POSTGRES_URL } from '../fixtures/throwaway-postgres.js'

export interface Backend {
  readonly name: string
  /** Set while the adapter does not exist yet: the suite is declared but skipped. */
  readonly skip: boolean
  /** True when `openSibling` is available: a second connection to the same database. */
  readonly hasSiblings: boolean
  /** A fresh, migrated, empty storage, and how to dispose of it. */
  open(): Promise<OpenedBackend>
}

export interface OpenedBackend {
  readonly storage: Storage
  /**
   * Another `Storage` on the same database (a second process), where the backend has files.
   * `patient`: with the default lock timeout (5 s) instead of 20 ms.
   */
  openSibling: ((patient?: boolean) => Storage) | undefined
  dispose(): Promise<void>
}

/** A real SQLite file in a fresh temporary directory, as a server runs it. */
const sqliteFile: Backend = {
  name: 'sqlite (file)',
  skip: false,
  hasSiblings: true,
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'almanac-storage-'))
    // A nested path: createSqliteStorage creates the parent directory.
    const file = join(dir, 'data', 'almanac.db')
    const storage = createSqliteStorage({ file })
    await storage.migrate()
    return {
      storage,
      openSibling: () => createSqliteStorage({ file, busyTimeoutMs: 20 }),
      async dispose() {
        await storage.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  },
}

const sqliteMemory: Backend = {
  name: 'sqlite (:memory:)',
  skip: false,
  hasSiblings: false,
  async open() {
    const storage = createSqliteStorage({ file: ':memory:' })
    await storage.migrate()
    return { storage, openSibling: undefined, dispose: () => storage.close() }
  },
}

/**
 * A fresh schema of the ALMANAC_TEST_POSTGRES_URL database per test (parallel test files never
 * meet), dropped with its tables afterwards. Siblings are other pools on the same schema (other
 * processes), waiting 20 ms for a lock before retrying, like the SQLite siblings' busy timeout.
 */
function postgresBackend(url: string): Backend {
  return {
    name: 'postgres',
    skip: false,
    hasSiblings: true,
    async open() {
      const schema = await createThrowawaySchema(url)
      const storage = createPostgresStorage({ url, schema: schema.name, poolMax: 4 })
      await storage.migrate()
      return {
        storage,
        openSibling: (patient = false) =>
          createPostgresStorage({
            url,
            schema: schema.name,
            poolMax: 4,
            ...(patient ? {} : { lockTimeoutMs: 20 }),
          }),
        async dispose() {
          await storage.close()
          await schema.drop()
        },
      }
    },
  }
}

export const BACKENDS: readonly Backend[] = [
  sqliteFile,
  sqliteMemory,
  ...(TEST_POSTGRES_URL === undefined ? [] : [postgresBackend(TEST_POSTGRES_URL)]),
]
