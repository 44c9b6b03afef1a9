/** @module Migration 0002: what multi-tenancy needs: read/mine, credential limits, admin accounts, sessions, throttling. */
import type { Kysely, Migration } from 'kysely'
import { ifiKey } from '../../xapi/ifi.js'
import type { Agent } from '../../xapi/types.js'

/** The tables this migration reads and writes rows of, as they are at this version. */
interface Tables {
  /** `seq` is a bigint: a string from pg, a number from better-sqlite3. */
  statements: { seq: number | string; payload: string; authority_ifi: string | null }
}

/** Statements backfilled per round trip. */
const BACKFILL_BATCH = 1000

/**
 * Fills `authority_ifi` of the statements stored before this migration, in seq order, a batch
 * at a time. Parsing the payload in JS keeps it dialect-neutral (no JSON path functions).
 */
async function backfillAuthorityIfi(db: Kysely<Tables>): Promise<void> {
  let after = 0
  for (;;) {
    const rows = await db
      .selectFrom('statements')
      .select(['seq', 'payload'])
      .where('seq', '>', after)
      .orderBy('seq', 'asc')
      .limit(BACKFILL_BATCH)
      .execute()
    for (const row of rows) {
      const authority = (JSON.parse(row.payload) as { authority?: Agent }).authority
      const ifi = authority === undefined ? undefined : ifiKey(authority)
      if (ifi !== undefined)
        await db
          .updateTable('statements')
          .set({ authority_ifi: ifi })
          .where('seq', '=', row.seq)
          .execute()
    }
    const last = rows.at(-1)
    if (last === undefined || rows.length < BACKFILL_BATCH) return
    after = Number(last.seq)
  }
}

/**
 * Version 2:
 * - `statements.authority_ifi` and its index, so the `statements/read/mine` scope
 *   (Communication §4.2) is an index walk like every other filter;
 * - per-credential request limits (null = the server default);
 * - admin accounts, their bearer sessions (by token hash, with expiry) and failed logins, in the
 *   database so that every process serving it shares them.
 */
export function tenancyMigration(): Migration {
  return {
    async up(db: Kysely<Tables>) {
      await db.schema.alterTable('statements').addColumn('authority_ifi', 'text').execute()
      await backfillAuthorityIfi(db)
      await db.schema
        .createIndex('statements_authority')
        .on('statements')
        .columns(['store_id', 'authority_ifi', 'seq'])
        .where('authority_ifi', 'is not', null)
        .execute()

      await db.schema
        .alterTable('credentials')
        .addColumn('rate_limit_per_minute', 'integer')
        .execute()
      await db.schema.alterTable('credentials').addColumn('max_body_bytes', 'bigint').execute()

      await db.schema
        .createTable('admin_accounts')
        .addColumn('username', 'text', (col) => col.primaryKey())
        .addColumn('password_hash', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('last_login_at', 'text')
        .execute()

      await db.schema
        .createTable('admin_sessions')
        .addColumn('token_hash', 'text', (col) => col.primaryKey())
        .addColumn('username', 'text', (col) => col.notNull())
        .addColumn('created_ms', 'bigint', (col) => col.notNull())
        .addColumn('expires_ms', 'bigint', (col) => col.notNull())
        .execute()
      await db.schema
        .createIndex('admin_sessions_username')
        .on('admin_sessions')
        .column('username')
        .execute()
      await db.schema
        .createIndex('admin_sessions_expires')
        .on('admin_sessions')
        .column('expires_ms')
        .execute()

      await db.schema
        .createTable('login_failures')
        .addColumn('subject', 'text', (col) => col.notNull())
        .addColumn('failed_ms', 'bigint', (col) => col.notNull())
        .execute()
      await db.schema
        .createIndex('login_failures_subject')
        .on('login_failures')
        .columns(['subject', 'failed_ms'])
        .execute()
      await db.schema
        .createIndex('login_failures_time')
        .on('login_failures')
        .column('failed_ms')
        .execute()
    },
  }
}
