/**
 * Contract: AdminStore.transaction is a unit of work over the admin data, and the admin use cases
 * that check then write run inside one (issue 13). Real concurrency: two storages on the same
 * database (two processes) where the backend has files, or two units of work on one storage.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { ADMIN_DEFAULTS, createAdmin } from '../../src/core/admin/create-admin.js'
import type { Admin } from '../../src/core/admin/admin.js'
import type { AccountRecord, AdminRecords, AdminStore, Storage } from '../../src/storage/ports.js'
import { TEST_HASHING } from '../http/test-app.js'
import { BACKENDS } from './backends.js'
import { useBackend } from './contract-helpers.js'

function account(username: string, passwordHash = 'scrypt$old'): AccountRecord {
  return { username, passwordHash, createdAt: '2024-05-01T10:00:00.000Z', lastLoginAt: undefined }
}

/**
 * The real store, with every read inside a unit of work held back `ms`: it widens the window
 * between a check and its write, so a race that is possible shows up every run.
 */
function slowReads(store: AdminStore, ms: number): AdminStore {
  return {
    ...store,
    transaction: (fn) =>
      store.transaction((tx) => {
        const slowed: AdminRecords = {
          ...tx,
          listAccounts: async () => {
            const found = await tx.listAccounts()
            await sleep(ms)
            return found
          },
          findAccount: async (username) => {
            const found = await tx.findAccount(username)
            await sleep(ms)
            return found
          },
        }
        return fn(slowed)
      }),
  }
}

function adminOver(store: AdminStore): Admin {
  return createAdmin({
    ...ADMIN_DEFAULTS,
    admin: store,
    hashing: TEST_HASHING,
    serverMaxBodyBytes: 1_000_000,
  })
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`admin units of work on ${backend.name}`, () => {
    const open = useBackend(backend)
    /** The second party of a race: a sibling storage (another process) when there is one. */
    function secondStorage(): { storage: Storage; close: () => Promise<void> } {
      const { storage, openSibling } = open()
      if (openSibling === undefined) return { storage, close: () => Promise.resolve() }
      const sibling = openSibling()
      return { storage: sibling, close: () => sibling.close() }
    }

    it('commits all of a unit of work or, when it throws, none of it', async () => {
      const { storage } = open()
      const admin = storage.admin
      await admin.insertAccount(account('ann'))
      await admin.insertSession({
        tokenHash: 't1',
        username: 'ann',
        createdAt: '2024-05-01T10:00:00.000Z',
        expiresAt: '2999-01-01T00:00:00.000Z',
      })
      const failure = new Error('after the writes')
      await expect(
        admin.transaction(async (tx) => {
          await tx.updateAccount('ann', { passwordHash: 'scrypt$new' })
          await tx.deleteSessions('ann')
          throw failure
        }),
      ).rejects.toBe(failure)
      expect((await admin.findAccount('ann'))?.passwordHash).toBe('scrypt$old')
      expect(await admin.findSession('t1', '2024-06-01T00:00:00.000Z')).toBeDefined()

      await admin.transaction(async (tx) => {
        await tx.updateAccount('ann', { passwordHash: 'scrypt$new' })
        await tx.deleteSessions('ann')
      })
      expect((await admin.findAccount('ann'))?.passwordHash).toBe('scrypt$new')
      expect(await admin.findSession('t1', '2024-06-01T00:00:00.000Z')).toBeUndefined()
    })

    it('runs units of work one at a time: two check-then-delete races leave one account', async () => {
      const { storage } = open()
      const second = secondStorage()
      try {
        await storage.admin.insertAccount(account('ann'))
        await storage.admin.insertAccount(account('bob'))
        const deleteUnlessLast = (store: AdminStore, username: string) =>
          store.transaction(async (tx) => {
            const before = await tx.listAccounts()
            await sleep(60)
            if (before.length <= 1) return false
            return tx.deleteAccount(username)
          })
        const results = await Promise.all([
          deleteUnlessLast(storage.admin, 'ann'),
          deleteUnlessLast(second.storage.admin, 'bob'),
        ])
        expect(results.filter(Boolean)).toHaveLength(1)
        expect(await storage.admin.listAccounts()).toHaveLength(1)
      } finally {
        await second.close()
      }
    })

    it('two concurrent "delete admin account" use cases on the last two accounts leave one', async () => {
      const { storage } = open()
      const second = secondStorage()
      try {
        await storage.admin.insertAccount(account('ann'))
        await storage.admin.insertAccount(account('bob'))
        const outcomes = await Promise.allSettled([
          adminOver(slowReads(storage.admin, 40)).deleteAccount('test', 'ann'),
          adminOver(slowReads(second.storage.admin, 40)).deleteAccount('test', 'bob'),
        ])
        const rejected = outcomes.filter((o) => o.status === 'rejected')
        expect(rejected).toHaveLength(1)
        expect((rejected[0] as PromiseRejectedResult).reason).toMatchObject({
          code: 'LAST_ACCOUNT',
        })
        expect(await storage.admin.listAccounts()).toHaveLength(1)
      } finally {
        await second.close()
      }
    })

    it('a password change revokes every session in the same unit of work; a racing sign-in gets none', async () => {
      const { storage } = open()
      const second = secondStorage()
      try {
        const admin = adminOver(storage.admin)
        await admin.createAccount('test', { username: 'ann', password: 'first-password-1' })
        await admin.createAccount('test', { username: 'bob', password: 'bob-password-12' })
        const before = await admin.login('ann', 'first-password-1', '127.0.0.1')

        // The sign-in verifies the old password, then meets the change committing (slowed).
        const [signIn] = await Promise.allSettled([
          adminOver(slowReads(second.storage.admin, 40)).login(
            'ann',
            'first-password-1',
            '127.0.0.2',
          ),
          admin.changePassword('test', 'ann', 'second-password-2'),
        ])
        expect(await admin.session(before.token)).toBeUndefined()
        if (signIn.status === 'fulfilled') {
          // It committed first: the change, which commits after, revoked it.
          expect(await admin.session(signIn.value.token)).toBeUndefined()
        } else {
          expect(signIn.reason).toMatchObject({ kind: 'Unauthorized' })
        }
        const after = await admin.login('ann', 'second-password-2', '127.0.0.1')
        expect(await admin.session(after.token)).toMatchObject({ username: 'ann' })
      } finally {
        await second.close()
      }
    })

    it('concurrent store creations from two processes get distinct ids, no conflict', async () => {
      const { storage } = open()
      const second = secondStorage()
      try {
        await storage.admin.ensureDefaultStore()
        const created = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            adminOver(i % 2 === 0 ? storage.admin : second.storage.admin).createStore('test', {
              name: `store ${i}`,
            }),
          ),
        )
        expect(new Set(created.map((s) => s.id)).size).toBe(6)
      } finally {
        await second.close()
      }
    })
  })
}
