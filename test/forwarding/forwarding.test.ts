/**
 * Forwarding in one process with real loopback receivers: a target answering 500 is retried with
 * growing waits, paused with its last error, and resumed without loss; filters forward only what
 * matches (voiding of a forwarded statement included); webhook signatures verify; a replay after
 * an erasure carries none of the erased learner's data.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createAlmanac } from '../../src/compose.js'
import { loadConfig } from '../../src/config/load-config.js'
import { createJsonLogger } from '../../src/observability/logger.js'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { basicAuth, createTestApp, TEST_HASHING, TEST_KEY, TEST_SECRET } from '../http/test-app.js'
import { type Receiver, startReceiver, waitFor } from './forwarding-helpers.js'

const ADMIN = { username: 'ops', password: 'ops-password-123' }
const COMPLETED = 'http://adlnet.gov/expapi/verbs/completed'
const ATTEMPTED = 'http://adlnet.gov/expapi/verbs/attempted'

function statement(actor: string, verb: string, activity: string, platform?: string) {
  return {
    id: randomUUID(),
    actor: { objectType: 'Agent', name: actor, mbox: `mailto:${actor}@example.com` },
    verb: { id: verb },
    object: { id: activity },
    ...(platform === undefined ? {} : { context: { platform } }),
  }
}

let dir: string
let almanac: Awaited<ReturnType<typeof createAlmanac>>
let receiver: Receiver
let token: string

async function call(path: string, init: { method?: string; json?: unknown; auth?: string } = {}) {
  const headers: Record<string, string> = {}
  if (init.auth !== undefined) {
    headers['Authorization'] = init.auth
    headers['X-Experience-API-Version'] = '2.0.0'
  } else headers['Authorization'] = `Bearer ${token}`
  if (init.json !== undefined) headers['Content-Type'] = 'application/json'
  const response = await almanac.app.request(path, {
    method: init.method ?? 'GET',
    headers,
    ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
  })
  const text = await response.text()
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) }
}

const postStatements = async (statements: unknown[]) => {
  const r = await call('/xapi/statements', {
    method: 'POST',
    json: statements,
    auth: basicAuth(TEST_KEY, TEST_SECRET),
  })
  expect(r.status, JSON.stringify(r.body)).toBe(200)
}

/** `almanac_consumer_lag_statements` of a target's consumer in /metrics; NaN when absent. */
async function forwardingLag(id: number): Promise<number> {
  const text = await (await almanac.app.request('/metrics')).text()
  const line = text
    .split('\n')
    .find((l) =>
      l.startsWith(`almanac_consumer_lag_statements{consumer="forwarding:${id}",store="1"}`),
    )
  return line === undefined ? NaN : Number(line.split(' ').at(-1))
}

