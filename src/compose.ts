/** @module The composition root: configuration → storage → core → HTTP. The only place that names adapters. */
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type { Hono } from 'hono'
import { type Analytics, createAnalytics } from './analytics/analytics.js'
import { createPeopleHandler } from './analytics/people/people-consumer.js'
import { createPeopleReports, type PeopleReports } from './analytics/people/people-reports.js'
import { createPeople, type People } from './analytics/people/people.js'
import { createAnalyticsProjector } from './analytics/projector.js'
import { createLinksProjector, resetLinksConsumer } from './analytics/insights/links-projector.js'
import { createInsights, type Insights } from './analytics/insights/insights.js'
import { startRetrainJob } from './analytics/insights/retrain-job.js'
import type { Config, StorageConfig } from './config/config-schema.js'
import type { Admin } from './core/admin/admin.js'
import type { AdminDeps } from './core/admin/admin-deps.js'
import { ADMIN_DEFAULTS, createAdmin } from './core/admin/create-admin.js'
import { ensureInitialCredential, type NewCredential } from './core/auth/credentials.js'
import { createLrs, type LrsOptions } from './core/create-lrs.js'
import { createForwarding } from './core/forwarding/create-forwarding.js'
import type { Forwarding } from './core/forwarding/forwarding.js'
import {
  createForwardingService,
  type ForwardingService,
} from './core/forwarding/forwarding-service.js'
import { createForegroundActivity, type ForegroundActivity } from './core/log/foreground.js'
import { consumerLagReader } from './core/log/consumer-lag.js'
import {
  createLogConsumer,
  createPaceBudget,
  type LogConsumer,
  type LogHandler,
  type PaceBudget,
} from './core/log/log-consumer.js'
import { createOperatorStatements } from './core/statements/operator-statements.js'
import type { Lrs } from './core/lrs.js'
import { createPersonalData } from './core/personal-data/create-personal-data.js'
import type { PersonalData } from './core/personal-data/personal-data.js'
import { startRetentionJob } from './core/personal-data/retention-job.js'
import type { AppEnv } from './http/app-env.js'
import { createApp } from './http/create-app.js'
import type { Readiness } from './http/routes/ops-routes.js'
import { createStopHooks, type StopHooks, type StopOutcome } from './lifecycle/stop-hooks.js'
import { errorFields, type Logger } from './observability/logger.js'
import { createMetrics, type Metrics } from './observability/metrics.js'
import { DEFAULT_STORE_ID, type Storage, type StoreId } from './storage/ports.js'
import { createPostgresStorage } from './storage/postgres/create-postgres-storage.js'
import { createSqliteStorage } from './storage/sqlite/create-sqlite-storage.js'
import {
  backupSqliteDatabase,
  type DatabaseSummary,
  restoreSqliteDatabase,
  SqliteBackupError,
} from './storage/sqlite/sqlite-backup.js'

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
  /** Skill gaps, at-risk learners and recommendations (src/analytics/insights). */
  readonly insights: Insights
  /** The analytics projector of this process (a statement-log consumer). */
  readonly projector: LogConsumer
  /** The insights links consumer of this process (activity hierarchy, competency alignments). */
  readonly linksProjector: LogConsumer
  /** Persons and cohorts (the admin API and `almanac people`; docs/people.md). */
  readonly people: People
  /** Informal learning, ineffective content, cohort comparison. */
  readonly peopleReports: PeopleReports
  /** The people consumer of this process: persons from actors, the informal projection. */
  readonly peopleConsumer: LogConsumer
  /** Set when this start created the first credential; print it once. */
  readonly generatedCredential: NewCredential | undefined
  /** This instance's Prometheus metrics; background consumers report their lag here. */
  readonly metrics: Metrics
  /** Background work registers how to stop it here (see StopHooks.add). */
  readonly stopHooks: StopHooks
  /** Marks the instance as draining: `/readyz` answers 503 from now on. */
  beginShutdown(): void
  /** How many after-commit ingest listener calls have failed since start (each is also logged). */
  listenerFailures(): number
  /** Ends the long-lived responses (the console's live tails), so the HTTP server can close. */
  endStreams(): void
  /**
   * Stops background work (stop hooks, bounded by ALMANAC_SHUTDOWN_TIMEOUT_MS), then closes
   * the database once its running units of work end. Call after the HTTP server has drained.
   */
  close(): Promise<ReadonlyMap<string, StopOutcome>>
}

/** How long `/readyz` waits for the database before calling it unreachable. */
const READINESS_TIMEOUT_MS = 2_000

