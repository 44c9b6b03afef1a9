/** The admin API (/api/): sign-in and its throttling, sessions, stores, credentials, accounts. */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAlmanac } from '../../src/compose.js'
import { loadConfig } from '../../src/config/load-config.js'
import { createJsonLogger } from '../../src/observability/logger.js'
import { basicAuth, createTestApp, TEST_HASHING, type TestApp } from './test-app.js'

const ADMIN = { username: 'root', password: 'root-password-123' }

let app: TestApp

beforeAll(async () => {
  app = await createTestApp({
    ALMANAC_ADMIN_USERNAME: ADMIN.username,
    ALMANAC_ADMIN_PASSWORD: ADMIN.password,
    ALMANAC_ADMIN_LOGIN_MAX_FAILURES: '3',
  })
})
afterAll(async () => {
  await app.close()
})

interface ApiRequest {
  method?: string
  json?: unknown
  body?: string
  token?: string | undefined
  authorization?: string
  app?: TestApp
}

async function api(path: string, init: ApiRequest = {}) {
  const headers: Record<string, string> = {}
  if (init.token !== undefined) headers['Authorization'] = `Bearer ${init.token}`
  if (init.authorization !== undefined) headers['Authorization'] = init.authorization
  const request: Parameters<TestApp['request']>[1] = {
    method: init.method ?? 'GET',
    headers,
    auth: null,
    version: null,
  }
  if (init.json !== undefined) request.json = init.json
  if (init.body !== undefined) {
    request.body = init.body
    request.contentType = 'application/json'
  }
  const response = await (init.app ?? app).request(`/api${path}`, request)
  const text = await response.text()
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : JSON.parse(text),
  }
}

async function login(username = ADMIN.username, password = ADMIN.password, target = app) {
  const response = await api('/session', {
    method: 'POST',
    json: { username, password },
    app: target,
  })
  expect(response.status, JSON.stringify(response.body)).toBe(201)
  return response.body.token as string
}

/** An xAPI request with HTTP Basic credentials. */
function xapi(
  key: string,
  secret: string,
  path = '/xapi/statements',
  init: { method?: string; json?: unknown } = {},
) {
  return app.request(path, { auth: { key, secret }, ...init })
}

const statement = (name = 'Ada') => ({
  actor: { mbox: `mailto:${randomUUID()}@example.com`, name },
  verb: { id: 'http://adlnet.gov/expapi/verbs/completed' },
  object: { id: `http://example.com/activities/${randomUUID()}` },
})

