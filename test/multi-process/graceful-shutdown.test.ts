/**
 * @module A real `almanac serve` process stopped with SIGTERM while requests are in flight: each
 * of them gets an answer, every acknowledged statement is there after a restart, readiness
 * fails while draining, and a stuck client cannot hold the process past the shutdown bound.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { request as httpRequest, type ClientRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createThrowawayDatabase, TEST_POSTGRES_URL } from '../fixtures/throwaway-postgres.js'
import { type AlmanacProcess, startAlmanac } from './almanac-process.js'

const KEY = 'shutdown-key'
const SECRET = 'shutdown-secret'
const AUTH = 'Basic ' + Buffer.from(`${KEY}:${SECRET}`).toString('base64')

function statement(id: string) {
  return {
    id,
    actor: { objectType: 'Agent', mbox: `mailto:learner-${id.slice(0, 4)}@example.com` },
    verb: { id: 'http://adlnet.gov/expapi/verbs/experienced', display: { 'en-US': 'experienced' } },
    object: { objectType: 'Activity', id: 'https://example.com/activities/shutdown' },
  }
}

interface Answer {
  status: number
  body: string
}

/**
 * A POST /statements whose body is sent in two parts: the request is in flight (headers and
 * half the body received) when `between` runs, and completes after it.
 */
function slowPost(
  origin: string,
  body: string,
  between: () => Promise<void>,
): { request: ClientRequest; answer: Promise<Answer> } {
  const url = new URL('/xapi/statements', origin)
  const request = httpRequest(url, {
    method: 'POST',
    agent: false,
    headers: {
      Authorization: AUTH,
      'X-Experience-API-Version': '1.0.3',
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
    },
  })
  const answer = new Promise<Answer>((resolve, reject) => {
    request.on('response', (response) => {
      let text = ''
      response.on('data', (chunk: Buffer) => (text += chunk.toString()))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }))
    })
    request.on('error', reject)
  })
  const half = Math.floor(body.length / 2)
  request.write(body.slice(0, half))
  void between().then(() => request.end(body.slice(half)))
  return { request, answer }
}

async function post(origin: string, statements: unknown[]): Promise<Answer> {
  const response = await fetch(`${origin}/xapi/statements`, {
    method: 'POST',
    headers: {
      Authorization: AUTH,
      'X-Experience-API-Version': '1.0.3',
      'Content-Type': 'application/json',
      Connection: 'close',
    },
    body: JSON.stringify(statements),
  })
  return { status: response.status, body: await response.text() }
}

async function readable(target: AlmanacProcess, id: string): Promise<boolean> {
  const response = await fetch(`${target.origin}/xapi/statements?statementId=${id}`, {
    headers: { Authorization: AUTH, 'X-Experience-API-Version': '1.0.3' },
  })
  return response.status === 200
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface Backend {
  name: string
  env: () => Promise<{ env: Record<string, string>; drop: () => Promise<void> }>
}

const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    env: () => {
      const dir = mkdtempSync(join(tmpdir(), 'almanac-shutdown-'))
      return Promise.resolve({
        env: { ALMANAC_DATABASE_URL: join(dir, 'almanac.db') },
        drop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
      })
    },
  },
  ...(TEST_POSTGRES_URL === undefined
    ? []
    : [
        {
          name: 'postgres',
          env: async () => {
            const database = await createThrowawayDatabase(TEST_POSTGRES_URL ?? '')
            return { env: { ALMANAC_DATABASE_URL: database.url }, drop: () => database.drop() }
          },
        },
      ]),
]

const cleanups: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

