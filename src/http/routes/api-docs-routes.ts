/** @module The OpenAPI document at /api/openapi.json and its interactive reference (Swagger UI) at /api/docs. */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { Hono } from 'hono'
import { NotFoundError } from '../../errors/errors.js'
import type { AppEnv } from '../app-env.js'

/**
 * No inline script (the page's only script of its own is /api/docs/assets/init.js) and nothing
 * from another origin: the machine serving it may be offline, and an admin page must not run
 * code it did not ship. Swagger UI sets inline styles and data: images, hence those two.
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

const PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>Almanac API reference</title>
    <link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
    <link rel="icon" type="image/png" href="/api/docs/assets/favicon-32x32.png" sizes="32x32">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/api/docs/assets/swagger-ui-bundle.js"></script>
    <script src="/api/docs/assets/init.js"></script>
  </body>
</html>
`

/** Our initialiser (swagger-ui-dist's own points at a demo API on the internet). */
const INIT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    validatorUrl: null,
  })
})
`

/** The files of swagger-ui-dist the page uses, by name, with their content types. */
const PACKAGE_ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
}

function swaggerUiDirectory(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
}

export function registerApiDocsRoutes(app: Hono<AppEnv>, document: Record<string, unknown>): void {
  const cache = new Map<string, Uint8Array<ArrayBuffer>>()
  const body = JSON.stringify(document)

  app.get('/api/openapi.json', (c) =>
    c.body(body, 200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' }),
  )

  app.get('/api/docs', (c) =>
    c.html(PAGE, 200, {
      'Content-Security-Policy': DOCS_CONTENT_SECURITY_POLICY,
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    }),
  )

  app.get('/api/docs/assets/:file', (c) => {
    const file = c.req.param('file')
    const headers = {
      'Cache-Control': 'public, max-age=3600',
      'X-Content-Type-Options': 'nosniff',
    }
    if (file === 'init.js')
      return c.body(INIT, 200, { ...headers, 'Content-Type': 'text/javascript; charset=utf-8' })
    const type = PACKAGE_ASSETS[file]
    if (type === undefined) throw NotFoundError(`no API reference asset '${file}'`)
    let content = cache.get(file)
    if (content === undefined) {
      content = new Uint8Array(readFileSync(join(swaggerUiDirectory(), file)))
      cache.set(file, content)
    }
    return c.body(content, 200, { ...headers, 'Content-Type': type })
  })
}
