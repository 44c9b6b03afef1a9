/** @module The composition root: configuration → storage → core → HTTP. The only place that names adapters. */
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type { Hono } from 'hono'
import { type Analytics, createAnalytics } from './analytics/analytics.js'
import { createAnalyticsProjector } from './analytics/projector.js'
import type { Config, StorageConfig } from './config/config-schema.js'
import type { Admin } from './core/admin/admin.js'
import type { AdminDeps } from './core/admin/admin-deps.js'
import { ADMIN_DEFAULTS, createAdmin } from './core/admin/create-admin.js'
import { ensureInitialCredential, type NewCredential } from './core/auth/credentials.js'
import { createLrs } from './core/create-lrs.js'
import { createLogConsumer, type LogConsumer } from './core/log/log-consumer.js'
import { createOperatorStatements } from './core/statements/operator-statements.js'
import type { Lrs } from './core/lrs.js'
import type { AppEnv } from './http/app-env.js'
import { createApp } from './http/create-app.js'
import { errorFields, type Logger } from './observability/logger.js'
import { DEFAULT_STORE_ID, type Storage } from './storage/ports.js'
import { createPostgresStorage } from './storage/postgres/create-postgres-storage.js'
import { createSqliteStorage } from './storage/sqlite/create-sqlite-storage.js'

export interface Almanac {
  readonly app: Hono<AppEnv>
  readonly lrs: Lrs
  readonly admin: Admin
  readonly storage: Storage
  readonly analytics: Analytics
  /** The analytics projector of this process (a statement-log consumer). */
  readonly projector: LogConsumer
  /** Set when this start created the first credential; print it once. */
  readonly generatedCredential: NewCredential | undefined
  /** Ends the long-lived responses (the console's live tails), so the HTTP server can close. */
  endStreams(): void
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
      return createPostgresStorage({
        url: config.url,
        ...(config.poolMax === undefined ? {} : { poolMax: config.poolMax }),
        ...(config.statementTimeoutMs === undefined
          ? {}
          : { statementTimeoutMs: config.statementTimeoutMs }),
      })
  }
}

/** The built web console: `dist/web` of the package, from both `src/` (tsx) and `dist/`. */
export const WEB_ROOT = fileURLToPath(new URL('../dist/web/', import.meta.url))

/** Choices a caller may override; tests pass cheap scrypt costs (hashing is slow on purpose). */
export interface AlmanacOptions {
  readonly hashing?: AdminDeps['hashing']
  /** How often the console's live tail polls (ms); tests make it quick. */
  readonly tailPollMs?: number
}

/** The admin use cases over `storage`, with the configuration's settings; audit events are logged. */
export function createAdminUseCases(
  storage: Storage,
  config: Config,
  logger: Logger,
  options: AlmanacOptions = {},
): Admin {
  return createAdmin({
    ...ADMIN_DEFAULTS,
    admin: storage.admin,
    hashing: options.hashing ?? ADMIN_DEFAULTS.hashing,
    sessionTtlMs: config.admin.sessionTtlSeconds * 1000,
    loginThrottle: {
      ...ADMIN_DEFAULTS.loginThrottle,
      maxFailures: config.admin.loginMaxFailures,
      maxFailuresPerClient: config.admin.loginMaxFailures * 4,
    },
    serverMaxBodyBytes: config.http.maxBodyBytes,
    audit: (event, fields) => logger.log('info', event, fields),
  })
}

export async function createAlmanac(
  config: Config,
  logger: Logger,
  options: AlmanacOptions = {},
): Promise<Almanac> {
  const storage = createStorage(config.storage)
  await storage.migrate()
  await storage.admin.ensureDefaultStore()
  const generatedCredential = await ensureInitialCredential(
    storage.admin,
    DEFAULT_STORE_ID,
    config.bootstrap,
    options.hashing?.secrets,
  )
  const admin = createAdminUseCases(storage, config, logger, options)
  // The first admin account, from ALMANAC_ADMIN_USERNAME / ALMANAC_ADMIN_PASSWORD.
  if (config.admin.username !== undefined && config.admin.password !== undefined)
    await admin.ensureAccount('startup', config.admin.username, config.admin.password)
  // The analytics projector runs in every process; on PostgreSQL one process at a time holds
  // each store's lease. Statements this process stores wake it at once; the poll picks up the
  // other processes' statements and a lease another process gave up.
  const projector = createLogConsumer({
    log: storage.log,
    stores: async () => (await storage.admin.listStores()).map((store) => store.id),
    handler: createAnalyticsProjector(),
    batchSize: config.analytics.batchSize,
    pollMs: config.analytics.pollMs,
    onError: (error, storeId) =>
      logger.log('error', 'analytics projector failed', { storeId, ...errorFields(error) }),
  })
  const coreDeps = {
    storage,
    limits: config.limits,
    xapiBasePath: '/xapi',
    authorityHomePage: config.publicUrl,
  }
  const lrs = createLrs(coreDeps, {
    productVersion: productVersion(),
    listeners: [(storeId) => projector.wake(storeId)],
  })
  const analytics = createAnalytics(storage.log, projector)
  if (config.analytics.enabled) projector.start()
  const operator = createOperatorStatements(
    coreDeps,
    (storeId) => `/api/stores/${storeId}/statements`,
  )
  const streams = new AbortController()
  const app = createApp({
    lrs,
    maxBodyBytes: config.http.maxBodyBytes,
    admin,
    rateLimitPerMinute: config.http.rateLimitPerMinute,
    analytics,
    operator,
    webRoot: WEB_ROOT,
    secureCookies: config.publicUrl.startsWith('https:'),
    tail: {
      pollMs: options.tailPollMs ?? 1000,
      heartbeatMs: 15_000,
      shutdown: streams.signal,
    },
    logError: (errorId, error) =>
      logger.log('error', 'unhandled error', { errorId, ...errorFields(error) }),
  })
  return {
    app,
    lrs,
    admin,
    storage,
    analytics,
    projector,
    generatedCredential,
    endStreams: () => streams.abort(),
    async close() {
      await projector.stop()
      await storage.close()
    },
  }
}
