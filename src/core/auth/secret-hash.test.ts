import { describe, expect, it } from 'vitest'
import { hashSecret, verifySecret } from './secret-hash.js'

const CHEAP = { N: 1024, r: 8, p: 1 }
const SECRET = 'the-same-secret-for-both-1234'

function parts(hash: string) {
  const [scheme, n, r, p, salt, key] = hash.split('$')
  return {
    scheme,
    n,
    r,
    p,
    salt: Buffer.from(salt ?? '', 'base64'),
    key: Buffer.from(key ?? '', 'base64'),
  }
}

// Issue 16, regression 4: secrets-at-rest only looks for the literal secret; these check the format.
describe('hashSecret: scrypt with a random salt per secret', () => {
  it('writes scrypt$N$r$p$<16-byte salt>$<32-byte key>', async () => {
    const hash = await hashSecret(SECRET, CHEAP)
    const { scheme, n, r, p, salt, key } = parts(hash)
    expect([scheme, n, r, p]).toEqual(['scrypt', '1024', '8', '1'])
    expect(salt).toHaveLength(16)
    expect(key).toHaveLength(32)
    expect(await verifySecret(SECRET, hash)).toBe(true)
    expect(await verifySecret(`${SECRET}x`, hash)).toBe(false)
  })

  it('gives two credentials with the same secret different salts and hashes', async () => {
    const [one, two] = await Promise.all([hashSecret(SECRET, CHEAP), hashSecret(SECRET, CHEAP)])
    expect(one).not.toBe(two)
    expect(parts(one).salt.equals(parts(two).salt)).toBe(false)
    expect(parts(one).key.equals(parts(two).key)).toBe(false)
  })

  it('stores nothing that decodes to the secret', async () => {
    const hash = await hashSecret(SECRET, CHEAP)
    const { salt, key } = parts(hash)
    for (const field of [salt, key, Buffer.from(hash)])
      for (const encoding of ['utf8', 'latin1', 'hex', 'base64'] as const)
        expect(field.toString(encoding)).not.toContain(SECRET)
    expect(salt.includes(Buffer.from(SECRET.slice(0, 8)))).toBe(false)
  })
})
