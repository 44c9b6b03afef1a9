/** @module The composition root: configuration → storage → core → HTTP. The only place that names adapters. */
import { createRequire } from 'node:module'
import type { Hono } from 'hono'
import { type Analytics, createAnalytics } from './analytics/analytics.js'
import { createAnalyticsProjector } from './analytics/projector.js'
import type { Config, StorageConfig } from './config/config-schema.js'
import type { Admin } from './core/admin/admin.js'
import type { AdminDeps } from './core/admin/admin-deps.js'
import { ADMIN_DEFAULTS, createAdmin } from './core/admin/create-admin.js'
import { ensureInitialCredential, type NewCredential } from './core/auth/credentials.js'
import { createLrs } from './core/create-lrs.js'
import { createForwarding } from './core/forwarding/create-forwarding.js'
import type { Forwarding } from './core/forwarding/forwarding.js'
import {
  createForwardingService,
  type ForwardingService,
} from './core/forwarding/forwarding-service.js'
import { createLogConsumer, type LogConsumer } from './core/log/log-consumer.js'
import type { Lrs } from './core/lrs.js'
import { createPersonalData } from './core/personal-data/create-personal-data.js'
import type { PersonalData } from './core/personal-data/personal-data.js'
import { startRetentionJob } from './core/personal-data/retention-job.js'
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
  /** Erasure and retention (the admin API and `almanac erase` / `almanac retention`). */
  readonly personalData: PersonalData
  /** Forwarding targets (the admin API and `almanac forwarding`). */
  readonly forwarding: Forwarding
  readonly analytics: Analytics
  /** The analytics projector of this process (a statement-log consumer). */
  readonly projector: LogConsumer
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
      return createPostgresStorage({
        url: config.url,
        ...(config.poolMax === undefined ? {} : { poolMax: config.poolMax }),
        ...(config.statementTimeoutMs === undefined
          ? {}
          : { statementTimeoutMs: config.statementTimeoutMs }),
      })
  }
}

/** Choices a caller may override; tests pass cheap scrypt costs (hashing is slow on purpose). */
export interface AlmanacOptions {
  readonly hashing?: AdminDeps['hashing']
  /**
   * Run the background work of a server: forwarding deliveries and the retention job. `almanac
   * serve` sets it; the bulk commands and most tests do not.
   */
  readonly background?: boolean
}

/** The forwarding admin use cases; `service` is told of changes when this process runs one. */
export function createForwardingUseCases(
  storage: Storage,
  logger: Logger,
  service?: ForwardingService,
): Forwarding {
  return createForwarding({
    storage,
    now: () => Date.now(),
    audit: (event, fields) => logger.log('info', event, fields),
    changed: () => service?.refresh() ?? Promise.resolve(),
  })
}

/** Erasure and retention over `storage`; audit events are logged. */
export function createPersonalDataUseCases(
  storage: Storage,
  config: Config,
  logger: Logger,
  analytics: Analytics = createAnalytics(storage.log, createProjector(storage, config, logger)),
): PersonalData {
  return createPersonalData({
    storage,
    now: () => Date.now(),
    audit: (event, fields) => logger.log('info', event, fields),
    purgeBatchSize: config.retention.batchSize,
    // Reports are projections of the statements: after statements are deleted or anonymised
    // they are rebuilt, so no report keeps what was erased or purged.
    afterRemoval: async (storeId) => {
      await analytics.rebuild(storeId)
    },
  })
}

/**
 * The analytics projector: a statement-log consumer over every store. On PostgreSQL one process
 * at a time holds each store's lease.
 */
function createProjector(storage: Storage, config: Config, logger: Logger): LogConsumer {
  return createLogConsumer({
    log: storage.log,
    stores: async () => (await storage.admin.listStores()).map((store) => store.id),
    handler: createAnalyticsProjector(),
    batchSize: config.analytics.batchSize,
    pollMs: config.analytics.pollMs,
    onError: (error, storeId) =>
      logger.log('error', 'analytics projector failed', { storeId, ...errorFields(error) }),
  })
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
  const background = options.background ?? false
  const forwardingService = createForwardingService({
    storage,
    settings: config.forwarding,
    now: () => Date.now(),
    log: (event, fields) =>
      logger.log(event === 'forwarding.failed' ? 'warn' : 'info', event, fields),
  })
  if (background) forwardingService.start()
  // The analytics projector runs in every process; on PostgreSQL one process at a time holds
  // each store's lease. Statements this process stores wake it at once; the poll picks up the
  // other processes' statements and a lease another process gave up.
  const projector = createProjector(storage, config, logger)
  const lrs = createLrs(
    {
      storage,
      limits: config.limits,
      xapiBasePath: '/xapi',
      authorityHomePage: config.publicUrl,
    },
    {
      productVersion: productVersion(),
      // Forwarding and the projector take at once what this process stored; others' writes at
      // their next poll.
      listeners: [
        (storeId) => projector.wake(storeId),
        (storeId) => forwardingService.wake(storeId),
      ],
    },
  )
  const analytics = createAnalytics(storage.log, projector)
  if (config.analytics.enabled) projector.start()
  const personalData = createPersonalDataUseCases(storage, config, logger, analytics)
  // Retention runs in every process serving the database; its batches are idempotent.
  const retentionJob = startRetentionJob({
    enabled: background,
    storage,
    intervalMs: config.retention.intervalSeconds * 1000,
    batchSize: config.retention.batchSize,
    pauseMs: 10,
    now: () => Date.now(),
    audit: (event, fields) => logger.log('info', event, fields),
    onError: (error) => logger.log('error', 'retention job failed', errorFields(error)),
    afterRemoval: async (storeId) => {
      await analytics.rebuild(storeId)
    },
  })
  const forwarding = createForwardingUseCases(storage, logger, forwardingService)
  const app = createApp({
    lrs,
    personalData,
    forwarding,
    maxBodyBytes: config.http.maxBodyBytes,
    admin,
    rateLimitPerMinute: config.http.rateLimitPerMinute,
    analytics,
    logError: (errorId, error) =>
      logger.log('error', 'unhandled error', { errorId, ...errorFields(error) }),
  })
  return {
    app,
    lrs,
    admin,
    storage,
    personalData,
    forwarding,
    analytics,
    projector,
    generatedCredential,
    async close() {
      await forwardingService.stop()
      await retentionJob.stop()
      await projector.stop()
      await storage.close()
    },
  }
}
