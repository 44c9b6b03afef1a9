/** @module Resolves HTTP Basic credentials to a Principal, without paying scrypt on every request. */
import { hash } from 'node:crypto'
import type { AdminStore, CredentialRecord } from '../../storage/ports.js'
import type { Principal, PrincipalLimits } from '../lrs.js'
import { verifySecret } from './secret-hash.js'

/** How stale `lastUsedAt` may get before it is written again (one write per credential per minute). */
const TOUCH_INTERVAL_MS = 60_000

/** One-shot `hash` (Node ≥ 20.12): it runs on every request, at a fifth of `createHash`'s cost. */
function digest(secret: string): string {
  return hash('sha256', secret, 'base64')
}

function limitsOf(record: CredentialRecord): PrincipalLimits {
  const limits: { requestsPerMinute?: number; maxBodyBytes?: number } = {}
  if (record.rateLimitPerMinute !== undefined) limits.requestsPerMinute = record.rateLimitPerMinute
  if (record.maxBodyBytes !== undefined) limits.maxBodyBytes = record.maxBodyBytes
  return limits
}

export function authorityFor(record: CredentialRecord, homePage: string): Principal['authority'] {
  return { objectType: 'Agent', name: record.name, account: { homePage, name: record.key } }
}

/**
 * Every request is checked against the credential as read after it arrived (so a disabled or
 * rotated credential stops working at once, in every process; see `readCredential`), but the slow scrypt check runs only when the stored hash or the
 * presented secret changed: the memo maps key → (stored hash, SHA-256 of a secret that matched it).
 * A check under way is shared too: a client that opens with 64 concurrent requests would
 * otherwise pay 64 scrypt runs (~50 ms of CPU each) before the first one filled the memo.
 */
export function createAuthenticator(admin: AdminStore, authorityHomePage: string) {
  const verified = new Map<string, { secretHash: string; secretDigest: string }>()
  const checking = new Map<string, Promise<boolean>>()
  const touched = new Map<string, number>()
  const reading = new Map<string, Promise<CredentialRecord | undefined>>()

  /**
   * The credential as stored when the read begins. Requests of one key that arrive in the same
   * turn of the event loop share one read, which begins after the turn, so after every one of
   * them arrived: a revocation that had completed before a request arrived is always seen.
   * Concurrent clients send their requests in bursts, and each request's own read was, on
   * PostgreSQL, a pool checkout and a round trip: the largest database cost of a
   * single-statement POST in the profile, above its share of the group commit.
   */
  function readCredential(key: string): Promise<CredentialRecord | undefined> {
    let pending = reading.get(key)
    if (pending === undefined) {
      pending = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        reading.delete(key)
        return admin.findCredential(key)
      })
      reading.set(key, pending)
    }
    return pending
  }

  function check(secret: string, secretHash: string, presented: string): Promise<boolean> {
    const id = `${secretHash}\n${presented}`
    let pending = checking.get(id)
    if (pending === undefined) {
      pending = verifySecret(secret, secretHash).finally(() => checking.delete(id))
      checking.set(id, pending)
    }
    return pending
  }

  return async function authenticate(key: string, secret: string): Promise<Principal | undefined> {
    const record = await readCredential(key)
    if (record === undefined || !record.enabled) return undefined
    const memo = verified.get(key)
    const presented = digest(secret)
    const known =
      memo !== undefined && memo.secretHash === record.secretHash && memo.secretDigest === presented
    if (!known) {
      if (!(await check(secret, record.secretHash, presented))) return undefined
      verified.set(key, { secretHash: record.secretHash, secretDigest: presented })
    }
    const now = Date.now()
    const lastUsed = Math.max(
      record.lastUsedAt === undefined ? 0 : Date.parse(record.lastUsedAt),
      // A touch this process began: the concurrent requests that read the row before it
      // landed need not write it again.
      touched.get(key) ?? 0,
    )
    if (now - lastUsed > TOUCH_INTERVAL_MS) {
      touched.set(key, now)
      await admin.touchCredential(key, new Date(now).toISOString())
    }
    return {
      key: record.key,
      storeId: record.storeId,
      scopes: record.scopes,
      authority: authorityFor(record, authorityHomePage),
      limits: limitsOf(record),
    }
  }
}
