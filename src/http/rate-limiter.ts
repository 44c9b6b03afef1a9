/** @module Per-credential request rate limiting: one token bucket per key, in this process. */

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number }

/**
 * Counts requests per key (a credential key) against a per-minute limit. The count lives in
 * this process: with several Almanac processes behind a load balancer each enforces the limit
 * on its own share of the requests (documented in docs/security.md).
 */
export interface RateLimiter {
  /** Takes one request from `key`'s allowance of `perMinute`; says when to retry if none is left. */
  take(key: string, perMinute: number): RateDecision
}

interface Bucket {
  tokens: number
  updatedMs: number
}

/**
 * Token buckets: each key holds up to `perMinute` requests and regains them evenly over a
 * minute, so a client may burst up to its limit and then runs at its rate. Idle full buckets
 * are dropped when more than `maxKeys` are held.
 */
export function createRateLimiter(
  now: () => number = () => Date.now(),
  maxKeys = 10_000,
): RateLimiter {
  const buckets = new Map<string, Bucket>()

  function evictIdle(at: number): void {
    for (const [key, bucket] of buckets) if (at - bucket.updatedMs >= 60_000) buckets.delete(key)
  }

  return {
    take(key, perMinute) {
      const at = now()
      const perMs = perMinute / 60_000
      let bucket = buckets.get(key)
      if (bucket === undefined) {
        if (buckets.size >= maxKeys) evictIdle(at)
        bucket = { tokens: perMinute, updatedMs: at }
        buckets.set(key, bucket)
      }
      bucket.tokens = Math.min(perMinute, bucket.tokens + (at - bucket.updatedMs) * perMs)
      bucket.updatedMs = at
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1
        return { allowed: true }
      }
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)),
      }
    },
  }
}
