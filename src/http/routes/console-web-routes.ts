/** @module Serves the web console (the built SPA in dist/web): hashed assets cached for a year, index.html never. */
import { readFile } from 'node:fs/promises'
import { extname, join, normalize, sep } from 'node:path'
import type { Context, Env, Hono } from 'hono'

/**
 * The console's Content-Security-Policy: scripts, styles and connections only from this origin
 * (no 'unsafe-inline', no eval), images also as data: URLs (ECharts' "save as image"), nothing
 * may frame it (`frame-ancestors 'none'`, clickjacking), no plugins, no <base> rewriting. The
 * page renders statement content as text only; this is the second line of defence.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
}

/** What a browser needs on every console response. */
function securityHeaders(c: Context): void {
  c.header('Content-Security-Policy', CONSOLE_CSP)
  c.header('X-Content-Type-Options', 'nosniff')
  c.header('X-Frame-Options', 'DENY')
  c.header('Referrer-Policy', 'no-referrer')
  c.header('Cross-Origin-Opener-Policy', 'same-origin')
}

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Almanac</title>
<p>The web console is not built. Run <code>npm run build</code> (npm start does it), then reload.</p></html>`

/**
 * Registers `GET /assets/*` (content-hashed file names: immutable, cached a year) and every
 * other GET outside /xapi and /api as the SPA's index.html (`no-cache`: always revalidated, so
 * a new release is picked up at once), the client-side router's fallback.
 */
export function registerConsoleWebRoutes<E extends Env>(app: Hono<E>, webRoot: string): void {
  const root = normalize(webRoot + sep)
  let indexHtml: Promise<string | undefined> | undefined

  const readIndex = () => {
    indexHtml ??= readFile(join(root, 'index.html'), 'utf8').catch(() => {
      indexHtml = undefined // built later (npm run build while serving): look again next time
      return undefined
    })
    return indexHtml
  }

  app.get('/assets/*', async (c) => {
    const path = normalize(join(root, decodeURIComponent(c.req.path)))
    const type = CONTENT_TYPES[extname(path)]
    securityHeaders(c)
    if (!path.startsWith(root) || type === undefined) return c.text('not found', 404)
    try {
      const content = await readFile(path)
      c.header('Cache-Control', 'public, max-age=31536000, immutable')
      c.header('Content-Type', type)
      return c.body(content, 200)
    } catch {
      c.header('Cache-Control', 'no-store')
      return c.text('not found', 404)
    }
  })

  app.get('*', async (c, next) => {
    const path = c.req.path
    if (
      path === '/xapi' ||
      path.startsWith('/xapi/') ||
      path === '/api' ||
      path.startsWith('/api/')
    )
      return next()
    const html = await readIndex()
    securityHeaders(c)
    c.header('Cache-Control', 'no-cache')
    return c.html(html ?? NOT_BUILT, html === undefined ? 503 : 200)
  })
}
