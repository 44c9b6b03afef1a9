/** @module Contract: stores, credentials, admin accounts, sessions and failed logins. */
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

    it('lists, renames, rescopes and limits credentials; null limits go back to the default', async () => {
      const { storage } = open()
      const admin = storage.admin
      await admin.insertCredential(credential('b', { createdAt: '2024-05-02T00:00:00.000Z' }))
      await admin.insertCredential(credential('a', { createdAt: '2024-05-03T00:00:00.000Z' }))
      await admin.insertCredential(credential('other', { storeId: 2 }))
      await admin.insertCredential(
        credential('limited', { storeId: 3, rateLimitPerMinute: 60, maxBodyBytes: 1024 }),
      )
      expect((await admin.listCredentials(DEFAULT_STORE_ID)).map((c) => c.key)).toEqual(['b', 'a'])
      expect((await admin.listCredentials(2)).map((c) => c.key)).toEqual(['other'])
      expect(await admin.listCredentials(99)).toEqual([])
      expect(await admin.findCredential('limited')).toMatchObject({
        rateLimitPerMinute: 60,
        maxBodyBytes: 1024,
      })

      await admin.updateCredential('a', {
        name: 'renamed',
        scopes: ['all/read'],
        rateLimitPerMinute: 10,
        maxBodyBytes: 5_000_000_000,
      })
      expect(await admin.findCredential('a')).toEqual(
        credential('a', {
          createdAt: '2024-05-03T00:00:00.000Z',
          name: 'renamed',
          scopes: ['all/read'],
          rateLimitPerMinute: 10,
          maxBodyBytes: 5_000_000_000,
        }),
      )
      await admin.updateCredential('a', { rateLimitPerMinute: null, maxBodyBytes: null })
      const reset = await admin.findCredential('a')
      expect(reset?.rateLimitPerMinute).toBeUndefined()
      expect(reset?.maxBodyBytes).toBeUndefined()
      expect(reset?.name).toBe('renamed')
      // Unknown keys are a no-op.
      await admin.updateCredential('missing', { enabled: false })
      expect(await admin.findCredential('missing')).toBeUndefined()
    })

    it('creates stores with the next free id, finds, lists and renames them', async () => {
      const { storage } = open()
      const admin = storage.admin
      await admin.ensureDefaultStore()
      const created = await admin.insertStore('Sales', '2024-05-01T10:00:00.000Z')
      expect(created).toEqual({ id: 2, name: 'Sales', createdAt: '2024-05-01T10:00:00.000Z' })
      expect((await admin.insertStore('HR', '2024-05-01T11:00:00.000Z')).id).toBe(3)
      expect(await admin.findStore(2)).toEqual(created)
      expect(await admin.findStore(42)).toBeUndefined()
      expect((await admin.listStores()).map((s) => [s.id, s.name])).toEqual([
        [1, 'default'],
        [2, 'Sales'],
        [3, 'HR'],
      ])
      expect(await admin.updateStore(2, { name: 'Sales EU' })).toBe(true)
      expect((await admin.findStore(2))?.name).toBe('Sales EU')
      expect(await admin.updateStore(42, { name: 'x' })).toBe(false)
    })

    it('keeps admin accounts; a taken username is a Conflict; deleting ends the sessions', async () => {
      const { storage } = open()
      const admin = storage.admin
      const account = {
        username: 'ada',
        passwordHash: 'scrypt$65536$8$2$c2FsdA$aGFzaA',
        createdAt: '2024-05-01T10:00:00.000Z',
        lastLoginAt: undefined,
      }
      await admin.insertAccount(account)
      await admin.insertAccount({ ...account, username: 'bob' })
      await expect(admin.insertAccount(account)).rejects.toMatchObject({ kind: 'Conflict' })
      expect(await admin.findAccount('ada')).toEqual(account)
      expect(await admin.findAccount('nobody')).toBeUndefined()
      expect((await admin.listAccounts()).map((a) => a.username)).toEqual(['ada', 'bob'])

      await admin.updateAccount('ada', {
        passwordHash: 'scrypt$new',
        lastLoginAt: '2024-06-01T00:00:00.000Z',
      })
      expect(await admin.findAccount('ada')).toEqual({
        ...account,
        passwordHash: 'scrypt$new',
        lastLoginAt: '2024-06-01T00:00:00.000Z',
      })

      const session = {
        tokenHash: 'h1',
        username: 'ada',
        createdAt: '2024-06-01T00:00:00.000Z',
        expiresAt: '2024-06-01T12:00:00.000Z',
      }
      await admin.insertSession(session)
      await admin.insertSession({ ...session, tokenHash: 'h2', username: 'bob' })
      expect(await admin.deleteAccount('ada')).toBe(true)
      expect(await admin.deleteAccount('ada')).toBe(false)
      expect(await admin.findSession('h1', '2024-06-01T01:00:00.000Z')).toBeUndefined()
      expect(await admin.findSession('h2', '2024-06-01T01:00:00.000Z')).toBeDefined()
    })

    it('finds sessions until they expire, and deletes them one, per account or expired', async () => {
      const { storage } = open()
      const admin = storage.admin
      const session = (tokenHash: string, username: string, expiresAt: string) => ({
        tokenHash,
        username,
        createdAt: '2024-06-01T00:00:00.000Z',
        expiresAt,
      })
      await admin.insertSession(session('a1', 'ada', '2024-06-01T12:00:00.000Z'))
      await admin.insertSession(session('a2', 'ada', '2024-06-02T12:00:00.000Z'))
      await admin.insertSession(session('b1', 'bob', '2024-06-01T06:00:00.000Z'))
      expect(await admin.findSession('a1', '2024-06-01T11:59:59.999Z')).toEqual(
        session('a1', 'ada', '2024-06-01T12:00:00.000Z'),
      )
      // Expired at its expiry time.
      expect(await admin.findSession('a1', '2024-06-01T12:00:00.000Z')).toBeUndefined()
      expect(await admin.findSession('nope', '2024-06-01T00:00:00.000Z')).toBeUndefined()

      await admin.deleteExpiredSessions('2024-06-01T07:00:00.000Z')
      expect(await admin.findSession('b1', '2024-06-01T00:00:00.000Z')).toBeUndefined()
      expect(await admin.findSession('a1', '2024-06-01T00:00:00.000Z')).toBeDefined()
      await admin.deleteSession('a1')
      expect(await admin.findSession('a1', '2024-06-01T00:00:00.000Z')).toBeUndefined()
      await admin.deleteSessions('ada')
      expect(await admin.findSession('a2', '2024-06-01T00:00:00.000Z')).toBeUndefined()
    })

    it('counts failed logins per subject in a window, forgets and purges them', async () => {
      const { storage } = open()
      const admin = storage.admin
      await admin.insertLoginFailures(['u|ip', 'ip'], '2024-06-01T10:00:00.000Z')
      await admin.insertLoginFailures(['u|ip', 'ip'], '2024-06-01T10:05:00.000Z')
      await admin.insertLoginFailures(['v|ip', 'ip'], '2024-06-01T10:06:00.000Z')
      expect(await admin.countLoginFailures('u|ip', '2024-06-01T09:00:00.000Z')).toEqual({
        count: 2,
        oldest: '2024-06-01T10:00:00.000Z',
      })
      // The window's start is exclusive.
      expect(await admin.countLoginFailures('u|ip', '2024-06-01T10:00:00.000Z')).toEqual({
        count: 1,
        oldest: '2024-06-01T10:05:00.000Z',
      })
      expect((await admin.countLoginFailures('ip', '2024-06-01T09:00:00.000Z')).count).toBe(3)
      expect(await admin.countLoginFailures('w|ip', '2024-06-01T09:00:00.000Z')).toEqual({
        count: 0,
        oldest: undefined,
      })
      await admin.deleteLoginFailures('u|ip')
      expect((await admin.countLoginFailures('u|ip', '2024-06-01T09:00:00.000Z')).count).toBe(0)
      await admin.purgeLoginFailures('2024-06-01T10:05:00.000Z')
      expect(await admin.countLoginFailures('ip', '2024-06-01T09:00:00.000Z')).toEqual({
        count: 1,
        oldest: '2024-06-01T10:06:00.000Z',
      })
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
