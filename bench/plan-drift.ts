/**
 * @module `npx tsx bench/plan-drift.ts [N] [postgres|sqlite]`: p50/p95 of verb+activity statement
 * queries while one store grows from 0 to N statements (default 80,000) as fast as ingest allows
 * (issue 13: on PostgreSQL, query plans drifted while the planner's statistics lagged behind).
 *
 * Bounded: a fresh schema (or SQLite file); a writer process posts simulated statements in
 * batches of 500 through the core use cases; this process queries `verb` + `activity` (limit 10)
 * back to back, alternating a frequent and a rare pair, through the core use cases too (no HTTP),
 * and groups the latencies by the store's size when each query started. Everything is removed at
 * the end.
 *
 *   ALMANAC_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/plan-drift.ts
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import pg from 'pg'
import { createLrs } from '../src/core/create-lrs.js'
import type { Lrs, RequestContext } from '../src/core/lrs.js'
import { createPostgresStorage } from '../src/storage/postgres/create-postgres-storage.js'
import { DEFAULT_STORE_ID, type Storage } from '../src/storage/ports.js'
import { createSqliteStorage } from '../src/storage/sqlite/create-sqlite-storage.js'
import { simulateStatements } from '../src/simulate/simulate-statements.js'
import type { Statement } from '../src/xapi/types.js'

const url = process.env['ALMANAC_BENCH_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'
const BATCH = 500
const BUCKETS = 4
const SEED = 'drift'

const ctx: RequestContext = {
  principal: {
    key: 'bench',
    storeId: DEFAULT_STORE_ID,
    scopes: ['all'],
    authority: { objectType: 'Agent', account: { homePage: 'http://bench', name: 'bench' } },
  },
  version: '2.0.0',
}

type Target = { backend: 'postgres'; schema: string } | { backend: 'sqlite'; file: string }

function open(target: Target): Storage {
  return target.backend === 'sqlite'
    ? createSqliteStorage({ file: target.file })
    : createPostgresStorage({ url, schema: target.schema, poolMax: 4 })
}

function lrsOver(storage: Storage): Lrs {
  return createLrs(
    {
      storage,
      limits: { maxStatementsPerPage: 500 },
      xapiBasePath: '/xapi',
      authorityHomePage: 'http://bench',
    },
    { productVersion: 'bench' },
  )
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

/** The (verb, activity) pairs queried: the most frequent one and one of median frequency. */
function pairsOf(statements: readonly Statement[]) {
  const counts = new Map<string, number>()
  for (const s of statements) {
    if (s.object.objectType !== undefined && s.object.objectType !== 'Activity') continue
    const key = `${s.verb.id} ${(s.object as { id: string }).id}`
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  const sorted = [...counts].sort((a, b) => b[1] - a[1])
  return [sorted[0]!, sorted[Math.floor(sorted.length / 2)]!].map(([key, count]) => {
    const [verb, activity] = key.split(' ') as [string, string]
    return { verb, activity, count }
  })
}

/** The writer process: stores the simulation in batches, printing the count after each. */
async function writer(target: Target, total: number): Promise<void> {
  const storage = open(target)
  const lrs = lrsOver(storage)
  const statements = [...simulateStatements({ seed: SEED, statements: total })]
  for (let i = 0; i < statements.length; i += BATCH) {
    await lrs.storeStatements(ctx, {}, statements.slice(i, i + BATCH), [])
    process.stdout.write(`stored ${Math.min(statements.length, i + BATCH)}\n`)
  }
  await storage.close()
}

async function reader(total: number, backend: 'postgres' | 'sqlite'): Promise<void> {
  const schema = `almanac_drift_${randomBytes(4).toString('hex')}`
  const dir = mkdtempSync(join(tmpdir(), 'almanac-drift-'))
  const target: Target =
    backend === 'sqlite' ? { backend, file: join(dir, 'drift.db') } : { backend, schema }
  const admin = new pg.Client({ connectionString: url })
  if (backend === 'postgres') {
    await admin.connect()
    await admin.query(`create schema ${schema}`)
  }
  const storage = open(target)
  try {
    await storage.migrate()
    await storage.admin.ensureDefaultStore()
    const lrs = lrsOver(storage)
    const pairs = pairsOf([...simulateStatements({ seed: SEED, statements: total })])
    const samples: { size: number; ms: number; pair: number }[] = []
    let stored = 0
    let writing = true

    const started = performance.now()
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        new URL(import.meta.url).pathname,
        '--writer',
        JSON.stringify(target),
        String(total),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    createInterface({ input: child.stdout }).on('line', (line) => {
      stored = Number(line.split(' ')[1])
    })
    const exited = new Promise<void>((resolve, reject) =>
      child.on('exit', (code) => {
        writing = false
        if (code === 0) resolve()
        else reject(new Error(`writer exited with ${code}`))
      }),
    )
    for (let n = 0; writing; n++) {
      const pair = pairs[n % pairs.length]!
      const size = stored
      const t = performance.now()
      await lrs.queryStatements(ctx, { verb: pair.verb, activity: pair.activity, limit: '10' }, [])
      samples.push({ size, ms: performance.now() - t, pair: n % pairs.length })
      // SQLite answers synchronously: let the writer's progress and exit events in.
      await new Promise((resolve) => setImmediate(resolve))
    }
    await exited
    const seconds = (performance.now() - started) / 1000

    console.log(
      `${backend}: ${total} statements ingested in ${seconds.toFixed(1)} s while querying`,
    )
    console.log(
      `pairs: frequent ${pairs[0]!.count} statements, rare ${pairs[1]!.count} (of ${total})`,
    )
    console.log('| store size | queries | p50 ms | p95 ms | max ms | p95 frequent | p95 rare |')
    console.log('| --- | --- | --- | --- | --- | --- | --- |')
    const bucket = total / BUCKETS
    for (let b = 0; b <= BUCKETS; b++) {
      const inBucket = samples.filter((s) =>
        b === BUCKETS ? true : s.size >= b * bucket && s.size < (b + 1) * bucket,
      )
      const sortedMs = (list: typeof samples) => list.map((s) => s.ms).sort((x, y) => x - y)
      const ms = sortedMs(inBucket)
      const byPair = [0, 1].map((p) =>
        percentile(sortedMs(inBucket.filter((s) => s.pair === p)), 95).toFixed(1),
      )
      const label = b === BUCKETS ? 'all' : `${b * bucket}–${(b + 1) * bucket}`
      const cells = [percentile(ms, 50), percentile(ms, 95), ms.at(-1) ?? NaN].map((v) =>
        v.toFixed(1),
      )
      console.log(`| ${label} | ${ms.length} | ${cells.join(' | ')} | ${byPair.join(' | ')} |`)
    }
  } finally {
    await storage.close()
    if (backend === 'postgres') {
      await admin.query(`drop schema ${schema} cascade`)
      await admin.end()
    }
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[2] === '--writer') {
  await writer(JSON.parse(process.argv[3]!) as Target, Number(process.argv[4]))
} else {
  await reader(
    Number(process.argv[2] ?? 80_000),
    process.argv[3] === 'sqlite' ? 'sqlite' : 'postgres',
  )
}
