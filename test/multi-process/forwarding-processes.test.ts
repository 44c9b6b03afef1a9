/**
 * @module Forwarding between real processes: statements posted to a source Almanac arrive at a
 * second Almanac (the target LRS) exactly once per id and in stored order, while the target is
 * stopped and restarted twice and the source is killed with SIGKILL once.
 *
 * FORWARDING_TEST_STATEMENTS sets how many (default 1000; the 10⁴ takes a few minutes
 * on this machine). Prints the throughput (statements/s delivered to the target while catching
 * up) for the report.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AlmanacProcess, startAlmanac } from './almanac-process.js'

const N = Number(process.env['FORWARDING_TEST_STATEMENTS'] ?? 1000)
const BATCH = 100
const KEY = 'fwd-key'
const SECRET = 'fwd-secret-123'
const AUTH = 'Basic ' + Buffer.from(`${KEY}:${SECRET}`).toString('base64')
const ADMIN = { username: 'ops', password: 'ops-password-123' }

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

describe('forwarding between processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'almanac-fwd-processes-'))
  let targetPort = 0
  let target: AlmanacProcess | undefined
  let source: AlmanacProcess | undefined
  const targetEnv = () => ({
    ALMANAC_PORT: String(targetPort),
    ALMANAC_DATABASE_URL: join(dir, 'target.db'),
    ALMANAC_BOOTSTRAP_KEY: KEY,
    ALMANAC_BOOTSTRAP_SECRET: SECRET,
  })
  const sourceEnv = {
    ALMANAC_DATABASE_URL: join(dir, 'source.db'),
    ALMANAC_BOOTSTRAP_KEY: KEY,
    ALMANAC_BOOTSTRAP_SECRET: SECRET,
    ALMANAC_ADMIN_USERNAME: ADMIN.username,
    ALMANAC_ADMIN_PASSWORD: ADMIN.password,
    ALMANAC_FORWARDING_POLL_MS: '200',
    ALMANAC_FORWARDING_BACKOFF_BASE_MS: '100',
    ALMANAC_FORWARDING_BACKOFF_MAX_MS: '1000',
  }

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
    return (await response.json()) as Record<string, unknown>
  }

  beforeAll(async () => {
    targetPort = await freePort()
    target = await startAlmanac(targetEnv())
    source = await startAlmanac(sourceEnv)
  }, 120_000)
  afterAll(async () => {
    await source?.stop()
    await target?.stop()
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
        source = await startAlmanac(sourceEnv)
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
      `forwarding: ${N} statements; posting took ${((posted - started) / 1000).toFixed(1)} s, ` +
        `caught up ${((caughtUp - posted) / 1000).toFixed(1)} s later; ` +
        `${counts.delivered} delivered in ${counts.batches} batches, ${counts.failures} failed attempts\n`,
    )
  }, 900_000)
})
