/**
 * Group commit (issue 14): concurrent statement requests of one store are persisted in shared
 * units of work, yet every request keeps its own all-or-nothing outcome, its own 409, its own
 * answer; what is acknowledged is stored, what is rejected is not.
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { projectActivitiesAndAgents } from '../../src/core/activities.js'
import type { RequestContext } from '../../src/core/lrs.js'
import {
  createStoreStatements,
  type ProjectStep,
} from '../../src/core/statements/store-statements.js'
import { LrsError } from '../../src/errors/lrs-error.js'
import { DEFAULT_STORE_ID, type Storage } from '../../src/storage/ports.js'
import type { Statement, StoredStatement } from '../../src/xapi/types.js'
import { VOIDED_VERB_ID } from '../../src/xapi/types.js'
import { buildAgent, buildStatement, buildVerb } from '../fixtures/build-statement.js'
import { BACKENDS } from './backends.js'
import { useBackend } from './contract-helpers.js'

const ctx: RequestContext = {
  principal: {
    key: 'k',
    storeId: DEFAULT_STORE_ID,
    scopes: ['all'],
    authority: buildAgent({ name: 'Almanac test', mbox: 'mailto:authority@example.com' }),
  },
  version: '2.0.0',
}

/** A statement with its own id, told apart from others by its actor. */
function statement(id: string = randomUUID(), who = 'ada'): Statement {
  return buildStatement({ id, actor: buildAgent({ mbox: `mailto:${who}@example.com` }) })
}

function voiding(target: string, id: string = randomUUID()): Statement {
  return buildStatement({
    id,
    verb: buildVerb({ id: VOIDED_VERB_ID, display: { 'en-US': 'voided' } }),
    object: { objectType: 'StatementRef', id: target },
  })
}

/** What a request came to: the ids answered, or the error's code. */
type Answer = { ok: true; ids: string[] } | { ok: false; code: string }

/**
 * The storage, counting its units of work: how many began, and the most in flight at once. The
 * options pass through, so a shared unit of work stays shared.
 */
function countingTransactions(storage: Storage): {
  storage: Storage
  count: () => number
  most: () => number
  resetMost: () => void
} {
  let count = 0
  let inFlight = 0
  let most = 0
  return {
    storage: {
      ...storage,
      async transaction(storeId, fn, options) {
        count++
        inFlight++
        most = Math.max(most, inFlight)
        try {
          return await storage.transaction(storeId, fn, options)
        } finally {
          inFlight--
        }
      },
    },
    count: () => count,
    most: () => most,
    resetMost: () => {
      most = 0
    },
  }
}

function lrsOn(storage: Storage, extraSteps: readonly ProjectStep[] = []) {
  const heard: StoredStatement[] = []
  const writes = createStoreStatements({
    storage,
    limits: { maxStatementsPerPage: 100 },
    xapiBasePath: '/xapi',
    authorityHomePage: 'https://lrs.example.com',
    projectSteps: [projectActivitiesAndAgents, ...extraSteps],
    listeners: [
      (_store, statements) => {
        heard.push(...statements)
      },
    ],
    onListenerError: (error) => {
      throw error
    },
  })
  async function post(body: unknown): Promise<Answer> {
    try {
      return { ok: true, ids: await writes.storeStatements(ctx, {}, body, []) }
    } catch (error) {
      if (!(error instanceof LrsError)) throw error
      return { ok: false, code: error.code }
    }
  }
  return { writes, post, heard }
}

