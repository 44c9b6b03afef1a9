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
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { median } from '../src/analytics/reports/stats.js'
import { loadFloorRows, postgresFloor, sqliteFloor, type FloorResult } from './floor.js'
import { cpuSeconds, run, serveArgs, waitForIdle } from './processes.js'
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
    /**
     * Only the ingest targets of issue 14 (single statements at c=64, batches of 100 at c=16
     * against the floor, two PostgreSQL processes against one), without the matrix, the fill
     * and the queries.
     */
    'ingest-only': { type: 'boolean', default: false },
    /**
     * With --ingest-only: how many times the floor and every case are measured, in turn. Each
     * round's ratios compare figures taken within a minute of each other; the summary rows give
     * their median and range, which a shared machine's bursts move far less than one pass.
     */
    rounds: { type: 'string', default: '3' },
    /**
     * A built checkout of another commit (its `dist/`) measured in the same run and conditions
     * as this one, e.g. the base commit of a change: its rows are labelled `before`.
     */
    before: { type: 'string' },
    'skip-analytics': { type: 'boolean', default: false },
    /** The first port of the servers the bench starts (each backend takes the next few). */
    port: { type: 'string', default: '18500' },
  },
})
const backends = options.backends.split(',').filter(Boolean) as ('sqlite' | 'postgres')[]
const sizes = options.sizes
  .split(',')
  .map(Number)
  .filter((n) => n > 0)
  .sort((a, b) => a - b)
