import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { decodeMoreToken, encodeMoreToken } from './more-token.js'

const key = randomBytes(32)
const parameters = { verb: 'http://adlnet.gov/expapi/verbs/completed', limit: '2' }
const cursor = { snapshot: 987654321, after: 123456789 }

describe('more tokens (issue 15)', () => {
  it('round-trips the parameters and cursor for the store that issued it', () => {
    const token = encodeMoreToken(key, 7, parameters, cursor)
    expect(decodeMoreToken(key, 7, token)).toEqual({ parameters, cursor })
  })

  it('shows neither the cursor nor the parameters, and differs every time', () => {
    const token = encodeMoreToken(key, 7, parameters, cursor)
    const bytes = Buffer.from(token, 'base64url').toString('latin1')
    for (const clear of ['987654321', '123456789', 'adlnet', '"s"', '"a"'])
      expect(bytes).not.toContain(clear)
    expect(token).not.toContain('987654321')
    expect(encodeMoreToken(key, 7, parameters, cursor)).not.toBe(token)
  })

  it('is refused by another store, under another key, altered, or unsealed', () => {
    const token = encodeMoreToken(key, 7, parameters, cursor)
    expect(() => decodeMoreToken(key, 8, token)).toThrow(/not a token this LRS issued/)
    expect(() => decodeMoreToken(randomBytes(32), 7, token)).toThrow(/not a token/)
    const altered = Buffer.from(token, 'base64url')
    altered[20] = (altered[20] ?? 0) ^ 1
    expect(() => decodeMoreToken(key, 7, altered.toString('base64url'))).toThrow(/not a token/)
    const plain = Buffer.from(JSON.stringify({ v: 1, p: {}, s: 1, a: 1 })).toString('base64url')
    expect(() => decodeMoreToken(key, 7, plain)).toThrow(/not a token/)
    expect(() => decodeMoreToken(key, 7, '')).toThrow(/not a token/)
  })
})
