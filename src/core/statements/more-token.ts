/** @module The `more` token: a self-contained, opaque continuation of a statement query. */
import { InvalidParameterError } from '../../errors/errors.js'
import type { StatementCursor } from '../../storage/ports.js'
import type { StatementQueryParameters } from '../lrs.js'

/**
 * Everything needed to read the next page travels in the token (the original parameters and
 * the cursor), so any Almanac process behind a load balancer can serve it; nothing is kept in
 * memory between requests.
 */
interface MoreState {
  v: 1
  /** Original query parameters (without `limit` changes). */
  p: StatementQueryParameters
  /** Cursor: snapshot and last seq. */
  s: number
  a: number
}

export function encodeMoreToken(
  parameters: StatementQueryParameters,
  cursor: StatementCursor,
): string {
  const state: MoreState = { v: 1, p: parameters, s: cursor.snapshot, a: cursor.after }
  return Buffer.from(JSON.stringify(state), 'utf8').toString('base64url')
}

function isParameterRecord(value: unknown): value is StatementQueryParameters {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  )
}

export function decodeMoreToken(token: string): {
  parameters: StatementQueryParameters
  cursor: StatementCursor
} {
  let state: unknown
  try {
    state = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'))
  } catch {
    throw InvalidParameterError('more', 'is not a token this LRS issued')
  }
  if (
    typeof state !== 'object' ||
    state === null ||
    !('v' in state) ||
    state.v !== 1 ||
    !('p' in state) ||
    !isParameterRecord(state.p) ||
    !('s' in state) ||
    !Number.isSafeInteger(state.s) ||
    !('a' in state) ||
    !Number.isSafeInteger(state.a)
  )
    throw InvalidParameterError('more', 'is not a token this LRS issued')
  return {
    parameters: state.p,
    cursor: { snapshot: state.s as number, after: state.a as number },
  }
}
