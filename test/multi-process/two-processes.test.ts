/**
 * @module Two Almanac processes on one PostgreSQL database, as behind a load balancer: what one
 * writes the other reads, and a consumer following X-Experience-API-Consistent-Through sees every
 * statement exactly once while both take concurrent batches.
 */
import { request as httpRequest } from 'node:http'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createThrowawayDatabase,
  TEST_POSTGRES_URL,
  type Throwaway,
} from '../fixtures/throwaway-postgres.js'
import { type AlmanacProcess, runAlmanac, startAlmanac } from './almanac-process.js'

const KEY = 'multi-process-key'
const SECRET = 'multi-process-secret'
const AUTH = 'Basic ' + Buffer.from(`${KEY}:${SECRET}`).toString('base64')
const CONSISTENT_THROUGH = 'X-Experience-API-Consistent-Through'

const ACTORS = ['ann', 'bob', 'cid', 'dee', 'eve']
const ACTIVITIES = ['intro', 'quiz', 'video', 'lab']

/** A statement over the shared agents and activities; every batch redefines the activities. */
function statement(actor: string, activity: string, round: number, registration?: string) {
  return {
    actor: { objectType: 'Agent', name: actor, mbox: `mailto:${actor}@example.com` },
    verb: { id: 'http://adlnet.gov/expapi/verbs/experienced', display: { 'en-US': 'experienced' } },
    object: {
      objectType: 'Activity',
      id: `https://example.com/activities/${activity}`,
      definition: { name: { 'en-US': `${activity}, revision ${round}` } },
    },
    context: {
      ...(registration === undefined ? {} : { registration }),
      contextActivities: { parent: [{ id: 'https://example.com/activities/course' }] },
      instructor: { mbox: `mailto:${ACTORS[round % ACTORS.length]!}@example.com` },
    },
  }
}

/** `size` statements naming every agent and activity, in an order that differs per round. */
function batch(round: number, size: number, registration?: string) {
  return Array.from({ length: size }, (_, i) =>
    statement(
      ACTORS[(round + i) % ACTORS.length]!,
      ACTIVITIES[(round * 3 + i) % ACTIVITIES.length]!,
      round,
      registration,
    ),
  )
}

