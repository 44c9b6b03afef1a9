/** @module Bearer authentication of the admin API: resolves the session or answers 401. */
import type { Context, MiddlewareHandler } from 'hono'
import type { Admin, SessionView } from '../../core/admin/admin.js'
import { UnauthorizedError } from '../../errors/errors.js'

/** What the admin middleware puts on the context. */
export interface AdminEnv {
  Bindings: {
    /** The Node request, when served by @hono/node-server (absent in in-process tests). */
    incoming?: { socket?: { remoteAddress?: string } }
  }
  Variables: {
    session: SessionView
    /** The bearer token of the request, for sign-out. */
    token: string
  }
}

/** The challenge of a 401 from the admin API (RFC 6750 §3); error-response keeps it. */
export function bearerChallenge(c: Context): void {
  c.header('WWW-Authenticate', 'Bearer realm="Almanac admin"')
}

/** The token of an `Authorization: Bearer …` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(header ?? '')
  return match?.[1]
}

/**
 * Requires a live admin session. HTTP Basic credentials of xAPI clients are not accepted here:
 * a credential belongs to one store, the admin API manages them all.
 */
export function adminSession(admin: Admin): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header('Authorization'))
    const session = token === undefined ? undefined : await admin.session(token)
    if (token === undefined || session === undefined) {
      bearerChallenge(c)
      throw UnauthorizedError(
        token === undefined
          ? 'sign in first: send Authorization: Bearer <token> from POST /api/session'
          : 'the session expired or was ended; sign in again',
      )
    }
    c.set('session', session)
    c.set('token', token)
    return next()
  }
}
