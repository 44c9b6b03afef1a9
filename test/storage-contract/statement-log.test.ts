/**
 * @module Contract: the statement log and its consumers (`StatementLogStorage`, core/log) —
 * seq order up to the watermark, work and cursor in one unit of work, voiding entries, leases.
 */
import { type Kysely, sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import {
  createLogConsumer,
  createPaceBudget,
  type LogBatch,
  type LogHandler,
} from '../../src/core/log/log-consumer.js'
import { DEFAULT_STORE_ID, type Storage } from '../../src/storage/ports.js'
import { VOIDED_VERB_ID } from '../../src/xapi/types.js'
import { activity, statementRef } from '../fixtures/storage-records.js'
import { BACKENDS } from './backends.js'
import { storeOneByOne, storeStatements, useBackend } from './contract-helpers.js'

const S = DEFAULT_STORE_ID

/**
 * A handler whose "work" is a second cursor row (`<name>-count`) it moves by the number of
 * entries, in the same unit of work: what it committed is readable afterwards.
 */
function countingHandler(
  name: string,
  options: { failAt?: number; delayMs?: number; seen?: number[]; handledAt?: number[] } = {},
): LogHandler {
  return {
    name,
    async handle(batch: LogBatch) {
      options.handledAt?.push(performance.now())
      const counted = await batch.log.cursor(`${name}-count`)
      await batch.log.setCursor(`${name}-count`, counted + batch.entries.length)
      options.seen?.push(...batch.entries.map((e) => e.seq))
      if (options.delayMs !== undefined)
        await new Promise((resolve) => setTimeout(resolve, options.delayMs))
      if (options.failAt !== undefined && batch.entries.some((e) => e.seq >= options.failAt!))
        throw new Error('crash in the middle of a batch')
    },
  }
}

async function counted(storage: Storage, name: string): Promise<number> {
  return (await storage.log.position(`${name}-count`, S)).cursor
}

function consumer(storage: Storage, handler: LogHandler, batchSize = 7) {
  return createLogConsumer({
    log: storage.log,
    stores: () => Promise.resolve([S]),
    handler,
    batchSize,
    pollMs: 50,
  })
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`statement log on ${backend.name}`, () => {
    const open = useBackend(backend)

    it('delivers every statement once, in seq order, up to the watermark, in batches', async () => {
      const { storage } = open()
      await storeOneByOne(
        storage,
        S,
        Array.from({ length: 30 }, (_, i) => ({ object: activity(`a${i}`) })),
      )
      const seen: number[] = []
      const c = consumer(storage, countingHandler('t', { seen }))
      expect(await c.catchUp(S)).toBe(30)
      expect(seen).toEqual([...seen].sort((a, b) => a - b))
      expect(new Set(seen).size).toBe(30)
      const position = await storage.log.position('t', S)
      expect(position.cursor).toBe(position.watermark)
      expect(position.nextStoredMs).toBeUndefined()
      expect(await counted(storage, 't')).toBe(30)
      // Nothing new: nothing delivered, nothing counted.
      expect(await c.catchUp(S)).toBe(0)
      await storeStatements(storage, S, [{}, {}])
      expect(await c.catchUp(S)).toBe(2)
      expect(await counted(storage, 't')).toBe(32)
      await c.stop()
    })

    it('yields to foreground work: small batches and rests while it is busy, full batches when idle', async () => {
      const { storage } = open()
      await storeOneByOne(
        storage,
        S,
        Array.from({ length: 40 }, (_, i) => ({ object: activity(`p${i}`) })),
      )
      const sizes: number[] = []
      const handler = countingHandler('paced')
      let busy = true
      const c = createLogConsumer({
        log: storage.log,
        stores: () => Promise.resolve([S]),
        handler: {
          name: handler.name,
          handle: (batch) => {
            sizes.push(batch.entries.length)
            return handler.handle(batch)
          },
        },
        batchSize: 20,
        pollMs: 20,
        pace: { busy: () => busy, share: 0.5, busyBatchSize: 3 },
      })
      c.start()
      while ((await counted(storage, 'paced')) < 9) await new Promise((r) => setTimeout(r, 10))
      // While busy: batches of at most busyBatchSize.
      busy = false
      while ((await counted(storage, 'paced')) < 40) await new Promise((r) => setTimeout(r, 10))
      await c.stop()
      expect(sizes.slice(0, 3)).toEqual([3, 3, 3])
      // Once idle: full batches again.
      expect(Math.max(...sizes)).toBeGreaterThan(3)
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(40)
      // catchUp (rebuild) is never paced: one full batch even while busy.
      busy = true
      await storeOneByOne(
        storage,
        S,
        Array.from({ length: 20 }, (_, i) => ({ object: activity(`q${i}`) })),
      )
      sizes.length = 0
      const again = createLogConsumer({
        log: storage.log,
        stores: () => Promise.resolve([S]),
        handler: {
          name: handler.name,
          handle: (batch) => {
            sizes.push(batch.entries.length)
            return handler.handle(batch)
          },
        },
        batchSize: 20,
        pace: { busy: () => busy, busyBatchSize: 3 },
      })
      expect(await again.catchUp(S)).toBe(20)
      expect(sizes).toEqual([20])
      await again.stop()
    })

    it('consumers sharing a pace budget take the busy share together, one batch at a time', async () => {
      const { storage } = open()
      await storeOneByOne(
        storage,
        S,
        Array.from({ length: 30 }, (_, i) => ({ object: activity(`b${i}`) })),
      )
      const share = 0.2
      const budget = createPaceBudget()
      /** Each handled batch: [start, end] (performance.now() ms). */
      const spans: [number, number][] = []
      const consumers = ['one', 'two'].map((name) => {
        const handler = countingHandler(name, { delayMs: 15 })
        return createLogConsumer({
          log: storage.log,
          stores: () => Promise.resolve([S]),
          handler: {
            name,
            handle: async (batch) => {
              const start = performance.now()
              await handler.handle(batch)
              spans.push([start, performance.now()])
            },
          },
          batchSize: 20,
          pollMs: 20,
          pace: { busy: () => true, share, busyBatchSize: 3, minRestMs: 0, budget },
        })
      })
      for (const c of consumers) c.start()
      while ((await counted(storage, 'one')) < 12 || (await counted(storage, 'two')) < 12)
        await new Promise((r) => setTimeout(r, 10))
      await Promise.all(consumers.map((c) => c.stop()))
      spans.sort((a, b) => a[0] - b[0])
      expect(spans.length).toBeGreaterThanOrEqual(8)
      // Never two batches at once, and after each a rest of at least its time × (1/share − 1):
      // the batch measured by the consumer holds the handler's span, and the rest counts from
      // its end. Each consumer on its own budget would run beside the other.
      for (let i = 1; i < spans.length; i++) {
        const [start, end] = spans[i - 1]!
        expect(spans[i]![0] - end).toBeGreaterThanOrEqual((end - start) * (1 / share - 1) - 1)
      }
    })

    it('keeps running beside foreground work that does not saturate: small batches, no rest', async () => {
      const { storage } = open()
      await storeOneByOne(
        storage,
        S,
        Array.from({ length: 12 }, (_, i) => ({ object: activity(`a${i}`) })),
      )
      const sizes: number[] = []
      const handler = countingHandler('active')
      const c = createLogConsumer({
        log: storage.log,
        stores: () => Promise.resolve([S]),
        handler: {
          name: handler.name,
          handle: (batch) => {
            sizes.push(batch.entries.length)
            return handler.handle(batch)
          },
        },
        batchSize: 20,
        pollMs: 20,
        // Active throughout, never saturated.
        pace: { busy: () => false, active: () => true, share: 0.01, busyBatchSize: 3 },
      })
      c.start()
      while ((await counted(storage, 'active')) < 12) await new Promise((r) => setTimeout(r, 5))
      await c.stop()
      // Small batches (idle, it would take all 12 at once), and never saturated, so no rest.
      expect(sizes).toEqual([3, 3, 3, 3])
    })

    it("tells the foreground each batch's span in a pass (not in catchUp)", async () => {
      const { storage } = open()
      await storeOneByOne(
        storage,
        S,
        Array.from({ length: 9 }, (_, i) => ({ object: activity(`s${i}`) })),
      )
      const handledAt: number[] = []
      const spans: [number, number][] = []
      const handler = countingHandler('spans', { handledAt })
      const make = () =>
        createLogConsumer({
          log: storage.log,
          stores: () => Promise.resolve([S]),
          handler,
          batchSize: 3,
          pollMs: 20,
          pace: {
            busy: () => false,
            background: (start, end) => {
              spans.push([start, end])
            },
          },
        })
      const c = make()
      c.start()
      while ((await counted(storage, 'spans')) < 9) await new Promise((r) => setTimeout(r, 5))
      await c.stop()
      // One span per batch, each around its batch's handling, in order.
      expect(handledAt).toHaveLength(3)
      expect(spans).toHaveLength(3)
      spans.forEach(([start, end], i) => {
        expect(start).toBeLessThanOrEqual(handledAt[i] ?? -1)
        expect(end).toBeGreaterThanOrEqual(handledAt[i] ?? Infinity)
      })
      // catchUp (a rebuild, a test) is nobody's background to account for.
      await storeOneByOne(storage, S, [{ object: activity('s9') }])
      const again = make()
      expect(await again.catchUp(S)).toBe(1)
      await again.stop()
      expect(spans).toHaveLength(3)
    })

    it('a batch that fails commits neither its work nor its cursor; the next run redoes it', async () => {
      const { storage } = open()
      const stored = await storeOneByOne(
        storage,
        S,
        Array.from({ length: 20 }, () => ({})),
      )
      const firstSeq = (await storage.log.position('x', S)).watermark - stored.length + 1
      const failing = consumer(storage, countingHandler('c', { failAt: firstSeq + 10 }), 5)
      await expect(failing.catchUp(S)).rejects.toThrow('crash in the middle of a batch')
      // Two batches of 5 committed; the third (seqs 11–15) rolled back whole.
      expect(await counted(storage, 'c')).toBe(10)
      expect((await storage.log.position('c', S)).cursor).toBe(firstSeq + 9)
      await failing.stop()
      const healthy = consumer(storage, countingHandler('c'), 5)
      expect(await healthy.catchUp(S)).toBe(10)
      expect(await counted(storage, 'c')).toBe(20)
      await healthy.stop()
    })

    it('delivers voiding statements with their target, and voided statements flagged', async () => {
      const { storage } = open()
      const [target] = await storeStatements(storage, S, [{ object: activity('t') }])
      const late = '6a0f6c3e-3b3e-4a57-9b3e-5c2b3c1d0e0f'
      await storeStatements(storage, S, [
        { verb: VOIDED_VERB_ID, object: statementRef(target!.id) },
        { verb: VOIDED_VERB_ID, object: statementRef(late) },
      ])
      const entries: LogBatch['entries'][number][] = []
      const c = consumer(storage, {
        name: 'v',
        handle: (batch) => {
          entries.push(...batch.entries)
          return Promise.resolve()
        },
      })
      await c.catchUp(S)
      // A statement arriving after its voiding statement: voided by an earlier seq.
      const [lateStatement] = await storeStatements(storage, S, [{ id: late }])
      // As core's ingest does (findVoidedTargets → markVoided).
      await storage.transaction(S, (scope) => scope.statements.markVoided([late]))
      await c.catchUp(S)
      expect(entries).toHaveLength(4)
      expect(entries[3]!.statement.id).toBe(lateStatement!.id)
      expect(entries[3]!.voidedBy).toBe(entries[2]!.seq)
      // Re-read by actor: the same entries, with the same voiding seqs.
      const byActor = await storage.log.unitOfWork(S, ({ log }) =>
        log.readActor('mbox:mailto:learner@example.com', entries[3]!.seq),
      )
      expect(byActor.map((e) => [e.seq, e.voidedBy])).toEqual(
        entries
          .filter((e) => e.statement.actor.mbox === 'mailto:learner@example.com')
          .map((e) => [e.seq, e.voidedBy]),
      )
      expect(entries[0]!.voided).toBe(true)
      expect(entries[0]!.voidedBy).toBe(entries[1]!.seq)
      expect(entries[1]!.target?.statement.id).toBe(target!.id)
      expect(entries[1]!.target?.seq).toBe(entries[0]!.seq)
      expect(entries[1]!.target?.voidedBy).toBe(entries[1]!.seq)
      // The target of the second has not arrived.
      expect(entries[2]!.target).toBeUndefined()
      await c.stop()
    })

    it('one lease per (consumer, store): a second holder is refused until the first lets go', async () => {
      const { storage } = open()
      const first = await storage.log.acquireLease('l', S)
      expect(first?.held()).toBe(true)
      expect(await storage.log.acquireLease('l', S)).toBeUndefined()
      // Another consumer, or another store, is another lease.
      const other = await storage.log.acquireLease('m', S)
      expect(other).toBeDefined()
      await first!.release()
      const again = await storage.log.acquireLease('l', S)
      expect(again?.held()).toBe(true)
      await again!.release()
      await other!.release()
    })

    it('leases of several consumers asked at once are all answered, one query at a time on PostgreSQL', async () => {
      const { storage } = open()
      // A pg client given a query while another runs warns (and pg 9 refuses): the consumers of
      // a process share the lease connection and poll independently.
      const warnings: string[] = []
      const onWarning = (warning: Error) => warnings.push(warning.message)
      process.on('warning', onWarning)
      try {
        const names = ['a', 'b', 'c', 'd']
        const leases = await Promise.all(names.map((name) => storage.log.acquireLease(name, S)))
        expect(leases.map((lease) => lease?.held())).toEqual(names.map(() => true))
        await Promise.all(leases.map((lease) => lease!.release()))
        // Released: each can be taken again.
        const again = await Promise.all(names.map((name) => storage.log.acquireLease(name, S)))
        expect(again.every((lease) => lease?.held() === true)).toBe(true)
        await Promise.all(again.map((lease) => lease!.release()))
        // Warnings are emitted on the next tick.
        await new Promise((resolve) => setImmediate(resolve))
        expect(warnings.filter((w) => w.includes('already executing a query'))).toEqual([])
      } finally {
        process.off('warning', onWarning)
      }
    })

    it('a consumer refused a lease asks again only after pollMs, however often it is woken', async () => {
      const { storage } = open()
      await storeStatements(storage, S, [{}, {}, {}])
      // Held here as another process would hold it.
      const elsewhere = await storage.log.acquireLease('r', S)
      let asked = 0
      const log: Storage['log'] = {
        ...storage.log,
        acquireLease: (name, storeId) => {
          asked++
          return storage.log.acquireLease(name, storeId)
        },
      }
      // Long enough that a slow machine's wakes below all fall within it.
      const pollMs = 2000
      const c = createLogConsumer({
        log,
        stores: () => Promise.resolve([S]),
        handler: countingHandler('r'),
        pollMs,
      })
      c.start()
      const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
      for (let i = 0; i < 50 && asked === 0; i++) await sleep(10)
      expect(asked).toBe(1)
      // Woken as after each group commit of this process: no query for a lease held elsewhere.
      for (let i = 0; i < 20; i++) {
        c.wake(S)
        await sleep(5)
      }
      expect(asked).toBe(1)
      // catchUp (rebuild, tests) always asks.
      expect(await c.catchUp(S)).toBeUndefined()
      expect(asked).toBe(2)
      await elsewhere!.release()
      // The first pass pollMs after that refusal asks, takes the lease and works off the log.
      for (let i = 0; i < 300 && (await counted(storage, 'r')) < 3; i++) await sleep(20)
      expect(await counted(storage, 'r')).toBe(3)
      expect(asked).toBe(3)
      await c.stop()
    })

    it('stop() waits for the batch in flight to commit', async () => {
      const { storage } = open()
      await storeOneByOne(
        storage,
        S,
        Array.from({ length: 10 }, () => ({})),
      )
      const c = consumer(storage, countingHandler('s', { delayMs: 60 }), 3)
      c.start()
      await new Promise((resolve) => setTimeout(resolve, 20))
      await c.stop()
      const done = await counted(storage, 's')
      // Whole batches only, and what was counted is what the cursor says.
      expect(done % 3 === 0 || done === 10).toBe(true)
      expect(done).toBeGreaterThan(0)
      const position = await storage.log.position('s', S)
      expect(position.cursor - (position.watermark - 10)).toBe(done)
    })

    it.runIf(backend.hasSiblings)(
      'two consumers racing on one store: only one advances, each statement counted once',
      async () => {
        const { storage, openSibling } = open()
        const sibling = openSibling!()
        try {
          await storeOneByOne(
            storage,
            S,
            Array.from({ length: 25 }, () => ({})),
          )
          const a = consumer(storage, countingHandler('r', { delayMs: 5 }), 4)
          const b = consumer(sibling, countingHandler('r', { delayMs: 5 }), 4)
          const [ra, rb] = await Promise.all([a.catchUp(S), b.catchUp(S)])
          // The lease let exactly one of them work.
          expect([ra, rb].filter((r) => r === undefined)).toHaveLength(1)
          expect((ra ?? 0) + (rb ?? 0)).toBe(25)
          expect(await counted(storage, 'r')).toBe(25)
          // Once the holder stops, the other takes over and finds nothing left to do.
          const holder = ra === undefined ? b : a
          const waiter = ra === undefined ? a : b
          await holder.stop()
          await storeStatements(storage, S, [{}, {}, {}])
          expect(await waiter.catchUp(S)).toBe(3)
          expect(await counted(storage, 'r')).toBe(28)
          await waiter.stop()

          // Without leases (units of work side by side), the cursor row still orders them.
          const seen: number[] = []
          const run = (s: Storage) =>
            s.log.unitOfWork(S, async ({ log }) => {
              const after = await log.cursor('u')
              const entries = await log.readAfter(after, await log.watermark(), 10)
              await new Promise((resolve) => setTimeout(resolve, 20))
              seen.push(...entries.map((e) => e.seq))
              if (entries.length > 0) await log.setCursor('u', entries.at(-1)!.seq)
            })
          await Promise.all([run(storage), run(sibling), run(storage), run(sibling)])
          expect(seen).toHaveLength(new Set(seen).size)
          expect(seen).toHaveLength(28)
        } finally {
          await sibling.close()
        }
      },
    )

    it('the watermark never passes a statement that is not yet committed', async () => {
      const { storage } = open()
      await storeStatements(storage, S, [{}])
      const before = await storage.log.unitOfWork(S, ({ log }) => log.watermark())
      let inside = 0
      await storage.transaction(S, async (scope) => {
        const stored = await scope.statements.allocateStored()
        await scope.statements.insertStatements([
          (await import('../fixtures/storage-records.js')).buildRecord({}, stored),
        ])
        // On SQLite the reader waits for this unit of work; on PostgreSQL it does not wait
        // and must not see the uncommitted seq.
        if (backend.name === 'postgres')
          inside = await storage.log.unitOfWork(S, ({ log }) => log.watermark())
      })
      if (backend.name === 'postgres') expect(inside).toBe(before)
      expect(await storage.log.unitOfWork(S, ({ log }) => log.watermark())).toBe(before + 1)
    })

    it('tidies the tables a rebuild rewrote: on PostgreSQL vacuumed and analysed', async () => {
      const { storage } = open()
      await storage.log.tidyTables(['an_items', 'an_pages'])
      if (backend.name !== 'postgres') return
      // Outside a transaction (vacuum refuses to run in one), and each table's statistics show it.
      const tidied = await storage.log.read(
        async (c) =>
          (
            await sql<{ relname: string; vacuumed: boolean; analysed: boolean }>`select relname,
              last_vacuum is not null as vacuumed, last_analyze is not null as analysed
              from pg_stat_user_tables where schemaname = current_schema()
                and relname in ('an_items', 'an_pages', 'an_sessions') order by relname`.execute(
              c as Kysely<any>,
            )
          ).rows,
      )
      expect(tidied).toEqual([
        { relname: 'an_items', vacuumed: true, analysed: true },
        { relname: 'an_pages', vacuumed: true, analysed: true },
        { relname: 'an_sessions', vacuumed: false, analysed: false },
      ])
      await expect(storage.log.tidyTables(['no_such_table'])).rejects.toThrow(/no_such_table/)
    })
  })
}
