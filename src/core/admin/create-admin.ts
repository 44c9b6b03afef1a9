/** @module Assembles the `Admin` from its use cases, with the production defaults. */
import { PASSWORD_HASH_PARAMS, SECRET_HASH_PARAMS } from '../auth/secret-hash.js'
import { createAccountAdmin } from './account-admin.js'
import type { Admin } from './admin.js'
import type { AdminDeps } from './admin-deps.js'
import { createStoreAdmin } from './store-admin.js'

/** Defaults of everything but the storage and the server's body limit. */
export const ADMIN_DEFAULTS: Omit<AdminDeps, 'admin' | 'serverMaxBodyBytes'> = {
  hashing: { secrets: SECRET_HASH_PARAMS, passwords: PASSWORD_HASH_PARAMS },
  sessionTtlMs: 12 * 60 * 60 * 1000,
  // OWASP Authentication Cheat Sheet: lock out after a few failures, for a limited time.
  loginThrottle: { maxFailures: 5, maxFailuresPerClient: 20, windowMs: 15 * 60 * 1000 },
  now: () => Date.now(),
  audit: () => undefined,
}

export function createAdmin(deps: AdminDeps): Admin {
  return { ...createStoreAdmin(deps), ...createAccountAdmin(deps) }
}
