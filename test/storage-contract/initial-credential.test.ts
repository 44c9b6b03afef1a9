/** The start-up credential (core/auth/credentials.ts) on every backend, including the start race. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ensureInitialCredential } from '../../src/core/auth/credentials.js'
import { verifySecret } from '../../src/core/auth/secret-hash.js'
import { DEFAULT_STORE_ID } from '../../src/storage/ports.js'
import { BACKENDS, type OpenedBackend } from './backends.js'

const CHEAP = { N: 1024, r: 8, p: 1 }

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`initial credential on ${backend.name}`, () => {
    let opened: OpenedBackend
    beforeEach(async () => {
      opened = await backend.open()
    })
    afterEach(async () => {
      await opened.dispose()
    })

    it('creates the bootstrap credential once when several starts race for it', async () => {
      const bootstrap = { key: 'race-key', secret: 'race-secret-123' }
      const starts = Array.from({ length: 4 }, () =>
        ensureInitialCredential(opened.storage.admin, DEFAULT_STORE_ID, bootstrap, CHEAP),
      )
      await expect(Promise.all(starts)).resolves.toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
      ])
      const record = await opened.storage.admin.findCredential('race-key')
      expect(record?.scopes).toEqual(['all'])
      expect(await verifySecret('race-secret-123', record!.secretHash)).toBe(true)
    })

    it('replaces the secret of an existing bootstrap credential when the configured one differs', async () => {
      await ensureInitialCredential(
        opened.storage.admin,
        DEFAULT_STORE_ID,
        { key: 'k1', secret: 'first-secret' },
        CHEAP,
      )
      await ensureInitialCredential(
        opened.storage.admin,
        DEFAULT_STORE_ID,
        { key: 'k1', secret: 'second-secret' },
        CHEAP,
      )
      const record = await opened.storage.admin.findCredential('k1')
      expect(await verifySecret('second-secret', record!.secretHash)).toBe(true)
      expect(await verifySecret('first-secret', record!.secretHash)).toBe(false)
    })

    it('generates a first credential only when none exists', async () => {
      const first = await ensureInitialCredential(
        opened.storage.admin,
        DEFAULT_STORE_ID,
        undefined,
        CHEAP,
      )
      expect(first?.key).toBeTruthy()
      const second = await ensureInitialCredential(
        opened.storage.admin,
        DEFAULT_STORE_ID,
        undefined,
        CHEAP,
      )
      expect(second).toBeUndefined()
    })
  })
}
