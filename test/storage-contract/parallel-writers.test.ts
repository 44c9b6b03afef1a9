/**
 * Many writers per store (issue 14, docs/scaling.md "Many writers per store"): on PostgreSQL,
 * statement requests of one store commit in parallel units of work from several pools (as
 * several processes would), so they commit out of `seq` order. Readers must not notice: a
 * log consumer that advances to each watermark sees every statement exactly once and in `seq`
 * order, a consumer paging with `since` = the last Consistent-Through misses none, and a `more`
 * snapshot never gains or loses a statement between its pages. SQLite has one writer at a time;
 * there the same checks run with the writers sharing its one storage.
 */
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { projectActivitiesAndAgents } from '../../src/core/activities.js'
import type { RequestContext } from '../../src/core/lrs.js'
import {
  createStoreStatements,
  type ProjectStep,
} from '../../src/core/statements/store-statements.js'
import { LrsError } from '../../src/errors/lrs-error.js'
import {
  DEFAULT_STORE_ID,
  type StatementCursor,
  type Storage,
  type StoreId,
} from '../../src/storage/ports.js'
import type { Statement } from '../../src/xapi/types.js'
import { buildActivity, buildAgent, buildStatement } from '../fixtures/build-statement.js'
import { BACKENDS } from './backends.js'
import { q, useBackend } from './contract-helpers.js'

const S: StoreId = DEFAULT_STORE_ID

const ctx: RequestContext = {
  principal: {
    key: 'k',
    storeId: S,
    scopes: ['all'],
    authority: buildAgent({ name: 'Almanac test', mbox: 'mailto:authority@example.com' }),
  },
  version: '2.0.0',
}

/**
 * Holds each unit of work open for a random few ms after its statements are inserted, so that
 * units of work that drew lower `seq` values often commit after ones that drew higher; counts
 * how many were inside at once.
 */
let inside = 0
let maxInside = 0
const dawdle: ProjectStep = async () => {
  inside++
  maxInside = Math.max(maxInside, inside)
  await sleep(Math.random() * 20)
  inside--
}

function writerOn(storage: Storage) {
  return createStoreStatements({
    storage,
    limits: { maxStatementsPerPage: 100 },
    xapiBasePath: '/xapi',
    authorityHomePage: 'https://lrs.example.com',
    projectSteps: [projectActivitiesAndAgents, dawdle],
    listeners: [],
    onListenerError: (error) => {
      throw error
    },
  })
}

function statement(n: number): Statement {
  return buildStatement({
    id: randomUUID(),
    actor: buildAgent({ mbox: `mailto:learner${n % 7}@example.com` }),
    object: buildActivity({ id: `https://example.com/activities/${n % 5}` }),
  })
}

/**
 * On each storage, four clients posting `requests` requests of 1–3 statements one after
 * another, all storages at once: many small groups, in parallel units of work. Resolves to
 * every id sent. The learners and activities are stored beforehand (`seed`), as in a store
 * that has been running: a unit of work that adds a new agent or activity row makes another
 * one adding the same row wait for its commit.
 */
async function writeConcurrently(
  storages: readonly Storage[],
  requests: number,
): Promise<string[]> {
  let n = 0
  const all = storages.flatMap((storage) => {
    const writes = writerOn(storage)
    return Array.from({ length: 4 }, async () => {
      const ids: string[] = []
      for (let i = 0; i < requests; i++) {
        const body = Array.from({ length: 1 + (i % 3) }, () => statement(n++))
        ids.push(...(await writes.storeStatements(ctx, {}, body, [])))
      }
      return ids
    })
  })
  return (await Promise.all(all)).flat()
}

/** One request mentioning every learner and activity the writers use. */
async function seed(storage: Storage): Promise<string[]> {
  return writerOn(storage).storeStatements(
    ctx,
    {},
    Array.from({ length: 35 }, (_, i) => statement(i)),
    [],
  )
}

