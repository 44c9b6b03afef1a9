/**
 * @module `npm run bench`: measures Almanac's ingest and query performance against the raw
 * storage floor, on SQLite and PostgreSQL, and writes a markdown report to bench/results/.
 *
 * Everything is measured in one run on one machine, so the ratios are meaningful even on a
 * noisy shared host. The server runs as its own process (`node dist/cli/main.js serve`), the
 * load generator as another, and the floor inside this process.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { createReadStream } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { loadFloorRows, postgresFloor, sqliteFloor, type FloorResult } from './floor.js'
import type { IngestJob, JobResult, QueryJob } from './load-generator.js'

const ROOT = new URL('..', import.meta.url).pathname
const CLI = join(ROOT, 'dist/cli/main.js')
const WORK = '/tmp/almanac-bench'
const KEY = 'bench-key'
const SECRET = 'bench-secret-123'
const AUTH = 'Basic ' + Buffer.from(`${KEY}:${SECRET}`).toString('base64')

const { values: options } = parseArgs({
  options: {
    backends: { type: 'string', default: 'sqlite,postgres' },
    sizes: { type: 'string', default: '100000,1000000' },
    'pg-url': {
      type: 'string',
      default:
        process.env['ALMANAC_BENCH_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    },
    quick: { type: 'boolean', default: false },
    'skip-analytics': { type: 'boolean', default: false },
  },
})
const backends = options.backends.split(',').filter(Boolean) as ('sqlite' | 'postgres')[]
const sizes = options.sizes
  .split(',')
  .map(Number)
  .filter((n) => n > 0)
  .sort((a, b) => a - b)
const scale = options.quick ? 0.2 : 1

/**
 * Ingest matrix: statements sent per (batch size); each runs at every concurrency. The total
 * (93k) stays below the smallest store size, so the first query round runs at that size.
 */
const INGEST_BATCHES: readonly { batchSize: number; count: number }[] = [
  { batchSize: 1, count: Math.round(1000 * scale) },
  { batchSize: 10, count: Math.round(5000 * scale) },
  { batchSize: 100, count: Math.round(10000 * scale) },
  { batchSize: 1000, count: Math.round(15000 * scale) },
]
const CONCURRENCY = [1, 16, 64] as const
const matrixTotal = INGEST_BATCHES.reduce((n, b) => n + b.count * CONCURRENCY.length, 0)

interface Row {
  backend: string
  phase: string
  what: string
  statementsPerSecond?: number
  p50?: number
  p95?: number
  p99?: number
  rssMb?: number
  ratio?: number
  note?: string
}
const rows: Row[] = []

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`)
}

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')} exited ${code}`)),
    )
  })
}

async function countLines(file: string): Promise<number> {
  let n = 0
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity }))
    if (line !== '') n++
  return n
}

/** One simulated data set, generated once and reused by every backend (and later runs). */
async function dataset(total: number): Promise<string> {
  const file = join(WORK, `bench-${total}.jsonl`)
  if (existsSync(file) && statSync(file).size > 0 && (await countLines(file)) >= total) return file
  log(`simulating ${total} statements → ${file}`)
  await run('node', [
    CLI,
    'simulate',
    '--seed',
    'almanac-bench',
    '--statements',
    String(total),
    '--out',
    file,
  ])
  return file
}

function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
    return Math.round(kb / 1024)
  } catch {
    return 0
  }
}

interface Server {
  child: ChildProcess
  endpoint: string
  rssSamples: number[]
  stop(): Promise<void>
}

