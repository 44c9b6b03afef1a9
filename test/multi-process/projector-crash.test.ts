/**
 * @module A real `almanac serve` whose projector is killed with SIGKILL while it works through
 * the log, then restarted: the projections end up exactly as the brute-force reference says
 * (nothing skipped, nothing counted twice), on SQLite and, when configured, PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createStorage } from '../../src/compose.js'
import { loadConfig } from '../../src/config/load-config.js'
import { inBatches } from '../../src/simulate/simulate-statements.js'
import { analyticsFixture, S, simulated } from '../analytics/analytics-fixture.js'
import { checkReports } from '../analytics/check-reports.js'
import { createThrowawayDatabase, TEST_POSTGRES_URL } from '../fixtures/throwaway-postgres.js'
import { type AlmanacProcess, startAlmanac } from './almanac-process.js'

const KEY = 'crash-key'
const SECRET = 'crash-secret-123'
const AUTH = 'Basic ' + Buffer.from(`${KEY}:${SECRET}`).toString('base64')

async function freshness(
  p: AlmanacProcess,
): Promise<{ cursor: number; watermark: number; caughtUp: boolean }> {
  const r = await fetch(`${p.origin}/api/stores/1/reports/freshness`, {
    headers: { Authorization: AUTH },
  })
  expect(r.status).toBe(200)
  const body = (await r.json()) as { cursor: number; watermark: number; caughtUp: boolean }
  ;(globalThis as { lastFreshness?: unknown }).lastFreshness = body
  return body
}

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const end = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    const value = await fn()
    last = (globalThis as { lastFreshness?: unknown }).lastFreshness
    if (value !== undefined) return value
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

interface Target {
  name: string
  skip: boolean
  open(): Promise<{ url: string; dispose(): Promise<void> }>
}

const TARGETS: Target[] = [
  {
    name: 'sqlite',
    skip: false,
    open() {
      const dir = mkdtempSync(join(tmpdir(), 'almanac-crash-'))
      return Promise.resolve({
        url: join(dir, 'lrs.db'),
        dispose: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
      })
    },
  },
  {
    name: 'postgres',
    skip: TEST_POSTGRES_URL === undefined,
    async open() {
      const db = await createThrowawayDatabase(TEST_POSTGRES_URL ?? '')
      return { url: db.url, dispose: () => db.drop() }
    },
  },
]

for (const target of TARGETS)
  describe.skipIf(target.skip)(`projector killed mid-run on ${target.name}`, () => {
    it(
      'kill -9 while projecting, restart: reports equal the reference',
      { timeout: 240_000 },
      async () => {
        const opened = await target.open()
        const { url } = opened
        const env = {
          ALMANAC_DATABASE_URL: url,
          ALMANAC_BOOTSTRAP_KEY: KEY,
          ALMANAC_BOOTSTRAP_SECRET: SECRET,
          ALMANAC_ANALYTICS_BATCH_SIZE: '3',
          ALMANAC_ANALYTICS_POLL_MS: '100',
        }
        try {
          const post = async (p: AlmanacProcess, batch: unknown[]) => {
            const r = await fetch(`${p.origin}/xapi/statements`, {
              method: 'POST',
              headers: {
                Authorization: AUTH,
                'Content-Type': 'application/json',
                'X-Experience-API-Version': '1.0.3',
              },
              body: JSON.stringify(batch),
            })
            expect(r.status).toBe(200)
          }
          // Statements arrive while the projector works through them in batches of 3. After
          // each POST the test reads the committed cursor straight from the database (the
          // victim's own HTTP answers wait while its projector holds the event loop) and kills
          // the process at once when the projector is seen between two commits: started
          // (cursor > 0), not caught up (cursor below the watermark). Killing blindly after a
          // fixed number of POSTs found the projector not yet started (PostgreSQL on CI) or
          // already caught up (SQLite).
          const batches = [...inBatches(simulated(4000), 400)]
          const victim = await startAlmanac(env)
          const watcher = createStorage(loadConfig({ ALMANAC_DATABASE_URL: url }).storage)
          let seenMidRun = false
          let mid = { cursor: 0, watermark: 0 }
          try {
            while (!seenMidRun && batches.length > 1) {
              await post(victim, batches.shift() ?? [])
              // Up to 3 s per POST, not a fixed number of reads: 50 reads in a row can all fall
              // before the projector's first commit, and on a loaded machine (the whole suite
              // running) that happened after every POST. It stops once seen mid-run or caught up.
              const deadline = Date.now() + 3_000
              while (!seenMidRun && Date.now() < deadline) {
                const p = await watcher.log.position('analytics', S)
                seenMidRun = p.cursor > 0 && p.cursor < p.watermark
                if (p.cursor === p.watermark) break
                if (!seenMidRun) await new Promise((resolve) => setTimeout(resolve, 2))
              }
            }
            victim.child.kill('SIGKILL')
            expect(seenMidRun, 'the projector was never seen between two commits').toBe(true)
            expect(await victim.exited).toBe(null)
            mid = await watcher.log.position('analytics', S)
          } finally {
            // Also when a POST or a read threw before the kill above: no server is left behind.
            if (victim.child.signalCode === null) victim.child.kill('SIGKILL')
            await watcher.close()
          }
          // Killed between the first and the last commit of the projector.
          expect(mid.cursor).toBeGreaterThan(0)
          expect(mid.cursor).toBeLessThan(mid.watermark)

          // A fresh process resumes from the committed cursor (after the dead one's lease lapses).
          // The survivor may take larger batches: only the kill needed many small commits.
          const survivor = await startAlmanac({ ...env, ALMANAC_ANALYTICS_BATCH_SIZE: '500' })
          try {
            for (const batch of batches) await post(survivor, batch)
            const done = await until(
              'the projector to catch up',
              async () => {
                const f = await freshness(survivor)
                return f.caughtUp ? f : undefined
              },
              90_000,
            ).catch((error: unknown) => {
              throw new Error(`${String(error)}\n${survivor.output.join('').slice(-3000)}`)
            })
            expect(done.cursor).toBeGreaterThan(mid.cursor)
          } finally {
            // Stopped whatever happened: a failed run must not leave a server behind.
            await survivor.stop()
          }

          const storage = createStorage(loadConfig({ ALMANAC_DATABASE_URL: url }).storage)
          try {
            const fx = analyticsFixture(storage)
            await checkReports(fx, `after kill -9 at cursor ${mid.cursor}`)
          } finally {
            await storage.close()
          }
        } finally {
          await opened.dispose()
        }
      },
    )
  })