/** The package version, read from package.json (one level above both src/ and dist/). */
export function productVersion(): string {
  const pkg = createRequire(import.meta.url)('../package.json') as { version: string }
  return pkg.version
}

export function createStorage(config: StorageConfig): Storage {
  switch (config.kind) {
    case 'sqlite':
      return createSqliteStorage({
        file: config.file,
        ...(config.readWorkers === undefined ? {} : { readWorkers: config.readWorkers }),
      })
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
  /** Extension points of the ingest pipeline (contracts: store-statements.ts, notify-listeners.ts). */
  readonly ingest?: Pick<LrsOptions, 'projectSteps' | 'listeners'>
  /** Add prom-client's process metrics (default true; tests building many apps turn them off). */
  readonly processMetrics?: boolean
  /** How often the console's live tail polls (ms); tests make it quick. */
  readonly tailPollMs?: number
  /**
   * Run the background work of a server: forwarding deliveries and the retention job. `almanac
   * serve` sets it; the bulk commands and most tests do not.
   */
  readonly background?: boolean
}

/** The readiness checks of `/readyz`: not draining, database reachable, schema up to date. */
async function checkReadiness(storage: Storage, draining: () => boolean): Promise<Readiness> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), READINESS_TIMEOUT_MS)
  })
  const health = await Promise.race([storage.operations.health(), timeout])
  clearTimeout(timer)
  const database =
    health === undefined
      ? { ok: false, detail: `no answer within ${READINESS_TIMEOUT_MS} ms` }
      : health.reachable
        ? { ok: true }
        : { ok: false, detail: health.detail ?? 'unreachable' }
  const migrations =
    health?.reachable !== true
      ? { ok: false, detail: 'database not reachable' }
      : health.pendingMigrations.length === 0
        ? { ok: true }
        : {
            ok: false,
            detail: health.detail ?? `pending: ${health.pendingMigrations.join(', ')}`,
          }
  const shutdown = draining() ? { ok: false, detail: 'shutting down' } : { ok: true }
  return {
    ready: database.ok && migrations.ok && shutdown.ok,
    checks: { database, migrations, shutdown },
  }
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

/** Folds every projection of a store again from its statements, in order. */
export type RefoldStore = (storeId: StoreId) => Promise<void>

/**
 * Every projection the statement log feeds: the analytics projections, the people directory and
 * informal learning, the insights links. After statements are deleted or anonymised (an erasure,
 * a purge) each is folded again, so none keeps what was removed: a link only the erased
 * learner's statements gave goes too.
 */
function refoldEveryProjection(
  storage: Storage,
  analytics: Analytics,
  peopleReports: PeopleReports,
  links: LogConsumer,
): RefoldStore {
  return async (storeId) => {
    await analytics.rebuild(storeId)
    await peopleReports.rebuild(storeId)
    await storage.log.unitOfWork(storeId, ({ log, connection }) =>
      resetLinksConsumer(connection, log, storeId),
    )
    await links.catchUp(storeId)
  }
}

/** Erasure and retention over `storage`; audit events are logged. */
export function createPersonalDataUseCases(
  storage: Storage,
  config: Config,
  logger: Logger,
  refold: RefoldStore = refoldEveryProjection(
    storage,
    createAnalytics(storage.log, createProjectionConsumer('analytics', storage, config, logger)),
    createPeopleReports(storage.log, createProjectionConsumer('people', storage, config, logger)),
    createProjectionConsumer('links', storage, config, logger),
  ),
): PersonalData {
  return createPersonalData({
    storage,
    now: () => Date.now(),
    audit: (event, fields) => logger.log('info', event, fields),
    purgeBatchSize: config.retention.batchSize,
    afterRemoval: refold,
  })
}

/** The LRS with its statement writes counted as foreground work (the projector yields to them). */
function trackWrites(foreground: ForegroundActivity, lrs: Lrs): Lrs {
  return {
    ...lrs,
    storeStatements: (...args) => foreground.track(() => lrs.storeStatements(...args)),
    putStatement: (...args) => foreground.track(() => lrs.putStatement(...args)),
    importStatements: (...args) => foreground.track(() => lrs.importStatements(...args)),
  }
}

/**
 * One pace budget per foreground: the consumers that yield to the same ingest take
 * `ALMANAC_ANALYTICS_BUSY_SHARE` of its time together (log-consumer.ts `pace.budget`).
 */
const paceBudgets = new WeakMap<ForegroundActivity, PaceBudget>()
function paceBudgetOf(foreground: ForegroundActivity): PaceBudget {
  let budget = paceBudgets.get(foreground)
  if (budget === undefined) paceBudgets.set(foreground, (budget = createPaceBudget()))
  return budget
}

