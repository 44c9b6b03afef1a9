/** @module AdminStore on SQL: the stores (tenants) and the credentials clients authenticate with. */
import type { Kysely } from 'kysely'
import type { AdminStore, CredentialRecord } from '../ports.js'
import type { CredentialsTable, Database } from './database.js'
import { defaultStoreRow } from './migrations.js'

function credentialFromRow(row: CredentialsTable): CredentialRecord {
  return {
    key: row.key,
    secretHash: row.secret_hash,
    storeId: row.store_id,
    name: row.name,
    scopes: JSON.parse(row.scopes) as string[],
    enabled: row.enabled === 1,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at ?? undefined,
  }
}

/** Not scoped to a store: credentials are how a request finds its store. */
export function createSqlAdminStore(db: Kysely<Database>): AdminStore {
  return {
    async ensureDefaultStore() {
      await db
        .insertInto('stores')
        .values(defaultStoreRow(Date.now()))
        .onConflict((oc) => oc.column('id').doNothing())
        .execute()
    },

    async findCredential(key) {
      const row = await db
        .selectFrom('credentials')
        .selectAll()
        .where('key', '=', key)
        .executeTakeFirst()
      return row === undefined ? undefined : credentialFromRow(row)
    },

    async insertCredential(record) {
      await db
        .insertInto('credentials')
        .values({
          key: record.key,
          store_id: record.storeId,
          secret_hash: record.secretHash,
          name: record.name,
          scopes: JSON.stringify(record.scopes),
          enabled: record.enabled ? 1 : 0,
          created_at: record.createdAt,
          last_used_at: record.lastUsedAt ?? null,
        })
        .execute()
    },

    async countCredentials() {
      const row = await db
        .selectFrom('credentials')
        .select((eb) => eb.fn.countAll().as('count'))
        .executeTakeFirstOrThrow()
      return Number(row.count)
    },

    async touchCredential(key, at) {
      await db.updateTable('credentials').set({ last_used_at: at }).where('key', '=', key).execute()
    },

    async updateCredential(key, changes) {
      const set: Partial<Pick<CredentialsTable, 'secret_hash' | 'enabled'>> = {}
      if (changes.secretHash !== undefined) set.secret_hash = changes.secretHash
      if (changes.enabled !== undefined) set.enabled = changes.enabled ? 1 : 0
      if (Object.keys(set).length === 0) return
      await db.updateTable('credentials').set(set).where('key', '=', key).execute()
    },
  }
}
