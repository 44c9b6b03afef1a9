/** @module Contract: transactions (all or nothing, retried when transient), migrations, close. */
import { describe, expect, it } from 'vitest'
import { DEFAULT_STORE_ID } from '../../src/storage/ports.js'
import {
  agent,
  buildDocument,
  buildRecord,
  ifiOf,
  activityId,
} from '../fixtures/storage-records.js'
import { BACKENDS } from './backends.js'
import { ids, storeStatements, useBackend } from './contract-helpers.js'

const S = DEFAULT_STORE_ID

const KEY = {
  kind: 'state' as const,
  activityId: activityId('course'),
  agentIfi: ifiOf('ann'),
  registration: undefined,
  documentId: 'bookmark',
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`units of work on ${backend.name}`, () => {
    const open = useBackend(backend)

    it('commits everything a unit of work wrote', async () => {
      const { storage } = open()
      const result = await storage.transaction(S, async (scope) => {
        const stored = await scope.statements.allocateStored()
        const record = buildRecord({}, stored)
        await scope.statements.insertStatements([record])
        await scope.documents.upsertDocument(buildDocument(KEY, 'x', stored))
        return record.statement.id
      })
      expect(await storage.scope(S).statements.findStatement(result, false)).toBeDefined()
      expect(await storage.scope(S).documents.findDocument(KEY)).toBeDefined()
    })

    it('a throwing unit of work leaves nothing behind, and its error comes out unchanged', async () => {
      const { storage } = open()
      const failure = new Error('projection failed')
      let statementId = ''
      await expect(
        storage.transaction(S, async (scope) => {
          const stored = await scope.statements.allocateStored()
          const record = buildRecord({ actor: agent('ann') }, stored)
          statementId = record.statement.id
          await scope.statements.insertStatements([record])
          await scope.statements.insertAttachments(
            [{ sha2: 'abc', contentType: 'text/plain', content: new Uint8Array([1]) }],
            [{ statementId, sha2: 'abc' }],
          )
          await scope.documents.upsertDocument(buildDocument(KEY, 'x', stored))
          await scope.actorsActivities.upsertActivities([
            { id: activityId('course'), definition: {} },
          ])
          await scope.actorsActivities.upsertAgents([{ ifi: ifiOf('ann'), agent: agent('ann') }])
          throw failure
        }),
      ).rejects.toBe(failure)

      const scope = storage.scope(S)
      expect(await scope.statements.findStatement(statementId, false)).toBeUndefined()
      expect(
        (
          await scope.statements.queryStatements({
            agentIfi: ifiOf('ann'),
            relatedActivities: false,
            relatedAgents: false,
            ascending: false,
            limit: 10,
          })
        ).statements,
      ).toEqual([])
      expect((await scope.statements.findStatementAttachments([statementId])).size).toBe(0)
      expect(await scope.documents.findDocument(KEY)).toBeUndefined()
      expect(await scope.actorsActivities.findActivity(activityId('course'))).toBeUndefined()
      expect(await scope.actorsActivities.findAgents(ifiOf('ann'))).toEqual([])
    })

    it('a duplicate statement id is a Conflict and rolls the batch back', async () => {
      const { storage } = open()
      const [existing] = await storeStatements(storage, S, [{}])
      const fresh = buildRecord({}, existing!.stored)
      await expect(
        storage.transaction(S, (scope) =>
          scope.statements.insertStatements([
            fresh,
            buildRecord({ id: existing!.id }, existing!.stored),
          ]),
        ),
      ).rejects.toMatchObject({ name: 'LrsError', kind: 'Conflict' })
      expect(
        await storage.scope(S).statements.findStatement(fresh.statement.id, false),
      ).toBeUndefined()
    })

    it('migrating again is a no-op that keeps the data', async () => {
      const { storage, openSibling } = open()
      const stored = await storeStatements(storage, S, [{}, {}])
      await storage.migrate()
      await storage.migrate()
      const found = await storage.scope(S).statements.findStatementsByIds(ids(stored))
      expect(found.size).toBe(2)
      if (openSibling !== undefined) {
        const sibling = openSibling()
        try {
          await sibling.migrate()
          expect((await sibling.scope(S).statements.findStatementsByIds(ids(stored))).size).toBe(2)
        } finally {
          await sibling.close()
        }
      }
    })

    it.skipIf(!backend.hasSiblings)(
      'retries a unit of work that meets a lock held by another connection',
      async () => {
        const openSibling = open().openSibling!
        const holder = openSibling()
        const waiter = openSibling()
        try {
          let release = (): void => undefined
          const held = new Promise<void>((resolve) => (release = resolve))
          let locked = (): void => undefined
          const isLocked = new Promise<void>((resolve) => (locked = resolve))
          const heldRecord = buildRecord({}, new Date().toISOString())
          const holding = holder.transaction(S, async (scope) => {
            await scope.statements.insertStatements([heldRecord])
            locked()
            await held
          })
          await isLocked
          // The waiter's `begin immediate` meets the lock: busy_timeout (20 ms) blocks the thread,
          // so the holder can only finish while the waiter backs off between attempts.
          setTimeout(release, 60)
          let runs = 0
          const seen = await waiter.transaction(S, (scope) => {
            runs++
            return scope.statements.findStatementsByIds([heldRecord.statement.id])
          })
          await holding
          // fn ran once, after the holder committed: the retried part was taking the lock.
          expect(runs).toBe(1)
          expect(seen.size).toBe(1)
        } finally {
          await holder.close()
          await waiter.close()
        }
      },
    )

    it.skipIf(!backend.hasSiblings)(
      'reports a lock that outlasts the retries as STORAGE_BUSY',
      async () => {
        const openSibling = open().openSibling!
        const holder = openSibling()
        const waiter = openSibling()
        try {
          let release = (): void => undefined
          const held = new Promise<void>((resolve) => (release = resolve))
          let locked = (): void => undefined
          const isLocked = new Promise<void>((resolve) => (locked = resolve))
          const holding = holder.transaction(S, async (scope) => {
            await scope.statements.allocateStored()
            locked()
            await held
          })
          await isLocked
          let attempts = 0
          await expect(
            waiter.transaction(S, () => {
              attempts++
              return Promise.resolve()
            }),
          ).rejects.toMatchObject({ name: 'LrsError', code: 'STORAGE_BUSY' })
          expect(attempts).toBe(0)
          release()
          await holding
        } finally {
          await holder.close()
          await waiter.close()
        }
      },
    )

    it.skipIf(!backend.hasSiblings)('close waits for a running unit of work', async () => {
      const openSibling = open().openSibling!
      const storage = openSibling()
      let finished = false
      const running = storage.transaction(S, async (scope) => {
        await new Promise((resolve) => setTimeout(resolve, 30))
        await scope.statements.allocateStored()
        finished = true
      })
      await storage.close()
      expect(finished).toBe(true)
      await running
    })
  })
}
