/**
 * @module The analytics part of `npm run bench`: report latency (p50/p95), ingest throughput
 * with the projector on vs off, projection lag under a steady load, rebuild throughput, and POST
 * latency while reports are requested. In-process (the real app, `app.request`), one store.
 *
 *   tsx bench/analytics.ts [--backends sqlite,postgres] [--size 100000]
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { createAlmanac, type Almanac } from '../src/compose.js'
import { loadConfig } from '../src/config/load-config.js'
import { createJsonLogger } from '../src/observability/logger.js'
import { createSimulation, inBatches } from '../src/simulate/simulate-statements.js'
import type { Statement } from '../src/xapi/types.js'

const { values: options } = parseArgs({
  options: {
    backends: { type: 'string', default: 'sqlite,postgres' },
    size: { type: 'string', default: '100000' },
    'pg-url': {
      type: 'string',
      default:
        process.env['ALMANAC_BENCH_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    },
  },
})
const SIZE = Number(options.size)
const KEY = 'bench-key'
const SECRET = 'bench-secret-123'
const AUTH = 'Basic ' + Buffer.from(`${KEY}:${SECRET}`).toString('base64')
const WORK = '/tmp/almanac-bench-analytics'
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

async function database(backend: string, name: string): Promise<string> {
  if (backend === 'sqlite') {
    rmSync(join(WORK, name), { recursive: true, force: true })
    mkdirSync(join(WORK, name), { recursive: true })
    return join(WORK, name, 'lrs.db')
  }
  const admin = new pg.Client({ connectionString: options['pg-url'] })
  await admin.connect()
  const db = `almanac_bench_an_${name}`
  await admin.query(`drop database if exists ${db}`)
  await admin.query(`create database ${db}`)
  await admin.end()
  return options['pg-url'].replace(/\/[^/]*$/, `/${db}`)
}

async function open(url: string, analytics: boolean): Promise<Almanac> {
  return createAlmanac(
    loadConfig({
      ALMANAC_DATABASE_URL: url,
      ALMANAC_BOOTSTRAP_KEY: KEY,
      ALMANAC_BOOTSTRAP_SECRET: SECRET,
      ALMANAC_ANALYTICS: analytics ? 'on' : 'off',
      ALMANAC_ANALYTICS_POLL_MS: '200',
    }),
    createJsonLogger('error', () => undefined),
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

async function ingest(almanac: Almanac, statements: readonly Statement[]): Promise<number> {
  const t = performance.now()
  for (const batch of inBatches(statements, 500)) await post(almanac, batch)
  return statements.length / ((performance.now() - t) / 1000)
}

async function caughtUp(almanac: Almanac): Promise<void> {
  for (;;) {
    const f = await almanac.analytics.freshness(1)
    if (f.caughtUp) return
    await new Promise((r) => setTimeout(r, 100))
  }
}

async function benchBackend(
  backend: string,
  statements: readonly Statement[],
  steady: readonly Statement[],
) {
  say(`## ${backend}, ${statements.length} statements`)
  // Ingest with the projector off, then on (fresh databases).
  const offUrl = await database(backend, 'off')
  const off = await open(offUrl, false)
  const offRate = await ingest(off, statements)
  await off.close()
  const url = await database(backend, 'on')
  const on = await open(url, true)
  const onRate = await ingest(on, statements)
  const t0 = performance.now()
  await caughtUp(on)
  say(
    `ingest: projector off ${offRate.toFixed(0)} st/s, on ${onRate.toFixed(0)} st/s (${((100 * onRate) / offRate).toFixed(0)}%); caught up ${((performance.now() - t0) / 1000).toFixed(1)} s after the last POST`,
  )

  // Report latency.
  const course = (await on.analytics.overview(1, { interval: 'day', top: 100 })).topActivities.find(
    (a) => a.activity.includes('/courses/') && !a.activity.includes('/modules/'),
  )?.activity
  const courseReport =
    course === undefined
      ? undefined
      : (await get(on, `/api/stores/1/reports/course?activity=${encodeURIComponent(course)}`)).body
  const module = courseReport?.modules?.[0]?.activity as string | undefined
  const learner = courseReport?.learners?.rows?.[0]?.learner as string | undefined
  const quiz = await on.storage.log.read(
    async (c: any) =>
      (
        await c
          .selectFrom('an_items')
          .select('assessment')
          .where('store_id', '=', 1)
          .limit(1)
          .executeTakeFirst()
      )?.assessment as string | undefined,
  )
  // The module's assessment, the first course's pages, etc., found through the reports themselves.
  const reports: [string, string][] = [
    ['overview (day)', '/api/stores/1/reports/overview'],
    [
      'overview (week, window)',
      '/api/stores/1/reports/overview?interval=week&since=2025-02-01T00:00:00Z&until=2025-03-01T00:00:00Z',
    ],
    ...(course === undefined
      ? []
      : [
          ['course', `/api/stores/1/reports/course?activity=${encodeURIComponent(course)}`] as [
            string,
            string,
          ],
        ]),
    ...(module === undefined
      ? []
      : [
          [
            'course (module)',
            `/api/stores/1/reports/course?activity=${encodeURIComponent(module)}`,
          ] as [string, string],
        ]),
    ...(learner === undefined
      ? []
      : [
          ['learner', `/api/stores/1/reports/learner?learner=${encodeURIComponent(learner)}`] as [
            string,
            string,
          ],
        ]),
    ...(quiz === undefined
      ? []
      : [
          ['items', `/api/stores/1/reports/items?assessment=${encodeURIComponent(quiz)}`] as [
            string,
            string,
          ],
        ]),
    ...(module === undefined
      ? []
      : [
          ['pages', `/api/stores/1/reports/pages?activity=${encodeURIComponent(module)}`] as [
            string,
            string,
          ],
        ]),
    ['objectives', '/api/stores/1/reports/objectives'],
    // The people reports (docs/people.md): every person resolved at query time.
    ['informal', '/api/stores/1/reports/informal'],
    ['ineffective', '/api/stores/1/reports/ineffective'],
    ...(course === undefined
      ? []
      : [
          [
            'objectives (course)',
            `/api/stores/1/reports/objectives?course=${encodeURIComponent(course)}`,
          ] as [string, string],
        ]),
  ]
  for (const [name, path] of reports) {
    const times: number[] = []
    for (let i = 0; i < 20; i++) times.push((await get(on, path)).ms)
    say(`report ${name}: p50 ${ms(pct(times, 50))} ms, p95 ${ms(pct(times, 95))} ms`)
  }

  // Projection lag under a steady ~1000 statements/s (100 every 100 ms) for 10 s.
  // The lag is sampled right after each POST: the age of the oldest statement not yet projected.
  const lags: number[] = []
  const start = performance.now()
  let i = 0
  for (const batch of inBatches(steady, 100)) {
    await post(on, batch)
    lags.push((await on.analytics.freshness(1)).lagSeconds)
    i += 1
    const wait = start + i * 100 - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
  }
  say(
    `projection lag at ~${Math.round(steady.length / ((performance.now() - start) / 1000))} st/s: p50 ${pct(lags, 50).toFixed(2)} s, p95 ${pct(lags, 95).toFixed(2)} s, max ${Math.max(...lags).toFixed(2)} s (${lags.length} samples)`,
  )
  await caughtUp(on)

  // POST latency alone, then while reports are requested in a loop.
  const extra = [...createSimulation({ seed: 'post-latency', statements: 4000 }).statements()]
  const alone: number[] = []
  for (const batch of inBatches(extra.slice(0, 2000), 100)) alone.push(await post(on, batch))
  let reporting = true
  const readers = (async () => {
    let n = 0
    while (reporting) {
      const [, path] = reports[n++ % reports.length]!
      await get(on, path)
    }
    return n
  })()
  const busy: number[] = []
  for (const batch of inBatches(extra.slice(2000), 100)) busy.push(await post(on, batch))
  reporting = false
  const served = await readers
  say(
    `POST (100 statements) latency: alone p50 ${ms(pct(alone, 50))} / p95 ${ms(pct(alone, 95))} ms; while ${served} reports were served p50 ${ms(pct(busy, 50))} / p95 ${ms(pct(busy, 95))} ms`,
  )
  await caughtUp(on)

  // Rebuild throughput.
  const total = (await on.analytics.freshness(1)).watermark
  const t1 = performance.now()
  const { processed } = await on.analytics.rebuild(1)
  const seconds = (performance.now() - t1) / 1000
  say(
    `rebuild: ${processed ?? 0} of ${total} statements in ${seconds.toFixed(1)} s = ${((processed ?? 0) / seconds).toFixed(0)} st/s`,
  )
  await on.close()
}

async function main() {
  mkdirSync(WORK, { recursive: true })
  const statements = [
    ...createSimulation({ seed: 'bench-analytics', statements: SIZE }).statements(),
  ]
  const steady = [...createSimulation({ seed: 'bench-steady', statements: 10_000 }).statements()]
  for (const backend of options.backends.split(',').filter(Boolean))
    await benchBackend(backend, statements, steady)
  mkdirSync(join(process.cwd(), 'bench/results'), { recursive: true })
  const file = join(
    process.cwd(),
    'bench/results',
    `analytics-${new Date().toISOString().slice(0, 16).replace(':', '')}.md`,
  )
  writeFileSync(
    file,
    `# Analytics bench (${SIZE} statements)\n\n${lines.map((l) => (l.startsWith('#') ? `\n${l}\n` : `- ${l}`)).join('\n')}\n`,
  )
  say(`written to ${file}`)
}

await main()
