/** @module Builds the real Almanac app on a fresh SQLite file for in-process HTTP tests. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAlmanac, type Almanac, type AlmanacOptions } from '../../src/compose.js'
import { loadConfig } from '../../src/config/load-config.js'
import { createJsonLogger } from '../../src/observability/logger.js'

export const TEST_KEY = 'test-key'
export const TEST_SECRET = 'test-secret-123'

/** scrypt at a test cost: the real costs are slow on purpose (secret-hash.ts). */
export const TEST_HASHING = {
  secrets: { N: 1024, r: 8, p: 1 },
  passwords: { N: 1024, r: 8, p: 1 },
} as const

export interface TestRequest {
  method?: string
  /** A JSON value (sent as application/json) or raw bytes/text with `contentType`. */
  json?: unknown
  body?: string | Uint8Array
  contentType?: string
  headers?: Record<string, string>
  /** The X-Experience-API-Version to send; null sends none. Default 2.0.0. */
  version?: string | null
  /** Credentials; null sends no Authorization header. */
  auth?: { key: string; secret: string } | null
}

export interface TestApp {
  almanac: Almanac
  /** The database file. */
  databaseFile: string
  /** Every log line written (JSON), at ALMANAC_LOG_LEVEL (default info) and above. */
  logs: string[]
  /** Calls the app in-process (no network) and returns the real Response. */
  request(path: string, init?: TestRequest): Promise<Response>
  close(): Promise<void>
}

export function basicAuth(key: string, secret: string): string {
  return 'Basic ' + Buffer.from(`${key}:${secret}`).toString('base64')
}

/** A new app on its own SQLite file in a temp dir, with a bootstrap credential (scope `all`). */
export async function createTestApp(
  env: Record<string, string> = {},
  options: Omit<AlmanacOptions, 'hashing'> = {},
): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'almanac-test-'))
  const config = loadConfig({
    ALMANAC_DATABASE_URL: join(dir, 'almanac.db'),
    ALMANAC_BOOTSTRAP_KEY: TEST_KEY,
    ALMANAC_BOOTSTRAP_SECRET: TEST_SECRET,
    ...env,
  })
  const logs: string[] = []
  const almanac = await createAlmanac(
    config,
    createJsonLogger(config.observability.logLevel, (line) => logs.push(line)),
    { ...options, hashing: TEST_HASHING, tailPollMs: 20 },
  )
  return {
    almanac,
    databaseFile: join(dir, 'almanac.db'),
    logs,
    async request(path, init = {}) {
      const headers = new Headers(init.headers)
      const version = init.version === undefined ? '2.0.0' : init.version
      if (version !== null) headers.set('X-Experience-API-Version', version)
      const auth = init.auth === undefined ? { key: TEST_KEY, secret: TEST_SECRET } : init.auth
      if (auth !== null) headers.set('Authorization', basicAuth(auth.key, auth.secret))
      let body: string | Uint8Array | undefined = init.body
      if (init.json !== undefined) {
        body = JSON.stringify(init.json)
        headers.set('Content-Type', 'application/json')
      }
      if (init.contentType !== undefined) headers.set('Content-Type', init.contentType)
      const requestInit: RequestInit = { method: init.method ?? 'GET', headers }
      if (body !== undefined) requestInit.body = body
      return almanac.app.request(path, requestInit)
    },
    async close() {
      await almanac.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A credential of a new store (or of `storeId`), made through the admin use cases. */
export async function createStoreCredential(
  app: TestApp,
  options: {
    scopes: string[]
    storeId?: number
    name?: string
    rateLimitPerMinute?: number
    maxBodyBytes?: number
  },
): Promise<{ storeId: number; key: string; secret: string }> {
  const admin = app.almanac.admin
  const storeId = options.storeId ?? (await admin.createStore('test', { name: 'test store' })).id
  const issued = await admin.createCredential('test', storeId, {
    name: options.name ?? `client ${options.scopes.join('+')}`,
    scopes: options.scopes,
    rateLimitPerMinute: options.rateLimitPerMinute,
    maxBodyBytes: options.maxBodyBytes,
  })
  return { storeId, key: issued.credential.key, secret: issued.secret }
}