describe('sign-in and sessions', () => {
  it('signs the first admin (from ALMANAC_ADMIN_USERNAME/PASSWORD) in with a bearer token', async () => {
    const response = await api('/session', { method: 'POST', json: ADMIN })
    expect(response.status).toBe(201)
    expect(response.body).toMatchObject({ username: ADMIN.username, token: expect.any(String) })
    expect(Date.parse(response.body.expiresAt)).toBeGreaterThan(Date.now() + 11 * 3600 * 1000)
    expect(response.headers.get('Cache-Control')).toBe('no-store')
    const session = await api('/session', { token: response.body.token })
    expect(session.status).toBe(200)
    expect(session.body).toEqual({ username: ADMIN.username, expiresAt: response.body.expiresAt })
  })

  it('refuses a wrong password and an unknown username alike, with a Bearer challenge', async () => {
    for (const body of [
      { username: ADMIN.username, password: 'wrong-password-1' },
      { username: `nobody-${randomUUID()}`, password: ADMIN.password },
    ]) {
      const response = await api('/session', { method: 'POST', json: body })
      expect(response.status).toBe(401)
      expect(response.body.message).toBe('unknown username or wrong password')
      expect(response.headers.get('WWW-Authenticate')).toBe('Bearer realm="Almanac admin"')
    }
    // Only the pair (username, address) failed once: the admin can still sign in.
    await login()
  })

  it('answers 429 with Retry-After after too many failures, even for the right password', async () => {
    const admin = app.almanac.admin
    await admin.createAccount('test', { username: 'throttled', password: 'throttled-password-1' })
    for (let i = 0; i < 3; i++) {
      const response = await api('/session', {
        method: 'POST',
        json: { username: 'throttled', password: `wrong-${i}-password` },
      })
      expect(response.status).toBe(401)
    }
    const refused = await api('/session', {
      method: 'POST',
      json: { username: 'throttled', password: 'throttled-password-1' },
    })
    expect(refused.status).toBe(429)
    expect(refused.body.error).toBe('RATE_LIMITED')
    const retryAfter = Number(refused.headers.get('Retry-After'))
    expect(retryAfter).toBeGreaterThan(14 * 60)
    expect(retryAfter).toBeLessThanOrEqual(15 * 60)
  })

  it('shares sessions and the throttle with every process on the same database', async () => {
    const token = await login()
    const config = loadConfig({
      ALMANAC_DATABASE_URL: app.databaseFile,
      ALMANAC_ADMIN_LOGIN_MAX_FAILURES: '3',
    })
    const other = await createAlmanac(
      config,
      createJsonLogger('error', () => undefined),
      {
        hashing: TEST_HASHING,
      },
    )
    try {
      const call = (path: string, init: RequestInit = {}) => other.app.request(`/api${path}`, init)
      const session = await call('/session', { headers: { Authorization: `Bearer ${token}` } })
      expect(session.status).toBe(200)
      // 'throttled' used up its failures in the test above, against the first process.
      const refused = await call('/session', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'throttled', password: 'throttled-password-1' }),
      })
      expect(refused.status).toBe(429)
    } finally {
      await other.close()
    }
  })

  it('ends a session on sign-out and refuses its token afterwards', async () => {
    const token = await login()
    expect((await api('/stores', { token })).status).toBe(200)
    expect((await api('/session', { method: 'DELETE', token })).status).toBe(204)
    const after = await api('/stores', { token })
    expect(after.status).toBe(401)
    expect(after.headers.get('WWW-Authenticate')).toBe('Bearer realm="Almanac admin"')
  })

  it('refuses an expired token', async () => {
    const shortLived = await createTestApp({
      ALMANAC_ADMIN_USERNAME: 'brief',
      ALMANAC_ADMIN_PASSWORD: 'brief-password-1',
      ALMANAC_ADMIN_SESSION_TTL_SECONDS: '1',
    })
    try {
      const token = await login('brief', 'brief-password-1', shortLived)
      expect((await api('/session', { token, app: shortLived })).status).toBe(200)
      await new Promise((resolve) => setTimeout(resolve, 1100))
      const expired = await api('/session', { token, app: shortLived })
      expect(expired.status).toBe(401)
      expect(expired.body.message).toMatch(/expired/)
    } finally {
      await shortLived.close()
    }
  })

  it('accepts neither xAPI Basic credentials nor a missing or made-up token', async () => {
    for (const authorization of [
      basicAuth('test-key', 'test-secret-123'),
      'Bearer made-up-token',
      'Bearer',
    ]) {
      const response = await api('/stores', { authorization })
      expect(response.status).toBe(401)
    }
    expect((await api('/stores')).status).toBe(401)
  })

  it('validates the sign-in body, naming the field', async () => {
    const missing = await api('/session', { method: 'POST', json: { username: 'x' } })
    expect(missing.status).toBe(400)
    expect(missing.body.message).toMatch(/^password: /)
    const notJson = await api('/session', { method: 'POST', body: '{not json' })
    expect(notJson.status).toBe(400)
    expect(notJson.body.message).toBe('the body must be a JSON object')
  })
})

