/** @module CORS for /xapi/ (Communication §1.3): any origin, never with the browser's credentials. */
import type { MiddlewareHandler } from 'hono'

export interface XapiCorsOptions {
  readonly allowMethods: readonly string[]
  readonly allowHeaders: readonly string[]
  readonly exposeHeaders: readonly string[]
  /** How long a browser may cache a preflight, in seconds. */
  readonly maxAge: number
}

/**
 * What Hono's `cors({ origin: '*', credentials: false, … })` answers, set through `c.header()`
 * before the route runs: Hono copies those prepared headers into the response the route builds.
 * Hono's middleware sets them on `c.res` instead, which makes a placeholder response that the
 * route's response must then be rebuilt over (a web Response with a streamed body on
 * @hono/node-server, where a plain one is written straight to the socket): a cost of every xAPI
 * request in the single-statement profile. `*` is never a reflected origin, so no `Vary: Origin`.
 */
export function xapiCors(options: XapiCorsOptions): MiddlewareHandler {
  const methods = options.allowMethods.join(',')
  const allowHeaders = options.allowHeaders.join(',')
  const exposeHeaders = options.exposeHeaders.join(',')
  const maxAge = String(options.maxAge)
  return async (c, next) => {
    c.header('Access-Control-Allow-Origin', '*')
    c.header('Access-Control-Expose-Headers', exposeHeaders)
    if (c.req.method === 'OPTIONS') {
      c.header('Access-Control-Max-Age', maxAge)
      c.header('Access-Control-Allow-Methods', methods)
      c.header('Access-Control-Allow-Headers', allowHeaders)
      c.header('Vary', 'Access-Control-Request-Headers', { append: true })
      return c.body(null, 204)
    }
    await next()
    return undefined
  }
}
