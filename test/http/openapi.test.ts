/** The OpenAPI 3.1 document of the non-xAPI endpoints: valid, in step with the routes, and its reference page. */
import { Validator } from '@seriousme/openapi-schema-validator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from './test-app.js'

let app: TestApp
let document: any

beforeAll(async () => {
  app = await createTestApp()
  const response = await app.request('/api/openapi.json', { auth: null, version: null })
  expect(response.status).toBe(200)
  expect(response.headers.get('Content-Type')).toMatch(/^application\/json/)
  document = await response.json()
})
afterAll(async () => {
  await app.close()
})

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options'])

/**
 * The web console's files: its hashed assets and the index.html every client route falls back
 * to. They are a page, not an API, so the document does not describe them.
 */
const CONSOLE_FILES = new Set(['/assets/*', '/*'])

/**
 * `METHOD /path/{param}` of every route the app registered outside /xapi (middleware and the
 * console's files excluded).
 */
function registeredOperations(): Set<string> {
  const operations = new Set<string>()
  for (const route of app.almanac.app.routes) {
    if (route.method === 'ALL' || route.path.startsWith('/xapi/') || CONSOLE_FILES.has(route.path))
      continue
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
    operations.add(`${route.method.toLowerCase()} ${path}`)
  }
  return operations
}

function documentedOperations(): Set<string> {
  const operations = new Set<string>()
  for (const [path, item] of Object.entries(document.paths as Record<string, object>))
    for (const method of Object.keys(item))
      if (METHODS.has(method)) operations.add(`${method} ${path}`)
  return operations
}

describe('the OpenAPI document', () => {
  it('validates against the OpenAPI 3.1 schema', async () => {
    const validator = new Validator()
    const result = await validator.validate(structuredClone(document))
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    expect(validator.version).toBe('3.1')
  })

  it('describes every route outside /xapi, and only routes that exist', () => {
    const registered = registeredOperations()
    const documented = documentedOperations()
    // Sanity: the enumeration sees the admin API and the ops endpoints.
    expect(registered).toContain('post /api/session')
    expect(registered).toContain('delete /api/accounts/{username}')
    expect(registered).toContain('get /readyz')
    expect([...registered].filter((op) => !documented.has(op))).toEqual([])
    expect([...documented].filter((op) => !registered.has(op))).toEqual([])
  })

  it('declares every path parameter its template names', () => {
    for (const [path, item] of Object.entries(document.paths as Record<string, any>)) {
      const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1])
      for (const method of Object.keys(item).filter((m) => METHODS.has(m))) {
        const declared = [...(item.parameters ?? []), ...(item[method].parameters ?? [])]
          .filter((p: any) => p.in === 'path')
          .map((p: any) => p.name)
        expect(declared.sort(), `${method} ${path}`).toEqual([...names].sort())
      }
    }
  })

  it('marks the endpoints that need no credentials, and they answer without any', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/api/openapi.json', '/api/docs']) {
      const security = document.paths[path].get.security
      expect(security, path).toBeDefined()
      // `[]` or an alternative `{}`: no credentials needed (OpenAPI 3.1 §4.8.10).
      const open =
        security.length === 0 || security.some((s: object) => Object.keys(s).length === 0)
      expect(open, path).toBe(true)
      expect((await app.request(path, { auth: null, version: null })).status, path).toBe(200)
    }
    // The admin endpoints default to the bearer session and refuse without it.
    expect(document.security).toEqual([{ adminSession: [] }])
    expect(document.paths['/api/stores'].get.security).toBeUndefined()
    expect((await app.request('/api/stores', { auth: null })).status).toBe(401)
  })
})

describe('the API reference page /api/docs', () => {
  it('is served with a Content-Security-Policy that allows no inline or foreign script', async () => {
    const response = await app.request('/api/docs', { auth: null, version: null })
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toMatch(/^text\/html/)
    const csp = response.headers.get('Content-Security-Policy') ?? ''
    const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1]
    expect(scriptSrc).toBe("'self'")
    expect(csp).toContain("default-src 'none'")
    const html = await response.text()
    // Offline: nothing from another origin; no inline script.
    expect(html).not.toMatch(/(src|href)="https?:/)
    expect(html).not.toMatch(/<script>(?!<\/script>)|<script(?![^>]*\bsrc=)[^>]*>/)
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)
    expect(assets).toContain('/api/docs/assets/swagger-ui-bundle.js')
    for (const asset of assets) {
      const loaded = await app.request(asset, { auth: null, version: null })
      expect(loaded.status, asset).toBe(200)
      expect((await loaded.arrayBuffer()).byteLength, asset).toBeGreaterThan(100)
    }
    const init = await (await app.request('/api/docs/assets/init.js', { auth: null })).text()
    expect(init).toContain("url: '/api/openapi.json'")
  })

  it('serves only the listed assets', async () => {
    for (const name of [
      'package.json',
      '..%2Fpackage.json',
      'index.html',
      'swagger-initializer.js',
    ])
      expect((await app.request(`/api/docs/assets/${name}`, { auth: null })).status, name).toBe(404)
  })
})
