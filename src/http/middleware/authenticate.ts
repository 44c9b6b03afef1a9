/** @module HTTP Basic authentication (Communication §4.1): resolves the caller or answers 401. */
import type { MiddlewareHandler } from 'hono'
import type { Lrs } from '../../core/lrs.js'
import { UnauthorizedError } from '../../errors/errors.js'
import type { AppEnv } from '../app-env.js'

function decodeBasic(header: string | undefined): { key: string; secret: string } | undefined {
  if (header === undefined) return undefined
  const match = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header)
  if (match?.[1] === undefined) return undefined
  const decoded = Buffer.from(match[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  return { key: decoded.slice(0, colon), secret: decoded.slice(colon + 1) }
}

/**
 * Rejects missing, malformed and wrong credentials alike with 401 and `WWW-Authenticate`
 * (XAPI-00334, XAPI-00335); on success puts the request context on `c.var.ctx`.
 */
export function authenticate(lrs: Lrs): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('Authorization')
    if (header === undefined)
      throw UnauthorizedError('authentication required: send HTTP Basic credentials')
    const credentials = decodeBasic(header)
    if (credentials === undefined)
      throw UnauthorizedError('malformed Authorization header: expected "Basic base64(key:secret)"')
    const principal = await lrs.authenticate(credentials.key, credentials.secret)
    if (principal === undefined) throw UnauthorizedError('unknown credentials or wrong secret')
    c.set('ctx', { principal, version: c.get('version') })
    return next()
  }
}
