/** @module Reads the configuration from an environment once, at start. */
import { environmentSchema, type Config, type StorageConfig } from './config-schema.js'

/** Thrown for a setting that cannot be used; the CLI prints it and exits 1. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

function parseStorage(
  url: string,
  pool: {
    poolMax: number | undefined
    statementTimeoutMs: number | undefined
    sqliteReadWorkers: number | undefined
  },
): StorageConfig {
  const sqlite = (file: string): StorageConfig => ({
    kind: 'sqlite',
    file,
    ...(pool.sqliteReadWorkers === undefined ? {} : { readWorkers: pool.sqliteReadWorkers }),
  })
  if (/^postgres(ql)?:\/\//i.test(url))
    return {
      kind: 'postgres',
      url,
      ...(pool.poolMax === undefined ? {} : { poolMax: pool.poolMax }),
      ...(pool.statementTimeoutMs === undefined
        ? {}
        : { statementTimeoutMs: pool.statementTimeoutMs }),
    }
  if (url.startsWith('sqlite://')) return sqlite(url.slice('sqlite://'.length))
  if (url.startsWith('sqlite:')) return sqlite(url.slice('sqlite:'.length))
  if (url.startsWith('file:')) return sqlite(url.slice('file:'.length))
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url))
    throw new ConfigError(
      `ALMANAC_DATABASE_URL: unsupported scheme in '${url}' (use postgres:// or a SQLite file path)`,
    )
  return sqlite(url)
}

/** Pure: the same environment always gives the same frozen configuration. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const parsed = environmentSchema.safeParse(env)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`)
  }
  const e = parsed.data
  if ((e.ALMANAC_BOOTSTRAP_KEY === undefined) !== (e.ALMANAC_BOOTSTRAP_SECRET === undefined))
    throw new ConfigError('ALMANAC_BOOTSTRAP_KEY and ALMANAC_BOOTSTRAP_SECRET must be set together')
  if (e.ALMANAC_ADMIN_USERNAME !== undefined && e.ALMANAC_ADMIN_PASSWORD === undefined)
    throw new ConfigError('ALMANAC_ADMIN_USERNAME needs ALMANAC_ADMIN_PASSWORD')
  const publicUrl = e.ALMANAC_PUBLIC_URL ?? `http://${e.ALMANAC_HOST}:${e.ALMANAC_PORT}`
  const config: Config = {
    http: {
      host: e.ALMANAC_HOST,
      port: e.ALMANAC_PORT,
      maxBodyBytes: e.ALMANAC_MAX_BODY_BYTES,
      rateLimitPerMinute:
        e.ALMANAC_RATE_LIMIT_PER_MINUTE === 0 ? undefined : e.ALMANAC_RATE_LIMIT_PER_MINUTE,
      shutdownTimeoutMs: e.ALMANAC_SHUTDOWN_TIMEOUT_MS,
    },
    observability: {
      logLevel: e.ALMANAC_LOG_LEVEL,
      metricsToken: e.ALMANAC_METRICS_TOKEN,
    },
    storage: parseStorage(e.ALMANAC_DATABASE_URL, {
      poolMax: e.ALMANAC_DATABASE_POOL_MAX,
      statementTimeoutMs: e.ALMANAC_DATABASE_STATEMENT_TIMEOUT_MS,
      sqliteReadWorkers: e.ALMANAC_SQLITE_READ_WORKERS,
    }),
    bootstrap:
      e.ALMANAC_BOOTSTRAP_KEY !== undefined && e.ALMANAC_BOOTSTRAP_SECRET !== undefined
        ? { key: e.ALMANAC_BOOTSTRAP_KEY, secret: e.ALMANAC_BOOTSTRAP_SECRET }
        : undefined,
    limits: { maxStatementsPerPage: e.ALMANAC_MAX_PAGE_SIZE },
    publicUrl: publicUrl.replace(/\/+$/, ''),
    admin: {
      username: e.ALMANAC_ADMIN_USERNAME,
      password: e.ALMANAC_ADMIN_PASSWORD,
      sessionTtlSeconds: e.ALMANAC_ADMIN_SESSION_TTL_SECONDS,
      loginMaxFailures: e.ALMANAC_ADMIN_LOGIN_MAX_FAILURES,
    },
    retention: {
      intervalSeconds: e.ALMANAC_RETENTION_INTERVAL_SECONDS,
      batchSize: e.ALMANAC_RETENTION_BATCH_SIZE,
    },
    forwarding: {
      pollMs: e.ALMANAC_FORWARDING_POLL_MS,
      refreshMs: e.ALMANAC_FORWARDING_REFRESH_MS,
      backoffBaseMs: e.ALMANAC_FORWARDING_BACKOFF_BASE_MS,
      backoffMaxMs: e.ALMANAC_FORWARDING_BACKOFF_MAX_MS,
      timeoutMs: e.ALMANAC_FORWARDING_TIMEOUT_MS,
    },
    analytics: {
      enabled: e.ALMANAC_ANALYTICS === 'on',
      pollMs: e.ALMANAC_ANALYTICS_POLL_MS,
      batchSize: e.ALMANAC_ANALYTICS_BATCH_SIZE,
      retrainHours: e.ALMANAC_INSIGHTS_RETRAIN_HOURS,
      busyShare: e.ALMANAC_ANALYTICS_BUSY_SHARE,
    },
  }
  return Object.freeze(config)
}