async function storedIds(storage: Storage): Promise<Set<string>> {
  const ids = new Set<string>()
  const scope = storage.scope(DEFAULT_STORE_ID)
  let cursor: Parameters<typeof scope.statements.queryStatements>[1]
  for (;;) {
    const page = await scope.statements.queryStatements(
      { relatedActivities: false, relatedAgents: false, ascending: true, limit: 100 },
      cursor,
    )
    for (const s of page.statements) ids.add(s.id)
    if (page.next === undefined) return ids
    cursor = page.next
  }
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`group commit: ${backend.name}`, () => {
    const opened = useBackend(backend)

    it('runs concurrent batches side by side where the backend shares writers; single statements one group at a time', async () => {
      const storage = opened().storage
      const counting = countingTransactions(storage)
      const { post } = lrsOn(counting.storage)
      // Singles: never a group beside another, whatever the backend (group-commit.ts besideFrom).
      const singles = Array.from({ length: 40 }, () => statement())
      const pending: Promise<Answer>[] = []
      // Spread over time, as requests arrive: each finds a group running (on PostgreSQL, one
      // that has taken its requests, beside which another could start).
      for (const s of singles) {
        pending.push(post(s))
        await new Promise((resolve) => setTimeout(resolve, 2))
      }
      const singleAnswers = await Promise.all(pending)
      expect(singleAnswers.every((a) => a.ok)).toBe(true)
      expect(counting.most()).toBe(1)
      // Twelve batches of 100 at once: several groups side by side on PostgreSQL, one at a time
      // on SQLite (one writer); every statement stored once either way.
      counting.resetMost()
      const batches = Array.from({ length: 12 }, () =>
        Array.from({ length: 100 }, () => statement()),
      )
      const answers = await Promise.all(batches.map((batch) => post(batch)))
      expect(answers.every((a) => a.ok)).toBe(true)
      // (A group takes up to 1,000 statements: the first takes ten batches, the rest go beside.)
      if (storage.sharedUnitsPerStore > 1) {
        expect(counting.most()).toBeGreaterThan(1)
        expect(counting.most()).toBeLessThanOrEqual(storage.sharedUnitsPerStore)
      } else expect(counting.most()).toBe(1)
      const ids = await storedIds(storage)
      for (const s of [...singles, ...batches.flat()]) expect(ids.has(s.id as string)).toBe(true)
      expect(ids.size).toBe(singles.length + 1200)
    })

    it('gives each of 64 concurrent requests its own answer, stores exactly the accepted', async () => {
      const counting = countingTransactions(opened().storage)
      const { post, heard } = lrsOn(counting.storage)

      // Already stored: a statement others conflict with or re-send, and a voiding statement.
      const known = statement(randomUUID(), 'known')
      const knownTarget = statement()
      const knownVoiding = voiding(knownTarget.id as string)
      expect(await post([known, knownTarget, knownVoiding])).toMatchObject({ ok: true })
      const before = counting.count()
      heard.length = 0

      type Case = { body: unknown; expect: string; mustExist: string[]; mustNot: string[] }
      const cases: Case[] = []
      // 18 new single statements.
      for (let i = 0; i < 18; i++) {
        const s = statement()
        cases.push({ body: s, expect: 'ok', mustExist: [s.id as string], mustNot: [] })
      }
      // 6 new batches of 3.
      for (let i = 0; i < 6; i++) {
        const batch = [statement(), statement(), statement()]
        cases.push({
          body: batch,
          expect: 'ok',
          mustExist: batch.map((s) => s.id as string),
          mustNot: [],
        })
      }
      // 6 different statements under a known id: 409, each on its own.
      for (let i = 0; i < 6; i++)
        cases.push({
          body: statement(known.id, `other${i}`),
          expect: 'STATEMENT_CONFLICT',
          mustExist: [],
          mustNot: [],
        })
      // 4 equivalent re-sends of the known statement: accepted, nothing new.
      for (let i = 0; i < 4; i++)
        cases.push({
          body: { ...known },
          expect: 'ok',
          mustExist: [known.id as string],
          mustNot: [],
        })
      // 6 batches of a new statement and a conflicting one: all or nothing, so 409 and the new one is not stored.
      for (let i = 0; i < 6; i++) {
        const fresh = statement()
        cases.push({
          body: [fresh, statement(known.id, `batch${i}`)],
          expect: 'STATEMENT_CONFLICT',
          mustExist: [],
          mustNot: [fresh.id as string],
        })
      }
      // 6 invalid requests (no verb): 400, nothing stored.
      for (let i = 0; i < 6; i++) {
        const { verb: _verb, ...invalid } = statement()
        cases.push({
          body: invalid,
          expect: 'INVALID_STATEMENT',
          mustExist: [],
          mustNot: [invalid.id as string],
        })
      }
      // 4 batches voiding a voiding statement, with a new statement: 400, none stored.
      for (let i = 0; i < 4; i++) {
        const fresh = statement()
        const bad = voiding(knownVoiding.id as string)
        cases.push({
          body: [fresh, bad],
          expect: 'INVALID_VOIDING_TARGET',
          mustExist: [],
          mustNot: [fresh.id as string, bad.id as string],
        })
      }
      // 4 voiding statements of statements new in this burst (sent in the same group or not).
      const voidingCases = cases.length
      for (let i = 0; i < 4; i++) {
        const target = statement()
        const voider = voiding(target.id as string)
        cases.push({
          body: [target, voider],
          expect: 'ok',
          mustExist: [voider.id as string],
          mustNot: [],
        })
      }
      // 4 pairs of different statements under one new id, sent at once: one wins, the other is 409.
      const raced: string[] = []
      const raceCases = cases.length
      for (let i = 0; i < 4; i++) {
        const id = randomUUID()
        raced.push(id)
        cases.push({ body: statement(id, 'first'), expect: 'either', mustExist: [], mustNot: [] })
        cases.push({ body: statement(id, 'second'), expect: 'either', mustExist: [], mustNot: [] })
      }
      // 2 identical new statements sent at once: both accepted, stored once.
      const twin = statement()
      cases.push({ body: twin, expect: 'ok', mustExist: [twin.id as string], mustNot: [] })
      cases.push({ body: { ...twin }, expect: 'ok', mustExist: [twin.id as string], mustNot: [] })
      expect(cases.length).toBe(64)

      const answers = await Promise.all(cases.map((c) => post(c.body)))

      const stored = await storedIds(opened().storage)
      const scope = opened().storage.scope(DEFAULT_STORE_ID)
      let accepted = 0
      for (const [i, c] of cases.entries()) {
        const answer = answers[i]
        if (c.expect === 'either') continue
        if (c.expect === 'ok') {
          expect(answer, `request ${i}`).toMatchObject({ ok: true })
          accepted++
        } else expect(answer, `request ${i}`).toEqual({ ok: false, code: c.expect })
        for (const id of c.mustNot) expect(stored.has(id), `request ${i}: ${id} stored`).toBe(false)
        for (const id of c.mustExist)
          expect(stored.has(id), `request ${i}: ${id} missing`).toBe(true)
        if (answer?.ok === true && Array.isArray(c.body))
          expect(answer.ids).toEqual((c.body as Statement[]).map((s) => s.id))
      }
      expect(accepted).toBe(18 + 6 + 4 + 4 + 2)
      // The races: exactly one of each pair won, and what is stored is the winner's statement.
      for (const [k, id] of raced.entries()) {
        const [first, second] = [answers[raceCases + 2 * k], answers[raceCases + 2 * k + 1]]
        const wins = [first, second].filter((a) => a?.ok === true).length
        expect(wins, `race ${k}`).toBe(1)
        const loser = first?.ok === true ? second : first
        expect(loser).toEqual({ ok: false, code: 'STATEMENT_CONFLICT' })
        const row = await scope.statements.findStatement(id, false, undefined)
        const winner = first?.ok === true ? 'first' : 'second'
        expect(row?.actor).toEqual(buildAgent({ mbox: `mailto:${winner}@example.com` }))
      }
      // Voided in the same burst: not returned as a statement, returned as voided.
      for (const c of cases.slice(voidingCases, voidingCases + 4)) {
        const [target] = c.body as Statement[]
        expect(
          await scope.statements.findStatement(target?.id as string, false, undefined),
        ).toBeUndefined()
        expect(
          await scope.statements.findStatement(target?.id as string, true, undefined),
        ).toBeDefined()
      }
      // Exactly the statements new to the store, each once: 18 + 18 + 8 + 4 winners + 1 twin.
      const fresh = 18 + 18 + 8 + 4 + 1
      // Voided statements are not returned: the known target and the 4 targets of this burst.
      expect(stored.size).toBe(3 + fresh - 1 - 4)
      expect(heard.length).toBe(fresh)
      expect(new Set(heard.map((s) => s.id)).size).toBe(fresh)
      // And they were grouped: far fewer units of work than requests.
      expect(counting.count() - before).toBeLessThan(cases.length / 2)
    })

    it('runs the requests of a failed group alone, so one failure is not another’s', async () => {
      // A projection that fails for one marked statement: its request fails, the others store.
      const poison = 'mailto:poison@example.com'
      const failing: ProjectStep = (_scope, statements) =>
        statements.some((s) => 'mbox' in s.actor && s.actor.mbox === poison)
          ? Promise.reject(new Error('projection failed'))
          : Promise.resolve()
      const { writes } = lrsOn(opened().storage, [failing])
      const good = Array.from({ length: 15 }, () => statement())
      const bad = buildStatement({ id: randomUUID(), actor: buildAgent({ mbox: poison }) })
      const results = await Promise.allSettled(
        [...good.slice(0, 7), bad, ...good.slice(7)].map((s) =>
          writes.storeStatements(ctx, {}, s, []),
        ),
      )
      expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1)
      expect(results[7]?.status).toBe('rejected')
      const stored = await storedIds(opened().storage)
      for (const s of good) expect(stored.has(s.id as string)).toBe(true)
      expect(stored.has(bad.id as string)).toBe(false)
    })

    it('keeps the watermark honest under group commit: every statement is after the last watermark', async () => {
      const { writes } = lrsOn(opened().storage)
      const scope = opened().storage.scope(DEFAULT_STORE_ID)
      const seen = new Set<string>()
      let watermark = await scope.statements.consistentThrough()
      const writing = Promise.all(
        Array.from({ length: 48 }, () => writes.storeStatements(ctx, {}, statement(), [])),
      )
      // A consumer advancing `since` to each watermark while the writers run.
      const consume = async (): Promise<void> => {
        const next = await scope.statements.consistentThrough()
        const page = await scope.statements.queryStatements({
          relatedActivities: false,
          relatedAgents: false,
          ascending: true,
          limit: 1000,
          since: watermark,
          until: next,
        })
        for (const s of page.statements) {
          expect(seen.has(s.id)).toBe(false)
          seen.add(s.id)
        }
        watermark = next
      }
      let done = false
      const consumer = (async () => {
        // Each read is its own turn of the event loop, as a reader's request is.
        while (!done) {
          await consume()
          await new Promise((r) => setImmediate(r))
        }
      })()
      const ids = (await writing).flat()
      done = true
      await consumer
      await new Promise((r) => setTimeout(r, 5))
      await consume()
      expect([...seen].sort()).toEqual([...ids].sort())
    })
  })
}
