/** @module Contract: State, Activity Profile and Agent Profile documents (Communication §2.3–2.6). */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { DEFAULT_STORE_ID, type DocumentKey, type DocumentScope } from '../../src/storage/ports.js'
import { activityId, buildDocument, ifiOf } from '../fixtures/storage-records.js'
import { BACKENDS } from './backends.js'
import { useBackend } from './contract-helpers.js'

const S = DEFAULT_STORE_ID
const T1 = '2024-05-01T10:00:00.000Z'
const T2 = '2024-05-01T10:00:00.001Z'
const T3 = '2024-05-02T08:30:15.250Z'

function stateKey(documentId: string, registration?: string): DocumentKey {
  return {
    kind: 'state',
    activityId: activityId('course'),
    agentIfi: ifiOf('ann'),
    registration,
    documentId,
  }
}

const STATE_SCOPE: DocumentScope = {
  kind: 'state',
  activityId: activityId('course'),
  agentIfi: ifiOf('ann'),
  registration: undefined,
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`documents on ${backend.name}`, () => {
    const open = useBackend(backend)

    it('creates, reads, replaces and deletes a document', async () => {
      const { storage } = open()
      const documents = storage.scope(S).documents
      const key = stateKey('bookmark')
      expect(await documents.findDocument(key)).toBeUndefined()
      const first = buildDocument(key, '{"page":1}', T1)
      await documents.upsertDocument(first)
      expect(await documents.findDocument(key)).toEqual(first)
      const second = { ...buildDocument(key, 'page 2', T3), contentType: 'text/plain' }
      await documents.upsertDocument(second)
      expect(await documents.findDocument(key)).toEqual(second)
      expect(await documents.deleteDocument(key)).toBe(true)
      expect(await documents.deleteDocument(key)).toBe(false)
      expect(await documents.findDocument(key)).toBeUndefined()
    })

    it('keeps "no registration" apart from every registration, and the three kinds apart', async () => {
      const { storage } = open()
      const documents = storage.scope(S).documents
      const registration = randomUUID()
      const keys: DocumentKey[] = [
        stateKey('same'),
        stateKey('same', registration),
        {
          kind: 'activityProfile',
          activityId: activityId('course'),
          agentIfi: undefined,
          registration: undefined,
          documentId: 'same',
        },
        {
          kind: 'agentProfile',
          activityId: undefined,
          agentIfi: ifiOf('ann'),
          registration: undefined,
          documentId: 'same',
        },
      ]
      for (const [i, key] of keys.entries())
        await documents.upsertDocument(buildDocument(key, `doc ${i}`, T1))
      for (const [i, key] of keys.entries()) {
        const found = await documents.findDocument(key)
        expect(found?.key).toEqual(key)
        expect(new TextDecoder().decode(found!.content)).toBe(`doc ${i}`)
      }
    })

    it('lists ids in a scope: any registration unless one is given, and updated after since', async () => {
      const { storage } = open()
      const documents = storage.scope(S).documents
      const registration = randomUUID()
      await documents.upsertDocument(buildDocument(stateKey('a'), 'a', T1))
      await documents.upsertDocument(buildDocument(stateKey('b', registration), 'b', T2))
      await documents.upsertDocument(buildDocument(stateKey('a', registration), 'a', T3))
      // Another agent's and another activity's state are out of the scope.
      await documents.upsertDocument(
        buildDocument({ ...stateKey('x'), agentIfi: ifiOf('bob') }, 'x', T3),
      )
      await documents.upsertDocument(
        buildDocument({ ...stateKey('y'), activityId: activityId('other') }, 'y', T3),
      )

      expect((await documents.listDocumentIds(STATE_SCOPE)).sort()).toEqual(['a', 'b'])
      expect((await documents.listDocumentIds({ ...STATE_SCOPE, registration })).sort()).toEqual([
        'a',
        'b',
      ])
      expect(
        await documents.listDocumentIds({ ...STATE_SCOPE, registration: randomUUID() }),
      ).toEqual([])
      // since is exclusive, to the millisecond.
      expect((await documents.listDocumentIds(STATE_SCOPE, T1)).sort()).toEqual(['a', 'b'])
      expect(await documents.listDocumentIds({ ...STATE_SCOPE, registration }, T2)).toEqual(['a'])
      expect(await documents.listDocumentIds(STATE_SCOPE, T3)).toEqual([])
    })

    it('deletes every document in a scope, of one registration or of all', async () => {
      const { storage } = open()
      const documents = storage.scope(S).documents
      const registration = randomUUID()
      await documents.upsertDocument(buildDocument(stateKey('a'), 'a', T1))
      await documents.upsertDocument(buildDocument(stateKey('b', registration), 'b', T1))
      await documents.upsertDocument(buildDocument(stateKey('c', registration), 'c', T1))
      const bob = { ...stateKey('a'), agentIfi: ifiOf('bob') }
      await documents.upsertDocument(buildDocument(bob, 'bob', T1))

      expect(await documents.deleteDocuments({ ...STATE_SCOPE, registration })).toBe(2)
      expect(await documents.listDocumentIds(STATE_SCOPE)).toEqual(['a'])
      await documents.upsertDocument(buildDocument(stateKey('d', registration), 'd', T1))
      expect(await documents.deleteDocuments(STATE_SCOPE)).toBe(2)
      expect(await documents.listDocumentIds(STATE_SCOPE)).toEqual([])
      expect(await documents.findDocument(bob)).toBeDefined()
    })

    it('round-trips binary content', async () => {
      const { storage } = open()
      const documents = storage.scope(S).documents
      const key = stateKey('binary')
      const content = new Uint8Array(256).map((_, i) => i)
      await documents.upsertDocument({
        ...buildDocument(key, '', T1),
        content,
        contentType: 'application/octet-stream',
      })
      expect((await documents.findDocument(key))?.content).toEqual(content)
    })
  })
}
