/**
 * @module Forwarding between real processes: statements posted to a source Almanac arrive at a
 * second Almanac (the target LRS) exactly once per id and in stored order, while the target is
 * stopped and restarted twice and the source is killed with SIGKILL once.
 *
 * A second test runs a webhook target from a real source process to a loopback receiver: a
 * receiver answering 500 is retried with growing waits, the target pauses, and resumes without
 * loss; the filter forwards only what matches; every signature verifies.
 *
 * Both on SQLite files and, with ALMANAC_TEST_POSTGRES_URL, on throwaway PostgreSQL databases.
 * FORWARDING_TEST_STATEMENTS sets how many (default the 10⁴: 20-40 s per backend on
 * this machine). Prints how long posting and catching up took, for the report.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startReceiver, waitFor } from '../forwarding/forwarding-helpers.js'
import { createThrowawayDatabase, TEST_POSTGRES_URL } from '../fixtures/throwaway-postgres.js'
import { type AlmanacProcess, startAlmanac } from './almanac-process.js'

const N = Number(process.env['FORWARDING_TEST_STATEMENTS'] ?? 10_000)
const BATCH = 100
const KEY = 'fwd-key'
const SECRET = 'fwd-secret-123'
const AUTH = 'Basic ' + Buffer.from(`${KEY}:${SECRET}`).toString('base64')
const ADMIN = { username: 'ops', password: 'ops-password-123' }

const COMPLETED = 'http://adlnet.gov/expapi/verbs/completed'
const ATTEMPTED = 'http://adlnet.gov/expapi/verbs/attempted'

function hookStatement(i: number, verb: string, activity: string) {
  return {
    id: randomUUID(),
    actor: { mbox: `mailto:hook${i}@example.com` },
    verb: { id: verb },
    object: { id: activity },
  }
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function xapi(origin: string, path: string, body?: unknown) {
  const response = await fetch(`${origin}/xapi${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      Authorization: AUTH,
      'X-Experience-API-Version': '2.0.0',
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`${path}: ${response.status} ${text}`)
  return JSON.parse(text) as unknown
}

/** Every statement id of a store, in stored order (ascending seq), page by page. */
async function allIds(origin: string): Promise<string[]> {
  const ids: string[] = []
  let path = '/statements?ascending=true&limit=500&format=ids'
  for (;;) {
    const page = (await xapi(origin, path)) as { statements: { id: string }[]; more: string }
    ids.push(...page.statements.map((s) => s.id))
    if (page.more === '') return ids
    path = page.more.replace(/^\/xapi/, '')
  }
}

interface Database {
  url: string
  drop(): Promise<void>
}

/** The backends both processes run on: a SQLite file, or a throwaway PostgreSQL database. */
const BACKENDS: {
  name: string
  skip: boolean
  open(dir: string, name: string): Promise<Database>
}[] = [
  {
    name: 'sqlite',
    skip: false,
    open: (dir, name) =>
      Promise.resolve({ url: join(dir, `${name}.db`), drop: () => Promise.resolve() }),
  },
  {
    name: 'postgres',
    skip: TEST_POSTGRES_URL === undefined,
    open: () => createThrowawayDatabase(TEST_POSTGRES_URL ?? ''),
  },
]

