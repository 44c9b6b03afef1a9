/** @module Contract: canonical activities and the agents seen (Communication §2.4, §2.5). */
import { describe, expect, it } from 'vitest'
import { DEFAULT_STORE_ID } from '../../src/storage/ports.js'
import { activityId, agent, ifiOf } from '../fixtures/storage-records.js'
import { BACKENDS } from './backends.js'
import { useBackend } from './contract-helpers.js'

const S = DEFAULT_STORE_ID

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`activities and agents on ${backend.name}`, () => {
    const open = useBackend(backend)

    it('stores and replaces canonical activity definitions', async () => {
      const { storage } = open()
      const store = storage.scope(S).actorsActivities
      const id = activityId('course')
      expect(await store.findActivity(id)).toBeUndefined()
      await store.upsertActivities([{ id, definition: { name: { 'en-US': 'Course' } } }])
      expect(await store.findActivity(id)).toEqual({
        objectType: 'Activity',
        id,
        definition: { name: { 'en-US': 'Course' } },
      })
      await store.upsertActivities([
        { id, definition: { name: { 'en-US': 'Course' }, type: 'http://example.com/course' } },
        { id: activityId('other'), definition: {} },
      ])
      expect((await store.findActivity(id))?.definition?.type).toBe('http://example.com/course')
      // An activity known without a definition has none.
      expect(await store.findActivity(activityId('other'))).toEqual({
        objectType: 'Activity',
        id: activityId('other'),
      })
    })

    it('keeps the last of several definitions of one id in a batch', async () => {
      const { storage } = open()
      const store = storage.scope(S).actorsActivities
      const id = activityId('twice')
      await store.upsertActivities([
        { id, definition: { name: { 'en-US': 'first' } } },
        { id, definition: { name: { 'en-US': 'last' } } },
      ])
      expect((await store.findActivity(id))?.definition?.name).toEqual({ 'en-US': 'last' })
    })

    it('records agents once per (IFI, name)', async () => {
      const { storage } = open()
      const store = storage.scope(S).actorsActivities
      const ann = agent('ann')
      const { name: _name, ...nameless } = ann
      await store.upsertAgents([
        { ifi: ifiOf('ann'), agent: ann },
        { ifi: ifiOf('ann'), agent: ann },
        { ifi: ifiOf('ann'), agent: nameless },
        { ifi: ifiOf('bob'), agent: agent('bob') },
      ])
      await store.upsertAgents([{ ifi: ifiOf('ann'), agent: { ...ann, name: 'Ann B.' } }])
      const found = await store.findAgents(ifiOf('ann'))
      expect(found).toHaveLength(3)
      expect(found).toContainEqual(ann)
      expect(found).toContainEqual(nameless)
      expect(found).toContainEqual({ ...ann, name: 'Ann B.' })
      expect(await store.findAgents(ifiOf('nobody'))).toEqual([])
    })
  })
}
