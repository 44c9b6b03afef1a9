/** @module The 1.0.3 alternate request syntax (Communication §1.3): a form POST turned into the real request. */
import type { MiddlewareHandler } from 'hono'
import { BadRequestError } from '../../errors/errors.js'
import { parseVersionHeader } from '../../xapi/versions.js'
import type { AppEnv } from '../app-env.js'
import { VERSION_HEADER } from './xapi-version.js'

/** Form parameters the LRS must treat as headers (Communication §1.3, "Headers"). */
const HEADER_PARAMETERS = new Map(
  [
    'Authorization',
    VERSION_HEADER,
    'Content-Type',
    'Content-Length',
    'If-Match',
    'If-None-Match',
  ].map((name) => [name.toLowerCase(), name]),
)

const METHODS = new Set(['GET', 'HEAD', 'PUT', 'POST', 'DELETE'])

export type Dispatch = (request: Request, env: AppEnv['Bindings']) => Response | Promise<Response>

/**
 * Rewrites `POST /xapi/...?method=PUT` with a form body into the request it stands for and
 * dispatches it through the whole app again (auth, version, routes), so every route supports
 * the syntax without knowing about it. Required in 1.0.3 (XAPI-00336); xAPI 2.0 removed it,
 * so a 2.0 request using it is rejected with 400.
 */
/**
 * False only when the query string cannot hold a `method` parameter: none at all, or neither
 * the name nor a percent-escape (a name may be escaped, `m%65thod`). Parsing the URL is then
 * skipped: this runs for every xAPI request, nearly none of which uses the alternate syntax.
 */
function mayHaveMethodParameter(url: string): boolean {
  const query = url.indexOf('?')
  return query >= 0 && (url.includes('method', query) || url.includes('%', query))
}

export function alternateSyntax(dispatch: Dispatch): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.env?.almanacAlternateSyntax === true || !mayHaveMethodParameter(c.req.url)) return next()
    const url = new URL(c.req.url)
    if (!url.searchParams.has('method')) return next()

    if (c.req.method !== 'POST')
      throw BadRequestError(
        `the alternate request syntax (?method=) must be sent as POST, not ${c.req.method}`,
      )
    const method = (url.searchParams.get('method') ?? '').toUpperCase()
    if (!METHODS.has(method))
      throw BadRequestError(`alternate request syntax: unknown method '${method}'`)
    const extra = [...url.searchParams.keys()].filter((k) => k !== 'method')
    if (extra.length > 0)
      throw BadRequestError(
        `alternate request syntax: query parameters other than 'method' must be form parameters (found ${extra.join(', ')}) (Communication §1.3)`,
      )
    const contentType = c.req.header('Content-Type') ?? ''
    if (!/^application\/x-www-form-urlencoded\b/i.test(contentType))
      throw BadRequestError(
        'alternate request syntax: the body must be application/x-www-form-urlencoded (Communication §1.3)',
      )

    const form = new URLSearchParams(await c.req.text())
    const headers = new Headers(c.req.raw.headers)
    headers.delete('Content-Type')
    headers.delete('Content-Length')
    const query = new URLSearchParams()
    let content: string | undefined
    for (const [name, value] of form) {
      const header = HEADER_PARAMETERS.get(name.toLowerCase())
      if (name === 'content') content = value
      else if (header === 'Content-Length')
        continue // recomputed for the rewritten body
      else if (header !== undefined) headers.set(header, value)
      else query.append(name, value)
    }
    const version = headers.get(VERSION_HEADER)
    if (version !== null && parseVersionHeader(version) === '2.0.0')
      throw BadRequestError(
        'the alternate request syntax is not part of xAPI 2.0; send the request directly',
      )
    if (content !== undefined && !headers.has('Content-Type'))
      headers.set('Content-Type', 'application/json')

    const target = new URL(url.pathname, url)
    target.search = query.toString()
    const init: RequestInit = { method, headers }
    if (method !== 'GET' && method !== 'HEAD' && content !== undefined) init.body = content
    const rewritten = new Request(target, init)
    return dispatch(rewritten, { ...c.env, almanacAlternateSyntax: true })
  }
}
