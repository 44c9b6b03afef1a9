/**
 * @module The analytics part of `npm run bench`, per backend:
 *
 * - **ratio**: ingest throughput over HTTP (`app.request`, 500 statements per POST) with the
 *   projector off vs on, in interleaved segments of one run (fresh databases); after each "on"
 *   segment the projector's catch-up time is measured apart.
 * - **lag**: projection lag under a steady 1,000 statements/s (100 every 100 ms, 20 s; `--lag-rate`), sampled
 *   every 50 ms on a timer: the age of the oldest statement not yet projected.
 * - **load**: a store of `--size` simulated statements bulk-loaded through the import path
 *   (the ingest pipeline after validation — the simulator's statements are valid — `--unit`
 *   statements per unit of work, default 5,000) with the projector off: raw statements, their
 *   index rows, activities and agents only. `--reuse` keeps a finished store for the next run,
 *   `--resume` continues a load that stopped part-way.
 * - **rebuild**: the loaded store projected by `analytics.rebuild` from its raw statements (the
 *   rebuild throughput; recreates the current projections whatever code loaded the store), then
 *   the people and insights-links consumers caught up.
 * - **reports**: p50/p95 of every report over HTTP on that store, with the largest course (by
 *   learners), its largest module, assessment and a learner of it.
 * - **post**: POST latency (100 statements) alone, then while reports are requested in a loop;
 *   on SQLite with the report reads on the main thread and in worker threads
 *   (`ALMANAC_SQLITE_READ_WORKERS` 0 vs the default), alternating in the same run.
 *
 *   tsx bench/analytics.ts [--backends sqlite,postgres] [--size 1000000] [--ratio-size 100000]
 *                          [--parts ratio,lag,load,rebuild,reports,post] [--courses N]
 *                          [--reuse | --resume] [--unit 5000] [--cache-mb 256] [--wait-s 3600]
 *                          [--skip 'ineffective,informal'] (reports left out of reports and post;
 *                          a comma inside a name's parentheses is part of the name)
 *                          [--consumers people,links] (consumers caught up by rebuild, run later)
 *
 *   The 10⁷ store once, raw, then (later, with the final code) projected and measured:
 *     ALMANAC_BENCH_DIR=/work/bench-scale nice -n 15 tsx bench/analytics.ts --backends sqlite \
 *       --size 10000000 --parts load
 *     ALMANAC_BENCH_DIR=/work/bench-scale tsx bench/analytics.ts --backends sqlite \
 *       --size 10000000 --reuse --parts rebuild,reports,post
 */
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { type Kysely, sql } from 'kysely'
import pg from 'pg'
import { cliRequestContext } from '../src/cli/cli-context.js'
import { createAlmanac, type Almanac } from '../src/compose.js'
import { projectActivitiesAndAgents } from '../src/core/activities.js'
import { createStoreStatements } from '../src/core/statements/store-statements.js'
import { ANALYTICS_CONSUMER } from '../src/analytics/projector.js'
import type { Database } from '../src/storage/sql/database.js'
import { readConsumerPosition } from '../src/storage/sql/sql-statement-log.js'
import type { SqlDialect } from '../src/storage/sql/sql-dialect.js'
import { postgresSqlDialect } from '../src/storage/postgres/postgres-sql-dialect.js'
import { sqliteSqlDialect } from '../src/storage/sqlite/sqlite-sql-dialect.js'
import { loadConfig } from '../src/config/load-config.js'
import { createJsonLogger } from '../src/observability/logger.js'
import {
  createSimulation,
  inBatches,
  type Simulation,
} from '../src/simulate/simulate-statements.js'
import type { Statement } from '../src/xapi/types.js'