/** Reports the lag of log consumer `name` in `storeId` in /metrics; returns how to stop. */
function registerLag(
  metrics: Metrics,
  storage: Storage,
  name: string,
  storeId: StoreId,
): () => void {
  return metrics.registerConsumerLag(name, storeId, consumerLagReader(storage.log, name, storeId))
}

/**
 * A statement-log consumer over every store (the analytics projector, the insights links, the
 * people directory). On PostgreSQL one process at a time holds each store's lease. With
 * `foreground`, ingest comes first: while statements are being stored the consumer takes a
 * bounded share of the time (and, on SQLite, of the one writer), and catches up when ingest
 * pauses.
 */
function createStoreConsumer(
  storage: Storage,
  config: Config,
  logger: Logger,
  consumer: {
    readonly handler: LogHandler
    /** Its `backgroundFailure` component and its name in the error log line. */
    readonly component: string
    readonly name: string
    readonly metrics?: Metrics | undefined
    readonly foreground?: ForegroundActivity | undefined
  },
): LogConsumer {
  const { foreground, metrics } = consumer
  const budget = foreground === undefined ? undefined : paceBudgetOf(foreground)
  // Its lag in /metrics (almanac_consumer_lag_*, docs/operations.md), per store it follows: a
  // store is registered when a poll first lists it. Every process reports it, lease or not: the
  // cursor is the store's, not the process's.
  const unregister = new Map<StoreId, () => void>()
  const follow = (storeId: StoreId): void => {
    if (metrics === undefined || unregister.has(storeId)) return
    unregister.set(storeId, registerLag(metrics, storage, consumer.handler.name, storeId))
  }
  const logConsumer = createLogConsumer({
    log: storage.log,
    stores: async () => {
      const ids = (await storage.admin.listStores()).map((store) => store.id)
      ids.forEach(follow)
      return ids
    },
    handler: consumer.handler,
    batchSize: config.analytics.batchSize,
    pollMs: config.analytics.pollMs,
    ...(foreground === undefined
      ? {}
      : {
          pace: {
            busy: () => foreground.busy(),
            active: () => foreground.active(),
            background: (start, end) => foreground.background(start, end),
            share: config.analytics.busyShare,
            ...(budget === undefined ? {} : { budget }),
          },
        }),
    onError: (error, storeId) => {
      metrics?.backgroundFailure(consumer.component)
      logger.log('error', `${consumer.name} failed`, { storeId, ...errorFields(error) })
    },
  })
  return {
    ...logConsumer,
    async stop() {
      await logConsumer.stop()
      for (const done of unregister.values()) done()
      unregister.clear()
    },
  }
}

/**
 * The statement-log consumers that keep projections: the analytics projector
 * (docs/analytics.md), the insights links (activity hierarchy and competency alignments), and
 * the people consumer (docs/people.md: persons from statement actors, the informal-learning
 * projection). Its `component` names it in `backgroundFailure`, `name` in the error log line.
 */
const PROJECTION_CONSUMERS = {
  analytics: {
    handler: createAnalyticsProjector,
    component: 'analytics',
    name: 'analytics projector',
  },
  links: { handler: createLinksProjector, component: 'insights', name: 'insights links consumer' },
  people: { handler: createPeopleHandler, component: 'people', name: 'people consumer' },
} as const

