/** @module AdminStore on SQL: the stores (tenants) and the credentials clients authenticate with. */
import type { Kysely, Updateable } from 'kysely'
import type { AdminRecords, CredentialRecord, StoreRecord } from '../ports.js'
import type { CredentialsTable, Database, StoresTable } from './database.js'
import { defaultStoreRow } from './migrations.js'
import { createSqlAccountStore } from './sql-account-store.js'
import { createSqlServerSecrets } from './sql-server-secrets.js'
import { isoFromMs, msFromIso, toNumber } from './sql-support.js'

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
    rateLimitPerMinute: row.rate_limit_per_minute ?? undefined,
    maxBodyBytes: row.max_body_bytes === null ? undefined : toNumber(row.max_body_bytes),
  }
}

function storeFromRow(row: StoresTable): StoreRecord {
  return { id: row.id, name: row.name, createdAt: isoFromMs(toNumber(row.created_ms)) }
}

/**
 * Not scoped to a store: credentials are how a request finds its store. `inTransaction`: `db` is
 * a unit of work's transaction (AdminStore.transaction), so no method opens its own.
 */
export function createSqlAdminStore(db: Kysely<Database>, inTransaction = false): AdminRecords {
  return {
    async ensureDefaultStore() {
      await db
        .insertInto('stores')
        .values(defaultStoreRow(Date.now()))
        .onConflict((oc) => oc.column('id').doNothing())
        .execute()
    },

    // `max(id) + 1` rather than an engine's auto-increment, which SQLite and PostgreSQL spell
    // differently; a concurrent creator gets a unique violation (Conflict) and retries.
    async insertStore(name, createdAt) {
      const row = await db
        .selectFrom('stores')
        .select((eb) => eb.fn.max('id').as('id'))
        .executeTakeFirst()
      const id = (row?.id === undefined || row.id === null ? 0 : toNumber(row.id)) + 1
      const values: StoresTable = { id, name, created_ms: msFromIso(createdAt) }
      await db.insertInto('stores').values(values).execute()
      return storeFromRow(values)
    },

    async findStore(id) {
      const row = await db.selectFrom('stores').selectAll().where('id', '=', id).executeTakeFirst()
      return row === undefined ? undefined : storeFromRow(row)
    },

    async listStores() {
      const rows = await db.selectFrom('stores').selectAll().orderBy('id', 'asc').execute()
      return rows.map(storeFromRow)
    },

    async updateStore(id, changes) {
      const result = await db
        .updateTable('stores')
        .set({ name: changes.name })
        .where('id', '=', id)
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
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
          rate_limit_per_minute: record.rateLimitPerMinute ?? null,
          max_body_bytes: record.maxBodyBytes ?? null,
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

    async listCredentials(storeId) {
      const rows = await db
        .selectFrom('credentials')
        .selectAll()
        .where('store_id', '=', storeId)
        .orderBy('created_at', 'asc')
        .orderBy('key', 'asc')
        .execute()
      return rows.map(credentialFromRow)
    },

    async touchCredential(key, at) {
      await db.updateTable('credentials').set({ last_used_at: at }).where('key', '=', key).execute()
    },

    async updateCredential(key, changes) {
      const set: Updateable<CredentialsTable> = {}
      if (changes.secretHash !== undefined) set.secret_hash = changes.secretHash
      if (changes.enabled !== undefined) set.enabled = changes.enabled ? 1 : 0
      if (changes.name !== undefined) set.name = changes.name
      if (changes.scopes !== undefined) set.scopes = JSON.stringify(changes.scopes)
      if (changes.rateLimitPerMinute !== undefined)
        set.rate_limit_per_minute = changes.rateLimitPerMinute
      if (changes.maxBodyBytes !== undefined) set.max_body_bytes = changes.maxBodyBytes
      if (Object.keys(set).length === 0) return
      await db.updateTable('credentials').set(set).where('key', '=', key).execute()
    },

    ...createSqlAccountStore(db, inTransaction),
    ...createSqlServerSecrets(db),
  }
}
