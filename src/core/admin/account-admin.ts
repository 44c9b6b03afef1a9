/** @module Admin accounts and their sessions: scrypt passwords, hashed bearer tokens, throttled sign-in. */
import { createHash, randomBytes } from 'node:crypto'
import {
  AlreadyExistsError,
  LastAccountError,
  NotFoundError,
  RateLimitedError,
  UnauthorizedError,
} from '../../errors/errors.js'
import { isLrsError } from '../../errors/lrs-error.js'
import type { AccountRecord } from '../../storage/ports.js'
import { hashSecret, verifySecret } from '../auth/secret-hash.js'
import type { AccountView, Admin } from './admin.js'
import { type AdminDeps, invalidField } from './admin-deps.js'

export type AccountAdmin = Pick<
  Admin,
  | 'login'
  | 'session'
  | 'logout'
  | 'listAccounts'
  | 'createAccount'
  | 'changePassword'
  | 'deleteAccount'
  | 'ensureAccount'
>

const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/
const MIN_PASSWORD = 12
const MAX_PASSWORD = 1024
/** Bearer tokens are 256 random bits, base64url (43 characters). */
const TOKEN_BYTES = 32

function checkUsername(username: string): string {
  if (!USERNAME.test(username))
    throw invalidField('username', 'must be 1 to 64 letters, digits or . _ @ -')
  return username
}

function checkPassword(password: string): string {
  if (password.length < MIN_PASSWORD || password.length > MAX_PASSWORD)
    throw invalidField('password', `must be ${MIN_PASSWORD} to ${MAX_PASSWORD} characters long`)
  return password
}

/** Sessions are found by the SHA-256 of the token: a leaked table gives no usable token. */
function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

function accountView(record: AccountRecord): AccountView {
  return {
    username: record.username,
    createdAt: record.createdAt,
    lastLoginAt: record.lastLoginAt ?? null,
  }
}

export function createAccountAdmin(deps: AdminDeps): AccountAdmin {
  const { admin, audit, loginThrottle } = deps
  const iso = (ms: number) => new Date(ms).toISOString()
  /**
   * Checked against when the username is unknown, so that a wrong username costs the same time
   * as a wrong password and timing does not reveal which accounts exist.
   */
  let decoyHash: Promise<string> | undefined

  /** 429 when a subject has used up its failures within the window. */
  async function checkThrottle(subject: string, limit: number, now: number): Promise<void> {
    const { count, oldest } = await admin.countLoginFailures(
      subject,
      iso(now - loginThrottle.windowMs),
    )
    if (count < limit) return
    const freeAt = (oldest === undefined ? now : Date.parse(oldest)) + loginThrottle.windowMs
    const seconds = Math.max(1, Math.ceil((freeAt - now) / 1000))
    throw RateLimitedError(`too many failed sign-ins; try again in ${seconds} s`, seconds)
  }

  async function hashPassword(password: string): Promise<string> {
    return hashSecret(password, deps.hashing.passwords)
  }

  async function insertAccount(by: string, username: string, password: string) {
    const record: AccountRecord = {
      username: checkUsername(username),
      passwordHash: await hashPassword(checkPassword(password)),
      createdAt: iso(deps.now()),
      lastLoginAt: undefined,
    }
    try {
      await admin.insertAccount(record)
    } catch (error) {
      if (isLrsError(error) && error.kind === 'Conflict')
        throw AlreadyExistsError(`an account named '${username}' already exists`)
      throw error
    }
    audit('account.created', { by, username })
    return record
  }

  return {
    async login(username, password, client) {
      const now = deps.now()
      const pair = `account:${username}|client:${client}`
      const address = `client:${client}`
      try {
        await checkThrottle(pair, loginThrottle.maxFailures, now)
        await checkThrottle(address, loginThrottle.maxFailuresPerClient, now)
      } catch (error) {
        audit('admin.login.throttled', { username, client })
        throw error
      }

      const account = await admin.findAccount(username)
      const hash =
        account?.passwordHash ??
        (await (decoyHash ??= hashPassword(randomBytes(16).toString('hex'))))
      const valid = (await verifySecret(password, hash)) && account !== undefined
      if (!valid) {
        await admin.insertLoginFailures([pair, address], iso(now))
        await admin.purgeLoginFailures(iso(now - loginThrottle.windowMs))
        audit('admin.login.failed', { username, client })
        throw UnauthorizedError('unknown username or wrong password')
      }

      await admin.deleteLoginFailures(pair)
      await admin.deleteExpiredSessions(iso(now))
      const token = randomBytes(TOKEN_BYTES).toString('base64url')
      const expiresAt = iso(now + deps.sessionTtlMs)
      // One unit of work with a re-check: a password change or deletion that committed since the
      // password was verified revoked every session, so this one must not be created after it.
      const stillValid = await admin.transaction(async (tx) => {
        const current = await tx.findAccount(account.username)
        if (current?.passwordHash !== account.passwordHash) return false
        await tx.insertSession({
          tokenHash: tokenHash(token),
          username: account.username,
          createdAt: iso(now),
          expiresAt,
        })
        await tx.updateAccount(account.username, { lastLoginAt: iso(now) })
        return true
      })
      if (!stillValid) throw UnauthorizedError('unknown username or wrong password')
      audit('admin.login', { username: account.username, client })
      return { token, username: account.username, expiresAt }
    },

    async session(token) {
      const found = await admin.findSession(tokenHash(token), iso(deps.now()))
      return found === undefined
        ? undefined
        : { username: found.username, expiresAt: found.expiresAt }
    },

    async logout(token) {
      await admin.deleteSession(tokenHash(token))
    },

    async listAccounts() {
      return (await admin.listAccounts()).map(accountView)
    },

    async createAccount(by, input) {
      return accountView(await insertAccount(by, input.username, input.password))
    },

    async changePassword(by, username, password) {
      if ((await admin.findAccount(username)) === undefined)
        throw NotFoundError(`no account named '${username}'`)
      // scrypt is slow on purpose: hash before the unit of work, which then only writes.
      const passwordHash = await hashPassword(checkPassword(password))
      // The new hash and the revocation of every session commit together: no moment where the
      // new password is set and a session made under the old one still works.
      await admin.transaction(async (tx) => {
        if ((await tx.findAccount(username)) === undefined)
          throw NotFoundError(`no account named '${username}'`)
        await tx.updateAccount(username, { passwordHash })
        await tx.deleteSessions(username)
      })
      audit('account.password_changed', { by, username })
    },

    async deleteAccount(by, username) {
      // Check and delete in one unit of work: two concurrent deletions of the last two
      // accounts cannot both see "not the last one" (units of work run one at a time).
      await admin.transaction(async (tx) => {
        if ((await tx.findAccount(username)) === undefined)
          throw NotFoundError(`no account named '${username}'`)
        if ((await tx.listAccounts()).length <= 1) throw LastAccountError()
        await tx.deleteAccount(username)
      })
      audit('account.deleted', { by, username })
    },

    async ensureAccount(by, username, password) {
      if ((await admin.findAccount(username)) !== undefined) return false
      try {
        await insertAccount(by, username, password)
      } catch (error) {
        // Another process created it between the check and the insert: the outcome wanted.
        if (AlreadyExistsError.is(error)) return false
        throw error
      }
      return true
    },
  }
}