/** A new consumer of `kind` over `storage` (not started). */
function createProjectionConsumer(
  kind: keyof typeof PROJECTION_CONSUMERS,
  storage: Storage,
  config: Config,
  logger: Logger,
  metrics?: Metrics,
  foreground?: ForegroundActivity,
): LogConsumer {
  const { handler, component, name } = PROJECTION_CONSUMERS[kind]
  return createStoreConsumer(storage, config, logger, {
    handler: handler(),
    component,
    name,
    metrics,
    foreground,
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
  const metrics = createMetrics({
    database: () => storage.operations.gauges(),
    processMetrics: options.processMetrics ?? true,
  })
  const stopHooks = createStopHooks()
  let draining = false
  let listenerFailures = 0
  const background = options.background ?? false
  // The analytics projector runs in every process; on PostgreSQL one process at a time holds
  // each store's lease. Statements this process stores wake it at once; the poll picks up the
  // other processes' statements and a lease another process gave up.
  const foreground = createForegroundActivity()
  const consumer = (kind: keyof typeof PROJECTION_CONSUMERS) =>
    createProjectionConsumer(kind, storage, config, logger, metrics, foreground)
  const projector = consumer('analytics')
  // Stop hooks run newest first, before the database closes: the projector commits its last
  // batch after forwarding and retention have stopped.
  stopHooks.add('analytics projector', () => projector.stop())
  // The insights links (activity hierarchy and competency alignments): a consumer of its own.
  const linksProjector = consumer('links')
  stopHooks.add('insights links', () => linksProjector.stop())
  const peopleConsumer = consumer('people')
  stopHooks.add('people consumer', () => peopleConsumer.stop())
  const forwardingService = createForwardingService({
    storage,
    settings: config.forwarding,
    now: () => Date.now(),
    registerLag: (name, storeId) => registerLag(metrics, storage, name, storeId),
    log: (event, fields) =>
      logger.log(event === 'forwarding.failed' ? 'warn' : 'info', event, fields),
  })
  if (background) forwardingService.start()
  stopHooks.add('forwarding', () => forwardingService.stop())
  const coreDeps = {
    storage,
    limits: config.limits,
    xapiBasePath: '/xapi',
    authorityHomePage: config.publicUrl,
  }
  const lrs = trackWrites(
    foreground,
    createLrs(coreDeps, {
      productVersion: productVersion(),
      ...options.ingest,
      // Forwarding and the projector take at once what this process stored; others' writes at
      // their next poll.
      listeners: [
        (storeId, fresh) => metrics.statementsStored(storeId, fresh.length),
        (storeId) => projector.wake(storeId),
        (storeId) => linksProjector.wake(storeId),
        (storeId) => peopleConsumer.wake(storeId),
        (storeId) => forwardingService.wake(storeId),
        ...(options.ingest?.listeners ?? []),
      ],
      // A listener runs after the commit: its failure is logged and counted, never answered.
      onListenerError: (error, storeId) => {
        listenerFailures += 1
        logger.log('error', 'ingest listener failed', {
          storeId,
          listenerFailures,
          ...errorFields(error),
        })
      },
    }),
  )
  const analytics = createAnalytics(storage.log, projector)
  if (config.analytics.enabled) linksProjector.start()
  const insights = createInsights(storage.log)
  // The at-risk models are retrained on a schedule by `almanac serve` (and on demand).
  const retrainJob = startRetrainJob({
    enabled: background && config.analytics.retrainHours > 0,
    intervalMs: config.analytics.retrainHours * 3_600_000,
    stores: async () => (await storage.admin.listStores()).map((store) => store.id),
    train: (storeId) => insights.trainRisk(storeId),
    onError: (error, storeId) => {
      metrics.backgroundFailure('insights')
      logger.log('error', 'insights retrain failed', { storeId, ...errorFields(error) })
    },
  })
  stopHooks.add('insights retrain', () => retrainJob.stop())
  if (config.analytics.enabled) projector.start()
  if (config.analytics.enabled) peopleConsumer.start()
  const people = createPeople(storage.log)
  const peopleReports = createPeopleReports(storage.log, peopleConsumer)
  // Erasure and retention fold every projection of the store again afterwards (one function).
  const refold = refoldEveryProjection(storage, analytics, peopleReports, linksProjector)
  const personalData = createPersonalDataUseCases(storage, config, logger, refold)
  // Retention runs in every process serving the database; its batches are idempotent.
  const retentionJob = startRetentionJob({
    enabled: background,
    storage,
    intervalMs: config.retention.intervalSeconds * 1000,
    batchSize: config.retention.batchSize,
    pauseMs: 10,
    now: () => Date.now(),
    audit: (event, fields) => logger.log('info', event, fields),
    onError: (error) => {
      metrics.backgroundFailure('retention')
      logger.log('error', 'retention job failed', errorFields(error))
    },
    afterRemoval: refold,
  })
  stopHooks.add('retention', () => retentionJob.stop())
  const forwarding = createForwardingUseCases(storage, logger, forwardingService)
  const operator = createOperatorStatements(
    coreDeps,
    (storeId) => `/api/stores/${storeId}/statements`,
  )
  const streams = new AbortController()
  const app = createApp({
    lrs,
    foreground,
    personalData,
    forwarding,
    maxBodyBytes: config.http.maxBodyBytes,
    admin,
    rateLimitPerMinute: config.http.rateLimitPerMinute,
    logger,
    metrics,
    ops: {
      readiness: () => checkReadiness(storage, () => draining),
      metrics,
      metricsToken: config.observability.metricsToken,
    },
    productVersion: productVersion(),
    publicUrl: config.publicUrl,
    analytics,
    insights,
    people,
    peopleReports,
    operator,
    webRoot: WEB_ROOT,
    secureCookies: config.publicUrl.startsWith('https:'),
    tail: {
      pollMs: options.tailPollMs ?? 1000,
      heartbeatMs: 15_000,
      shutdown: streams.signal,
    },
    logError: (errorId, error, requestId) =>
      logger.log('error', 'unhandled error', { errorId, requestId, ...errorFields(error) }),
  })
  let closing: Promise<ReadonlyMap<string, StopOutcome>> | undefined
  async function close(): Promise<ReadonlyMap<string, StopOutcome>> {
    draining = true
    // Live tails read the log until told to stop; they must end before the database closes.
    streams.abort()
    const outcomes = await stopHooks.run(Date.now() + config.http.shutdownTimeoutMs)
    for (const [name, outcome] of outcomes)
      if (outcome !== 'stopped')
        logger.log('warn', 'background work did not stop cleanly', { name, outcome })
    await storage.close()
    return outcomes
  }
  return {
    app,
    lrs,
    admin,
    storage,
    personalData,
    forwarding,
    analytics,
    insights,
    projector,
    linksProjector,
    people,
    peopleReports,
    peopleConsumer,
    generatedCredential,
    listenerFailures: () => listenerFailures,
    metrics,
    stopHooks,
    beginShutdown: () => {
      draining = true
    },
    endStreams: () => streams.abort(),
    close: () => (closing ??= close()),
  }
}

/** What `almanac backup` / `restore` did, or, on PostgreSQL, what the operator must do instead. */
export type BackupOutcome =
  | { readonly kind: 'done'; readonly summary: DatabaseSummary; readonly bytes?: number }
  | { readonly kind: 'use-postgres-tools'; readonly instructions: string }
  | { readonly kind: 'refused'; readonly reason: string }

/** The PostgreSQL connection URL without its password, for printed instructions. */
function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'postgres://USER@HOST:PORT/DATABASE'
  }
}