for (const backend of BACKENDS)
  describe.skipIf(backend.skip)(`forwarding between processes: ${backend.name}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'almanac-fwd-processes-'))
    let targetPort = 0
    let target: AlmanacProcess | undefined
    let source: AlmanacProcess | undefined
    let sourceDb: Database
    let targetDb: Database
    const targetEnv = () => ({
      ALMANAC_PORT: String(targetPort),
      ALMANAC_DATABASE_URL: targetDb.url,
      ALMANAC_BOOTSTRAP_KEY: KEY,
      ALMANAC_BOOTSTRAP_SECRET: SECRET,
    })
    const sourceEnv = () => ({
      ALMANAC_DATABASE_URL: sourceDb.url,
      ALMANAC_BOOTSTRAP_KEY: KEY,
      ALMANAC_BOOTSTRAP_SECRET: SECRET,
      ALMANAC_ADMIN_USERNAME: ADMIN.username,
      ALMANAC_ADMIN_PASSWORD: ADMIN.password,
      ALMANAC_FORWARDING_POLL_MS: '200',
      ALMANAC_FORWARDING_BACKOFF_BASE_MS: '100',
      ALMANAC_FORWARDING_BACKOFF_MAX_MS: '1000',
      ALMANAC_FORWARDING_REFRESH_MS: '300',
    })

    async function api(path: string, method = 'GET', json?: unknown) {
      if (source === undefined) throw new Error('no source')
      const login = await fetch(`${source.origin}/api/session`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(ADMIN),
      })
      const { token } = (await login.json()) as { token: string }
      const response = await fetch(`${source.origin}/api${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      })
      const text = await response.text()
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`)
      return (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>
    }

    beforeAll(async () => {
      sourceDb = await backend.open(dir, 'source')
      targetDb = await backend.open(dir, 'target')
      targetPort = await freePort()
      target = await startAlmanac(targetEnv())
      source = await startAlmanac(sourceEnv())
    }, 120_000)
    afterAll(async () => {
      await source?.stop()
      await target?.stop()
      await sourceDb.drop()
      await targetDb.drop()
      rmSync(dir, { recursive: true, force: true })
    })

    it(`delivers ${N} statements exactly once and in order through target restarts and a source kill -9`, async () => {
      const created = await api('/stores/1/forwarding/targets', 'POST', {
        name: 'second Almanac',
        kind: 'lrs',
        url: `http://127.0.0.1:${targetPort}/xapi`,
        username: KEY,
        password: SECRET,
        maxFailures: 1000,
        startAt: 'beginning',
      })
      const targetId = (created['target'] as { id: number }).id
      const started = Date.now()
      const batches = N / BATCH
      for (let b = 0; b < batches; b++) {
        if (b === Math.floor(batches / 4) || b === Math.floor((3 * batches) / 4)) {
          // The target goes away (graceful stop) while statements keep arriving, then returns.
          await target?.stop()
          target = undefined
          const batch = Array.from({ length: BATCH }, (_, i) => ({
            id: randomUUID(),
            actor: { mbox: `mailto:learner${i}@example.com` },
            verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
            object: { id: `http://example.com/activities/${b}` },
          }))
          await xapi(source!.origin, '/statements', batch)
          b++
          await new Promise((resolve) => setTimeout(resolve, 1500))
          target = await startAlmanac(targetEnv())
        }
        if (b === Math.floor(batches / 2)) {
          // The source dies without a chance to clean up, mid-delivery, and is started again.
          source!.child.kill('SIGKILL')
          await source!.exited
          source = await startAlmanac(sourceEnv())
        }
        if (b >= batches) break
        const batch = Array.from({ length: BATCH }, (_, i) => ({
          id: randomUUID(),
          actor: { mbox: `mailto:learner${i}@example.com` },
          verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
          object: { id: `http://example.com/activities/${b}` },
        }))
        await xapi(source!.origin, '/statements', batch)
      }
      const posted = Date.now()

      let status: Record<string, unknown> = {}
      const deadline = Date.now() + 600_000
      for (;;) {
        status = await api(`/stores/1/forwarding/targets/${targetId}`)
        if (status['cursor'] === status['watermark']) break
        if (Date.now() > deadline) throw new Error(`not caught up: ${JSON.stringify(status)}`)
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
      const caughtUp = Date.now()

      const sourceIds = await allIds(source!.origin)
      const targetIds = await allIds(target!.origin)
      expect(sourceIds).toHaveLength(N)
      expect(new Set(targetIds).size).toBe(targetIds.length)
      expect(targetIds).toEqual(sourceIds)
      const counts = status['counts'] as { delivered: number; batches: number; failures: number }
      // Redeliveries (after the kill) are counted again: at least once, never less.
      expect(counts.delivered).toBeGreaterThanOrEqual(N)
      expect(counts.failures).toBeGreaterThan(0)
      process.stdout.write(
        `forwarding (${backend.name}): ${N} statements; posting took ${((posted - started) / 1000).toFixed(1)} s, ` +
          `caught up ${((caughtUp - posted) / 1000).toFixed(1)} s later; ` +
          `${counts.delivered} delivered in ${counts.batches} batches, ${counts.failures} failed attempts\n`,
      )
    }, 900_000)

    it('retries a webhook answering 500 with growing waits, pauses, resumes; forwards what matches, signed', async () => {
      const receiver = await startReceiver()
      try {
        receiver.answer = 500
        const created = await api('/stores/1/forwarding/targets', 'POST', {
          name: 'loopback hook',
          kind: 'webhook',
          url: `${receiver.url}/hook`,
          filter: { verbs: [COMPLETED], activityPrefixes: ['http://example.com/course/'] },
          maxFailures: 4,
          batchSize: 50,
        })
        const secret = created['secret'] as string
        const id = (created['target'] as { id: number }).id
        const matching = Array.from({ length: 120 }, (_, i) =>
          hookStatement(i, COMPLETED, `http://example.com/course/${i % 7}`),
        )
        const others = Array.from({ length: 60 }, (_, i) =>
          i % 2 === 0
            ? hookStatement(i, ATTEMPTED, `http://example.com/course/${i % 7}`)
            : hookStatement(i, COMPLETED, `http://example.com/other/${i % 7}`),
        )
        // Interleaved, so the filter has to pick out every match in order.
        const all = matching.flatMap((s, i) => (i < others.length ? [s, others[i]!] : [s]))
        await xapi(source!.origin, '/statements', all)

        const paused = await waitFor(
          'the target to pause',
          async () => {
            const s = await api(`/stores/1/forwarding/targets/${id}`)
            return s['state'] === 'paused' ? s : undefined
          },
          60_000,
        )
        expect(receiver.requests).toHaveLength(4)
        expect(paused['lastError']).toMatch(/^HTTP 500/)
        expect(paused['consecutiveFailures']).toBe(4)
        // Backoff base 100 ms: waits of about [50,100], [100,200], [200,400] ms, plus polling.
        const gaps = receiver.requests.slice(1).map((r, i) => r.at - receiver.requests[i]!.at)
        expect(gaps[0]).toBeGreaterThanOrEqual(45)
        expect(gaps[2]).toBeGreaterThanOrEqual(190)
        expect(gaps[2]!).toBeGreaterThan(gaps[0]!)
        // The same batch each time: one delivery id, retried.
        expect(new Set(receiver.requests.map((r) => r.headers['x-almanac-delivery'])).size).toBe(1)
        await new Promise((resolve) => setTimeout(resolve, 800))
        expect(receiver.requests).toHaveLength(4)

        receiver.answer = 200
        await api(`/stores/1/forwarding/targets/${id}/resume`, 'POST')
        const done = await waitFor(
          'delivery after resume',
          async () => {
            const s = await api(`/stores/1/forwarding/targets/${id}`)
            const counts = s['counts'] as { delivered: number }
            return s['cursor'] === s['watermark'] && counts.delivered > 0 ? s : undefined
          },
          60_000,
        )
        expect(done['state']).toBe('active')
        expect(done['counts']).toMatchObject({ delivered: matching.length, failures: 4 })

        const delivered: string[] = []
        for (const request of receiver.requests.filter((r) => r.status === 200)) {
          const signature = String(request.headers['x-almanac-signature'] ?? '')
          const expected = createHmac('sha256', secret).update(request.body).digest()
          expect(signature.startsWith('sha256=')).toBe(true)
          // As a receiver should: a constant-time comparison over the raw body.
          expect(timingSafeEqual(Buffer.from(signature.slice(7), 'hex'), expected)).toBe(true)
          const body = JSON.parse(request.body) as { statementIds: string[]; deliveryId: string }
          expect(request.headers['x-almanac-delivery']).toBe(body.deliveryId)
          delivered.push(...body.statementIds)
        }
        expect(delivered).toEqual(matching.map((s) => s.id))
      } finally {
        await receiver.close()
      }
    }, 180_000)
  })
