/** @module The `more` token: a self-contained, opaque, authenticated continuation of a statement query. */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { InvalidParameterError } from '../../errors/errors.js'
import type { StatementCursor, StoreId } from '../../storage/ports.js'
import type { StatementQueryParameters } from '../lrs.js'

/**
 * Everything needed to read the next page travels in the token (the original parameters and
 * the cursor), so any Almanac process behind a load balancer can serve it; nothing is kept in
 * memory between requests.
 *
 * The cursor is made of `seq` values, which number the statements of every store together: in
 * the clear they would let a caller watch the whole server's write volume (issue 15). So the
 * state is sealed with AES-256-GCM under a key every process of the database shares (the
 * server secret `MORE_TOKEN_SECRET`), with the store's id as associated data: the token is
 * opaque, cannot be forged or altered, and is refused by any other store.
 */
interface MoreState {
  v: 1
  /** Original query parameters (without `limit` changes). */
  p: StatementQueryParameters
  /** Cursor: snapshot and last seq. */
  s: number
  a: number
}

/** The name of the server secret that keys the tokens (`AdminStore.sharedSecret`). */
export const MORE_TOKEN_SECRET = 'more-token-key-v1'

/** A fresh random key, offered once: the first process to offer one sets it for all. */
export function newMoreTokenKey(): string {
  return randomBytes(32).toString('base64')
}

/** The token format's first byte, so that a later format can be told apart. */
const FORMAT = 1
const IV_BYTES = 12
const TAG_BYTES = 16

function associatedData(storeId: StoreId): Buffer {
  return Buffer.from(`almanac more token, store ${storeId}`, 'utf8')
}

export function encodeMoreToken(
  key: Uint8Array,
  storeId: StoreId,
  parameters: StatementQueryParameters,
  cursor: StatementCursor,
): string {
  const state: MoreState = { v: 1, p: parameters, s: cursor.snapshot, a: cursor.after }
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(associatedData(storeId))
  const sealed = Buffer.concat([cipher.update(JSON.stringify(state), 'utf8'), cipher.final()])
  return Buffer.concat([Buffer.from([FORMAT]), iv, sealed, cipher.getAuthTag()]).toString(
    'base64url',
  )
}

function isParameterRecord(value: unknown): value is StatementQueryParameters {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  )
}

/** Opens a token; anything this LRS did not issue for this store is a 400. */
export function decodeMoreToken(
  key: Uint8Array,
  storeId: StoreId,
  token: string,
): {
  parameters: StatementQueryParameters
  cursor: StatementCursor
} {
  const refused = () => InvalidParameterError('more', 'is not a token this LRS issued')
  const bytes = Buffer.from(token, 'base64url')
  if (bytes.length < 1 + IV_BYTES + TAG_BYTES + 2 || bytes[0] !== FORMAT) throw refused()
  let state: unknown
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(1, 1 + IV_BYTES))
    decipher.setAAD(associatedData(storeId))
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES))
    const plain = Buffer.concat([
      decipher.update(bytes.subarray(1 + IV_BYTES, bytes.length - TAG_BYTES)),
      decipher.final(),
    ])
    state = JSON.parse(plain.toString('utf8'))
  } catch {
    throw refused()
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
    throw refused()
  return {
    parameters: state.p,
    cursor: { snapshot: state.s as number, after: state.a as number },
  }
}
