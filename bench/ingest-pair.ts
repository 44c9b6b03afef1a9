/**
 * @module `npx tsx bench/ingest-pair.ts --before <built checkout>`: PostgreSQL ingest of two
 * builds measured **at the same time**, each on its own fresh database and port, so that both
 * see the same load on a shared machine (`bench/run.ts --before` runs them one after the
 * other). For each case it reports statements/s and the CPU per statement of the Almanac
 * server processes and of the PostgreSQL backends serving their database (`/proc/<pid>/stat`;
 * the backends' CPU is what round trips and SQL cost the database side).
 *
 * Cases: single statements at concurrency 64, batches of 100 at concurrency 16, each with 1 and
 * 2 server processes on one store.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { cpuSeconds, run, serveArgs } from './processes.js'
import type { IngestJob, JobResult } from './load-generator.js'

const ROOT = new URL('..', import.meta.url).pathname
const KEY = 'bench-key'
const SECRET = 'bench-secret-123'
const AUTH = 'Basic ' + Buffer.from(`${KEY}:${SECRET}`).toString('base64')

const { values: options } = parseArgs({
  options: {
    before: { type: 'string' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    port: { type: 'string', default: '19540' },
    file: { type: 'string', default: '/tmp/almanac-bench/bench-21000.jsonl' },
    singles: { type: 'string', default: '4000' },
    hundreds: { type: 'string', default: '20000' },
    cases: { type: 'string', default: 'single,batch,single2,batch2' },
    prefix: { type: 'string', default: 'pgingest_pair' },
  },
})
if (options.before === undefined) throw new Error('--before <built checkout> is required')
const builds: [string, string][] = [
  ['before', join(options.before, 'dist/cli/main.js')],
  ['after', join(ROOT, 'dist/cli/main.js')],
]

function log(line: string): void {
  process.stderr.write(`[pair] ${line}\n`)
}

async function admin<T extends pg.QueryResultRow>(
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: options['pg-url'] })
  client.on('error', () => undefined)
  await client.connect()
  try {
    return (await client.query<T>(text, values)).rows
  } finally {
    await client.end()
  }
}

async function startServer(cli: string, url: string, port: number): Promise<ChildProcess> {
  const child = spawn('node', serveArgs(cli), {
    env: {
      ...process.env,
      ALMANAC_PORT: String(port),
      ALMANAC_DATABASE_URL: url,
      ALMANAC_BOOTSTRAP_KEY: KEY,
      ALMANAC_BOOTSTRAP_SECRET: SECRET,
      ALMANAC_MAX_BODY_BYTES: String(64 * 1024 * 1024),
      ALMANAC_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'ignore'],
  })
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/xapi/about`)).ok) return child
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`server on ${port} did not start`)
}

async function backendCpu(database: string, seen: Map<number, number>): Promise<void> {
  const rows = await admin<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [
    database,
  ])
  for (const { pid } of rows) seen.set(pid, cpuSeconds(pid))
}

interface Outcome {
  perSecond: number
  nodeUs: number
  pgUs: number
  errors: number
}

/** One build's run of a case: fresh database, servers, load, CPU of both sides. */
async function measure(
  build: string,
  cli: string,
  port: number,
  processes: number,
  count: number,
  batchSize: number,
  concurrency: number,
  ready: Promise<void>,
  onReady: () => void,
): Promise<Outcome> {
  const database = `${options.prefix}_${build}_${process.pid}`
  await admin(`drop database if exists ${database} with (force)`)
  await admin(`create database ${database}`)
  const url = new URL(options['pg-url'])
  url.pathname = `/${database}`
  await run('node', [cli, 'migrate'], { ALMANAC_DATABASE_URL: url.toString() })
  const servers: ChildProcess[] = []
  try {
    for (let i = 0; i < processes; i++)
      servers.push(await startServer(cli, url.toString(), port + i))
    onReady()
    await ready
    const start = new Map<number, number>()
    await backendCpu(database, start)
    const nodeBefore = servers.map((s) => cpuSeconds(s.pid ?? 0))
    // One generator for both servers, its clients spread over them (run.ts `ingestOn` says why).
    const job: IngestJob = {
      kind: 'ingest',
      endpoint: `http://127.0.0.1:${port}/xapi`,
      endpoints: servers.map((_, i) => `http://127.0.0.1:${port + i}/xapi`),
      authorization: AUTH,
      file: options.file,
      skip: 0,
      count,
      batchSize,
      concurrency,
    }
    const out = await run('npx', [
      'tsx',
      join(ROOT, 'bench/load-generator.ts'),
      JSON.stringify(job),
    ])
    const result = JSON.parse(out.trim().split('\n').pop() ?? '{}') as JobResult
    const end = new Map<number, number>()
    await backendCpu(database, end)
    let pgCpu = 0
    for (const [pid, cpu] of end) pgCpu += cpu - (start.get(pid) ?? 0)
    const nodeCpu = servers.reduce(
      (n, s, i) => n + cpuSeconds(s.pid ?? 0) - (nodeBefore[i] ?? 0),
      0,
    )
    const statements = result.statements
    return {
      perSecond: statements / result.seconds,
      nodeUs: (nodeCpu * 1e6) / statements,
      pgUs: (pgCpu * 1e6) / statements,
      errors: result.errors,
    }
  } finally {
    for (const s of servers) {
      s.kill('SIGTERM')
      await new Promise((r) => s.once('exit', r))
    }
    await admin(`drop database if exists ${database} with (force)`)
  }
}

