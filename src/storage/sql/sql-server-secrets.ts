/** @module Server secrets on SQL: random keys every process of the database shares. */
import type { Kysely } from 'kysely'
import type { AdminStore } from '../ports.js'
import type { Database } from './database.js'

export function createSqlServerSecrets(db: Kysely<Database>): Pick<AdminStore, 'sharedSecret'> {
  return {
    // Insert-if-absent then read: two processes offering different candidates at once both
    // read back the one that was inserted first (the primary key lets only one in).
    async sharedSecret(name, candidate) {
      await db
        .insertInto('server_secrets')
        .values({ name, value: candidate })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute()
      const row = await db
        .selectFrom('server_secrets')
        .select('value')
        .where('name', '=', name)
        .executeTakeFirstOrThrow()
      return row.value
    },
  }
}
