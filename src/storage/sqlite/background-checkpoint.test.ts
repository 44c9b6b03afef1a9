/** @module WAL checkpoints in a worker thread: pages reach the database file, the WAL restarts, close. */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type CheckpointResult,
  liveCheckpointThreads,
  startBackgroundCheckpoint,
} from './background-checkpoint.js'
import { createSqliteStorage } from './create-sqlite-storage.js'
import { JOURNAL_SIZE_LIMIT } from './sqlite-pragmas.js'

let dir = ''
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'almanac-checkpoint-'))
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const sizeOf = (file: string) => statSync(file, { throwIfNoEntry: false })?.size ?? 0

/** A WAL database whose own connection never checkpoints: only the thread can. */
function walDatabase(name: string): { file: string; db: BetterSqlite3.Database } {
  const file = join(dir, name)
  const db = new BetterSqlite3(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('wal_autocheckpoint = 0')
  db.exec('create table t (id integer primary key, body text not null)')
  return { file, db }
}

/** One transaction of `rows` rows of 1 KB each. */
function write(db: BetterSqlite3.Database, rows: number): void {
  const insert = db.prepare('insert into t (body) values (?)')
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run('x'.repeat(1000))
  })()
}

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out')
    await sleep(10)
  }
}

describe('background WAL checkpoints', () => {
  it('copy committed pages into the database file while the writer stays open', async () => {
    const { file, db } = walDatabase('copy.db')
    const heard: (CheckpointResult | { error: string })[] = []
    write(db, 2000)
    // Everything is in the WAL so far: the database file holds only the schema.
    expect(sizeOf(file)).toBeLessThan(100_000)
    const checkpoint = startBackgroundCheckpoint({
      file,
      intervalMs: 20,
      journalSizeLimit: JOURNAL_SIZE_LIMIT,
      onCheckpoint: (result) => heard.push(result),
    })
    try {
      await until(() => heard.length > 0)
      expect(heard[0]).not.toHaveProperty('error')
      const first = heard[0] as CheckpointResult
      expect(first.checkpointed).toBe(first.log)
      expect(sizeOf(file)).toBeGreaterThan(2000 * 1000)
    } finally {
      await checkpoint.close()
      db.close()
    }
  })

  it('keeps the WAL from growing: the writer restarts it once every frame is copied', async () => {
    const runs = async (withThread: boolean): Promise<number> => {
      const { file, db } = walDatabase(`restart-${withThread}.db`)
      const checkpoint = withThread
        ? startBackgroundCheckpoint({ file, intervalMs: 10, journalSizeLimit: JOURNAL_SIZE_LIMIT })
        : undefined
      try {
        // 40 commits of ~100 KB, with pauses a checkpoint fits into: ~4 MB written.
        for (let i = 0; i < 40; i++) {
          write(db, 100)
          await sleep(25)
        }
        return sizeOf(`${file}-wal`)
      } finally {
        await checkpoint?.close()
        db.close()
      }
    }
    const without = await runs(false)
    const withThread = await runs(true)
    expect(without).toBeGreaterThan(4_000_000)
    expect(withThread).toBeLessThan(without / 4)
  })

  it('starts with a file-backed storage and ends with its close, the WAL removed last', async () => {
    const before = liveCheckpointThreads()
    const file = join(dir, 'storage.db')
    const storage = createSqliteStorage({ file })
    expect(liveCheckpointThreads()).toBe(before + 1)
    await storage.migrate()
    expect(existsSync(`${file}-wal`)).toBe(true)
    await storage.close()
    expect(liveCheckpointThreads()).toBe(before)
    // The writer's connection closed after the thread's, as the last one: SQLite checkpointed
    // and deleted the WAL.
    expect(existsSync(`${file}-wal`)).toBe(false)

    const off = createSqliteStorage({ file: join(dir, 'off.db'), checkpointMs: 0 })
    const memory = createSqliteStorage({ file: ':memory:' })
    expect(liveCheckpointThreads()).toBe(before)
    await off.close()
    await memory.close()
  })
})
