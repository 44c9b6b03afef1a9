/** @module The `Admin` interface: managing stores, credentials and admin accounts, as the admin API and CLI call it. */
import type { StoreId } from '../../storage/ports.js'

/**
 * Who performs an admin action, for the audit log: `admin:<username>` for a signed-in account,
 * `cli` for the command line, `startup` for the configuration.
 */
export type AdminActor = string

/** A store (tenant). */
export interface StoreView {
  id: StoreId
  name: string
  createdAt: string
}

/** A credential as listed: everything but its secret, which is never shown again. */
export interface CredentialView {
  key: string
  storeId: StoreId
  name: string
  scopes: string[]
  enabled: boolean
  createdAt: string
  lastUsedAt: string | null
  /** Requests per minute; null = the server's default. */
  rateLimitPerMinute: number | null
  /** Largest request body in bytes; null = the server's limit. */
  maxBodyBytes: number | null
}

/** A credential just created or rotated, with its secret: the only time the secret is shown. */
export interface IssuedCredential {
  credential: CredentialView
  secret: string
}

export interface NewCredentialInput {
  name: string
  /** xAPI scopes (Communication §4.2); none means `statements/write` + `statements/read/mine`. */
  scopes?: readonly string[] | undefined
  rateLimitPerMinute?: number | undefined
  maxBodyBytes?: number | undefined
}

/** What `updateCredential` changes; absent members stay, null limits go back to the default. */
export interface CredentialUpdate {
  name?: string | undefined
  scopes?: readonly string[] | undefined
  enabled?: boolean | undefined
  rateLimitPerMinute?: number | null | undefined
  maxBodyBytes?: number | null | undefined
}

export interface AccountView {
  username: string
  createdAt: string
  lastLoginAt: string | null
}

/** A signed-in session, as the bearer token resolves to. */
export interface SessionView {
  username: string
  expiresAt: string
}

/** The answer to a successful sign-in: the bearer token, shown once, stored only hashed. */
export interface IssuedSession extends SessionView {
  token: string
}

/** The admin use cases. Admin accounts manage every store. */
export interface Admin {
  /**
   * Signs in: a bearer token valid until `expiresAt`. Wrong or unknown credentials are a 401;
   * too many failures for the username from `client` (an address), or from `client` at all,
   * within the throttle window are a 429 with a retry time, checked before the password.
   */
  login(username: string, password: string, client: string): Promise<IssuedSession>
  /** The session a bearer token belongs to; undefined when unknown, expired or signed out. */
  session(token: string): Promise<SessionView | undefined>
  /** Ends the session of this token (idempotent). */
  logout(token: string): Promise<void>

  listStores(): Promise<StoreView[]>
  /** 404 when there is no such store. */
  getStore(id: StoreId): Promise<StoreView>
  createStore(by: AdminActor, input: { name: string }): Promise<StoreView>
  updateStore(by: AdminActor, id: StoreId, changes: { name: string }): Promise<StoreView>

  /** The credentials of a store, without secrets; 404 for an unknown store. */
  listCredentials(storeId: StoreId): Promise<CredentialView[]>
  getCredential(key: string): Promise<CredentialView>
  createCredential(
    by: AdminActor,
    storeId: StoreId,
    input: NewCredentialInput,
  ): Promise<IssuedCredential>
  /** Renames, rescopes, disables/enables (revocation) or changes the limits of a credential. */
  updateCredential(by: AdminActor, key: string, changes: CredentialUpdate): Promise<CredentialView>
  /** A new secret; the old one stops working at once, in every process. */
  rotateCredential(by: AdminActor, key: string): Promise<IssuedCredential>

  listAccounts(): Promise<AccountView[]>
  createAccount(by: AdminActor, input: { username: string; password: string }): Promise<AccountView>
  /** Sets a new password and ends every session of the account. */
  changePassword(by: AdminActor, username: string, password: string): Promise<void>
  /** Deletes an account and its sessions; the last account cannot be deleted (409). */
  deleteAccount(by: AdminActor, username: string): Promise<void>
  /** Creates the account when no account has that username (the configured first admin). */
  ensureAccount(by: AdminActor, username: string, password: string): Promise<boolean>
}
