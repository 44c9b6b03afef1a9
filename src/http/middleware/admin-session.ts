/** @module Authentication of the admin API: a bearer token or the console's session cookie (with a CSRF token). */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { Context, MiddlewareHandler } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { Admin, SessionView } from '../../core/admin/admin.js'
import { CsrfTokenError, UnauthorizedError } from '../../errors/errors.js'

/** The console's session cookie: HttpOnly, so the page's scripts never see the token. */
export const SESSION_COOKIE = 'almanac_session'
/** The header a cookie-authenticated state-changing request carries its CSRF token in. */
export const CSRF_HEADER = 'X-CSRF-Token'
/** Requests that change nothing (RFC 9110 §9.2.1): no CSRF token needed. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** What the admin middleware puts on the context. */
export interface AdminEnv {
  Bindings: {
    /** The Node request, when served by @hono/node-server (absent in in-process tests). */
    incoming?: { socket?: { remoteAddress?: string } }
  }
  Variables: {
    session: SessionView
    /** The session token of the request, for sign-out. */
    token: string
    /** How the request authenticated: the console's cookie or an `Authorization` header. */
    via: 'cookie' | 'bearer'
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
 * The CSRF token of a session: derived from its token (the "HMAC/hash-based" synchronizer of
 * the OWASP CSRF cheat sheet), so every process knows it without storing anything. A page of
 * another site cannot read the HttpOnly cookie, so it cannot compute or send the token, and
 * the token does not reveal the session token (SHA-256 is one-way).
 */
export function csrfToken(sessionToken: string): string {
  return createHash('sha256').update(`almanac-csrf:${sessionToken}`).digest('base64url')
}

function sameToken(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** True when the request reached us over HTTPS (directly or through a proxy that says so). */
function isHttps(c: Context): boolean {
  const forwarded = c.req.header('X-Forwarded-Proto')?.split(',')[0]?.trim().toLowerCase()
  return forwarded === 'https' || new URL(c.req.url).protocol === 'https:'
}

export interface CookieOptions {
  /** Always mark the cookie Secure (ALMANAC_PUBLIC_URL is https), not only on HTTPS requests. */
  readonly alwaysSecure: boolean
}

/** Sets the session cookie: HttpOnly, SameSite=Strict, Secure over HTTPS, scoped to /api. */
export function setSessionCookie(
  c: Context,
  token: string,
  expiresAt: string,
  options: CookieOptions,
): void {
  const maxAge = Math.max(0, Math.floor((Date.parse(expiresAt) - Date.now()) / 1000))
  setCookie(c, SESSION_COOKIE, token, {
    path: '/api',
    httpOnly: true,
    sameSite: 'Strict',
    secure: options.alwaysSecure || isHttps(c),
    maxAge,
  })
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/api' })
}

/**
 * Requires a live admin session, from `Authorization: Bearer` (API clients) or else from the
 * console's cookie. A cookie is sent by the browser on its own, so a cookie-authenticated
 * request that changes state must also carry the session's CSRF token in `X-CSRF-Token`;
 * bearer requests cannot be forged that way and need none. HTTP Basic credentials of xAPI
 * clients are not accepted here: a credential belongs to one store, the admin API manages them all.
 */
export function adminSession(admin: Admin): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    const bearer = bearerToken(c.req.header('Authorization'))
    const cookie = bearer === undefined ? getCookie(c, SESSION_COOKIE) : undefined
    const token = bearer ?? cookie
    const session = token === undefined ? undefined : await admin.session(token)
    if (token === undefined || session === undefined) {
      bearerChallenge(c)
      if (cookie !== undefined) clearSessionCookie(c)
      throw UnauthorizedError(
        token === undefined
          ? 'sign in first: send Authorization: Bearer <token> from POST /api/session'
          : 'the session expired or was ended; sign in again',
      )
    }
    if (
      bearer === undefined &&
      !SAFE_METHODS.has(c.req.method) &&
      !sameToken(c.req.header(CSRF_HEADER), csrfToken(token))
    )
      throw CsrfTokenError()
    c.set('session', session)
    c.set('token', token)
    c.set('via', bearer === undefined ? 'cookie' : 'bearer')
    return next()
  }
}
