/** @module The admin-account part of AdminStore on SQL: accounts, bearer sessions, failed logins. */
import type { Kysely, Updateable } from 'kysely'
import type { AccountRecord, AdminRecords, SessionRecord } from '../ports.js'
import type { AdminAccountsTable, AdminSessionsTable, Database } from './database.js'
import { chunk, isoFromMs, msFromIso, toNumber } from './sql-support.js'

type AccountMethods = Pick<
  AdminRecords,
  | 'findAccount'
  | 'listAccounts'
  | 'insertAccount'
  | 'updateAccount'
  | 'deleteAccount'
  | 'insertSession'
  | 'findSession'
  | 'deleteSession'
  | 'deleteSessions'
  | 'deleteExpiredSessions'
  | 'insertLoginFailures'
  | 'countLoginFailures'
  | 'deleteLoginFailures'
  | 'purgeLoginFailures'
>

function accountFromRow(row: AdminAccountsTable): AccountRecord {
  return {
    username: row.username,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
    lastLoginAt: row.last_login_at ?? undefined,
  }
}

function sessionFromRow(row: AdminSessionsTable): SessionRecord {
  return {
    tokenHash: row.token_hash,
    username: row.username,
    createdAt: isoFromMs(toNumber(row.created_ms)),
    expiresAt: isoFromMs(toNumber(row.expires_ms)),
  }
}

/** Times are compared as epoch ms columns, the same on both engines. */
export function createSqlAccountStore(
  db: Kysely<Database>,
  inTransaction: boolean,
): AccountMethods {
  return {
    async findAccount(username) {
      const row = await db
        .selectFrom('admin_accounts')
        .selectAll()
        .where('username', '=', username)
        .executeTakeFirst()
      return row === undefined ? undefined : accountFromRow(row)
    },

    async listAccounts() {
      const rows = await db
        .selectFrom('admin_accounts')
        .selectAll()
        .orderBy('username', 'asc')
        .execute()
      return rows.map(accountFromRow)
    },

    async insertAccount(record) {
      await db
        .insertInto('admin_accounts')
        .values({
          username: record.username,
          password_hash: record.passwordHash,
          created_at: record.createdAt,
          last_login_at: record.lastLoginAt ?? null,
        })
        .execute()
    },

    async updateAccount(username, changes) {
      const set: Updateable<AdminAccountsTable> = {}
      if (changes.passwordHash !== undefined) set.password_hash = changes.passwordHash
      if (changes.lastLoginAt !== undefined) set.last_login_at = changes.lastLoginAt
      if (Object.keys(set).length === 0) return
      await db.updateTable('admin_accounts').set(set).where('username', '=', username).execute()
    },

    async deleteAccount(username) {
      const remove = async (trx: Kysely<Database>) => {
        await trx.deleteFrom('admin_sessions').where('username', '=', username).execute()
        const result = await trx
          .deleteFrom('admin_accounts')
          .where('username', '=', username)
          .executeTakeFirst()
        return result.numDeletedRows > 0n
      }
      return inTransaction ? remove(db) : db.transaction().execute(remove)
    },

    async insertSession(record) {
      await db
        .insertInto('admin_sessions')
        .values({
          token_hash: record.tokenHash,
          username: record.username,
          created_ms: msFromIso(record.createdAt),
          expires_ms: msFromIso(record.expiresAt),
        })
        .execute()
    },

    async findSession(tokenHash, now) {
      const row = await db
        .selectFrom('admin_sessions')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .where('expires_ms', '>', msFromIso(now))
        .executeTakeFirst()
      return row === undefined ? undefined : sessionFromRow(row)
    },

    async deleteSession(tokenHash) {
      await db.deleteFrom('admin_sessions').where('token_hash', '=', tokenHash).execute()
    },

    async deleteSessions(username) {
      await db.deleteFrom('admin_sessions').where('username', '=', username).execute()
    },

    async deleteExpiredSessions(now) {
      await db.deleteFrom('admin_sessions').where('expires_ms', '<=', msFromIso(now)).execute()
    },

    async insertLoginFailures(subjects, at) {
      const failedMs = msFromIso(at)
      for (const part of chunk([...subjects], 100))
        await db
          .insertInto('login_failures')
          .values(part.map((subject) => ({ subject, failed_ms: failedMs })))
          .execute()
    },

    async countLoginFailures(subject, since) {
      const row = await db
        .selectFrom('login_failures')
        .select((eb) => [eb.fn.countAll().as('count'), eb.fn.min('failed_ms').as('oldest')])
        .where('subject', '=', subject)
        .where('failed_ms', '>', msFromIso(since))
        .executeTakeFirst()
      const count = row === undefined ? 0 : Number(row.count)
      const oldest =
        row?.oldest === undefined || row.oldest === null
          ? undefined
          : isoFromMs(toNumber(row.oldest))
      return { count, oldest }
    },

    async deleteLoginFailures(subject) {
      await db.deleteFrom('login_failures').where('subject', '=', subject).execute()
    },

    async purgeLoginFailures(before) {
      await db.deleteFrom('login_failures').where('failed_ms', '<=', msFromIso(before)).execute()
    },
  }
}
