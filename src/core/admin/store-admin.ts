/** @module Admin use cases of stores (tenants) and their credentials: secrets shown once, never listed. */
import { NotFoundError } from '../../errors/errors.js'
import { isLrsError } from '../../errors/lrs-error.js'
import type {
  CredentialChanges,
  CredentialRecord,
  StoreId,
  StoreRecord,
} from '../../storage/ports.js'
import { createCredential, generateSecret } from '../auth/credentials.js'
import { parseScopes } from '../auth/scopes.js'
import { hashSecret } from '../auth/secret-hash.js'
import type { Admin, CredentialView, StoreView } from './admin.js'
import { type AdminDeps, checkLimit, checkName } from './admin-deps.js'

/** The most requests per minute a credential can be given (the check is per process). */
const MAX_RATE_LIMIT = 1_000_000
/** How often creating a store retries after another process took the same id. */
const STORE_ID_ATTEMPTS = 5

export type StoreAdmin = Pick<
  Admin,
  | 'listStores'
  | 'getStore'
  | 'createStore'
  | 'updateStore'
  | 'listCredentials'
  | 'getCredential'
  | 'createCredential'
  | 'updateCredential'
  | 'rotateCredential'
>

async function requireIn<T>(found: Promise<T | undefined>, message: string): Promise<T> {
  const record = await found
  if (record === undefined) throw NotFoundError(message)
  return record
}

function storeView(record: StoreRecord): StoreView {
  return { id: record.id, name: record.name, createdAt: record.createdAt }
}

export function credentialView(record: CredentialRecord): CredentialView {
  return {
    key: record.key,
    storeId: record.storeId,
    name: record.name,
    scopes: [...record.scopes],
    enabled: record.enabled,
    createdAt: record.createdAt,
    lastUsedAt: record.lastUsedAt ?? null,
    rateLimitPerMinute: record.rateLimitPerMinute ?? null,
    maxBodyBytes: record.maxBodyBytes ?? null,
  }
}

export function createStoreAdmin(deps: AdminDeps): StoreAdmin {
  const { admin, audit } = deps

  async function requireStore(id: StoreId): Promise<StoreRecord> {
    const store = await admin.findStore(id)
    if (store === undefined) throw NotFoundError(`no store with id ${id}`)
    return store
  }

  async function requireCredential(key: string): Promise<CredentialRecord> {
    const record = await admin.findCredential(key)
    if (record === undefined) throw NotFoundError(`no credential with key '${key}'`)
    return record
  }

  /** Check, change and read back a credential as one unit of work: 404 if it is gone. */
  function updateExisting(key: string, changes: CredentialChanges): Promise<CredentialRecord> {
    return admin.transaction(async (tx) => {
      const missing = `no credential with key '${key}'`
      await requireIn(tx.findCredential(key), missing)
      await tx.updateCredential(key, changes)
      return requireIn(tx.findCredential(key), missing)
    })
  }

  const rateLimit = (value: number) => checkLimit(value, 'rateLimitPerMinute', MAX_RATE_LIMIT)
  const bodyLimit = (value: number) => checkLimit(value, 'maxBodyBytes', deps.serverMaxBodyBytes)

  return {
    async listStores() {
      return (await admin.listStores()).map(storeView)
    },

    async getStore(id) {
      return storeView(await requireStore(id))
    },

    async createStore(by, input) {
      const name = checkName(input.name)
      for (let attempt = 1; ; attempt++) {
        try {
          // max(id) + 1 and the insert in one unit of work: processes take ids one at a time.
          const createdAt = new Date(deps.now()).toISOString()
          const store = await admin.transaction((tx) => tx.insertStore(name, createdAt))
          audit('store.created', { by, storeId: store.id, name })
          return storeView(store)
        } catch (error) {
          // Another process took the same id at the same moment: take the next one.
          if (!isLrsError(error) || error.kind !== 'Conflict' || attempt >= STORE_ID_ATTEMPTS)
            throw error
        }
      }
    },

    async updateStore(by, id, changes) {
      const name = checkName(changes.name)
      // The write and the read-back in one unit of work: the answer is what this call stored.
      const store = await admin.transaction(async (tx) => {
        if (!(await tx.updateStore(id, { name }))) throw NotFoundError(`no store with id ${id}`)
        return requireIn(tx.findStore(id), `no store with id ${id}`)
      })
      audit('store.updated', { by, storeId: id, name })
      return storeView(store)
    },

    async listCredentials(storeId) {
      await requireStore(storeId)
      return (await admin.listCredentials(storeId)).map(credentialView)
    },

    async getCredential(key) {
      return credentialView(await requireCredential(key))
    },

    async createCredential(by, storeId, input) {
      await requireStore(storeId)
      const { record, secret } = await createCredential(
        {
          // The store check and the insert in one unit of work (the secret is hashed before).
          insertCredential: (record) =>
            admin.transaction(async (tx) => {
              await requireIn(tx.findStore(storeId), `no store with id ${storeId}`)
              await tx.insertCredential(record)
            }),
        },
        {
          storeId,
          name: checkName(input.name),
          scopes: parseScopes(input.scopes ?? []),
          rateLimitPerMinute:
            input.rateLimitPerMinute === undefined
              ? undefined
              : rateLimit(input.rateLimitPerMinute),
          maxBodyBytes:
            input.maxBodyBytes === undefined ? undefined : bodyLimit(input.maxBodyBytes),
        },
        deps.hashing.secrets,
      )
      audit('credential.created', { by, storeId, key: record.key, scopes: record.scopes })
      return { credential: credentialView(record), secret }
    },

    async updateCredential(by, key, update) {
      const changes: CredentialChanges = {}
      if (update.name !== undefined) changes.name = checkName(update.name)
      if (update.scopes !== undefined) changes.scopes = parseScopes(update.scopes)
      if (update.enabled !== undefined) changes.enabled = update.enabled
      if (update.rateLimitPerMinute !== undefined)
        changes.rateLimitPerMinute =
          update.rateLimitPerMinute === null ? null : rateLimit(update.rateLimitPerMinute)
      if (update.maxBodyBytes !== undefined)
        changes.maxBodyBytes = update.maxBodyBytes === null ? null : bodyLimit(update.maxBodyBytes)
      const updated = await updateExisting(key, changes)
      audit('credential.updated', { by, key, changes: Object.keys(changes) })
      return credentialView(updated)
    },

    async rotateCredential(by, key) {
      await requireCredential(key)
      const secret = generateSecret()
      const secretHash = await hashSecret(secret, deps.hashing.secrets)
      const rotated = await updateExisting(key, { secretHash })
      audit('credential.rotated', { by, key })
      return { credential: credentialView(rotated), secret }
    },
  }
}
