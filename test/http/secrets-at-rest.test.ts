/**
 * Nothing secret is stored or logged in clear: after credentials, rotations, admin accounts,
 * sessions, failed sign-ins and wrong Basic secrets, neither the database files nor the logs
 * hold any secret, password or token (nor the Basic header that carried one).
 */
import { existsSync, readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import BetterSqlite3 from 'better-sqlite3'
import { basicAuth, createTestApp, TEST_KEY, TEST_SECRET, type TestApp } from './test-app.js'

const FIRST_ADMIN_PASSWORD = 'first-admin-password-7f3a'
const SECOND_ADMIN_PASSWORD = 'second-admin-password-9c1d'
const CHANGED_PASSWORD = 'changed-admin-password-4e2b'
const WRONG_PASSWORD = 'wrong-guess-password-0a8e'
const WRONG_SECRET = 'wrong-basic-secret-5d6f'

let app: TestApp
/** Every secret the test handled; none may be found at rest. */
const secrets: string[] = [
  TEST_SECRET,
  FIRST_ADMIN_PASSWORD,
  SECOND_ADMIN_PASSWORD,
  CHANGED_PASSWORD,
  WRONG_PASSWORD,
  WRONG_SECRET,
]

async function api(path: string, method: string, json?: unknown, token?: string) {
  const headers: Record<string, string> = {}
  if (token !== undefined) headers['Authorization'] = `Bearer ${token}`
  const init: Parameters<TestApp['request']>[1] = { method, headers, auth: null, version: null }
  if (json !== undefined) init.json = json
  const response = await app.request(`/api${path}`, init)
  const text = await response.text()
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) }
}

beforeAll(async () => {
  app = await createTestApp({
    ALMANAC_ADMIN_USERNAME: 'first',
    ALMANAC_ADMIN_PASSWORD: FIRST_ADMIN_PASSWORD,
  })

  // Failed sign-ins, then sessions.
  expect(
    (await api('/session', 'POST', { username: 'first', password: WRONG_PASSWORD })).status,
  ).toBe(401)
  expect(
    (await api('/session', 'POST', { username: 'ghost', password: WRONG_PASSWORD })).status,
  ).toBe(401)
  const login = await api('/session', 'POST', { username: 'first', password: FIRST_ADMIN_PASSWORD })
  const token = login.body.token as string
  secrets.push(token)

  // Accounts: created, signed in, password changed.
  await api('/accounts', 'POST', { username: 'second', password: SECOND_ADMIN_PASSWORD }, token)
  const second = await api('/session', 'POST', {
    username: 'second',
    password: SECOND_ADMIN_PASSWORD,
  })
  secrets.push(second.body.token)
  await api('/accounts/second/password', 'PUT', { password: CHANGED_PASSWORD }, token)
  const third = await api('/session', 'POST', { username: 'second', password: CHANGED_PASSWORD })
  secrets.push(third.body.token)
  // A signed-out session.
  const fourth = await api('/session', 'POST', {
    username: 'first',
    password: FIRST_ADMIN_PASSWORD,
  })
  secrets.push(fourth.body.token)
  await api('/session', 'DELETE', undefined, fourth.body.token)

  // Credentials: created, used, used with a wrong secret, rotated, disabled.
  const store = await api('/stores', 'POST', { name: 'tenant' }, token)
  const created = await api(
    `/stores/${store.body.id}/credentials`,
    'POST',
    { name: 'lms', scopes: ['all'] },
    token,
  )
  const { key } = created.body.credential
  const secret = created.body.secret as string
  secrets.push(secret)
  expect((await app.request('/xapi/statements', { auth: { key, secret } })).status).toBe(200)
  expect(
    (await app.request('/xapi/statements', { auth: { key, secret: WRONG_SECRET } })).status,
  ).toBe(401)
  const rotated = await api(`/credentials/${key}/rotate`, 'POST', undefined, token)
  secrets.push(rotated.body.secret)
  expect(
    (await app.request('/xapi/statements', { auth: { key, secret: rotated.body.secret } })).status,
  ).toBe(200)
  await api(`/credentials/${key}`, 'PATCH', { enabled: false }, token)
  expect(
    (await app.request('/xapi/statements', { auth: { key, secret: rotated.body.secret } })).status,
  ).toBe(401)
  // The Basic headers that carried them, as they travel.
  for (const s of [secret, rotated.body.secret as string, WRONG_SECRET])
    secrets.push(basicAuth(key, s).slice('Basic '.length))
  expect(secrets).toHaveLength(15)
})

afterAll(async () => {
  await app.close()
})

/** Where a secret could be found: the database, its WAL and shared memory, and the logs. */
function restingPlaces(): [string, string][] {
  const places: [string, string][] = []
  for (const suffix of ['', '-wal', '-shm']) {
    const file = app.databaseFile + suffix
    // latin1 keeps every byte as one character, so any ASCII secret is found wherever it sits.
    if (existsSync(file)) places.push([file, readFileSync(file).toString('latin1')])
  }
  places.push(['logs', app.logs.join('\n')])
  return places
}

describe('secrets at rest', () => {
  it('stores hashes, not secrets, passwords or tokens', () => {
    const places = restingPlaces()
    expect(places.map(([name]) => name)).toContain(app.databaseFile)
    for (const [name, content] of places)
      for (const secret of secrets)
        expect(content.includes(secret), `${secret} in ${name}`).toBe(false)
    // The hashes are there instead.
    const database = places.map(([, content]) => content).join('')
    expect(database).toMatch(/scrypt\$1024\$8\$1\$/)
  })

  it('logs the admin events, without a secret in any of them', () => {
    const events = app.logs.map((line) => (JSON.parse(line) as { message: string }).message)
    expect(events).toEqual(
      expect.arrayContaining([
        'admin.login.failed',
        'admin.login',
        'account.created',
        'account.password_changed',
        'credential.created',
        'credential.rotated',
        'credential.updated',
      ]),
    )
    const logs = app.logs.join('\n')
    for (const secret of secrets) expect(logs).not.toContain(secret)
  })

  it('hashes the same secret differently in two databases (a random salt per secret)', async () => {
    // Two servers bootstrapped with the same key and secret (issue 16, regression 4).
    const other = await createTestApp()
    try {
      const hashes = [app, other].map((each) => {
        const db = new BetterSqlite3(each.databaseFile, { readonly: true })
        try {
          return (
            db.prepare('select secret_hash from credentials where key = ?').get(TEST_KEY) as {
              secret_hash: string
            }
          ).secret_hash
        } finally {
          db.close()
        }
      })
      const salts = hashes.map((hash) => Buffer.from(hash.split('$')[4] ?? '', 'base64'))
      expect(hashes[0]).not.toBe(hashes[1])
      expect(salts[0]?.equals(salts[1]!)).toBe(false)
      for (const salt of salts) {
        expect(salt).toHaveLength(16)
        expect(salt.toString('utf8')).not.toContain(TEST_SECRET)
      }
    } finally {
      await other.close()
    }
  })
})
