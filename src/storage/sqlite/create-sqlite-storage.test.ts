import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_STORE_ID } from '../ports.js'
import { createSqliteStorage } from './create-sqlite-storage.js'

describe('createSqliteStorage', () => {
  let dir = ''
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'almanac-sqlite-'))
  })
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  it('creates the parent directories and opens the file in WAL mode', async () => {
    const file = join(dir, 'a', 'b', 'lrs.db')
    const storage = createSqliteStorage({ file })
    await storage.migrate()
    await storage.close()
    expect(existsSync(file)).toBe(true)
    const raw = new BetterSqlite3(file, { readonly: true })
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal')
    } finally {
      raw.close()
    }
  })

  it('migrates once when several connections start at the same time', async () => {
    const file = join(dir, 'lrs.db')
    const storages = Array.from({ length: 4 }, () =>
      createSqliteStorage({ file, busyTimeoutMs: 10 }),
    )
    try {
      await Promise.all(storages.map((storage) => storage.migrate()))
      await Promise.all(storages.map((storage) => storage.admin.ensureDefaultStore()))
      // Every connection sees the schema.
      for (const storage of storages)
        expect(
          await storage.transaction(DEFAULT_STORE_ID, (s) => s.statements.allocateStored()),
        ).toMatch(/Z$/)
    } finally {
      await Promise.all(storages.map((storage) => storage.close()))
    }
    const raw = new BetterSqlite3(file, { readonly: true })
    try {
      const migrations = raw.prepare('select name from almanac_migration').all()
      expect(migrations).toEqual([
        { name: '0001-initial' },
        { name: '0002-tenancy' },
        { name: '0005-log-consumers' },
        { name: '0006-analytics' },
        { name: '0009-forwarding' },
        { name: '0010-retention' },
      ])
      expect(raw.prepare('select id from stores').all()).toEqual([{ id: DEFAULT_STORE_ID }])
    } finally {
      raw.close()
    }
  })

  it('works in memory, each storage its own database', async () => {
    const one = createSqliteStorage({ file: ':memory:' })
    const two = createSqliteStorage({ file: ':memory:' })
    await one.migrate()
    await two.migrate()
    await one.admin.insertCredential({
      key: 'k',
      secretHash: 'h',
      storeId: DEFAULT_STORE_ID,
      name: 'n',
      scopes: ['all'],
      enabled: true,
      createdAt: '2024-01-01T00:00:00.000Z',
      lastUsedAt: undefined,
    })
    expect(await one.admin.countCredentials()).toBe(1)
    expect(await two.admin.countCredentials()).toBe(0)
    await one.close()
    await two.close()
  })
})