const { values: options } = parseArgs({
  options: {
    backends: { type: 'string', default: 'sqlite,postgres' },
    size: { type: 'string', default: '1000000' },
    'ratio-size': { type: 'string', default: '100000' },
    parts: { type: 'string', default: 'ratio,lag,load,rebuild,reports,post' },
    courses: { type: 'string' },
    reuse: { type: 'boolean', default: false },
    resume: { type: 'boolean', default: false },
    unit: { type: 'string', default: '5000' },
    'cache-mb': { type: 'string', default: '256' },
    'wait-s': { type: 'string', default: '3600' },
    'lag-rate': { type: 'string', default: '1000' },
    /** Report names (as printed) left out of the reports and post parts, comma-separated. */
    skip: { type: 'string', default: '' },
    /**
     * The statement-log consumers besides the projector that the rebuild catches up and that run
     * during the reports and post parts (comma-separated: people, links). At 10⁷ the people and
     * links catch-ups take longer than the rebuild itself; one left out is stopped, so it never
     * catches up in the background while reports are timed (the reports then see the people
     * directory as it stands).
     */
    consumers: { type: 'string', default: 'people,links' },
    'pg-url': {
      type: 'string',
      default:
        process.env['ALMANAC_BENCH_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    },
  },
})
const SIZE = Number(options.size)
const RATIO_SIZE = Number(options['ratio-size'])
const PARTS = new Set(options.parts.split(','))
/** Statements per unit of work of the bulk load. */
const UNIT = Number(options.unit)
const PROGRESS_EVERY = 200_000
/** The steady rate of the lag part, statements/s (100 per POST). */
const LAG_RATE = Number(options['lag-rate'])
// Commas inside parentheses belong to a report's name ('course (largest, window, by score)').
const SKIP = new Set(
  options.skip
    .split(/,(?![^(]*\))/)
    .map((name) => name.trim())
    .filter(Boolean),
)
const CONSUMERS = new Set(options.consumers.split(',').filter(Boolean))
/** How long a wait for the projector may last before the bench fails. */
const WAIT_S = Number(options['wait-s'])
const KEY = 'bench-key'
const SECRET = 'bench-secret-123'
const AUTH = 'Basic ' + Buffer.from(`${KEY}:${SECRET}`).toString('base64')
const WORK = process.env['ALMANAC_BENCH_DIR'] ?? '/tmp/almanac-bench-analytics'
const lines: string[] = []
const say = (line: string) => {
  process.stderr.write(`[bench analytics] ${line}\n`)
  lines.push(line)
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN
}
const ms = (x: number) => x.toFixed(1)
const sleep = (t: number) => new Promise((r) => setTimeout(r, t))

async function database(backend: string, name: string, fresh: boolean): Promise<string> {
  if (backend === 'sqlite') {
    const dir = join(WORK, name)
    if (fresh) rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    return join(dir, 'lrs.db')
  }
  // ALMANAC_BENCH_PG_PREFIX: another prefix for the database's name (e.g. one's own on a shared server).
  const db = `${process.env['ALMANAC_BENCH_PG_PREFIX'] ?? 'almanac_bench_an_'}${name.replace(/\W/g, '_')}`
  const admin = new pg.Client({ connectionString: options['pg-url'] })
  await admin.connect()
  if (fresh) await admin.query(`drop database if exists ${db}`)
  const exists = await admin.query('select 1 from pg_database where datname = $1', [db])
  if (exists.rowCount === 0) await admin.query(`create database ${db}`)
  await admin.end()
  return options['pg-url'].replace(/\/[^/]*$/, `/${db}`)
}

/** `ALMANAC_SQLITE_READ_WORKERS` of the post part's runs (undefined: the default). */
async function open(
  url: string,
  analytics: boolean,
  batchSize = 2000,
  readWorkers?: number,
): Promise<Almanac> {
  return createAlmanac(
    loadConfig({
      ALMANAC_DATABASE_URL: url,
      ...(readWorkers === undefined ? {} : { ALMANAC_SQLITE_READ_WORKERS: String(readWorkers) }),
      ALMANAC_BOOTSTRAP_KEY: KEY,
      ALMANAC_BOOTSTRAP_SECRET: SECRET,
      ALMANAC_ANALYTICS: analytics ? 'on' : 'off',
      ALMANAC_ANALYTICS_POLL_MS: '200',
      ALMANAC_ANALYTICS_BATCH_SIZE: String(batchSize),
      // The consumers' share of a saturated writer, when the environment sets one to compare.
      ...(process.env['ALMANAC_ANALYTICS_BUSY_SHARE'] === undefined
        ? {}
        : { ALMANAC_ANALYTICS_BUSY_SHARE: process.env['ALMANAC_ANALYTICS_BUSY_SHARE'] }),
    }),
    // Background failures (a consumer's batch that throws) would otherwise go unseen while the
    // bench waits for that consumer: they are printed.
    createJsonLogger('error', (line) => process.stderr.write(`  [almanac] ${line}\n`)),
  )
}

async function post(almanac: Almanac, batch: readonly Statement[]): Promise<number> {
  const t = performance.now()
  const r = await almanac.app.request('/xapi/statements', {
    method: 'POST',
    headers: {
      Authorization: AUTH,
      'Content-Type': 'application/json',
      'X-Experience-API-Version': '1.0.3',
    },
    body: JSON.stringify(batch),
  })
  if (r.status !== 200) throw new Error(`POST ${r.status}: ${await r.text()}`)
  return performance.now() - t
}

async function get(almanac: Almanac, path: string): Promise<{ ms: number; body: any }> {
  const t = performance.now()
  const r = await almanac.app.request(path, { headers: { Authorization: AUTH } })
  const body = await r.json()
  if (r.status !== 200) throw new Error(`GET ${path} ${r.status}: ${JSON.stringify(body)}`)
  return { ms: performance.now() - t, body }
}

/**
 * Waits until the projector's cursor reaches the watermark. Says every 30 s where the projector
 * stands, so a wait that does not move is visible, and gives up after `--wait-s` seconds.
 */
async function caughtUp(almanac: Almanac, what = 'the projector'): Promise<void> {
  const start = performance.now()
  let told = start
  for (;;) {
    const f = await almanac.analytics.freshness(1)
    if (f.caughtUp) return
    const now = performance.now()
    if (now - told >= 30_000) {
      told = now
      process.stderr.write(
        `  waiting for ${what}: cursor ${f.cursor} of ${f.watermark}, lag ${f.lagSeconds.toFixed(1)} s, ${((now - start) / 1000).toFixed(0)} s so far\n`,
      )
    }
    if (now - start > WAIT_S * 1000)
      throw new Error(
        `${what} did not catch up in ${WAIT_S} s: cursor ${f.cursor} of ${f.watermark}`,
      )
    await sleep(50)
  }
}

/** Ingest with the projector off vs on, in interleaved segments of one run. */
async function ratio(backend: string): Promise<Almanac> {
  const statements = [
    ...createSimulation({ seed: 'bench-analytics', statements: RATIO_SIZE }).statements(),
  ]
  const off = await open(await database(backend, 'off', true), false)
  const on = await open(await database(backend, 'on', true), true)
  const segments = 4
  const per = Math.ceil(statements.length / segments)
  const time = { off: 0, on: 0, catchUp: 0 }
  // The process's CPU time during each setting's segments (both Almanacs share the process, but
  // only one is ingesting and the other's projector is idle then): a figure the machine's load
  // moves less than throughput does.
  const cpu = { off: 0, on: 0 }
  for (let s = 0; s < segments; s++) {
    const part = statements.slice(s * per, (s + 1) * per)
    for (const [which, almanac] of [
      ['off', off],
      ['on', on],
    ] as const) {
      const t = performance.now()
      const c = process.cpuUsage()
      for (const batch of inBatches(part, 500)) await post(almanac, batch)
      time[which] += performance.now() - t
      const used = process.cpuUsage(c)
      cpu[which] += (used.user + used.system) / 1000
    }
    // The projector catches up before the next "off" segment so it never runs during one.
    const t = performance.now()
    await caughtUp(on)
    time.catchUp += performance.now() - t
  }
  await off.close()
  const offRate = statements.length / (time.off / 1000)
  const onRate = statements.length / (time.on / 1000)
  say(
    `ingest ${statements.length} statements over HTTP (500/POST), ${segments} interleaved segments: projector off ${offRate.toFixed(0)} st/s, on ${onRate.toFixed(0)} st/s = **${((100 * onRate) / offRate).toFixed(0)}%** of off; the projector then caught up in ${(time.catchUp / 1000).toFixed(1)} s in total after the segments; CPU per statement during the segments off ${((1000 * cpu.off) / statements.length).toFixed(0)} µs, on ${((1000 * cpu.on) / statements.length).toFixed(0)} µs (off ÷ on = ${((100 * cpu.off) / cpu.on).toFixed(0)}%)`,
  )
  return on
}

/**
 * The projection lag at `atMs` (epoch ms): the age of the oldest statement not yet projected,
 * 0 when none is waiting. Read on the read connection (a WAL snapshot on SQLite, the pool on
 * PostgreSQL), so a sample is not held back until a write transaction in flight (a POST, a
 * projector batch) commits: a sample delayed to just after a projector commit would see the
 * lag at its lowest.
 */
async function lagAt(almanac: Almanac, dialect: SqlDialect, atMs: number): Promise<number> {
  const position = await almanac.storage.log.read((c) =>
    readConsumerPosition(c as Kysely<Database>, ANALYTICS_CONSUMER, 1, dialect),
  )
  if (position.cursor >= position.watermark || position.nextStoredMs === undefined) return 0
  return Math.max(0, (atMs - position.nextStoredMs) / 1000)
}

/**
 * Projection lag under a steady `--lag-rate` statements/s (default 1,000; 100 per POST, 20 s),
 * sampled every 50 ms on a timer, and per POST the time from its acknowledgement until projected.
 */
async function lag(on: Almanac, backend: string): Promise<void> {
  const dialect = backend === 'sqlite' ? sqliteSqlDialect : postgresSqlDialect
  const interval = (100 * 1000) / LAG_RATE
  const steady = [
    ...createSimulation({ seed: 'bench-steady', statements: 20 * LAG_RATE }).statements(),
  ]
  await caughtUp(on)
  const lags: number[] = []
  // Per POST: the seconds from its acknowledgement until the projector's cursor passed the
  // watermark read right after it (an upper bound: the cursor is polled every 10 ms, and on
  // SQLite the poll waits for the event loop, which the projector's batches hold). Unlike the
  // 50 ms samples of the oldest unprojected statement, this cannot miss a short lag by
  // sampling in step with the 100 ms POST schedule.
  const waiting: { mark: number; at: number }[] = []
  const delays: number[] = []
  const positionOf = () =>
    on.storage.log.read((c) =>
      readConsumerPosition(c as Kysely<Database>, ANALYTICS_CONSUMER, 1, dialect),
    )
  let sampling = true
  const sampler = (async () => {
    const first = performance.now()
    for (let k = 1; sampling || waiting.length > 0; k++) {
      if (k % 5 === 0) lags.push(await lagAt(on, dialect, Date.now()))
      const { cursor } = await positionOf()
      while (waiting.length > 0 && (waiting[0]?.mark ?? Infinity) <= cursor)
        delays.push((performance.now() - (waiting.shift()?.at ?? 0)) / 1000)
      // On a fixed schedule: a slow poll does not shift the later ones.
      const wait = first + k * 10 - performance.now()
      if (wait > 0) await sleep(wait)
    }
  })()
  const posts: number[] = []
  const start = performance.now()
  let i = 0
  for (const batch of inBatches(steady, 100)) {
    posts.push(await post(on, batch))
    const at = performance.now()
    waiting.push({ mark: (await positionOf()).watermark, at })
    i += 1
    const wait = start + i * interval - performance.now()
    if (wait > 0) await sleep(wait)
  }
  const rate = steady.length / ((performance.now() - start) / 1000)
  sampling = false
  await sampler
  say(
    `projection lag at a steady ${rate.toFixed(0)} st/s (100 per POST every ${interval.toFixed(0)} ms, ${(steady.length / rate).toFixed(0)} s): per POST, acknowledged → projected p50 ${pct(delays, 50).toFixed(3)} s, **p95 ${pct(delays, 95).toFixed(3)} s**, max ${Math.max(...delays).toFixed(3)} s (${delays.length} POSTs, cursor polled every 10 ms); oldest unprojected statement sampled every 50 ms: p50 ${pct(lags, 50).toFixed(2)} s, p95 ${pct(lags, 95).toFixed(2)} s, max ${Math.max(...lags).toFixed(2)} s (${lags.length} samples); POST p50 ${ms(pct(posts, 50))} / p95 ${ms(pct(posts, 95))} ms`,
  )
  await caughtUp(on)
}

/** The SQLite page cache of the loading connection, in MiB (`--cache-mb`). */
const CACHE_MB = Number(options['cache-mb'])
/**
 * The loading connection's settings (its own, not the server's): a page cache above the
 * server's 64 MiB for the one random-key index that grows with the store (statement ids,
 * ~600 MB at 10⁷), and a checkpoint every ~400 MB of WAL rather than ~40 MB, so a hot index
 * page rewritten by many units of work is copied back to the database once per checkpoint.
 * Measured at 2·10⁵ (CPU seconds of the load, same machine, bench/results/analytics-scale-*):
 * units of 20,000 and a 1 GiB cache each cost more CPU than 5,000 and 64 MiB.
 */
const LOAD_PRAGMAS = [`cache_size = -${CACHE_MB * 1024}`, 'wal_autocheckpoint = 100000']

/** The bulk-loaded store's name and its "raw statements loaded" marker file. */
function bigStore(backend: string): { name: string; marker: string } {
  const name = `big_${SIZE}${options.courses === undefined ? '' : `_c${options.courses}`}`
  return { name, marker: join(WORK, `${backend}-${name}.loaded`) }
}

/**
 * The bulk-loaded store's raw statements: the ingest pipeline after validation (the simulator's
 * statements are valid) — normalise, persist with the statement index, project activities and
 * agents — `--unit` statements per unit of work, the projector off. The same rows as a
 * statement request stores; only the units of work are larger. `--reuse` keeps a store whose
 * load finished; `--resume` continues one that stopped part-way (units commit whole and the
 * simulation is deterministic, so the first `count` statements are the ones stored).
 */
async function load(backend: string): Promise<{ url: string; loaded: boolean }> {
  const { name, marker } = bigStore(backend)
  const reuse = options.reuse && existsSync(marker)
  const resume = !reuse && options.resume
  // A store whose load has not finished (or is still running) is never thrown away by --reuse.
  if (options.reuse && !reuse && backend === 'sqlite' && existsSync(join(WORK, name)))
    throw new Error(
      `the store ${join(WORK, name)} has no finished load (${marker} is missing): continue it with --resume, or remove it`,
    )
  const url = await database(backend, name, !reuse && !resume)
  if (reuse) {
    say(`store of ${SIZE} statements reused (${url})`)
    return { url, loaded: false }
  }
  const simulation = createSimulation({
    seed: 'bench-big',
    statements: SIZE,
    ...(options.courses === undefined ? {} : { courses: Number(options.courses) }),
  })
  const { learners, courses } = simulation.options
  const almanac = await open(url, false)
  if (backend === 'sqlite')
    // The loader's connection only: the random-key indexes (statement ids, index rows by
    // activity) outgrow the default 64 MiB at 10⁷ and every insert then reads pages back.
    await almanac.storage.log.unitOfWork(1, async ({ connection }) => {
      for (const pragma of LOAD_PRAGMAS)
        await sql.raw(`pragma ${pragma}`).execute(connection as Kysely<any>)
    })
  const ctx = cliRequestContext('load', 1, 'http://bench.example', '1.0.3')
  const writes = createStoreStatements({
    storage: almanac.storage,
    limits: { maxStatementsPerPage: 500 },
    xapiBasePath: '/xapi',
    authorityHomePage: 'http://bench.example',
    projectSteps: [projectActivitiesAndAgents],
    listeners: [],
    onListenerError: (error) => {
      throw error
    },
  })
  const already = resume ? await statementCount(almanac, backend) : 0
  if (already > 0) say(`resuming the load after the ${already} statements stored`)
  const t = performance.now()
  let loaded = 0
  let reported = 0
  for (const batch of inBatches(simulated(simulation, already), UNIT)) {
    const result = await writes.ingest(ctx, batch, 'unchecked', { preserve: false })
    loaded += result.fresh.length
    if (loaded - reported >= PROGRESS_EVERY) {
      reported = loaded
      process.stderr.write(
        `  ${new Date().toISOString().slice(11, 19)} loaded ${already + loaded} (${(loaded / ((performance.now() - t) / 1000)).toFixed(0)} st/s)\n`,
      )
    }
  }
  const loadSeconds = (performance.now() - t) / 1000
  const total = await statementCount(almanac, backend)
  await almanac.close()
  say(
    `load: ${loaded} statements${already > 0 ? ` (after ${already} loaded before)` : ''} (${learners} learners, ${courses} courses) through the ingest pipeline after validation, ${UNIT} per unit of work, projector off${backend === 'sqlite' ? `, page cache ${CACHE_MB} MiB` : ''}: ${loadSeconds.toFixed(0)} s = **${(loaded / loadSeconds).toFixed(0)} st/s**; ${total} statements in the store${backend === 'sqlite' ? `, ${(sizeOf(url) / 2 ** 30).toFixed(1)} GiB` : ''}`,
  )
  if (total !== SIZE) throw new Error(`the store holds ${total} statements, not ${SIZE}`)
  writeFileSync(marker, new Date().toISOString())
  return { url, loaded: true }
}

/** The simulation's statements after the first `skip` (a resumed load). */
function* simulated(simulation: Simulation, skip: number): Generator<Statement> {
  let i = 0
  for (const statement of simulation.statements()) if (i++ >= skip) yield statement
}

async function statementCount(almanac: Almanac, backend: string): Promise<number> {
  return almanac.storage.log.read(async (c) => {
    // Right after a 10⁷ load PostgreSQL reads every heap page to count (no visibility map
    // yet): longer than the pool's statement timeout, which ended a finished load with an error.
    if (backend === 'postgres') await sql`set local statement_timeout = 0`.execute(c as Kysely<any>)
    const row = await sql<{
      n: number | string
    }>`select count(*) as n from statements where store_id = 1`.execute(c as Kysely<any>)
    return Number(row.rows[0]?.n ?? 0)
  })
}

function sizeOf(url: string): number {
  const file = url.replace(/^sqlite:/, '')
  return ['', '-wal'].reduce(
    (sum, end) => sum + (statSync(file + end, { throwIfNoEntry: false })?.size ?? 0),
    0,
  )
}

/**
 * The projections of the loaded store recomputed from its raw statements by
 * `analytics.rebuild` (the rebuild throughput): it empties every projection table and replays
 * the log, so a store loaded by an earlier version of the code gets the current projections.
 * The other statement-log consumers (people, insights links) are caught up the same way, so
 * that the parts after this one do not share the writer with a 10⁷ catch-up.
 */
async function rebuild(url: string): Promise<void> {
  // Projector not started (off): the rebuild alone projects, in this call, with full batches.
  const on = await open(url, false, 5000)
  const t1 = performance.now()
  let last = 0
  const { processed } = await on.analytics.rebuild(1, (p) => {
    if (p.processed - last >= PROGRESS_EVERY) {
      last = p.processed
      process.stderr.write(
        `  ${new Date().toISOString().slice(11, 19)} projected ${p.processed} (${(p.processed / ((performance.now() - t1) / 1000)).toFixed(0)} st/s)\n`,
      )
    }
  })
  const seconds = (performance.now() - t1) / 1000
  say(
    `rebuild (batches of 5000): ${processed ?? 0} statements in ${seconds.toFixed(0)} s = **${((processed ?? 0) / seconds).toFixed(0)} st/s**`,
  )
  for (const [what, consumer] of [
    ['people consumer', CONSUMERS.has('people') ? on.peopleConsumer : undefined],
    ['insights links consumer', CONSUMERS.has('links') ? on.linksProjector : undefined],
  ] as const) {
    if (consumer === undefined) {
      say(`${what} not caught up (--consumers ${options.consumers})`)
      continue
    }
    const t2 = performance.now()
    const n = await consumer.catchUp(1)
    say(
      `${what} caught up over ${n ?? 0} statements in ${((performance.now() - t2) / 1000).toFixed(0)} s`,
    )
  }
  await on.close()
}

/** The report paths over the loaded store, with its largest course and what is in it. */
async function reportPaths(almanac: Almanac): Promise<[string, string][]> {
  const found = await almanac.storage.log.read(async (c: any) => {
    const course = (await c
      .selectFrom('an_learner_activity')
      .select(['activity_id', (eb: any) => eb.fn.countAll().as('n')])
      .where('store_id', '=', 1)
      .whereRef('course', '=', 'activity_id')
      .groupBy('activity_id')
      .orderBy('n', 'desc')
      .limit(1)
      .executeTakeFirst()) as { activity_id: string; n: number } | undefined
    if (course === undefined) throw new Error('no course in the store')
    const module = (await c
      .selectFrom('an_pages')
      .select(['module', (eb: any) => eb.fn.countAll().as('n')])
      .where('store_id', '=', 1)
      .where('course', '=', course.activity_id)
      .groupBy('module')
      .orderBy('n', 'desc')
      .limit(1)
      .executeTakeFirst()) as { module: string } | undefined
    const quiz = (await c
      .selectFrom('an_items')
      .select(['assessment', (eb: any) => eb.fn.countAll().as('n')])
      .where('store_id', '=', 1)
      .where('course', '=', course.activity_id)
      .groupBy('assessment')
      .orderBy('n', 'desc')
      .limit(1)
      .executeTakeFirst()) as { assessment: string } | undefined
    const learner = (await c
      .selectFrom('an_learner_activity')
      .select(['learner', 'statements'])
      .where('store_id', '=', 1)
      .where('activity_id', '=', course.activity_id)
      .orderBy('statements', 'desc')
      .limit(1)
      .executeTakeFirst()) as { learner: string } | undefined
    return { course: course.activity_id, learners: course.n, module, quiz, learner }
  })
  say(
    `largest course ${found.course}: ${found.learners} learners; module ${found.module?.module}; assessment ${found.quiz?.assessment}`,
  )
  const q = encodeURIComponent
  const base = '/api/stores/1/reports'
  const window = 'since=2025-02-01T00:00:00Z&until=2025-03-01T00:00:00Z'
  // The same month from and to noon UTC: an API client's own times, whose part days the course,
  // pages and objectives reports read from learner, page and objective rows (the console sends
  // whole days).
  const partDays = 'since=2025-02-01T12:00:00Z&until=2025-03-01T12:00:00Z'
  const paths: [string, string][] = [
    ['overview (day)', `${base}/overview`],
    ['overview (week, window)', `${base}/overview?interval=week&${window}`],
    ['course (largest)', `${base}/course?activity=${q(found.course)}`],
    [
      'course (largest, window, by score)',
      `${base}/course?activity=${q(found.course)}&${window}&sort=score&order=desc`,
    ],
    ...(found.module === undefined
      ? []
      : ([
          ['course (module)', `${base}/course?activity=${q(found.module.module)}`],
          ['pages (module)', `${base}/pages?activity=${q(found.module.module)}`],
        ] as [string, string][])),
    ['pages (course)', `${base}/pages?activity=${q(found.course)}`],
    ['pages (course, window)', `${base}/pages?activity=${q(found.course)}&${window}`],
    [
      'course (largest, window from noon)',
      `${base}/course?activity=${q(found.course)}&${partDays}`,
    ],
    ['pages (course, window from noon)', `${base}/pages?activity=${q(found.course)}&${partDays}`],
    ...(found.learner === undefined
      ? []
      : ([['learner', `${base}/learner?learner=${q(found.learner.learner)}`]] as [
          string,
          string,
        ][])),
    ...(found.quiz === undefined
      ? []
      : ([
          ['items', `${base}/items?assessment=${q(found.quiz.assessment)}`],
          ['items (window)', `${base}/items?assessment=${q(found.quiz.assessment)}&${window}`],
        ] as [string, string][])),
    ['objectives (store)', `${base}/objectives`],
    ['objectives (course)', `${base}/objectives?course=${q(found.course)}`],
    ['objectives (store, window)', `${base}/objectives?${window}`],
    ['objectives (store, window from noon)', `${base}/objectives?${partDays}`],
    [
      'objectives (course, window, page 3)',
      `${base}/objectives?course=${q(found.course)}&${window}&page=3`,
    ],
    ['course CSV', `${base}/course?activity=${q(found.course)}&format=csv`],
    // The people reports (docs/people.md): every person resolved at query time.
    ['informal', `${base}/informal`],
    ['ineffective', `${base}/ineffective`],
  ]
  const unknown = [...SKIP].filter((name) => !paths.some(([known]) => known === name))
  // A misspelt name would otherwise skip nothing, silently.
  if (unknown.length > 0)
    say(
      `--skip: no report here is called ${unknown.map((n) => `'${n}'`).join(', ')}; the reports: ${paths.map(([n]) => `'${n}'`).join(', ')}`,
    )
  return paths.filter(([name]) => !SKIP.has(name))
}

async function reports(almanac: Almanac, paths: [string, string][]): Promise<void> {
  const worst: number[] = []
  for (const [name, path] of paths) {
    const times: number[] = []
    for (let i = 0; i < 22; i++) {
      const t = performance.now()
      const r = await almanac.app.request(path, { headers: { Authorization: AUTH } })
      await r.text()
      if (r.status !== 200) throw new Error(`GET ${path} ${r.status}`)
      if (i >= 2) times.push(performance.now() - t)
    }
    worst.push(pct(times, 95))
    say(`report ${name}: p50 ${ms(pct(times, 50))} ms, p95 ${ms(pct(times, 95))} ms`)
  }
  say(`slowest report p95: **${ms(Math.max(...worst))} ms**`)
}

/** POST latency alone, then while reports are requested in a loop; every POST's ms. */
async function postLatency(
  almanac: Almanac,
  paths: [string, string][],
  seed: string,
  label: string,
): Promise<{ alone: number[]; busy: number[] }> {
  // The loaded phase goes on until every report has been served at least once (up to 20 times
  // the statements of the quiet phase), so both read paths are measured against the same mix:
  // with the reads off the main thread the POSTs end sooner, and 30 of them covered only the
  // first few (fast) reports.
  const extra = [...createSimulation({ seed, statements: 63_000 }).statements()]
  const alone: number[] = []
  for (const batch of inBatches(extra.slice(0, 3000), 100)) {
    alone.push(await post(almanac, batch))
    await sleep(20)
  }
  await caughtUp(almanac)
  let reporting = true
  let served = 0
  const readers = (async () => {
    while (reporting) {
      const [, path] = paths[served % paths.length]!
      await get(almanac, path.replace('&format=csv', ''))
      served += 1
    }
  })()
  const busy: number[] = []
  for (const batch of inBatches(extra.slice(3000), 100)) {
    busy.push(await post(almanac, batch))
    await sleep(20)
    if (busy.length >= 30 && served >= paths.length) break
  }
  reporting = false
  await readers
  say(
    `POST (100 statements) latency${label}: alone p50 ${ms(pct(alone, 50))} / p95 ${ms(pct(alone, 95))} ms; while ${served} reports were served in a loop (${busy.length} POSTs) p50 ${ms(pct(busy, 50))} / **p95 ${ms(pct(busy, 95))} ms**`,
  )
  await caughtUp(almanac)
  return { alone, busy }
}

/**
 * SQLite: the post part with the report reads on the main thread (`ALMANAC_SQLITE_READ_WORKERS=0`)
 * and in worker threads (the default), alternating in one run (off, on, off, on) so that the
 * machine's load falls on both alike; each setting's POSTs of both rounds are pooled.
 */
async function postLatencyByReadPath(url: string, paths: [string, string][]): Promise<void> {
  const settings = [
    ['main thread', 0],
    ['worker threads', undefined],
  ] as const
  const p95: Record<string, { alone: number[]; busy: number[] }> = {}
  for (let round = 0; round < 2; round++)
    for (const [name, workers] of settings) {
      const almanac = await open(url, true, 2000, workers)
      await caughtUp(almanac)
      const r = await postLatency(
        almanac,
        paths,
        // New statements on every run: a reused store holds the last run's.
        `post-latency-${round}-${name}-${Date.now()}`,
        ` (reports read on the ${name}, round ${round + 1})`,
      )
      await almanac.close()
      const entry = (p95[name] ??= { alone: [], busy: [] })
      entry.alone.push(...r.alone)
      entry.busy.push(...r.busy)
    }
  const p95of = (xs: number[]) => pct(xs, 95)
  const main = p95['main thread']!
  const workers = p95['worker threads']!
  say(
    `POST p95 while reports loop ÷ alone, same run (2 rounds each, their POSTs pooled): reports on the main thread ${ms(p95of(main.busy))} ÷ ${ms(p95of(main.alone))} ms = ${(p95of(main.busy) / p95of(main.alone)).toFixed(1)}×; in worker threads ${ms(p95of(workers.busy))} ÷ ${ms(p95of(workers.alone))} ms = **${(p95of(workers.busy) / p95of(workers.alone)).toFixed(1)}×**; while reports loop, workers ÷ main thread = **${((100 * p95of(workers.busy)) / p95of(main.busy)).toFixed(0)}%**`,
  )
}

async function benchBackend(backend: string) {
  say(`## ${backend}`)
  if (PARTS.has('ratio') || PARTS.has('lag')) {
    const on = await ratio(backend)
    if (PARTS.has('lag')) await lag(on, backend)
    await on.close()
  }
  if (['load', 'rebuild', 'reports', 'post'].some((part) => PARTS.has(part))) {
    const { url, loaded } = await load(backend)
    // A store loaded in this run has no projections yet: the reports need the rebuild.
    if (PARTS.has('rebuild') || (loaded && (PARTS.has('reports') || PARTS.has('post'))))
      await rebuild(url)
    if (!PARTS.has('reports') && !PARTS.has('post')) return
    const almanac = await open(url, true)
    if (!CONSUMERS.has('people')) await almanac.peopleConsumer.stop()
    if (!CONSUMERS.has('links')) await almanac.linksProjector.stop()
    await caughtUp(almanac, 'the projector on the loaded store')
    const paths = await reportPaths(almanac)
    if (PARTS.has('reports')) await reports(almanac, paths)
    if (PARTS.has('post') && backend !== 'sqlite')
      await postLatency(almanac, paths, 'post-latency', '')
    await almanac.close()
    if (PARTS.has('post') && backend === 'sqlite') await postLatencyByReadPath(url, paths)
  }
}

async function main() {
  mkdirSync(WORK, { recursive: true })
  for (const backend of options.backends.split(',').filter(Boolean)) await benchBackend(backend)
  mkdirSync(join(process.cwd(), 'bench/results'), { recursive: true })
  // Two runs in the same minute get two files (-2, -3, …): the second used to replace the first.
  const stem = join(
    process.cwd(),
    'bench/results',
    `analytics-${SIZE}-${new Date().toISOString().slice(0, 16).replace(':', '')}`,
  )
  let file = `${stem}.md`
  for (let n = 2; existsSync(file); n++) file = `${stem}-${n}.md`
  writeFileSync(
    file,
    `# Analytics bench (reports at ${SIZE} statements; ingest ratio over ${RATIO_SIZE})\n\nCommand: \`tsx bench/analytics.ts ${process.argv.slice(2).join(' ')}\`, load average at the end ${(
      await import('node:os')
    )
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}\n${lines.map((l) => (l.startsWith('#') ? `\n${l}\n` : `- ${l}`)).join('\n')}\n`,
  )
  say(`written to ${file}`)
}

await main()
