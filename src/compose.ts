/** @module The composition root: configuration → storage → core → HTTP. The only place that names adapters. */
import { createRequire } from 'node:module'
import type { Hono } from 'hono'
import type { Config, StorageConfig } from './config/config-schema.js'
import { ConfigError } from './config/load-config.js'
import { ensureInitialCredential, type NewCredential } from './core/auth/credentials.js'
import { createLrs } from './core/create-lrs.js'
import type { Lrs } from './core/lrs.js'
import type { AppEnv } from './http/app-env.js'
import { createApp } from './http/create-app.js'
import { errorFields, type Logger } from './observability/logger.js'
import { DEFAULT_STORE_ID, type Storage } from './storage/ports.js'
import { createSqliteStorage } from './storage/sqlite/create-sqlite-storage.js'

export interface Almanac {
  readonly app: Hono<AppEnv>
  readonly lrs: Lrs
  readonly storage: Storage
  /** Set when this start created the first credential; print it once. */
  readonly generatedCredential: NewCredential | undefined
  close(): Promise<void>
}

/** The package version, read from package.json (one level above both src/ and dist/). */
export function productVersion(): string {
  const pkg = createRequire(import.meta.url)('../package.json') as { version: string }
  return pkg.version
}

export function createStorage(config: StorageConfig): Storage {
  switch (config.kind) {
    case 'sqlite':
      return createSqliteStorage({ file: config.file })
    case 'postgres':
      throw new ConfigError(
        'the PostgreSQL backend is not available in this build yet; use a SQLite file path',
      )
  }
}

export async function createAlmanac(config: Config, logger: Logger): Promise<Almanac> {
  const storage = createStorage(config.storage)
  await storage.migrate()
  await storage.admin.ensureDefaultStore()
  const generatedCredential = await ensureInitialCredential(
    storage.admin,
    DEFAULT_STORE_ID,
    config.bootstrap,
  )
  const lrs = createLrs(
    {
      storage,
      limits: config.limits,
      xapiBasePath: '/xapi',
      authorityHomePage: config.publicUrl,
    },
    { productVersion: productVersion() },
  )
  const app = createApp({
    lrs,
    maxBodyBytes: config.http.maxBodyBytes,
    logError: (errorId, error) =>
      logger.log('error', 'unhandled error', { errorId, ...errorFields(error) }),
  })
  return { app, lrs, storage, generatedCredential, close: () => storage.close() }
}
