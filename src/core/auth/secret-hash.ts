/** @module Slow salted hashing of credential secrets and admin passwords (scrypt); never stored in clear. */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

/** scrypt's cost (N, a power of two), block size (r) and parallelism (p). */
export interface HashParams {
  readonly N: number
  readonly r: number
  readonly p: number
}

/**
 * Credential secrets are 192 random bits (or a bootstrap secret the operator chose): the hash
 * guards a leaked database, and each check runs once per credential and process (the
 * authenticator memoises it), so a moderate cost suffices. ~50 ms here, 16 MiB.
 */
export const SECRET_HASH_PARAMS: HashParams = { N: 16384, r: 8, p: 1 }

/**
 * Passwords are chosen by people, so they get the OWASP Password Storage Cheat Sheet's scrypt
 * strength (N=2^16, r=8, p=2, equivalent to its N=2^17, p=1): ~0.4 s here, 64 MiB per lane.
 */
export const PASSWORD_HASH_PARAMS: HashParams = { N: 65536, r: 8, p: 2 }

const KEY_LENGTH = 32
/** The largest parameters `verifySecret` accepts from a stored hash (a malformed row must not exhaust memory). */
const MAX_N = 1 << 20

function derive(
  secret: string,
  salt: Buffer,
  options: ScryptOptions & HashParams,
): Promise<Buffer> {
  // scrypt needs 128 · N · r bytes; allow twice that.
  const maxmem = 256 * options.N * options.r
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_LENGTH, { ...options, maxmem }, (error, key) => {
      if (error) reject(error)
      else resolve(key)
    })
  })
}

/**
 * `scrypt$N$r$p$<salt b64>$<hash b64>`: the parameters travel with the hash so they can be raised
 * later without invalidating stored hashes.
 */
export async function hashSecret(
  secret: string,
  params: HashParams = SECRET_HASH_PARAMS,
): Promise<string> {
  const salt = randomBytes(16)
  const key = await derive(secret, salt, { N: params.N, r: params.r, p: params.p })
  return [
    'scrypt',
    params.N,
    params.r,
    params.p,
    salt.toString('base64'),
    key.toString('base64'),
  ].join('$')
}

/** Constant-time check of a secret against a stored hash; false for a malformed hash. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, saltText, hashText] = stored.split('$')
  if (scheme !== 'scrypt' || saltText === undefined || hashText === undefined) return false
  const params = { N: Number(n), r: Number(r), p: Number(p) }
  if (![params.N, params.r, params.p].every((v) => Number.isInteger(v) && v > 0)) return false
  if (params.N > MAX_N || params.r > 32 || params.p > 16) return false
  const expected = Buffer.from(hashText, 'base64')
  const key = await derive(secret, Buffer.from(saltText, 'base64'), params)
  return key.length === expected.length && timingSafeEqual(key, expected)
}
