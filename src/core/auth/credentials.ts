/** @module Creating credentials: generated keys and secrets, shown once, stored hashed. */
import { randomBytes, randomUUID } from 'node:crypto'
import { isLrsError } from '../../errors/lrs-error.js'
import type { AdminStore, CredentialRecord, StoreId } from '../../storage/ports.js'
import { type HashParams, hashSecret, SECRET_HASH_PARAMS, verifySecret } from './secret-hash.js'

export interface NewCredential {
  key: string
  secret: string
}

export interface CredentialOptions {
  storeId: StoreId
  name: string
  scopes: readonly string[]
  /** Chosen by the operator (bootstrap); generated otherwise. */
  key?: string
  secret?: string
  rateLimitPerMinute?: number | undefined
  maxBodyBytes?: number | undefined
}

/** A new random secret: 192 bits, URL-safe, shown once and then only its hash is kept. */
export function generateSecret(): string {
  return randomBytes(24).toString('base64url')
}

/** Stores a new enabled credential; returns its key and secret (the only time the secret exists). */
export async function createCredential(
  admin: Pick<AdminStore, 'insertCredential'>,
  options: CredentialOptions,
  hashParams: HashParams = SECRET_HASH_PARAMS,
): Promise<NewCredential & { record: CredentialRecord }> {
  const key = options.key ?? randomUUID().replaceAll('-', '')
  const secret = options.secret ?? generateSecret()
  const record: CredentialRecord = {
    key,
    secretHash: await hashSecret(secret, hashParams),
    storeId: options.storeId,
    name: options.name,
    scopes: [...options.scopes],
    enabled: true,
    createdAt: new Date().toISOString(),
    lastUsedAt: undefined,
    rateLimitPerMinute: options.rateLimitPerMinute,
    maxBodyBytes: options.maxBodyBytes,
  }
  await admin.insertCredential(record)
  return { key, secret, record }
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
  hashParams: HashParams = SECRET_HASH_PARAMS,
): Promise<NewCredential | undefined> {
  if (bootstrap !== undefined) {
    const existing = await admin.findCredential(bootstrap.key)
    if (existing === undefined) {
      try {
        await createCredential(
          admin,
          { storeId, name: 'bootstrap', scopes: ['all'], ...bootstrap },
          hashParams,
        )
      } catch (error) {
        // Several processes starting at once on one database race to create it: whoever loses
        // finds it created with the same key and secret, which is the outcome wanted.
        if (!(isLrsError(error) && error.kind === 'Conflict')) throw error
      }
    } else if (!(await verifySecret(bootstrap.secret, existing.secretHash)) || !existing.enabled) {
      await admin.updateCredential(bootstrap.key, {
        secretHash: await hashSecret(bootstrap.secret, hashParams),
        enabled: true,
      })
    }
    return undefined
  }
  if ((await admin.countCredentials()) > 0) return undefined
  const { key, secret } = await createCredential(
    admin,
    { storeId, name: 'first credential', scopes: ['all'] },
    hashParams,
  )
  return { key, secret }
}