const scale = options.quick ? 0.2 : 1
/** `--rounds`: how many times the ingest-only bench measures the floor and every case. */
const ROUNDS = Math.max(1, Number(options.rounds) || 1)

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
/** Statements each server of the ingest-only cases takes, untimed, before it is measured. */
const WARM_UP = Math.round(2000 * scale)
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
/** The 1-minute load average when the run began: on a shared machine it explains the figures. */
const loadAtStart = loadavg()[0]?.toFixed(1) ?? '?'

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`)
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

async function startServer(databaseUrl: string, port: number, cli = CLI): Promise<Server> {
  const child = spawn('node', serveArgs(cli), {
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
      what: floorLabel(backend),
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

/** What the raw storage floor of `backend` measures (`sqliteFloor`, `postgresFloor`). */
function floorLabel(backend: 'sqlite' | 'postgres'): string {
  return `raw driver, batch 100${backend === 'postgres' ? ', 4 writers' : ''}`
}

/**
 * Ingest with `processes` Almanac servers on one database (one store), one load generator's
 * clients spread evenly over them; statements/s over the whole, and the servers' CPU per
 * statement, which a busy shared machine inflates far less than it deflates throughput.
 */
async function ingestOn(
  cli: string,
  databaseUrl: string,
  firstPort: number,
  processes: number,
  file: string,
  skip: number,
  count: number,
  batchSize: number,
  concurrency: number,
  warmFrom: number,
): Promise<{
  perSecond: number
  p50: number
  p99: number
  cpuUsPerStatement: number
  errors: number
}> {
  const servers: Server[] = []
  for (let i = 0; i < processes; i++)
    servers.push(await startServer(databaseUrl, firstPort + i, cli))
  try {
    // One load generator for any number of servers, its clients spread over them as a load
    // balancer would (load-generator.ts `endpoints`): the client's own CPU, on the machine it
    // shares with the servers, is then the same for one server and for two, and one clock
    // times the whole. A generator per server started each its own tsx (1.4 s of CPU)
    // inside the other's timed window, and the windows did not line up.
    const spread = (from: number, statements: number): IngestJob => ({
      kind: 'ingest',
      endpoint: servers[0]!.endpoint,
      endpoints: servers.map((s) => s.endpoint),
      authorization: AUTH,
      file,
      skip: from,
      count: statements,
      batchSize,
      concurrency,
    })
    // Untimed warm-up, sent the way the timed statements are (each server gets its share): a
    // server's first seconds run cold code (JIT, prepared statements, pool), and the targets
    // are about a server that has been up, not one that has just started.
    await job(spread(warmFrom, WARM_UP * processes))
    // The warm-up's own after-work (the log consumers catching up on its statements) is part
    // of the warm-up, not of the timed case: the case starts from a server at rest.
    const settledMs = await waitForIdle(servers.map((s) => s.child.pid ?? 0))
    const cpuBefore = servers.map((s) => cpuSeconds(s.child.pid ?? 0))
    const started = performance.now()
    const result = await job(spread(skip, count))
    const seconds = result.seconds
    const wall = (performance.now() - started) / 1000
    const cpu = servers.reduce(
      (n, s, i) => n + cpuSeconds(s.child.pid ?? 0) - (cpuBefore[i] ?? 0),
      0,
    )
    const statements = result.statements
    log(
      `  (${processes} process(es): ${statements} statements in ${seconds.toFixed(1)} s, wall ${wall.toFixed(1)} s; at rest ${settledMs} ms after the warm-up)`,
    )
    return {
      perSecond: statements / seconds,
      p50: result.latenciesMs.p50,
      p99: result.latenciesMs.p99,
      cpuUsPerStatement: statements === 0 ? 0 : (cpu * 1e6) / statements,
      errors: result.errors,
    }
  } finally {
    for (const server of servers) await server.stop()
  }
}

/** A fresh empty database for one measurement, and how to drop it. */
async function freshDatabase(
  backend: 'sqlite' | 'postgres',
  name: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  if (backend === 'sqlite') {
    const dir = join(WORK, `sqlite-${name}-${Date.now()}`)
    mkdirSync(dir, { recursive: true })
    return {
      url: join(dir, 'almanac.db'),
      drop: () => {
        rmSync(dir, { recursive: true, force: true })
        return Promise.resolve()
      },
    }
  }
  // A client per statement: an idle admin connection kept across a long measurement can be
  // cut by the server, and an unhandled error on it would end the bench.
  const admin = async (statement: string): Promise<void> => {
    const client = new pg.Client({ connectionString: options['pg-url'] })
    client.on('error', () => undefined)
    await client.connect()
    try {
      await client.query(statement)
    } finally {
      await client.end()
    }
  }
  const database = `almanac_bench_${name}_${process.pid}`
  await admin(`drop database if exists ${database} with (force)`)
  await admin(`create database ${database}`)
  const url = new URL(options['pg-url'])
  url.pathname = `/${database}`
  return {
    url: url.toString(),
    drop: () => admin(`drop database if exists ${database} with (force)`),
  }
}

/** One measured ingest case of one round of `ingestFocus`. */
interface FocusResult {
  round: number
  build: string
  what: string
  perSecond: number
  p50: number
  p99: number
  cpuUsPerStatement: number
  errors: number
  /** Batch 100 in one process: statements/s over this round's floor. */
  toFloor?: number
  /** Two processes: statements/s over this round's one process, same batch and concurrency. */
  toOneProcess?: number
}

/** The median of one figure over the rounds (stats.ts); a list here is never empty. */
const overRounds = (xs: readonly number[]): number => median(xs) ?? NaN

/**
 * Issue 14's targets, for each build (`before`, if given, then this one) on fresh databases:
 * single statements at concurrency 64, batches of 100 at concurrency 16 as a ratio of the raw
 * floor, and on PostgreSQL two processes against one on the same store. The floor and the cases
 * are measured `--rounds` times in turn; each ratio divides figures of the same round.
 */
async function ingestFocus(
  backend: 'sqlite' | 'postgres',
  file: string,
  port: number,
): Promise<void> {
  const builds: [string, string][] = [
    ...(options.before === undefined
      ? []
      : [['before', join(options.before, 'dist/cli/main.js')] as [string, string]]),
    ['after', CLI],
  ]
  const singles = Math.round(8000 * scale)
  const hundreds = Math.round(20000 * scale)
  const cases: {
    what: string
    processes: number
    batch: number
    concurrency: number
    count: number
  }[] = [
    {
      what: 'single statements, concurrency 64',
      processes: 1,
      batch: 1,
      concurrency: 64,
      count: singles,
    },
    {
      what: 'batch 100, concurrency 16',
      processes: 1,
      batch: 100,
      concurrency: 16,
      count: hundreds,
    },
    ...(backend === 'postgres'
      ? [
          {
            what: 'single statements, concurrency 64, 2 processes',
            processes: 2,
            batch: 1,
            concurrency: 64,
            count: singles,
          },
          {
            what: 'batch 100, concurrency 16, 2 processes',
            processes: 2,
            batch: 100,
            concurrency: 16,
            count: hundreds,
          },
        ]
      : []),
  ]
  const floors: number[] = []
  const results: FocusResult[] = []
  const floorRows = await loadFloorRows(file, 0, hundreds)
  for (let round = 1; round <= ROUNDS; round++) {
    const floorDb = await freshDatabase(backend, 'floor')
    let floorPerSecond = 0
    try {
      log(`${backend} round ${round}/${ROUNDS}: raw storage floor`)
      await run('node', [CLI, 'migrate'], { ALMANAC_DATABASE_URL: floorDb.url })
      const floor =
        backend === 'sqlite'
          ? sqliteFloor(floorDb.url, floorRows, 100)
          : await postgresFloor(floorDb.url, floorRows, 100, 4)
      floorPerSecond = floor.statements / floor.seconds
      floors.push(floorPerSecond)
      log(`  ${Math.round(floorPerSecond)} st/s`)
    } finally {
      await floorDb.drop()
    }
    for (const [build, cli] of builds) {
      const oneProcess = new Map<string, number>()
      for (const c of cases) {
        const db = await freshDatabase(backend, build)
        try {
          await run('node', [cli, 'migrate'], { ALMANAC_DATABASE_URL: db.url })
          log(`${backend} round ${round}/${ROUNDS} ${build}: ${c.what}`)
          // The floor inserted the first `hundreds` statements elsewhere; each case starts at 0
          // on an empty database, so every build, case and round ingests the same statements.
          const r = await ingestOn(
            cli,
            db.url,
            port,
            c.processes,
            file,
            0,
            c.count,
            c.batch,
            c.concurrency,
            hundreds + 1000,
          )
          if (r.errors > 0) log(`  ${r.errors} errors`)
          const key = `${c.batch}/${c.concurrency}`
          if (c.processes === 1) oneProcess.set(key, r.perSecond)
          const single = oneProcess.get(key)
          results.push({
            round,
            build,
            what: c.what,
            ...r,
            ...(c.batch === 100 && c.processes === 1
              ? { toFloor: r.perSecond / floorPerSecond }
              : {}),
            ...(c.processes > 1 && single !== undefined
              ? { toOneProcess: r.perSecond / single }
              : {}),
          })
          log(
            `  ${Math.round(r.perSecond)} st/s, CPU ${Math.round(r.cpuUsPerStatement)} µs/statement`,
          )
        } finally {
          await db.drop()
        }
      }
    }
  }
  const range = (xs: readonly number[], digits: number): string =>
    `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`
  // Each round's figures, then the median of the rounds (the figure to quote) with the range.
  for (let round = 1; round <= ROUNDS; round++) {
    rows.push({
      backend,
      phase: `round ${round}: floor`,
      what: floorLabel(backend),
      statementsPerSecond: floors[round - 1] ?? NaN,
    })
    for (const r of results.filter((x) => x.round === round))
      rows.push({
        backend,
        phase: `round ${round}: ingest, ${r.build}`,
        what: r.what,
        statementsPerSecond: r.perSecond,
        p50: r.p50,
        p99: r.p99,
        ...(r.toFloor === undefined ? {} : { ratio: r.toFloor }),
        note:
          `server CPU ${Math.round(r.cpuUsPerStatement)} µs/statement` +
          (r.toOneProcess === undefined ? '' : `; ${r.toOneProcess.toFixed(2)}× one process`) +
          (r.errors > 0 ? `; ${r.errors} errors` : ''),
      })
  }
  rows.push({
    backend,
    phase: `median of ${ROUNDS}: floor`,
    what: floorLabel(backend),
    statementsPerSecond: overRounds(floors),
    note: `range ${range(floors, 0)} st/s`,
  })
  for (const [build] of builds)
    for (const c of cases) {
      const mine = results.filter((x) => x.build === build && x.what === c.what)
      const toFloor = mine.flatMap((x) => (x.toFloor === undefined ? [] : [x.toFloor]))
      const toOne = mine.flatMap((x) => (x.toOneProcess === undefined ? [] : [x.toOneProcess]))
      const perSecond = mine.map((x) => x.perSecond)
      const errors = mine.reduce((n, x) => n + x.errors, 0)
      rows.push({
        backend,
        phase: `median of ${ROUNDS}: ingest, ${build}`,
        what: c.what,
        statementsPerSecond: overRounds(perSecond),
        p50: overRounds(mine.map((x) => x.p50)),
        p99: overRounds(mine.map((x) => x.p99)),
        ...(toFloor.length > 0 ? { ratio: overRounds(toFloor) } : {}),
        note:
          `range ${range(perSecond, 0)} st/s` +
          (toFloor.length > 0 ? `; ratio to the round's floor ${range(toFloor, 2)}` : '') +
          (toOne.length > 0
            ? `; ${overRounds(toOne).toFixed(2)}× one process (range ${range(toOne, 2)})`
            : '') +
          `; server CPU ${Math.round(overRounds(mine.map((x) => x.cpuUsPerStatement)))} µs/statement` +
          (errors > 0 ? `; ${errors} errors` : ''),
      })
    }
}