describe('stores', () => {
  it('creates, lists, reads and renames stores; the default store exists from the start', async () => {
    const token = await login()
    const created = await api('/stores', { method: 'POST', token, json: { name: ' Sales ' } })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ id: expect.any(Number), name: 'Sales' })
    const id = created.body.id as number
    const list = await api('/stores', { token })
    expect(list.body.stores.map((s: { id: number }) => s.id)).toEqual(
      expect.arrayContaining([1, id]),
    )
    expect((await api(`/stores/${id}`, { token })).body.name).toBe('Sales')
    const renamed = await api(`/stores/${id}`, {
      method: 'PATCH',
      token,
      json: { name: 'Sales EU' },
    })
    expect(renamed.status).toBe(200)
    expect(renamed.body).toMatchObject({ id, name: 'Sales EU' })
  })

  it('answers 404 for unknown ids and 400 naming the field for bad bodies', async () => {
    const token = await login()
    expect((await api('/stores/9999', { token })).status).toBe(404)
    expect((await api('/stores/abc', { token })).status).toBe(404)
    expect((await api('/stores/9999/credentials', { token })).status).toBe(404)
    const blank = await api('/stores', { method: 'POST', token, json: { name: '  ' } })
    expect(blank.status).toBe(400)
    expect(blank.body.message).toMatch(/^name: /)
    const extra = await api('/stores', { method: 'POST', token, json: { name: 'x', owner: 'y' } })
    expect(extra.status).toBe(400)
    expect(extra.body.message).toMatch(/owner/)
  })
})

