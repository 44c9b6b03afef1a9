/** @module What the admin use cases receive from the composition root, and their input checks. */
import { BadRequestError } from '../../errors/errors.js'
import type { LrsError } from '../../errors/lrs-error.js'
import type { AdminStore } from '../../storage/ports.js'
import type { HashParams } from '../auth/secret-hash.js'

/** How failed sign-ins are throttled (in the database, so across processes). */
export interface LoginThrottle {
  /** Failures allowed per username and client address within the window. */
  readonly maxFailures: number
  /** Failures allowed per client address, whatever the username, within the window. */
  readonly maxFailuresPerClient: number
  readonly windowMs: number
}

/** An event of the audit log; never carries a secret, password or token. */
export type AuditLog = (event: string, fields: Readonly<Record<string, unknown>>) => void

export interface AdminDeps {
  readonly admin: AdminStore
  /** scrypt costs: tests pass cheap ones; production uses the defaults of `secret-hash.ts`. */
  readonly hashing: { readonly secrets: HashParams; readonly passwords: HashParams }
  readonly sessionTtlMs: number
  readonly loginThrottle: LoginThrottle
  /** The server's body limit: a credential's own limit may only be lower. */
  readonly serverMaxBodyBytes: number
  /** The clock, in epoch ms. */
  readonly now: () => number
  readonly audit: AuditLog
}

/** A 400 naming the input field and the rule it breaks. */
export function invalidField(field: string, rule: string): LrsError {
  return BadRequestError(`${field}: ${rule}`)
}

/** A trimmed, non-empty label of at most 200 characters. */
export function checkName(value: string, field = 'name'): string {
  const name = value.trim()
  if (name === '' || name.length > 200)
    throw invalidField(field, 'must be 1 to 200 characters, not blank')
  return name
}

/** A positive integer limit, at most `max`. */
export function checkLimit(value: number, field: string, max: number): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max)
    throw invalidField(field, `must be an integer from 1 to ${max}`)
  return value
}
