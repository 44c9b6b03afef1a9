/** @module Contract: the operational views of a backend (`Storage.operations`): health and gauges. */
import { describe, expect, it } from 'vitest'
import { DEFAULT_STORE_ID } from '../../src/storage/ports.js'
import { BACKENDS } from './backends.js'
import { useBackend } from './contract-helpers.js'

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`storage operations on ${backend.name}`, () => {
    const open = useBackend(backend)

    it('reports a migrated database as reachable with nothing pending', async () => {
      const { storage } = open()
      expect(await storage.operations.health()).toEqual({ reachable: true, pendingMigrations: [] })
    })

    it('counts the units of work in flight and reports the pool or the files', async () => {
      const { storage } = open()
      let inside = -1
      await storage.transaction(DEFAULT_STORE_ID, async () => {
        inside = storage.operations.gauges().transactionsInFlight
        await Promise.resolve()
      })
      expect(inside).toBe(1)
      const gauges = storage.operations.gauges()
      expect(gauges.transactionsInFlight).toBe(0)
      if (backend.name.startsWith('postgres')) {
        expect(gauges.pool?.max).toBeGreaterThan(0)
        expect(gauges.pool?.total).toBeGreaterThan(0)
        expect(gauges.pool?.waiting).toBe(0)
        expect(gauges.files).toBeUndefined()
      } else if (backend.name === 'sqlite (file)') {
        expect(gauges.files?.databaseBytes).toBeGreaterThan(0)
        expect(gauges.pool).toBeUndefined()
      } else {
        expect(gauges.files).toBeUndefined()
      }
    })

    it('is unreachable once closed', async () => {
      const { storage } = open()
      await storage.close()
      const health = await storage.operations.health()
      expect(health.reachable).toBe(false)
    })
  })
}
