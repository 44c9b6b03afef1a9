import { describe, expect, it } from 'vitest'
import type { AdminStore, CredentialRecord } from '../../storage/ports.js'
import { createAuthenticator } from './authenticate.js'
import { hashSecret } from './secret-hash.js'

/** An AdminStore holding one credential, counting the touches it is asked for. */
async function oneCredential(secret: string) {
  const record: CredentialRecord = {
    key: 'k1',
    secretHash: await hashSecret(secret, { N: 1024, r: 8, p: 1 }),
    storeId: 1,
    name: 'one',
    scopes: ['all'],
    enabled: true,
    createdAt: '2026-01-01T00:00:00.000Z',
    lastUsedAt: undefined,
  }
  const touches: string[] = []
  const reads: string[] = []
  const admin = {
    findCredential: (key: string) => {
      reads.push(key)
      return Promise.resolve(key === record.key ? { ...record } : undefined)
    },
    touchCredential: (key: string, at: string) => {
      touches.push(key)
      record.lastUsedAt = at
      return Promise.resolve()
    },
  } as unknown as AdminStore
  return { admin, touches, reads, record }
}

describe('authenticate under concurrent first requests', () => {
  it('accepts every concurrent request with the right secret and touches the credential once', async () => {
    const { admin, touches } = await oneCredential('right-secret')
    const authenticate = createAuthenticator(admin, 'https://lrs.example')
    const principals = await Promise.all(
      Array.from({ length: 32 }, () => authenticate('k1', 'right-secret')),
    )
    expect(principals.every((p) => p?.key === 'k1' && p.storeId === 1)).toBe(true)
    expect(touches).toEqual(['k1'])
  })

  it('reads the credential once for the requests of one turn, and again for later ones', async () => {
    const { admin, reads } = await oneCredential('right-secret')
    const authenticate = createAuthenticator(admin, 'https://lrs.example')
    await Promise.all(Array.from({ length: 8 }, () => authenticate('k1', 'right-secret')))
    expect(reads).toEqual(['k1'])
    await authenticate('k1', 'right-secret')
    expect(reads).toEqual(['k1', 'k1'])
  })

  it('refuses a request that arrives after the credential was disabled, even next to others', async () => {
    const { admin, record } = await oneCredential('right-secret')
    const authenticate = createAuthenticator(admin, 'https://lrs.example')
    const before = authenticate('k1', 'right-secret')
    record.enabled = false
    const after = authenticate('k1', 'right-secret')
    // Both arrived before the read began, which sees the credential disabled: the revocation
    // completed before the second arrived, so it must be refused; the first may be either.
    expect(await after).toBeUndefined()
    await before
    expect(await authenticate('k1', 'right-secret')).toBeUndefined()
  })

  it('refuses every concurrent request with a wrong secret, and a right one after them', async () => {
    const { admin } = await oneCredential('right-secret')
    const authenticate = createAuthenticator(admin, 'https://lrs.example')
    const wrong = await Promise.all(
      Array.from({ length: 16 }, () => authenticate('k1', 'wrong-secret')),
    )
    expect(wrong.every((p) => p === undefined)).toBe(true)
    expect((await authenticate('k1', 'right-secret'))?.key).toBe('k1')
    expect(await authenticate('k1', 'wrong-secret')).toBeUndefined()
  })
})
