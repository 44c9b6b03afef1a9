import { describe, expect, it } from 'vitest'
import { createRateLimiter } from './rate-limiter.js'

describe('createRateLimiter (per-credential request limits)', () => {
  it('allows a burst up to the limit, then refuses with the time until the next request', () => {
    let now = 1_000_000
    const limiter = createRateLimiter(() => now)
    for (let i = 0; i < 3; i++) expect(limiter.take('k', 3)).toEqual({ allowed: true })
    // 3 per minute: one request comes back every 20 s.
    expect(limiter.take('k', 3)).toEqual({ allowed: false, retryAfterSeconds: 20 })
    now += 19_000
    expect(limiter.take('k', 3)).toEqual({ allowed: false, retryAfterSeconds: 1 })
    now += 1_000
    expect(limiter.take('k', 3)).toEqual({ allowed: true })
    expect(limiter.take('k', 3).allowed).toBe(false)
  })

  it('counts each key on its own', () => {
    const limiter = createRateLimiter(() => 0)
    expect(limiter.take('a', 1).allowed).toBe(true)
    expect(limiter.take('a', 1).allowed).toBe(false)
    expect(limiter.take('b', 1).allowed).toBe(true)
  })

  it('refills to at most the limit after a long pause', () => {
    let now = 0
    const limiter = createRateLimiter(() => now)
    expect(limiter.take('k', 2).allowed).toBe(true)
    now += 10 * 60_000
    expect(limiter.take('k', 2).allowed).toBe(true)
    expect(limiter.take('k', 2).allowed).toBe(true)
    expect(limiter.take('k', 2).allowed).toBe(false)
  })

  it('drops idle buckets when it holds too many keys, keeping busy ones', () => {
    let now = 0
    const limiter = createRateLimiter(() => now, 2)
    limiter.take('old', 1)
    now += 61_000
    limiter.take('busy', 1)
    // Holding 2 keys: a third evicts the idle one, whose allowance is full again anyway.
    limiter.take('new', 1)
    expect(limiter.take('busy', 1).allowed).toBe(false)
    expect(limiter.take('old', 1).allowed).toBe(true)
  })
})
