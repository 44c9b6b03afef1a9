/**
 * @module `npx tsx bench/forwarding.ts [--statements N] [--rate R] [--seconds S] [--postgres URL]`:
 * forwarding throughput (statements/s from a source Almanac to a second Almanac, both real
 * processes on SQLite files, or on throwaway PostgreSQL databases of the server at URL) and the
 * lag under a steady ingest, printed as markdown with the machine's load average (shared cores).
 *
 * 1. N statements are stored in the source first; then a target is added at 'beginning' and
 *    timed until its cursor reaches the watermark: the catch-up throughput.
 * 2. R statements/s are posted (in posts of R/10 every 100 ms) for S seconds while the target's
 *    lag (age of the oldest undelivered statement) is sampled every 250 ms.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createThrowawayDatabase } from '../test/fixtures/throwaway-postgres.js'
import { startAlmanac } from '../test/multi-process/almanac-process.js'

const { values } = parseArgs({
  options: {
    statements: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '20' },
    postgres: { type: 'string' },
  },
})
const N = Number(values.statements)
const RATE = Number(values.rate)
const SECONDS = Number(values.seconds)
const KEY = 'bench-key'
const SECRET = 'bench-secret-123'
const AUTH = 'Basic ' + Buffer.from(`${KEY}:${SECRET}`).toString('base64')
const ADMIN = { username: 'ops', password: 'ops-password-123' }

function statements(count: number) {
  return Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    actor: {
      objectType: 'Agent',
      name: `Learner ${i % 50}`,
      mbox: `mailto:l${i % 50}@example.com`,
    },
    verb: { id: 'http://adlnet.gov/expapi/verbs/experienced', display: { 'en-US': 'experienced' } },
    object: {
      id: `https://example.com/activities/${i % 200}`,
      definition: { name: { 'en-US': `Activity ${i % 200}` } },
    },
    context: {
      platform: 'bench',
      contextActivities: { parent: [{ id: 'https://example.com/course' }] },
    },
    result: { completion: true, score: { scaled: (i % 100) / 100 } },
  }))
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'almanac-fwd-bench-'))
  const server = values.postgres
  const databases =
    server === undefined
      ? []
      : [await createThrowawayDatabase(server), await createThrowawayDatabase(server)]
  const url = (i: number, file: string) => databases[i]?.url ?? join(dir, file)
  const common = { ALMANAC_BOOTSTRAP_KEY: KEY, ALMANAC_BOOTSTRAP_SECRET: SECRET }
  const target = await startAlmanac({ ...common, ALMANAC_DATABASE_URL: url(0, 'target.db') })
  const source = await startAlmanac({
    ...common,
    ALMANAC_DATABASE_URL: url(1, 'source.db'),
    ALMANAC_ADMIN_USERNAME: ADMIN.username,
    ALMANAC_ADMIN_PASSWORD: ADMIN.password,
    ALMANAC_FORWARDING_POLL_MS: '200',
  })
  try {
    const post = async (batch: unknown[]) => {
      const response = await fetch(`${source.origin}/xapi/statements`, {
        method: 'POST',
        headers: {
          Authorization: AUTH,
          'X-Experience-API-Version': '2.0.0',
          'Content-Type': 'application/json',
        },
        body: JSON.stringify(batch),
      })
      if (!response.ok) throw new Error(`POST ${response.status}: ${await response.text()}`)
      await response.body?.cancel()
    }
    const login = await fetch(`${source.origin}/api/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(ADMIN),
    })
    const { token } = (await login.json()) as { token: string }
    const api = async (path: string, method = 'GET', json?: unknown) => {
      const response = await fetch(`${source.origin}/api${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      })
      return (await response.json()) as {
        target: { id: number }
        cursor: number
        watermark: number
        lag: { seconds: number }
        counts: { batches: number }
      }
    }

    for (let done = 0; done < N; done += 500) await post(statements(Math.min(500, N - done)))
    const started = Date.now()
    const { target: created } = await api('/stores/1/forwarding/targets', 'POST', {
      name: 'bench target',
      kind: 'lrs',
      url: `${target.origin}/xapi`,
      username: KEY,
      password: SECRET,
      startAt: 'beginning',
      batchSize: 500,
    })
    for (;;) {
      const status = await api(`/stores/1/forwarding/targets/${created.id}`)
      if (status.cursor === status.watermark) break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const seconds = (Date.now() - started) / 1000
    const lines = [
      `| catch-up | ${N} statements | ${seconds.toFixed(1)} s | ${(N / seconds).toFixed(0)} statements/s |`,
    ]

    const lags: number[] = []
    const perPost = Math.max(1, Math.round(RATE / 10))
    const end = Date.now() + SECONDS * 1000
    const sampler = setInterval(() => {
      void api(`/stores/1/forwarding/targets/${created.id}`).then((s) => lags.push(s.lag.seconds))
    }, 250)
    let posted = 0
    while (Date.now() < end) {
      const tick = Date.now()
      await post(statements(perPost))
      posted += perPost
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 100 - (Date.now() - tick))))
    }
    clearInterval(sampler)
    lags.sort((a, b) => a - b)
    const pick = (q: number) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? 0
    const achieved = posted / SECONDS
    lines.push(
      `| steady ingest | ${achieved.toFixed(0)} statements/s for ${SECONDS} s | lag median ${pick(0.5).toFixed(2)} s, p95 ${pick(0.95).toFixed(2)} s, max ${pick(1).toFixed(2)} s | ${lags.length} samples |`,
    )
    const load = loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')
    process.stdout.write(
      [
        `${server === undefined ? 'SQLite' : 'PostgreSQL'} on both ends; load average at the end: ${load}`,
        '',
        '| phase | load | result | |',
        '| --- | --- | --- | --- |',
        ...lines,
      ].join('\n') + '\n',
    )
  } finally {
    await source.stop()
    await target.stop()
    for (const database of databases) await database.drop()
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