async function startServer(databaseUrl: string, port: number): Promise<Server> {
  const child = spawn('node', [CLI, 'serve'], {
    env: {
      ...process.env,
      ALMANAC_PORT: String(port),
      ALMANAC_DATABASE_URL: databaseUrl,
      ALMANAC_BOOTSTRAP_KEY: KEY,
      ALMANAC_BOOTSTRAP_SECRET: SECRET,
      ALMANAC_MAX_BODY_BYTES: String(64 * 1024 * 1024),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const endpoint = `http://127.0.0.1:${port}/xapi`
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${endpoint}/about`)).ok) break
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  const rssSamples: number[] = []
  const timer = setInterval(() => rssSamples.push(rssMb(child.pid ?? 0)), 1000)
  return {
    child,
    endpoint,
    rssSamples,
    async stop() {
      clearInterval(timer)
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
    },
  }
}

async function job(j: IngestJob | QueryJob): Promise<JobResult> {
  const out = await run('npx', ['tsx', join(ROOT, 'bench/load-generator.ts'), JSON.stringify(j)])
  const result = JSON.parse(out.trim().split('\n').pop() ?? '{}') as JobResult
  if (result.errors > 0) log(`  ${result.errors} errors, first: ${result.firstError ?? ''}`)
  return result
}

/** A handful of real values from the data set to filter on. */
async function sampleFilters(file: string): Promise<Record<string, string>> {
  const found: Record<string, string> = {}
  let n = 0
  for await (const line of createInterface({
    input: createReadStream(file),
    crlfDelay: Infinity,
  })) {
    if (n++ < 5000 || line === '') continue
    const s = JSON.parse(line) as {
      actor: Record<string, unknown>
      verb: { id: string }
      object: { id?: string; objectType?: string }
      context?: {
        registration?: string
        contextActivities?: { grouping?: { id: string }[]; parent?: { id: string }[] }
      }
    }
    if (s.context?.registration !== undefined && found['registration'] === undefined) {
      found['agent'] = JSON.stringify(
        s.actor.mbox !== undefined ? { mbox: s.actor.mbox } : { account: s.actor.account },
      )
      found['verb'] = s.verb.id
      found['activity'] = s.object.id ?? ''
      found['registration'] = s.context.registration
      found['course'] =
        s.context.contextActivities?.grouping?.[0]?.id ??
        s.context.contextActivities?.parent?.[0]?.id ??
        s.object.id ??
        ''
    }
    if (found['registration'] !== undefined) break
  }
  return found
}

function queryPaths(
  f: Record<string, string>,
  since: string,
  until: string,
): Record<string, string> {
  const q = (params: Record<string, string>) =>
    '/statements?' + new URLSearchParams({ limit: '100', ...params }).toString()
  return {
    agent: q({ agent: f['agent']! }),
    verb: q({ verb: f['verb']! }),
    activity: q({ activity: f['activity']! }),
    registration: q({ registration: f['registration']! }),
    'agent+verb+activity': q({ agent: f['agent']!, verb: f['verb']!, activity: f['activity']! }),
    related_activities: q({ activity: f['course']!, related_activities: 'true' }),
    related_agents: q({ agent: f['agent']!, related_agents: 'true' }),
    'since/until': q({ since, until }),
    'no filter (newest)': q({}),
  }
}

async function benchBackend(
  backend: 'sqlite' | 'postgres',
  file: string,
  port: number,
): Promise<void> {
  let databaseUrl: string
  let floorUrl: string
  const cleanups: (() => Promise<void>)[] = []
  if (backend === 'sqlite') {
    const dir = join(WORK, `sqlite-${Date.now()}`)
    mkdirSync(dir, { recursive: true })
    databaseUrl = join(dir, 'almanac.db')
    floorUrl = join(dir, 'floor.db')
    cleanups.push(() => {
      rmSync(dir, { recursive: true, force: true })
      return Promise.resolve()
    })
  } else {
    const admin = new pg.Client({ connectionString: options['pg-url'] })
    await admin.connect()
    const names = [`almanac_bench_${process.pid}`, `almanac_floor_${process.pid}`]
    for (const name of names) {
      await admin.query(`drop database if exists ${name}`)
      await admin.query(`create database ${name}`)
    }
    const base = new URL(options['pg-url'])
    base.pathname = `/${names[0]}`
    databaseUrl = base.toString()
    base.pathname = `/${names[1]}`
    floorUrl = base.toString()
    cleanups.push(async () => {
      for (const name of names) await admin.query(`drop database if exists ${name} with (force)`)
      await admin.end()
    })
  }
  try {
    const server = await startServer(databaseUrl, port)
    let offset = 0
    let best100 = 0
    log(`${backend}: ingest matrix (${matrixTotal} statements)`)
    for (const { batchSize, count } of INGEST_BATCHES) {
      for (const concurrency of CONCURRENCY) {
        const r = await job({
          kind: 'ingest',
          endpoint: server.endpoint,
          authorization: AUTH,
          file,
          skip: offset,
          count,
          batchSize,
          concurrency,
        })
        offset += count
        const perSecond = r.statements / r.seconds
        if (batchSize === 100) best100 = Math.max(best100, perSecond)
        rows.push({
          backend,
          phase: 'ingest',
          what: `batch ${batchSize}, concurrency ${concurrency}`,
          statementsPerSecond: perSecond,
          p50: r.latenciesMs.p50,
          p99: r.latenciesMs.p99,
          rssMb: rssMb(server.child.pid ?? 0),
        })
        log(
          `  batch ${batchSize} c${concurrency}: ${Math.round(perSecond)} st/s, p50 ${r.latenciesMs.p50.toFixed(1)} ms`,
        )
      }
    }

    let stored = offset
    for (const size of sizes) {
      if (size > stored) {
        log(`${backend}: filling to ${size}`)
        const before = server.rssSamples.length
        const r = await job({
          kind: 'ingest',
          endpoint: server.endpoint,
          authorization: AUTH,
          file,
          skip: stored,
          count: size - stored,
          batchSize: 1000,
          concurrency: 4,
        })
        const samples = server.rssSamples.slice(before)
        const third = Math.max(1, Math.floor(samples.length / 3))
        const early = Math.max(...samples.slice(0, third))
        const late = Math.max(...samples.slice(-third))
        rows.push({
          backend,
          phase: 'fill',
          what: `to ${size} (batch 1000, concurrency 4)`,
          statementsPerSecond: r.statements / r.seconds,
          p50: r.latenciesMs.p50,
          p99: r.latenciesMs.p99,
          rssMb: late,
          note: `RSS max first third ${early} MB, last third ${late} MB`,
        })
        stored = size
      }
      const filters = await sampleFilters(file)
      const now = Date.now()
      const paths = queryPaths(
        filters,
        new Date(now - 3_600_000).toISOString(),
        new Date(now).toISOString(),
      )
      for (const [name, path] of Object.entries(paths)) {
        const r = await job({
          kind: 'query',
          endpoint: server.endpoint,
          authorization: AUTH,
          paths: [path],
          requests: Math.round(200 * scale) || 20,
          concurrency: 1,
        })
        rows.push({
          backend,
          phase: `query @${size}`,
          what: name,
          p50: r.latenciesMs.p50,
          p95: r.latenciesMs.p95,
          p99: r.latenciesMs.p99,
        })
        log(
          `  ${name} @${size}: p50 ${r.latenciesMs.p50.toFixed(1)} ms p95 ${r.latenciesMs.p95.toFixed(1)} ms`,
        )
      }
      const deep = await job({
        kind: 'query',
        endpoint: server.endpoint,
        authorization: AUTH,
        paths: ['/statements?limit=100'],
        requests: 5,
        concurrency: 1,
        followMore: 49,
      })
      rows.push({
        backend,
        phase: `query @${size}`,
        what: 'more paging, 50 pages of 100',
        p50: deep.latenciesMs.p50,
        p95: deep.latenciesMs.p95,
        p99: deep.latenciesMs.p99,
      })
    }
    await server.stop()

    log(`${backend}: raw storage floor`)
    await run('node', [CLI, 'migrate'], { ALMANAC_DATABASE_URL: floorUrl })
    const batch100 = INGEST_BATCHES.find((b) => b.batchSize === 100)!
    const floorSkip = INGEST_BATCHES.filter((b) => b.batchSize < 100).reduce(
      (n, b) => n + b.count * CONCURRENCY.length,
      0,
    )
    const floorRows = await loadFloorRows(file, floorSkip, batch100.count * CONCURRENCY.length)
    const floor: FloorResult =
      backend === 'sqlite'
        ? sqliteFloor(floorUrl, floorRows, 100)
        : await postgresFloor(floorUrl, floorRows, 100, 4)
    const floorPerSecond = floor.statements / floor.seconds
    rows.push({
      backend,
      phase: 'floor',
      what: `raw driver, batch 100${backend === 'postgres' ? ', 4 writers' : ''}`,
      statementsPerSecond: floorPerSecond,
    })
    rows.push({
      backend,
      phase: 'ratio',
      what: 'best Almanac batch-100 / floor',
      statementsPerSecond: best100,
      ratio: best100 / floorPerSecond,
    })
    for (const row of rows)
      if (row.backend === backend && row.phase === 'ingest')
        row.ratio = (row.statementsPerSecond ?? 0) / floorPerSecond
  } finally {
    for (const cleanup of cleanups) await cleanup()
  }
}

function fmt(n: number | undefined, digits = 0): string {
  return n === undefined ? '' : n.toFixed(digits)
}

function report(): string {
  const lines = [
    `# Almanac benchmark — ${new Date().toISOString()}`,
    '',
    `Machine: ${process.arch}, Node ${process.version}. Store sizes: ${sizes.join(', ')}. One run; ratios compare figures from this same run.`,
    '',
    '| backend | phase | what | statements/s | p50 ms | p95 ms | p99 ms | server RSS MB | ratio to floor | note |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.map(
      (r) =>
        `| ${r.backend} | ${r.phase} | ${r.what} | ${fmt(r.statementsPerSecond)} | ${fmt(r.p50, 1)} | ${fmt(r.p95, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.rssMb)} | ${r.ratio === undefined ? '' : r.ratio.toFixed(2)} | ${r.note ?? ''} |`,
    ),
  ]
  return lines.join('\n') + '\n'
}

async function main(): Promise<void> {
  mkdirSync(WORK, { recursive: true })
  const total = Math.max(...sizes, 0) + matrixTotal + 1000
  const file = await dataset(total)
  let port = 18500
  for (const backend of backends) await benchBackend(backend, file, port++)
  const markdown = report()
  process.stdout.write(markdown)
  const dir = join(ROOT, 'bench/results')
  mkdirSync(dir, { recursive: true })
  const out = join(dir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.md`)
  writeFileSync(out, markdown)
  log(`report written to ${out}`)
  // The analytics part (bench/analytics.ts): reports, projector on/off, lag, rebuild, POST
  // latency under report load, at the smallest store size (its own report file).
  if (!options['skip-analytics'])
    await run(process.execPath, [
      '--import',
      'tsx',
      join(ROOT, 'bench/analytics.ts'),
      '--backends',
      backends.join(','),
      '--size',
      String(Math.round((sizes[0] ?? 100_000) * scale)),
      '--pg-url',
      options['pg-url'],
    ])
}

await main()