const targetStatus = async (id: number) =>
  (await call(`/api/stores/1/forwarding/targets/${id}`)).body

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'almanac-forwarding-'))
  receiver = await startReceiver()
  almanac = await createAlmanac(
    loadConfig({
      ALMANAC_DATABASE_URL: join(dir, 'almanac.db'),
      ALMANAC_BOOTSTRAP_KEY: TEST_KEY,
      ALMANAC_BOOTSTRAP_SECRET: TEST_SECRET,
      ALMANAC_ADMIN_USERNAME: ADMIN.username,
      ALMANAC_ADMIN_PASSWORD: ADMIN.password,
      ALMANAC_FORWARDING_POLL_MS: '100',
      ALMANAC_FORWARDING_REFRESH_MS: '200',
      ALMANAC_FORWARDING_BACKOFF_BASE_MS: '100',
      ALMANAC_FORWARDING_BACKOFF_MAX_MS: '2000',
      ALMANAC_FORWARDING_TIMEOUT_MS: '5000',
    }),
    createJsonLogger('error', () => undefined),
    { hashing: TEST_HASHING, background: true },
  )
  const session = await almanac.app.request('/api/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(ADMIN),
  })
  token = ((await session.json()) as { token: string }).token
})
afterEach(async () => {
  await almanac.close()
  await receiver.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('forwarding', () => {
  it('retries a failing LRS target with growing waits, pauses it with its error, resumes without loss', async () => {
    receiver.answer = 500
    const created = await call('/api/stores/1/forwarding/targets', {
      method: 'POST',
      json: {
        name: 'flaky LRS',
        kind: 'lrs',
        url: `${receiver.url}/xapi`,
        username: 'u',
        password: 'p',
        maxFailures: 5,
      },
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    expect(created.body.secret).toBeUndefined()
    expect(JSON.stringify(created.body)).not.toContain('"p"')
    const id = created.body.target.id as number
    const batch = Array.from({ length: 30 }, (_, i) =>
      statement(`learner${i}`, COMPLETED, 'http://example.com/a'),
    )
    await postStatements(batch)
    // While it fails, its cursor stays: /metrics shows the 30 statements it has still to deliver.
    expect(await forwardingLag(id)).toBe(30)

    const paused = await waitFor('the target to pause', async () => {
      const s = await targetStatus(id)
      return s.state === 'paused' ? s : undefined
    })
    expect(receiver.requests).toHaveLength(5)
    expect(paused).toMatchObject({
      consecutiveFailures: 5,
      counts: { delivered: 0, failures: 5 },
      cursor: 0,
    })
    expect(paused.lastError).toMatch(/^HTTP 500/)
    // Exponential backoff with jitter: waits of ~[50,100], [100,200], [200,400], [400,800] ms.
    const gaps = receiver.requests.slice(1).map((r, i) => r.at - receiver.requests[i]!.at)
    expect(gaps[0]).toBeGreaterThanOrEqual(45)
    expect(gaps[3]).toBeGreaterThanOrEqual(380)
    expect(gaps[3]!).toBeGreaterThan(gaps[0]!)
    // Paused: nothing more is tried.
    await new Promise((resolve) => setTimeout(resolve, 600))
    expect(receiver.requests).toHaveLength(5)
    // A paused target's consumer is stopped, and its lag is still reported: the 30 statements,
    // then the ones stored while it is paused.
    expect(
      await waitFor('the paused lag', async () =>
        (await forwardingLag(id)) === 30 ? 30 : undefined,
      ),
    ).toBe(30)
    const late = statement('late', COMPLETED, 'http://example.com/a')
    await postStatements([late])
    expect(await forwardingLag(id)).toBe(31)

    receiver.answer = 200
    const resumed = await call(`/api/stores/1/forwarding/targets/${id}/resume`, { method: 'POST' })
    expect(resumed.body.state).toBe('active')
    const done = await waitFor('delivery after resume', async () => {
      const s = await targetStatus(id)
      return s.cursor === s.watermark && s.counts.delivered > 0 ? s : undefined
    })
    expect(done).toMatchObject({ consecutiveFailures: 0, counts: { delivered: 31, batches: 1 } })
    expect(done.lastSuccessAt).not.toBeNull()
    expect(await forwardingLag(id)).toBe(0)
    const last = receiver.requests.at(-1)!
    expect(last.headers['x-experience-api-version']).toBe('2.0.0')
    expect(last.headers.authorization).toBe(basicAuth('u', 'p'))
    const sent = JSON.parse(last.body) as { id: string; stored?: string; authority?: unknown }[]
    // Ids kept, in stored order; stored and authority left to the receiving LRS.
    expect(sent.map((s) => s.id)).toEqual([...batch, late].map((s) => s.id))
    expect(sent.every((s) => s.stored === undefined && s.authority === undefined)).toBe(true)
  })

  it('forwards only what matches the filter, signs webhooks, forwards voiding of forwarded statements', async () => {
    const created = await call('/api/stores/1/forwarding/targets', {
      method: 'POST',
      json: {
        name: 'hook',
        kind: 'webhook',
        url: `${receiver.url}/hook`,
        filter: {
          verbs: [COMPLETED],
          activityPrefixes: ['http://example.com/course/'],
          actors: [{ mbox: 'mailto:ada@example.com' }, { mbox: 'mailto:bob@example.com' }],
          platforms: ['web'],
        },
        batchSize: 10,
      },
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const secret = created.body.secret as string
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const id = created.body.target.id as number
    // The secret is shown once: never in the status.
    expect(JSON.stringify(await targetStatus(id))).not.toContain(secret)

    const match = [
      statement('ada', COMPLETED, 'http://example.com/course/1', 'web'),
      statement('bob', COMPLETED, 'http://example.com/course/2/quiz', 'web'),
    ]
    const miss = [
      statement('ada', ATTEMPTED, 'http://example.com/course/1', 'web'),
      statement('ada', COMPLETED, 'http://example.com/other/1', 'web'),
      statement('cid', COMPLETED, 'http://example.com/course/1', 'web'),
      statement('ada', COMPLETED, 'http://example.com/course/1', 'mobile'),
      statement('ada', COMPLETED, 'http://example.com/course/1'),
    ]
    await postStatements([...match.slice(0, 1), ...miss, ...match.slice(1)])
    const voiding = {
      id: randomUUID(),
      actor: { mbox: 'mailto:admin@example.com' },
      verb: { id: 'http://adlnet.gov/expapi/verbs/voided' },
      object: { objectType: 'StatementRef', id: match[0]!.id },
    }
    const voidingMiss = {
      ...voiding,
      id: randomUUID(),
      object: { objectType: 'StatementRef', id: miss[0]!.id },
    }
    await postStatements([voiding, voidingMiss])

    await waitFor('delivery', async () => {
      const s = await targetStatus(id)
      return s.cursor === s.watermark ? s : undefined
    })
    const ids: string[] = []
    for (const request of receiver.requests) {
      const expected = createHmac('sha256', secret).update(request.body).digest('hex')
      expect(request.headers['x-almanac-signature']).toBe(`sha256=${expected}`)
      const body = JSON.parse(request.body)
      expect(request.headers['x-almanac-delivery']).toBe(body.deliveryId)
      expect(body.deliveryId).toMatch(/^[0-9a-f-]{36}$/)
      expect(request.headers['x-almanac-statement-ids']).toBe(body.statementIds.join(','))
      expect(body.statements.map((s: { id: string }) => s.id)).toEqual(body.statementIds)
      ids.push(...body.statementIds)
    }
    expect(ids).toEqual([...match.map((s) => s.id), voiding.id])
    // A tampered body does not verify.
    const tampered = receiver.requests[0]!.body.replace('ada@', 'eve@')
    expect(createHmac('sha256', secret).update(tampered).digest('hex')).not.toBe(
      receiver.requests[0]!.headers['x-almanac-signature']?.slice(7),
    )
  })

  it('replays from a point in time, and a replay after an erasure carries none of the learner', async () => {
    const created = await call('/api/stores/1/forwarding/targets', {
      method: 'POST',
      json: { name: 'hook', kind: 'webhook', url: `${receiver.url}/hook`, startAt: 'beginning' },
    })
    const id = created.body.target.id as number
    const first = [
      statement('ada', COMPLETED, 'http://example.com/a'),
      statement('bob', COMPLETED, 'http://example.com/a'),
    ]
    await postStatements(first)
    await new Promise((resolve) => setTimeout(resolve, 20))
    const middle = new Date().toISOString()
    await new Promise((resolve) => setTimeout(resolve, 20))
    const second = [
      statement('ada', ATTEMPTED, 'http://example.com/b'),
      statement('bob', ATTEMPTED, 'http://example.com/b'),
    ]
    await postStatements(second)
    const delivered = () =>
      receiver.requests.flatMap((r) => JSON.parse(r.body).statementIds as string[])
    await waitFor('first delivery', () =>
      Promise.resolve(delivered().length === 4 ? true : undefined),
    )

    const replayed = await call(`/api/stores/1/forwarding/targets/${id}/replay`, {
      method: 'POST',
      json: { from: middle },
    })
    expect(replayed.status).toBe(200)
    await waitFor('replay', () => Promise.resolve(delivered().length === 6 ? true : undefined))
    expect(delivered().slice(4)).toEqual(second.map((s) => s.id))

    const erased = await call('/api/stores/1/erasures', {
      method: 'POST',
      json: { agent: { mbox: 'mailto:ada@example.com' } },
    })
    expect(erased.status).toBe(201)
    const before = receiver.requests.length
    await call(`/api/stores/1/forwarding/targets/${id}/replay`, {
      method: 'POST',
      json: { from: '2000-01-01T00:00:00Z' },
    })
    await waitFor('replay after erasure', () =>
      Promise.resolve(delivered().length === 8 ? true : undefined),
    )
    const replay = receiver.requests
      .slice(before)
      .map((r) => r.body)
      .join('\n')
    expect(replay).not.toContain('ada@example.com')
    expect(delivered().slice(6)).toEqual([first[1]!.id, second[1]!.id])
  })

  it('forwards attachment contents to another Almanac as multipart/mixed, ids kept', async () => {
    const target = await createTestApp()
    const server = serve({ fetch: target.almanac.app.fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise<void>((resolve) => server.once('listening', () => resolve()))
    try {
      const { port } = server.address() as AddressInfo
      const created = await call('/api/stores/1/forwarding/targets', {
        method: 'POST',
        json: {
          name: 'second Almanac',
          kind: 'lrs',
          url: `http://127.0.0.1:${port}/xapi`,
          username: TEST_KEY,
          password: TEST_SECRET,
          xapiVersion: '1.0.3',
        },
      })
      const id = created.body.target.id as number
      const content = 'certificate of completion'
      const sha2 = createHash('sha256').update(content).digest('hex')
      const s = {
        ...statement('ada', COMPLETED, 'http://example.com/a'),
        attachments: [
          {
            usageType: 'http://example.com/certificate',
            display: { 'en-US': 'certificate' },
            contentType: 'text/plain',
            length: content.length,
            sha2,
          },
        ],
      }
      const boundary = 'b-1'
      const body = [
        `--${boundary}`,
        'Content-Type: application/json',
        '',
        JSON.stringify([s]),
        `--${boundary}`,
        'Content-Type: text/plain',
        'Content-Transfer-Encoding: binary',
        `X-Experience-API-Hash: ${sha2}`,
        '',
        content,
        `--${boundary}--`,
        '',
      ].join('\r\n')
      const posted = await almanac.app.request('/xapi/statements', {
        method: 'POST',
        headers: {
          Authorization: basicAuth(TEST_KEY, TEST_SECRET),
          'X-Experience-API-Version': '2.0.0',
          'Content-Type': `multipart/mixed; boundary=${boundary}`,
        },
        body,
      })
      expect(posted.status, await posted.clone().text()).toBe(200)
      const done = await waitFor('delivery', async () => {
        const st = await targetStatus(id)
        return st.cursor === st.watermark && st.counts.delivered === 1 ? st : undefined
      })
      expect(done.lastError).toBeNull()
      const there = await target.request(`/xapi/statements?statementId=${s.id}&attachments=true`)
      expect(there.status).toBe(200)
      const text = await there.text()
      expect(text).toContain(content)
      expect(text).toContain(s.id)
    } finally {
      server.close()
      await target.close()
    }
  })

  it('answers bad target definitions with a 400 naming the field', async () => {
    const bad = async (json: unknown) =>
      call('/api/stores/1/forwarding/targets', { method: 'POST', json })
    expect((await bad({ name: 'x', kind: 'ftp', url: 'http://a' })).status).toBe(400)
    const noUrl = await bad({ name: 'x', kind: 'webhook', url: 'not a url' })
    expect(noUrl.status).toBe(400)
    expect(noUrl.body.message).toMatch(/url/)
    const noCredentials = await bad({ name: 'x', kind: 'lrs', url: 'http://127.0.0.1:1/xapi' })
    expect(noCredentials.status).toBe(400)
    const bigBatch = await bad({
      name: 'x',
      kind: 'webhook',
      url: 'http://127.0.0.1:1',
      batchSize: 5000,
    })
    expect(bigBatch.body.message).toMatch(/batchSize/)
    expect(
      (
        await bad({
          name: 'x',
          kind: 'webhook',
          url: 'http://127.0.0.1:1',
          filter: { actors: [{ name: 'no ifi' }] },
        })
      ).status,
    ).toBe(400)
    expect((await call('/api/stores/1/forwarding/targets/999')).status).toBe(404)
    expect((await call('/api/stores/42/forwarding/targets')).status).toBe(404)
  })
})