const CASES = {
  single: { what: 'single statements, c=64', processes: 1, batch: 1, concurrency: 64 },
  batch: { what: 'batches of 100, c=16', processes: 1, batch: 100, concurrency: 16 },
  single2: {
    what: 'single statements, c=64, 2 processes',
    processes: 2,
    batch: 1,
    concurrency: 64,
  },
  batch2: { what: 'batches of 100, c=16, 2 processes', processes: 2, batch: 100, concurrency: 16 },
} as const

const lines = [
  `| case (same time) | before st/s | after st/s | after ÷ before | Node CPU µs/st before → after | PostgreSQL CPU µs/st before → after | load |`,
  '| --- | ---: | ---: | ---: | --- | --- | --- |',
]
for (const name of options.cases.split(',') as (keyof typeof CASES)[]) {
  const c = CASES[name]
  const count = Number(c.batch === 1 ? options.singles : options.hundreds)
  log(`${c.what}: both builds at once`)
  let readyCount = 0
  let go = (): void => undefined
  const ready = new Promise<void>((resolve) => (go = resolve))
  const onReady = (): void => {
    if (++readyCount === builds.length) go()
  }
  const loadBefore = loadavg()[0]?.toFixed(1) ?? '?'
  const [before, after] = await Promise.all(
    builds.map(([build, cli], b) =>
      measure(
        build,
        cli,
        Number(options.port) + b * 4,
        c.processes,
        count,
        c.batch,
        c.concurrency,
        ready,
        onReady,
      ),
    ),
  )
  if (before === undefined || after === undefined) throw new Error('no outcome')
  const load = `${loadBefore}–${loadavg()[0]?.toFixed(1) ?? '?'}`
  const line = `| ${c.what} | ${before.perSecond.toFixed(0)} | ${after.perSecond.toFixed(0)} | ${(after.perSecond / before.perSecond).toFixed(2)}× | ${before.nodeUs.toFixed(0)} → ${after.nodeUs.toFixed(0)} | ${before.pgUs.toFixed(0)} → ${after.pgUs.toFixed(0)} | ${load} |${before.errors + after.errors > 0 ? ` errors ${before.errors}/${after.errors}` : ''}`
  log(line)
  lines.push(line)
}
process.stdout.write(lines.join('\n') + '\n')
