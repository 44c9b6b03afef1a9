/** @module Contract: stores (tenants) never see each other's rows, in any store of the port. */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { DEFAULT_STORE_ID, type StatementQuery } from '../../src/storage/ports.js'
import {
  activity,
  activityId,
  agent,
  buildDocument,
  ifiOf,
  statementRef,
  VERBS,
} from '../fixtures/storage-records.js'
import { BACKENDS } from './backends.js'
import { ids, storeStatements, useBackend } from './contract-helpers.js'

const ONE = DEFAULT_STORE_ID
const TWO = 2

function q(filters: Partial<StatementQuery> = {}): StatementQuery {
  return { relatedActivities: true, relatedAgents: true, ascending: false, limit: 100, ...filters }
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`store isolation on ${backend.name}`, () => {
    const open = useBackend(backend)

    it('statements, voiding, refs and attachments of one store are invisible to another', async () => {
      const { storage } = open()
      const registration = randomUUID()
      const [target, ref] = await storeStatements(storage, ONE, [
        { actor: agent('ann'), object: activity('course'), registration },
        { verb: VERBS.confirmed, object: statementRef(randomUUID()) },
      ])
      const [voiding] = await storeStatements(storage, ONE, [
        { verb: VERBS.voided, object: statementRef(ref!.id) },
      ])
      await storage
        .scope(ONE)
        .statements.insertAttachments(
          [{ sha2: 'abc', contentType: 'text/plain', content: new Uint8Array([1]) }],
          [{ statementId: target!.id, sha2: 'abc' }],
        )
      expect(
        (await storage.scope(ONE).statements.findStatementAttachments([target!.id])).size,
      ).toBe(1)

      const two = storage.scope(TWO).statements
      expect((await two.findStatementsByIds([target!.id, ref!.id, voiding!.id])).size).toBe(0)
      expect(await two.findStatement(target!.id, false)).toBeUndefined()
      expect(await two.findStatement(ref!.id, true)).toBeUndefined()
      expect((await two.findVoidedTargets([ref!.id])).size).toBe(0)
      expect((await two.findStatementAttachments([target!.id])).size).toBe(0)
      // A link in store two to a hash whose content only store one holds reads nothing.
      await storage.transaction(TWO, (scope) =>
        scope.statements.insertAttachments([], [{ statementId: target!.id, sha2: 'abc' }]),
      )
      expect((await two.findStatementAttachments([target!.id])).size).toBe(0)
      for (const filters of [
        {},
        { agentIfi: ifiOf('ann') },
        { verbId: VERBS.completed },
        { activityId: activityId('course') },
        { registration },
        { since: '2000-01-01T00:00:00.000Z' },
      ])
        expect((await two.queryStatements(q(filters))).statements).toEqual([])

      // A statement of store two that refers to store one's statement does not match through it.
      const [refInTwo] = await storeStatements(storage, TWO, [
        { verb: VERBS.confirmed, object: statementRef(target!.id) },
      ])
      expect((await two.queryStatements(q({ agentIfi: ifiOf('ann') }))).statements).toEqual([])
      expect(ids((await two.queryStatements(q())).statements)).toEqual([refInTwo!.id])

      // Store two voiding store one's ids voids nothing there.
      await two.markVoided([target!.id])
      expect(await storage.scope(ONE).statements.findStatement(target!.id, false)).toEqual(target)
      // The same statement id may exist in both stores.
      const [sameId] = await storeStatements(storage, TWO, [{ id: target!.id }])
      expect(sameId!.id).toBe(target!.id)
      expect(await storage.scope(ONE).statements.findStatement(target!.id, false)).toEqual(target)
      expect((await two.findStatement(target!.id, false))?.stored).toBe(sameId!.stored)
    })

    it('documents of one store are invisible to another', async () => {
      const { storage } = open()
      const key = {
        kind: 'state' as const,
        activityId: activityId('course'),
        agentIfi: ifiOf('ann'),
        registration: undefined,
        documentId: 'bookmark',
      }
      const { documentId: _id, ...scope } = key
      await storage
        .scope(ONE)
        .documents.upsertDocument(buildDocument(key, 'one', '2024-01-01T00:00:00.000Z'))
      const two = storage.scope(TWO).documents
      expect(await two.findDocument(key)).toBeUndefined()
      expect(await two.listDocumentIds(scope)).toEqual([])
      expect(await two.deleteDocument(key)).toBe(false)
      expect(await two.deleteDocuments(scope)).toBe(0)
      expect(await storage.scope(ONE).documents.findDocument(key)).toBeDefined()
    })

    it('activities and agents of one store are invisible to another', async () => {
      const { storage } = open()
      const one = storage.scope(ONE).actorsActivities
      await one.upsertActivities([{ id: activityId('course'), definition: { type: 'http://x/y' } }])
      await one.upsertAgents([{ ifi: ifiOf('ann'), agent: agent('ann') }])
      const two = storage.scope(TWO).actorsActivities
      expect(await two.findActivity(activityId('course'))).toBeUndefined()
      // The batch lookup ingest and format=canonical use (issue 16, regression 1).
      expect((await two.findActivityDefinitions([activityId('course')])).size).toBe(0)
      expect(await two.findAgents(ifiOf('ann'))).toEqual([])

      // Store two's own rows under the same keys stay apart from store one's, both ways.
      await two.upsertActivities([{ id: activityId('course'), definition: { type: 'http://x/z' } }])
      await two.upsertAgents([{ ifi: ifiOf('ann'), agent: { ...agent('ann'), name: 'Two' } }])
      expect(await two.findActivity(activityId('course'))).toEqual({
        objectType: 'Activity',
        id: activityId('course'),
        definition: { type: 'http://x/z' },
      })
      expect([...(await two.findActivityDefinitions([activityId('course')])).values()]).toEqual([
        { type: 'http://x/z' },
      ])
      expect((await two.findAgents(ifiOf('ann'))).map((a) => a.name)).toEqual(['Two'])
      expect([...(await one.findActivityDefinitions([activityId('course')])).values()]).toEqual([
        { type: 'http://x/y' },
      ])
      expect(await one.findAgents(ifiOf('ann'))).toEqual([agent('ann')])
    })

    it('a transaction scope sees only its store', async () => {
      const { storage } = open()
      const [statement] = await storeStatements(storage, ONE, [{}])
      const seen = await storage.transaction(TWO, (scope) =>
        scope.statements.findStatementsByIds([statement!.id]),
      )
      expect(seen.size).toBe(0)
    })
  })
}
