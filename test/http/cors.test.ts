/** CORS (issue 15, issue 13): /xapi/ for any origin without credentials, /api/ not at all. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { basicAuth, createTestApp, TEST_KEY, TEST_SECRET, type TestApp } from './test-app.js'

const FOREIGN = 'https://evil.example'

let app: TestApp
beforeAll(async () => {
  app = await createTestApp({
    ALMANAC_ADMIN_USERNAME: 'admin',
    ALMANAC_ADMIN_PASSWORD: 'admin-password-123',
  })
})
afterAll(async () => {
  await app.close()
})

/** Calls the app as a browser does: no helper adds headers. */
function raw(path: string, init: RequestInit & { headers?: Record<string, string> }) {
  return app.almanac.app.request(path, init)
}

function corsHeaders(response: Response): Record<string, string> {
  return Object.fromEntries(
    [...response.headers].filter(([name]) => name.toLowerCase().startsWith('access-control-')),
  )
}

describe('CORS on /xapi/ (issue 15)', () => {
  it('answers a browser preflight from a foreign origin without allowing credentials', async () => {
    const response = await raw('/xapi/statements', {
      method: 'OPTIONS',
      headers: {
        Origin: FOREIGN,
        'Access-Control-Request-Method': 'PUT',
        'Access-Control-Request-Headers': 'authorization,content-type,x-experience-api-version',
      },
    })
    expect(response.status).toBe(204)
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe('*')
    expect(response.headers.get('Access-Control-Allow-Credentials')).toBeNull()
    const allowed = (response.headers.get('Access-Control-Allow-Headers') ?? '')
      .toLowerCase()
      .split(/\s*,\s*/)
    expect(allowed).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'x-experience-api-version']),
    )
    expect(response.headers.get('Access-Control-Allow-Methods')).toContain('PUT')
  })

  it('serves a TinCanJS-style request (explicit Authorization) cross-origin, exposing the xAPI headers', async () => {
    const response = await raw('/xapi/statements?limit=1', {
      headers: {
        Origin: FOREIGN,
        Authorization: basicAuth(TEST_KEY, TEST_SECRET),
        'X-Experience-API-Version': '1.0.3',
      },
    })
    expect(response.status).toBe(200)
    expect(((await response.json()) as { statements: unknown[] }).statements).toEqual([])
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe('*')
    expect(response.headers.get('Access-Control-Allow-Credentials')).toBeNull()
    const exposed = (response.headers.get('Access-Control-Expose-Headers') ?? '')
      .toLowerCase()
      .split(/\s*,\s*/)
    expect(exposed).toEqual(
      expect.arrayContaining([
        'etag',
        'last-modified',
        'x-experience-api-version',
        'x-experience-api-consistent-through',
      ]),
    )
  })

  it('never reflects the origin or allows credentials, also on a 401', async () => {
    const response = await raw('/xapi/statements', {
      headers: { Origin: FOREIGN, 'X-Experience-API-Version': '1.0.3' },
    })
    expect(response.status).toBe(401)
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe('*')
    expect(response.headers.get('Access-Control-Allow-Credentials')).toBeNull()
  })
})

describe('CORS on /api/ (issue 13)', () => {
  it('answers a credentialed preflight from a foreign origin with no Access-Control-Allow-* headers', async () => {
    const response = await raw('/api/stores', {
      method: 'OPTIONS',
      headers: {
        Origin: FOREIGN,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type',
      },
    })
    expect(corsHeaders(response)).toEqual({})
  })

  it('answers a cross-origin request with credentials with no Access-Control-Allow-* headers', async () => {
    const login = await raw('/api/session', {
      method: 'POST',
      headers: { Origin: FOREIGN, 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'admin-password-123' }),
    })
    expect(corsHeaders(login)).toEqual({})
    const { token } = (await login.json()) as { token: string }
    expect(typeof token).toBe('string')
    const stores = await raw('/api/stores', {
      headers: { Origin: FOREIGN, Authorization: `Bearer ${token}`, Cookie: 'x=1' },
    })
    expect(stores.status).toBe(200)
    expect(corsHeaders(stores)).toEqual({})
  })
})