describe('credentials', () => {
  async function newStore(token: string): Promise<number> {
    return (await api('/stores', { method: 'POST', token, json: { name: 'tenant' } })).body.id
  }

  it('shows the secret once, lists without it, and the credential works on its store', async () => {
    const token = await login()
    const storeId = await newStore(token)
    const created = await api(`/stores/${storeId}/credentials`, {
      method: 'POST',
      token,
      json: { name: 'LMS', scopes: ['statements/write', 'statements/read'] },
    })
    expect(created.status).toBe(201)
    const { credential, secret } = created.body
    expect(secret).toMatch(/^[A-Za-z0-9_-]{32}$/)
    expect(credential).toMatchObject({
      storeId,
      name: 'LMS',
      scopes: ['statements/write', 'statements/read'],
      enabled: true,
      lastUsedAt: null,
      rateLimitPerMinute: null,
      maxBodyBytes: null,
    })

    const posted = await xapi(credential.key, secret, '/xapi/statements', {
      method: 'POST',
      json: statement('Grace'),
    })
    expect(posted.status).toBe(200)
    const [id] = (await posted.json()) as string[]
    const read = await xapi(credential.key, secret, `/xapi/statements?statementId=${id}`)
    const stored = (await read.json()) as { authority: unknown }
    // The credential's identity is the authority (Data §2.4.9).
    expect(stored.authority).toEqual({
      objectType: 'Agent',
      name: 'LMS',
      account: { homePage: 'http://127.0.0.1:8080', name: credential.key },
    })
    // Not visible to the default store's credential.
    expect((await app.request(`/xapi/statements?statementId=${id}`)).status).toBe(404)

    const list = await api(`/stores/${storeId}/credentials`, { token })
    expect(list.body.credentials).toHaveLength(1)
    const listed = list.body.credentials[0]
    expect(JSON.stringify(list.body)).not.toContain(secret)
    expect(Object.keys(listed).sort()).toEqual([
      'createdAt',
      'enabled',
      'key',
      'lastUsedAt',
      'maxBodyBytes',
      'name',
      'rateLimitPerMinute',
      'scopes',
      'storeId',
    ])
    expect(Date.parse(listed.lastUsedAt)).toBeGreaterThan(Date.now() - 60_000)
    expect((await api(`/credentials/${credential.key}`, { token })).body).toEqual(listed)
  })

  it('gives the xAPI default scopes when none are asked for, and rejects unknown scopes', async () => {
    const token = await login()
    const storeId = await newStore(token)
    const created = await api(`/stores/${storeId}/credentials`, {
      method: 'POST',
      token,
      json: { name: 'default scopes' },
    })
    // Communication §4.2: statements/write and statements/read/mine when no scope is given.
    expect(created.body.credential.scopes).toEqual(['statements/write', 'statements/read/mine'])
    const bad = await api(`/stores/${storeId}/credentials`, {
      method: 'POST',
      token,
      json: { name: 'x', scopes: ['all', 'statements/delete'] },
    })
    expect(bad.status).toBe(400)
    expect(bad.body.message).toMatch(/scopes.*statements\/delete/)
  })

  it('disables and re-enables (revocation), renames and rescopes', async () => {
    const token = await login()
    const storeId = await newStore(token)
    const { credential, secret } = (
      await api(`/stores/${storeId}/credentials`, {
        method: 'POST',
        token,
        json: { name: 'tool', scopes: ['all'] },
      })
    ).body
    const patch = (json: unknown) =>
      api(`/credentials/${credential.key}`, { method: 'PATCH', token, json })

    expect((await patch({ enabled: false })).body.enabled).toBe(false)
    const refused = await xapi(credential.key, secret)
    expect(refused.status).toBe(401)
    expect((await patch({ enabled: true })).body.enabled).toBe(true)
    expect((await xapi(credential.key, secret)).status).toBe(200)

    const changed = await patch({ name: 'renamed tool', scopes: ['statements/write'] })
    expect(changed.body).toMatchObject({ name: 'renamed tool', scopes: ['statements/write'] })
    const forbidden = await xapi(credential.key, secret)
    expect(forbidden.status).toBe(403)
    expect(((await forbidden.json()) as { message: string }).message).toMatch(/'statements\/read'/)

    expect((await patch({ scopes: ['nope'] })).status).toBe(400)
    expect((await patch({ enabled: 'no' })).status).toBe(400)
    expect(
      (await api('/credentials/unknown-key', { method: 'PATCH', token, json: { enabled: false } }))
        .status,
    ).toBe(404)
  })

  it('rotates: the new secret works at once and the old one never again', async () => {
    const token = await login()
    const storeId = await newStore(token)
    const { credential, secret } = (
      await api(`/stores/${storeId}/credentials`, {
        method: 'POST',
        token,
        json: { name: 'rot', scopes: ['all'] },
      })
    ).body
    expect((await xapi(credential.key, secret)).status).toBe(200)
    const rotated = await api(`/credentials/${credential.key}/rotate`, { method: 'POST', token })
    expect(rotated.status).toBe(200)
    expect(rotated.body.secret).not.toBe(secret)
    expect(rotated.body.credential.key).toBe(credential.key)
    expect((await xapi(credential.key, secret)).status).toBe(401)
    expect((await xapi(credential.key, rotated.body.secret)).status).toBe(200)
  })

  it('enforces a per-credential rate limit (429 + Retry-After) and body limit (413)', async () => {
    const token = await login()
    const storeId = await newStore(token)
    const { credential, secret } = (
      await api(`/stores/${storeId}/credentials`, {
        method: 'POST',
        token,
        json: { name: 'limited', scopes: ['all'], rateLimitPerMinute: 2, maxBodyBytes: 400 },
      })
    ).body
    expect(credential).toMatchObject({ rateLimitPerMinute: 2, maxBodyBytes: 400 })
    const big = { ...statement(), result: { response: 'x'.repeat(500) } }
    const tooLarge = await xapi(credential.key, secret, '/xapi/statements', {
      method: 'POST',
      json: big,
    })
    expect(tooLarge.status).toBe(413)
    expect(tooLarge.headers.get('X-Experience-API-Version')).toBe('2.0.0')
    expect((await xapi(credential.key, secret)).status).toBe(200)
    const limited = await xapi(credential.key, secret)
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThanOrEqual(1)
    expect(((await limited.json()) as { error: string }).error).toBe('RATE_LIMITED')

    // Back to the server's defaults (unlimited here).
    const reset = await api(`/credentials/${credential.key}`, {
      method: 'PATCH',
      token,
      json: { rateLimitPerMinute: null, maxBodyBytes: null },
    })
    expect(reset.body).toMatchObject({ rateLimitPerMinute: null, maxBodyBytes: null })
    for (let i = 0; i < 3; i++) expect((await xapi(credential.key, secret)).status).toBe(200)
    expect(
      (await xapi(credential.key, secret, '/xapi/statements', { method: 'POST', json: big }))
        .status,
    ).toBe(200)
  })

  it('refuses a body limit above the server limit and non-positive limits', async () => {
    const token = await login()
    const storeId = await newStore(token)
    const tooBig = await api(`/stores/${storeId}/credentials`, {
      method: 'POST',
      token,
      json: { name: 'x', maxBodyBytes: 10 ** 12 },
    })
    expect(tooBig.status).toBe(400)
    expect(tooBig.body.message).toMatch(/^maxBodyBytes: /)
    const zero = await api(`/stores/${storeId}/credentials`, {
      method: 'POST',
      token,
      json: { name: 'x', rateLimitPerMinute: 0 },
    })
    expect(zero.status).toBe(400)
    expect(zero.body.message).toMatch(/^rateLimitPerMinute: /)
  })
})