for (const backend of BACKENDS) {
  describe(`graceful shutdown (${backend.name})`, () => {
    it('answers every request in flight at SIGTERM and loses nothing acknowledged', async () => {
      const { env: dbEnv, drop } = await backend.env()
      cleanups.push(drop)
      const env = {
        ...dbEnv,
        ALMANAC_BOOTSTRAP_KEY: KEY,
        ALMANAC_BOOTSTRAP_SECRET: SECRET,
        ALMANAC_SHUTDOWN_TIMEOUT_MS: '20000',
      }
      const first = await startAlmanac(env)
      cleanups.push(async () => {
        await first.stop()
      })

      // Requests whose body is half sent when the signal arrives: certainly in flight.
      let signalled!: () => void
      const signal = new Promise<void>((resolve) => (signalled = resolve))
      const slowIds = Array.from({ length: 4 }, () => Array.from({ length: 20 }, randomUUID))
      const slow = slowIds.map((ids) =>
        slowPost(first.origin, JSON.stringify(ids.map(statement)), async () => {
          await signal
          await sleep(300)
        }),
      )
      // Give the server time to accept them and read their headers: a connection it has not
      // yet read a request from is not in flight (the kernel resets it when the listener closes).
      await sleep(500)
      // And a flood of batches around the signal: each is either answered or refused outright.
      const flood: { ids: string[]; answer: Promise<Answer | Error> }[] = []
      for (let round = 0; round < 30; round++) {
        const ids = Array.from({ length: 25 }, randomUUID)
        flood.push({
          ids,
          answer: post(first.origin, ids.map(statement)).catch((e: unknown) =>
            e instanceof Error ? e : new Error(String(e)),
          ),
        })
        if (round === 10) {
          await sleep(50)
          first.child.kill('SIGTERM')
          signalled()
          // Readiness fails at once while requests drain (a new connection may be refused
          // instead once the listener has closed: both tell a balancer to stop).
          const ready = await fetch(`${first.origin}/readyz`).then(
            (r) => r.status,
            () => 'refused',
          )
          expect([503, 'refused']).toContain(ready)
        }
      }

      const slowAnswers = await Promise.all(slow.map((s) => s.answer))
      for (const [i, answer] of slowAnswers.entries()) {
        expect(answer.status, answer.body).toBe(200)
        expect(JSON.parse(answer.body)).toEqual(slowIds[i])
      }
      const acknowledged: string[] = [...slowIds.flat()]
      let refused = 0
      for (const { ids, answer } of flood) {
        const result = await answer
        if (result instanceof Error) {
          refused++
          continue
        }
        expect(result.status, result.body).toBe(200)
        acknowledged.push(...ids)
      }
      expect(await first.exited).toBe(0)
      const output = first.output.join('')
      expect(output).toContain('"message":"shutting down"')
      expect(output).toContain('"message":"stopped"')
      expect(output).not.toContain('were cut')
      // At least the requests before the signal were acknowledged, besides the slow ones.
      expect(acknowledged.length).toBeGreaterThan(slowIds.flat().length)
      expect(refused).toBeLessThan(flood.length)

      const second = await startAlmanac(env)
      cleanups.push(async () => {
        await second.stop()
      })
      const missing: string[] = []
      for (const id of acknowledged) if (!(await readable(second, id))) missing.push(id)
      expect(missing).toEqual([])
      expect(await second.stop()).toBe(0)
    }, 120_000)

    it('does not wait past ALMANAC_SHUTDOWN_TIMEOUT_MS for a client that never finishes', async () => {
      const { env: dbEnv, drop } = await backend.env()
      cleanups.push(drop)
      const target = await startAlmanac({
        ...dbEnv,
        ALMANAC_BOOTSTRAP_KEY: KEY,
        ALMANAC_BOOTSTRAP_SECRET: SECRET,
        ALMANAC_SHUTDOWN_TIMEOUT_MS: '1500',
      })
      cleanups.push(async () => {
        await target.stop()
      })
      const stuck = slowPost(
        target.origin,
        JSON.stringify([statement(randomUUID())]),
        () => new Promise(() => undefined),
      )
      stuck.answer.catch(() => undefined)
      await sleep(200)
      const started = Date.now()
      expect(await target.stop()).toBe(0)
      const took = Date.now() - started
      expect(took).toBeGreaterThanOrEqual(1400)
      expect(took).toBeLessThan(10_000)
      expect(target.output.join('')).toContain('were cut')
      stuck.request.destroy()
    }, 120_000)
  })
}