/**
 * PostgreSQL has its own consistent online backup, pg_dump (one snapshot, no lock on writers);
 * Almanac does not reimplement it. Everything Almanac keeps is in the database: its tables
 * (statements, attachments, documents, stores, credentials, admin accounts and sessions, and
 * almanac_migration, which records the schema version), all in the schema of the connection.
 */
function postgresInstructions(url: string, operation: 'backup' | 'restore', file: string): string {
  const safe = withoutPassword(url)
  return operation === 'backup'
    ? [
        'PostgreSQL: back up with pg_dump (a consistent snapshot, taken while Almanac serves):',
        `  pg_dump --format=custom --no-owner --file=${file} '${safe}'`,
        "Add --schema=NAME when Almanac's tables live in a schema of their own. The dump must hold",
        'every Almanac table, almanac_migration included (it records the schema version); pg_dump',
        "of the database or of Almanac's schema does. Use a pg_dump at least as new as the server.",
        'See docs/operations.md.',
      ].join('\n')
    : [
        'PostgreSQL: restore a pg_dump backup with pg_restore, into an empty database, with Almanac stopped:',
        `  pg_restore --no-owner --exit-on-error --dbname='${safe}' ${file}`,
        'Then start Almanac: it applies any newer migrations. See docs/operations.md.',
      ].join('\n')
}

/** `almanac backup --out FILE`: a consistent online copy (SQLite), or how to take one (PostgreSQL). */
export function backupDatabase(config: StorageConfig, out: string): BackupOutcome {
  if (config.kind === 'postgres')
    return {
      kind: 'use-postgres-tools',
      instructions: postgresInstructions(config.url, 'backup', out),
    }
  if (config.file === ':memory:' || config.file === '')
    return { kind: 'refused', reason: 'an in-memory database cannot be backed up' }
  try {
    const { bytes, ...summary } = backupSqliteDatabase(config.file, out)
    return { kind: 'done', summary, bytes }
  } catch (error) {
    if (error instanceof SqliteBackupError) return { kind: 'refused', reason: error.message }
    throw error
  }
}

/** `almanac restore --from FILE`: into an empty database unless `force` (SQLite), or how to (PostgreSQL). */
export function restoreDatabase(
  config: StorageConfig,
  from: string,
  force: boolean,
): BackupOutcome {
  if (config.kind === 'postgres')
    return {
      kind: 'use-postgres-tools',
      instructions: postgresInstructions(config.url, 'restore', from),
    }
  if (config.file === ':memory:' || config.file === '')
    return { kind: 'refused', reason: 'cannot restore into an in-memory database' }
  try {
    return { kind: 'done', summary: restoreSqliteDatabase(from, config.file, force) }
  } catch (error) {
    if (error instanceof SqliteBackupError) return { kind: 'refused', reason: error.message }
    throw error
  }
}
