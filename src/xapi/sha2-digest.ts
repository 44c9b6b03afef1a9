/** @module Checking content against a hex SHA-2 digest of any standard width (Data §2.4.11). */
import { createHash } from 'node:crypto'

/**
 * SHA-2 digests by hex length (FIPS 180-4). The sha2 property is "the SHA-2 hash" of any width
 * (Data §2.4.11); providers SHOULD use SHA-256/384/512 (Communication §1.5.2).
 */
const DIGESTS_BY_HEX_LENGTH: ReadonlyMap<number, readonly string[]> = new Map([
  [56, ['sha224', 'sha512-224']],
  [64, ['sha256', 'sha512-256']],
  [96, ['sha384']],
  [128, ['sha512']],
])

/** The digest algorithms a hex digest of this width may come from; undefined when it is not one. */
export function sha2AlgorithmsFor(hex: string): readonly string[] | undefined {
  const lower = hex.toLowerCase()
  return /^[0-9a-f]+$/.test(lower) ? DIGESTS_BY_HEX_LENGTH.get(lower.length) : undefined
}

/** True when `content` hashes to `hex` under one of the SHA-2 functions of that width. */
export function sha2Matches(content: Uint8Array, hex: string): boolean {
  const expected = hex.toLowerCase()
  return (sha2AlgorithmsFor(expected) ?? []).some(
    (algorithm) => createHash(algorithm).update(content).digest('hex') === expected,
  )
}