async function xapi(
  target: AlmanacProcess,
  path: string,
  init: { method?: string; json?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = {
    Authorization: AUTH,
    'X-Experience-API-Version': '2.0.0',
    ...init.headers,
  }
  if (init.json !== undefined) headers['Content-Type'] = 'application/json'
  return fetch(`${target.origin}${path}`, {
    method: init.method ?? 'GET',
    headers,
    ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
  })
}

async function postStatements(target: AlmanacProcess, statements: unknown[]): Promise<string[]> {
  const response = await xapi(target, '/xapi/statements', { method: 'POST', json: statements })
  const body = await response.text()
  if (response.status !== 200) throw new Error(`POST answered ${response.status}: ${body}`)
  return JSON.parse(body) as string[]
}

interface StatementResult {
  statements: { id: string; stored: string }[]
  more: string
}

async function getStatements(target: AlmanacProcess, path: string): Promise<StatementResult> {
  const response = await xapi(target, path)
  expect(response.status).toBe(200)
  return (await response.json()) as StatementResult
}

/** Every page of a query, each `more` page read from the other process than the one before. */
async function allPages(
  processes: readonly AlmanacProcess[],
  path: string,
): Promise<StatementResult['statements']> {
  const seen: StatementResult['statements'] = []
  let next = path
  for (let page = 0; next !== ''; page++) {
    const result = await getStatements(processes[page % processes.length]!, next)
    seen.push(...result.statements)
    next = result.more
  }
  return seen
}

describe.skipIf(TEST_POSTGRES_URL === undefined)('two Almanac processes, one PostgreSQL', () => {
  let database: Throwaway & { url: string }
  let one: AlmanacProcess
  let two: AlmanacProcess
  const env = (): Record<string, string> => ({
    ALMANAC_DATABASE_URL: database.url,
    ALMANAC_BOOTSTRAP_KEY: KEY,
    ALMANAC_BOOTSTRAP_SECRET: SECRET,
  })

  beforeAll(async () => {
    database = await createThrowawayDatabase(TEST_POSTGRES_URL ?? '')
    // Three `almanac migrate` at once on the empty database: each migration runs exactly once.
    const migrations = await Promise.all([1, 2, 3].map(() => runAlmanac(['migrate'], env())))
    for (const { code, output } of migrations) expect(code, output).toBe(0)
    one = await startAlmanac(env())
    two = await startAlmanac(env())
  })

  afterAll(async () => {
    await Promise.all([one?.stop(), two?.stop()])
    await database?.drop()
  })

  it('writes through one process are read through the other', async () => {
    const registration = randomUUID()
    const ids = await postStatements(one, batch(0, 5, registration))
    const single = await xapi(two, `/xapi/statements?statementId=${ids[0]!}`)
    expect(single.status).toBe(200)
    expect(((await single.json()) as { id: string }).id).toBe(ids[0])

    // A `more` token from one process is served by the other: the cursor travels in it.
    const paged = await allPages(
      [one, two],
      `/xapi/statements?registration=${registration}&limit=2`,
    )
    expect(paged.map((s) => s.id)).toEqual([...ids].reverse())

    // Documents and their ETags: written through two, checked and refused through one.
    const state =
      '/xapi/activities/state?activityId=' +
      encodeURIComponent('https://example.com/activities/intro') +
      '&agent=' +
      encodeURIComponent(JSON.stringify({ mbox: 'mailto:ann@example.com' })) +
      '&stateId=bookmark'
    const put = await xapi(two, state, {
      method: 'PUT',
      json: { page: 3 },
      headers: { 'If-None-Match': '*' },
    })
    expect(put.status).toBe(204)
    const read = await xapi(one, state)
    expect(await read.json()).toEqual({ page: 3 })
    const etag = read.headers.get('ETag') ?? ''
    const stale = await xapi(one, state, {
      method: 'PUT',
      json: { page: 4 },
      headers: { 'If-None-Match': '*' },
    })
    expect(stale.status).toBe(412)
    const update = await xapi(one, state, {
      method: 'PUT',
      json: { page: 5 },
      headers: { 'If-Match': etag },
    })
    expect(update.status).toBe(204)
    expect(await (await xapi(two, state)).json()).toEqual({ page: 5 })

    // The canonical activity definition and the agents seen, projected by one, read by two.
    const activity = await xapi(
      two,
      '/xapi/activities?activityId=' + encodeURIComponent('https://example.com/activities/intro'),
    )
    expect(await activity.json()).toMatchObject({
      id: 'https://example.com/activities/intro',
      definition: { name: { 'en-US': 'intro, revision 0' } },
    })
  })

  it('a consumer paging with since = the last Consistent-Through sees every statement exactly once', async () => {
    const written: string[] = []
    const failures: string[] = []
    let writing = true

    // Three writers per process, batches of 25 over the same agents and activities.
    const writers = [one, two, one, two, one, two].map(async (target, w) => {
      for (let round = 0; round < 10; round++) {
        try {
          written.push(...(await postStatements(target, batch(w * 10 + round, 25))))
        } catch (error) {
          failures.push(String(error))
        }
      }
    })
    const allWritten = Promise.all(writers).then(() => {
      writing = false
    })

    // The consumer: read the watermark, then everything in (last watermark, watermark], in
    // pages alternating between the processes; the watermark becomes the next `since`.
    const seen: StatementResult['statements'] = []
    let since: string | undefined
    let rounds = 0
    for (let last = false; !last; rounds++) {
      last = !writing
      const target = rounds % 2 === 0 ? one : two
      const head = await xapi(target, '/xapi/statements?limit=1', { method: 'HEAD' })
      const watermark = head.headers.get(CONSISTENT_THROUGH) ?? ''
      expect(watermark).toMatch(/Z$/)
      if (since !== undefined) expect(watermark >= since).toBe(true)
      const window =
        (since === undefined ? '' : `&since=${encodeURIComponent(since)}`) +
        `&until=${encodeURIComponent(watermark)}`
      const page = await allPages(
        rounds % 2 === 0 ? [two, one] : [one, two],
        `/xapi/statements?ascending=true&limit=40${window}`,
      )
      for (const s of page) {
        expect(s.stored <= watermark).toBe(true)
        if (since !== undefined) expect(s.stored > since).toBe(true)
      }
      seen.push(...page)
      since = watermark
      if (!last) await new Promise((resolve) => setTimeout(resolve, 5))
    }
    await allWritten

    expect(failures).toEqual([])
    expect(written).toHaveLength(6 * 10 * 25)
    const seenIds = seen.map((s) => s.id)
    // Exactly once: no repeats, nothing missing (the first test's five statements included).
    expect(new Set(seenIds).size).toBe(seenIds.length)
    for (const id of written) expect(seenIds).toContain(id)
    expect(seenIds.length).toBe(written.length + 5)
    // In stored order, across rounds and processes.
    const stored = seen.map((s) => s.stored)
    expect(stored).toEqual([...stored].sort())
    expect(rounds).toBeGreaterThan(2)
  })

  it('a stopping process answers the request it is receiving, then exits cleanly', async () => {
    const statements = batch(99, 40)
    const body = Buffer.from(JSON.stringify(statements))
    const url = new URL('/xapi/statements', two.origin)
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        url,
        {
          method: 'POST',
          agent: false,
          headers: {
            Authorization: AUTH,
            'X-Experience-API-Version': '2.0.0',
            'Content-Type': 'application/json',
            'Content-Length': String(body.length),
          },
        },
        (res) => {
          let text = ''
          res.on('data', (chunk: Buffer) => (text += chunk.toString()))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
        },
      )
      req.on('error', reject)
      // Half the body, then SIGTERM, then the rest: the request is in flight when it arrives.
      req.write(body.subarray(0, body.length / 2))
      setTimeout(() => {
        two.child.kill('SIGTERM')
        setTimeout(() => req.end(body.subarray(body.length / 2)), 200)
      }, 200)
    })
    const response = await answered
    expect(response.status, response.body).toBe(200)
    const ids = JSON.parse(response.body) as string[]
    expect(await two.exited).toBe(0)
    // Stored and committed before the process ended: the other process reads it.
    const check = await xapi(one, `/xapi/statements?statementId=${ids[39]!}`)
    expect(check.status).toBe(200)
  })
})