describe('admin accounts', () => {
  it('creates, lists (without hashes), changes passwords and deletes accounts', async () => {
    const token = await login()
    const created = await api('/accounts', {
      method: 'POST',
      token,
      json: { username: 'grace', password: 'grace-password-1' },
    })
    expect(created.status).toBe(201)
    expect(created.body).toEqual({
      username: 'grace',
      createdAt: expect.any(String),
      lastLoginAt: null,
    })
    const duplicate = await api('/accounts', {
      method: 'POST',
      token,
      json: { username: 'grace', password: 'grace-password-2' },
    })
    expect(duplicate.status).toBe(409)
    const weak = await api('/accounts', {
      method: 'POST',
      token,
      json: { username: 'weak', password: 'short' },
    })
    expect(weak.status).toBe(400)
    expect(weak.body.message).toMatch(/^password: /)
    const badName = await api('/accounts', {
      method: 'POST',
      token,
      json: { username: 'no spaces', password: 'long-enough-pass' },
    })
    expect(badName.body.message).toMatch(/^username: /)

    const list = await api('/accounts', { token })
    expect(list.body.accounts.map((a: { username: string }) => a.username)).toContain('grace')
    expect(JSON.stringify(list.body)).not.toMatch(/scrypt|password/i)

    const graceToken = await login('grace', 'grace-password-1')
    const changed = await api('/accounts/grace/password', {
      method: 'PUT',
      token,
      json: { password: 'grace-password-new' },
    })
    expect(changed.status).toBe(204)
    // A password change ends the account's sessions.
    expect((await api('/session', { token: graceToken })).status).toBe(401)
    const again = await login('grace', 'grace-password-new')
    expect((await api('/accounts/grace', { method: 'DELETE', token })).status).toBe(204)
    expect((await api('/session', { token: again })).status).toBe(401)
    expect((await api('/accounts/grace', { method: 'DELETE', token })).status).toBe(404)
  })

  it('never deletes the last account', async () => {
    const lone = await createTestApp({
      ALMANAC_ADMIN_USERNAME: 'lone',
      ALMANAC_ADMIN_PASSWORD: 'lone-password-1',
    })
    try {
      const token = await login('lone', 'lone-password-1', lone)
      const response = await api('/accounts/lone', { method: 'DELETE', token, app: lone })
      expect(response.status).toBe(409)
      expect(response.body.error).toBe('LAST_ACCOUNT')
    } finally {
      await lone.close()
    }
  })
})
