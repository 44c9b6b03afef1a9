/** @module Creating credentials: generated keys and secrets, shown once, stored hashed. */
import { randomBytes, randomUUID } from 'node:crypto'
import type { AdminStore, StoreId } from '../../storage/ports.js'
import { hashSecret, verifySecret } from './secret-hash.js'

export interface NewCredential {
  key: string
  secret: string
}

export async function createCredential(
  admin: AdminStore,
  options: { storeId: StoreId; name: string; scopes: readonly string[]; key?: string; secret?: string },
): Promise<NewCredential> {
  const key = options.key ?? randomUUID().replaceAll('-', '')
  const secret = options.secret ?? randomBytes(24).toString('base64url')
  await admin.insertCredential({
    key,
    secretHash: await hashSecret(secret),
    storeId: options.storeId,
    name: options.name,
    scopes: [...options.scopes],
    enabled: true,
    createdAt: new Date().toISOString(),
    lastUsedAt: undefined,
  })
  return { key, secret }
}

/**
 * Makes sure a usable credential exists at start: the configured bootstrap credential (created,
 * or its secret replaced when it differs), or else, on a store with no credential at all, a
 * generated one that is returned so the caller can print it once.
 */
export async function ensureInitialCredential(
  admin: AdminStore,
  storeId: StoreId,
  bootstrap: { key: string; secret: string } | undefined,
): Promise<NewCredential | undefined> {
  if (bootstrap !== undefined) {
    const existing = await admin.findCredential(bootstrap.key)
    if (existing === undefined) {
      await createCredential(admin, { storeId, name: 'bootstrap', scopes: ['all'], ...bootstrap })
    } else if (!(await verifySecret(bootstrap.secret, existing.secretHash)) || !existing.enabled) {
      await admin.updateCredential(bootstrap.key, {
        secretHash: await hashSecret(bootstrap.secret),
        enabled: true,
      })
    }
    return undefined
  }
  if ((await admin.countCredentials()) > 0) return undefined
  return createCredential(admin, { storeId, name: 'first credential', scopes: ['all'] })
}