/** The writers: on PostgreSQL other pools on the same schema (processes); on SQLite the one. */
function writerStorages(
  storage: Storage,
  openSibling: ((patient?: boolean) => Storage) | undefined,
  postgres: boolean,
): { storages: Storage[]; close: () => Promise<void> } {
  if (!postgres || openSibling === undefined)
    return { storages: [storage, storage, storage], close: () => Promise.resolve() }
  // With the servers' lock timeout: a writer may wait for another's commit (the same id).
  const siblings = [openSibling(true), openSibling(true)]
  return {
    storages: [storage, ...siblings],
    close: async () => {
      await Promise.all(siblings.map((s) => s.close()))
    },
  }
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`parallel writers of one store: ${backend.name}`, () => {
    const opened = useBackend(backend)
    const postgres = backend.name === 'postgres'

    it('a log consumer advancing to each watermark sees every statement once, in seq order', async () => {
      const { storage, openSibling } = opened()
      const writers = writerStorages(storage, openSibling, postgres)
      const seeded = await seed(storage)
      const seen: number[] = []
      let cursor = 0
      maxInside = 0
      const step = async (): Promise<number> =>
        storage.log.unitOfWork(S, async ({ log }) => {
          const watermark = await log.watermark()
          const entries = await log.readAfter(cursor, watermark, 10_000)
          for (const entry of entries) seen.push(entry.seq)
          // A consumer moves its cursor to the watermark (runBatch: the gap is skipped).
          cursor = Math.max(cursor, watermark)
          return entries.length
        })
      let done = false
      const consumer = (async () => {
        while (!done) {
          await step()
          await new Promise((resolve) => setImmediate(resolve))
        }
      })()
      try {
        const ids = [...seeded, ...(await writeConcurrently(writers.storages, 30))]
        done = true
        await consumer
        await step()

        // Every seq once, ascending: a statement committed below a watermark already passed
        // would be missing here (the cursor never goes back).
        for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1] ?? 0)
        const all = await storage.log.unitOfWork(S, async ({ log }) =>
          log.readAfter(0, await log.watermark(), 100_000),
        )
        expect(all).toHaveLength(ids.length)
        expect(seen).toEqual(all.map((e) => e.seq))
        expect(new Set(all.map((e) => e.statement.id))).toEqual(new Set(ids))
        // The units of work did overlap on PostgreSQL; SQLite runs them one at a time.
        if (postgres) expect(maxInside).toBeGreaterThan(1)
        else expect(maxInside).toBe(1)
      } finally {
        done = true
        await consumer
        await writers.close()
      }
    })

    it('a consumer paging with since = the last Consistent-Through misses none', async () => {
      const { storage, openSibling } = opened()
      const writers = writerStorages(storage, openSibling, postgres)
      // Stored before the first watermark: not for the consumer to see.
      await seed(storage)
      const scope = storage.scope(S)
      const seen: string[] = []
      let watermark = await scope.statements.consistentThrough()
      const consume = async (): Promise<void> => {
        const next = await scope.statements.consistentThrough()
        let cursor: StatementCursor | undefined
        do {
          const page = await scope.statements.queryStatements(
            q({ ascending: true, since: watermark, until: next, limit: 50 }),
            cursor,
          )
          seen.push(...page.statements.map((s) => s.id))
          cursor = page.next
        } while (cursor !== undefined)
        watermark = next
      }
      let done = false
      const consumer = (async () => {
        while (!done) {
          await consume()
          await new Promise((resolve) => setImmediate(resolve))
        }
      })()
      try {
        const ids = await writeConcurrently(writers.storages, 20)
        done = true
        await consumer
        // The watermark moves with the clock: wait past it, then read the rest.
        await sleep(5)
        await consume()
        expect(seen).toHaveLength(new Set(seen).size)
        expect(new Set(seen)).toEqual(new Set(ids))
      } finally {
        done = true
        await consumer
        await writers.close()
      }
    })

    it('a more snapshot neither gains nor loses statements while writers commit', async () => {
      const { storage, openSibling } = opened()
      const writers = writerStorages(storage, openSibling, postgres)
      await seed(storage)
      const scope = storage.scope(S)
      /** Each paging: the ids its pages returned and the snapshot of its cursor. */
      const pagings: { ids: string[]; snapshot: number | undefined }[] = []
      const page = async (): Promise<void> => {
        const ids: string[] = []
        let cursor: StatementCursor | undefined
        let snapshot: number | undefined
        do {
          const result = await scope.statements.queryStatements(q({ limit: 7 }), cursor)
          ids.push(...result.statements.map((s) => s.id))
          cursor = result.next
          snapshot ??= cursor?.snapshot
          await new Promise((resolve) => setImmediate(resolve))
        } while (cursor !== undefined)
        pagings.push({ ids, snapshot })
      }
      let done = false
      const reader = (async () => {
        while (!done) await page()
      })()
      try {
        await writeConcurrently(writers.storages, 20)
        done = true
        await reader
        // Afterwards, every statement of each snapshot is committed: the pages must have
        // returned exactly the statements at or below it, newest first, none twice.
        const all = await storage.log.unitOfWork(S, async ({ log }) =>
          log.readAfter(0, await log.watermark(), 100_000),
        )
        let checked = 0
        for (const { ids, snapshot } of pagings) {
          if (snapshot === undefined) continue
          const expected = all
            .filter((e) => e.seq <= snapshot)
            .map((e) => e.statement.id)
            .reverse()
          expect(ids).toEqual(expected)
          checked++
        }
        expect(checked).toBeGreaterThan(0)
      } finally {
        done = true
        await reader
        await writers.close()
      }
    })

    it('two writers storing one id at once: one statement, and a 409 only for a different one', async () => {
      const { storage, openSibling } = opened()
      const writers = writerStorages(storage, openSibling, postgres)
      await seed(storage)
      try {
        const lrs = writers.storages.map(writerOn)
        for (let round = 0; round < 10; round++) {
          const same = statement(round)
          // Another actor and activity under the same id: not the same statement.
          const different = { ...statement(round + 1), id: same.id }
          const answers = await Promise.all(
            [same, same, different].map(async (body, i) => {
              try {
                await lrs[i % lrs.length]?.storeStatements(ctx, {}, body, [])
                return 'ok'
              } catch (error) {
                if (error instanceof LrsError) return error.code
                throw error
              }
            }),
          )
          const stored = await storage.scope(S).statements.findStatementsByIds([same.id ?? ''])
          expect(stored.size).toBe(1)
          const kept = stored.get(same.id ?? '')?.statement
          // Whichever statement was stored first, every request with the other one got a 409.
          const sameKept = JSON.stringify(kept?.actor) === JSON.stringify(same.actor)
          expect(answers).toEqual(
            sameKept
              ? ['ok', 'ok', 'STATEMENT_CONFLICT']
              : ['STATEMENT_CONFLICT', 'STATEMENT_CONFLICT', 'ok'],
          )
        }
      } finally {
        await writers.close()
      }
    })
  })
}
