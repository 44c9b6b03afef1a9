/**
 * @module Durability of acknowledged statements under `kill -9` (issue 14): with group commit a
 * request is answered only after the unit of work holding its statements has committed, so a
 * process killed in the middle of a burst of concurrent single-statement POSTs loses none of
 * the statements it acknowledged. A real server process, a real database, a real SIGKILL.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createThrowawayDatabase, TEST_POSTGRES_URL } from '../fixtures/throwaway-postgres.js'
import { type AlmanacProcess, startAlmanac } from './almanac-process.js'

const KEY = 'durability-key'
const SECRET = 'durability-secret'
const AUTH = 'Basic ' + Buffer.from(`${KEY}:${SECRET}`).toString('base64')
const HEADERS = { Authorization: AUTH, 'X-Experience-API-Version': '2.0.0' }

/** How many clients post at once, and how many acknowledgements to wait for before the kill. */
const CLIENTS = 48
const KILL_AFTER_ACKNOWLEDGED = 150

function statement(id: string) {
  return {
    id,
    actor: { objectType: 'Agent', mbox: `mailto:${id.slice(0, 8)}@example.com` },
    verb: { id: 'http://adlnet.gov/expapi/verbs/answered', display: { 'en-US': 'answered' } },
    object: { objectType: 'Activity', id: `https://example.com/questions/${id.slice(0, 4)}` },
  }
}

/**
 * Posts single statements from `CLIENTS` clients until the process dies; returns the ids it
 * answered 200 for, and how many requests were still unanswered when it was killed.
 */
async function burstUntilKilled(
  target: AlmanacProcess,
): Promise<{ acknowledged: string[]; inFlightAtKill: number }> {
  const acknowledged: string[] = []
  let inFlight = 0
  let inFlightAtKill = -1
  let killed = false
  const client = async (): Promise<void> => {
    while (!killed) {
      const id = randomUUID()
      inFlight++
      try {
        const response = await fetch(`${target.origin}/xapi/statements`, {
          method: 'POST',
          headers: { ...HEADERS, 'Content-Type': 'application/json' },
          body: JSON.stringify(statement(id)),
        })
        await response.text()
        if (response.status === 200) acknowledged.push(id)
        else throw new Error(`POST answered ${response.status}`)
      } catch (error) {
        // The connection was cut by the kill: the request is unanswered, not acknowledged.
        if (!killed) throw error
      } finally {
        inFlight--
      }
    }
  }
  const clients = Array.from({ length: CLIENTS }, client)
  // Kill once the burst is well under way (the first requests also verify the secret).
  while (acknowledged.length < KILL_AFTER_ACKNOWLEDGED)
    await new Promise((resolve) => setTimeout(resolve, 20))
  inFlightAtKill = inFlight
  killed = true
  target.child.kill('SIGKILL')
  await target.exited
  await Promise.all(clients)
  return { acknowledged, inFlightAtKill }
}

async function expectAllReadable(target: AlmanacProcess, ids: readonly string[]): Promise<void> {
  const missing: string[] = []
  for (const id of ids) {
    const response = await fetch(`${target.origin}/xapi/statements?statementId=${id}`, {
      headers: HEADERS,
    })
    await response.text()
    if (response.status !== 200) missing.push(id)
  }
  expect(missing, `acknowledged but lost after kill -9`).toEqual([])
}

const BACKENDS: {
  name: string
  skip: boolean
  open: () => Promise<{ url: string; drop: () => Promise<void> }>
}[] = [
  {
    name: 'sqlite',
    skip: false,
    open() {
      const dir = mkdtempSync(join(tmpdir(), 'almanac-kill-'))
      return Promise.resolve({
        url: join(dir, 'almanac.db'),
        drop: () => {
          rmSync(dir, { recursive: true, force: true })
          return Promise.resolve()
        },
      })
    },
  },
  {
    name: 'postgres',
    skip: TEST_POSTGRES_URL === undefined,
    open: () => createThrowawayDatabase(TEST_POSTGRES_URL ?? ''),
  },
]

for (const backend of BACKENDS)
  describe.skipIf(backend.skip)(`kill -9 during concurrent ingest: ${backend.name}`, () => {
    it('every statement acknowledged before the kill is readable after a restart', async () => {
      const database = await backend.open()
      const env = {
        ALMANAC_DATABASE_URL: database.url,
        ALMANAC_BOOTSTRAP_KEY: KEY,
        ALMANAC_BOOTSTRAP_SECRET: SECRET,
      }
      let restarted: AlmanacProcess | undefined
      try {
        const first = await startAlmanac(env)
        const { acknowledged, inFlightAtKill } = await burstUntilKilled(first)
        // The kill landed in the middle of the burst, with groups being written.
        expect(acknowledged.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKNOWLEDGED)
        expect(inFlightAtKill).toBeGreaterThan(0)
        restarted = await startAlmanac(env)
        await expectAllReadable(restarted, acknowledged)
      } finally {
        await restarted?.stop()
        await database.drop()
      }
    }, 120_000)
  })
