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
          const store = await admin.insertStore(name, new Date(deps.now()).toISOString())
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
      if (!(await admin.updateStore(id, { name }))) throw NotFoundError(`no store with id ${id}`)
      audit('store.updated', { by, storeId: id, name })
      return storeView(await requireStore(id))
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
        admin,
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
      await requireCredential(key)
      const changes: CredentialChanges = {}
      if (update.name !== undefined) changes.name = checkName(update.name)
      if (update.scopes !== undefined) changes.scopes = parseScopes(update.scopes)
      if (update.enabled !== undefined) changes.enabled = update.enabled
      if (update.rateLimitPerMinute !== undefined)
        changes.rateLimitPerMinute =
          update.rateLimitPerMinute === null ? null : rateLimit(update.rateLimitPerMinute)
      if (update.maxBodyBytes !== undefined)
        changes.maxBodyBytes = update.maxBodyBytes === null ? null : bodyLimit(update.maxBodyBytes)
      await admin.updateCredential(key, changes)
      audit('credential.updated', { by, key, changes: Object.keys(changes) })
      return credentialView(await requireCredential(key))
    },

    async rotateCredential(by, key) {
      await requireCredential(key)
      const secret = generateSecret()
      await admin.updateCredential(key, {
        secretHash: await hashSecret(secret, deps.hashing.secrets),
      })
      audit('credential.rotated', { by, key })
      return { credential: credentialView(await requireCredential(key)), secret }
    },
  }
}
