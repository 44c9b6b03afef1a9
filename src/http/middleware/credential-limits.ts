/** @module Per-credential request limits, after authentication: rate (429) and body size (413). */
import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from './body-limit.js'
import { PayloadTooLargeError, RateLimitedError } from '../../errors/errors.js'
import type { AppEnv } from '../app-env.js'
import type { RateLimiter } from '../rate-limiter.js'

export interface CredentialLimitOptions {
  /** Requests per minute of a credential without its own limit; undefined = unlimited. */
  readonly defaultRequestsPerMinute: number | undefined
  /** The server's body limit, already enforced before authentication. */
  readonly serverMaxBodyBytes: number
  readonly limiter: RateLimiter
}

/**
 * Applies the authenticated credential's limits (`Principal.limits`, else the server's): too
 * many requests are answered 429 with `Retry-After` (RFC 6585 §4), a larger body than the
 * credential may send 413. The server's own body limit runs before authentication (the
 * alternate request syntax reads the body first), so a credential's limit can only be lower.
 */
export function credentialLimits(options: CredentialLimitOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = c.get('ctx').principal
    const perMinute = principal.limits?.requestsPerMinute ?? options.defaultRequestsPerMinute
    if (perMinute !== undefined) {
      const decision = options.limiter.take(principal.key, perMinute)
      if (!decision.allowed)
        throw RateLimitedError(
          `this credential may make ${perMinute} requests per minute; retry in ${decision.retryAfterSeconds} s`,
          decision.retryAfterSeconds,
        )
    }
    const maxBody = principal.limits?.maxBodyBytes
    if (maxBody === undefined || maxBody >= options.serverMaxBodyBytes) return next()
    return bodyLimit({
      maxSize: maxBody,
      onError: () => {
        throw PayloadTooLargeError(maxBody)
      },
    })(c, next)
  }
}