function fmt(n: number | undefined, digits = 0): string {
  return n === undefined ? '' : n.toFixed(digits)
}

function report(): string {
  const lines = [
    `# Almanac benchmark — ${new Date().toISOString()}`,
    '',
    options['ingest-only']
      ? `Machine: ${process.arch}, Node ${process.version}, ${cpus().length} CPUs, load average ${loadAtStart} at the start and ${loadavg()[0]?.toFixed(1)} at the end. Ingest targets only${options.quick ? ' (--quick)' : ''}, each case on a fresh database and each server warmed up first with ${WARM_UP} statements of its own, sent as the case sends them and not timed, the timing started once the servers were at rest (their log consumers caught up on the warm-up); one load generator sends every case, with two servers its clients spread over both as a load balancer would${options.before === undefined ? '' : `; \`before\` is the build in ${options.before}`}. One run of ${ROUNDS} rounds, each measuring the floor and then every case; a ratio divides figures of one round, and the \`median of\` rows give the median over the rounds and its range.`
      : `Machine: ${process.arch}, Node ${process.version}. Store sizes: ${sizes.join(', ')}. One run; ratios compare figures from this same run.`,
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
  const total = options['ingest-only']
    ? Math.round(20000 * scale) + 1000 + 2 * WARM_UP
    : Math.max(...sizes, 0) + matrixTotal + 1000
  const file = await dataset(total)
  let port = Number(options.port)
  for (const backend of backends)
    if (options['ingest-only']) {
      await ingestFocus(backend, file, port)
      port += 2
    } else await benchBackend(backend, file, port++)
  const markdown = report()
  process.stdout.write(markdown)
  const dir = join(ROOT, 'bench/results')
  mkdirSync(dir, { recursive: true })
  const out = join(dir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.md`)
  writeFileSync(out, markdown)
  log(`report written to ${out}`)
  // The analytics part (bench/analytics.ts): reports, projector on/off, lag, rebuild, POST
  // latency under report load, at the smallest store size (its own report file).
  if (!options['skip-analytics'] && !options['ingest-only'])
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
