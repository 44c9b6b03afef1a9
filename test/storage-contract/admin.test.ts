/** @module Contract: the default store and credentials. */
import { describe, expect, it } from 'vitest'
import type { CredentialRecord } from '../../src/storage/ports.js'
import { DEFAULT_STORE_ID } from '../../src/storage/ports.js'
import { BACKENDS } from './backends.js'
import { useBackend } from './contract-helpers.js'

function credential(key: string, overrides: Partial<CredentialRecord> = {}): CredentialRecord {
  return {
    key,
    secretHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA',
    storeId: DEFAULT_STORE_ID,
    name: `client ${key}`,
    scopes: ['statements/write', 'statements/read/mine'],
    enabled: true,
    createdAt: '2024-05-01T10:00:00.000Z',
    lastUsedAt: undefined,
    ...overrides,
  }
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`admin on ${backend.name}`, () => {
    const open = useBackend(backend)

    it('ensureDefaultStore is idempotent', async () => {
      const { storage } = open()
      await storage.admin.ensureDefaultStore()
      await storage.admin.ensureDefaultStore()
      // The default store works as a tenant.
      const stored = await storage.transaction(DEFAULT_STORE_ID, (scope) =>
        scope.statements.allocateStored(),
      )
      expect(stored).toMatch(/Z$/)
    })

    it('inserts, finds, counts, touches and updates credentials', async () => {
      const { storage } = open()
      const admin = storage.admin
      expect(await admin.countCredentials()).toBe(0)
      expect(await admin.findCredential('k1')).toBeUndefined()
      await admin.insertCredential(credential('k1'))
      await admin.insertCredential(
        credential('k2', { storeId: 2, enabled: false, scopes: ['all'] }),
      )
      expect(await admin.countCredentials()).toBe(2)
      expect(await admin.findCredential('k1')).toEqual(credential('k1'))
      expect(await admin.findCredential('k2')).toEqual(
        credential('k2', { storeId: 2, enabled: false, scopes: ['all'] }),
      )

      await admin.touchCredential('k1', '2024-06-01T00:00:00.000Z')
      expect((await admin.findCredential('k1'))?.lastUsedAt).toBe('2024-06-01T00:00:00.000Z')

      await admin.updateCredential('k1', { enabled: false })
      expect(await admin.findCredential('k1')).toMatchObject({
        enabled: false,
        secretHash: credential('k1').secretHash,
      })
      await admin.updateCredential('k1', { secretHash: 'scrypt$new' })
      expect(await admin.findCredential('k1')).toMatchObject({
        enabled: false,
        secretHash: 'scrypt$new',
      })
      await admin.updateCredential('k1', { enabled: true })
      expect((await admin.findCredential('k1'))?.enabled).toBe(true)
    })

    it('refuses a second credential with the same key as a Conflict', async () => {
      const { storage } = open()
      await storage.admin.insertCredential(credential('dup'))
      await expect(storage.admin.insertCredential(credential('dup'))).rejects.toMatchObject({
        name: 'LrsError',
        kind: 'Conflict',
      })
    })
  })
}
