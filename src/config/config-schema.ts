/** @module The configuration schema: every setting, its environment variable and its default. */
import { z } from 'zod'

const port = z.coerce.number().int().min(0).max(65535)
const positiveInt = z.coerce.number().int().positive()

/** Storage is chosen by the URL: a `postgres://` URL or a SQLite file path / `sqlite:` URL. */
export type StorageConfig =
  | {
      readonly kind: 'sqlite'
      readonly file: string
      /** Report-read worker threads (ALMANAC_SQLITE_READ_WORKERS); the adapter's default if unset. */
      readonly readWorkers?: number
    }
  | {
      readonly kind: 'postgres'
      readonly url: string
      /** Connections per process (ALMANAC_DATABASE_POOL_MAX); the adapter's default if unset. */
      readonly poolMax?: number
      /** The server cancels a statement running longer (ms); the adapter's default if unset. */
      readonly statementTimeoutMs?: number
    }

export const environmentSchema = z.object({
  ALMANAC_PORT: port.default(8080),
  ALMANAC_HOST: z.string().min(1).default('127.0.0.1'),
  ALMANAC_DATABASE_URL: z.string().min(1).default('./data/almanac.db'),
  /** PostgreSQL only: the most connections one Almanac process opens (default 10). */
  ALMANAC_DATABASE_POOL_MAX: positiveInt.optional(),
  /** PostgreSQL only: the longest one SQL statement may run, in ms (default 30000). */
  ALMANAC_DATABASE_STATEMENT_TIMEOUT_MS: positiveInt.optional(),
  /**
   * SQLite only: worker threads that run the report reads, each with its own read-only
   * connection, so that a long report never holds the main thread (ingest) up; 0 runs them on
   * the main thread (default 2; docs/scaling.md).
   */
  ALMANAC_SQLITE_READ_WORKERS: z.coerce.number().int().min(0).max(16).optional(),
  ALMANAC_BOOTSTRAP_KEY: z.string().min(1).optional(),
  ALMANAC_BOOTSTRAP_SECRET: z.string().min(8, 'must be at least 8 characters').optional(),
  /** The largest request body accepted, in bytes; larger bodies get 413. */
  ALMANAC_MAX_BODY_BYTES: positiveInt.default(20 * 1024 * 1024),
  /** The largest page of statements a query returns. */
  ALMANAC_MAX_PAGE_SIZE: positiveInt.default(500),
  /** The public URL of the server, used as the homePage of credential authorities. */
  ALMANAC_PUBLIC_URL: z.url().optional(),
  /** The first admin account, created at start when no account has this username. */
  ALMANAC_ADMIN_USERNAME: z.string().min(1).optional(),
  ALMANAC_ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  /** How long an admin session (bearer token) lasts. */
  ALMANAC_ADMIN_SESSION_TTL_SECONDS: positiveInt.default(12 * 60 * 60),
  /** Failed admin sign-ins per username and address within 15 minutes before 429. */
  ALMANAC_ADMIN_LOGIN_MAX_FAILURES: positiveInt.default(5),
  /** Requests per minute per credential unless the credential sets its own; 0 = unlimited. */
  ALMANAC_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(0),
  /** The least severe log level written (debug, info, warn, error). */
  ALMANAC_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** When set, GET /metrics requires `Authorization: Bearer <this token>`. */
  ALMANAC_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** On SIGTERM/SIGINT, how long in-flight requests and background work get to finish (ms). */
  ALMANAC_SHUTDOWN_TIMEOUT_MS: positiveInt.default(25_000),
  /** How often the retention job applies the stores' retention policies. */
  ALMANAC_RETENTION_INTERVAL_SECONDS: positiveInt.default(60 * 60),
  /** Statements (or documents) the retention job deletes per unit of work. */
  ALMANAC_RETENTION_BATCH_SIZE: positiveInt.max(10_000).default(500),
  /** How often forwarding looks for statements written by other processes, in ms. */
  ALMANAC_FORWARDING_POLL_MS: positiveInt.default(1000),
  /** How often forwarding re-reads its targets (changes by the CLI or other processes), in ms. */
  ALMANAC_FORWARDING_REFRESH_MS: positiveInt.default(5000),
  /** The first retry of a failed delivery waits about this long (ms); each next one twice as long. */
  ALMANAC_FORWARDING_BACKOFF_BASE_MS: positiveInt.default(1000),
  /** The longest wait between retries, in ms. */
  ALMANAC_FORWARDING_BACKOFF_MAX_MS: positiveInt.default(5 * 60 * 1000),
  /** A delivery request taking longer fails, in ms. */
  ALMANAC_FORWARDING_TIMEOUT_MS: positiveInt.default(30_000),
  /** `off` stops this process from maintaining the analytics projections (reports then lag). */
  ALMANAC_ANALYTICS: z.enum(['on', 'off']).default('on'),
  /** How often the projector polls for statements other processes wrote, in ms. */
  ALMANAC_ANALYTICS_POLL_MS: positiveInt.default(1000),
  /** Statements per projector unit of work (when ingest is idle; 500 at most while it runs). */
  ALMANAC_ANALYTICS_BATCH_SIZE: positiveInt.default(2000),
  /**
   * The share of time the statement-log consumers (projector, people directory, insights links)
   * may take together while this process's ingest is saturated.
   */
  ALMANAC_ANALYTICS_BUSY_SHARE: z.coerce.number().min(0.01).max(1).default(0.05),
  /** How often `almanac serve` retrains the at-risk models of every store, in hours (0 = never). */
  ALMANAC_INSIGHTS_RETRAIN_HOURS: z.coerce
    .number()
    .min(0)
    .max(24 * 365)
    .default(24),
})

export interface Config {
  readonly http: {
    readonly host: string
    readonly port: number
    readonly maxBodyBytes: number
    /** Requests per minute per credential without its own limit; undefined = unlimited. */
    readonly rateLimitPerMinute: number | undefined
    /** How long a graceful stop waits for in-flight requests and background work (ms). */
    readonly shutdownTimeoutMs: number
  }
  readonly observability: {
    readonly logLevel: 'debug' | 'info' | 'warn' | 'error'
    /** The bearer token GET /metrics requires; undefined = open (bind it to a private network). */
    readonly metricsToken: string | undefined
  }
  readonly storage: StorageConfig
  readonly bootstrap: { readonly key: string; readonly secret: string } | undefined
  readonly limits: { readonly maxStatementsPerPage: number }
  readonly publicUrl: string
  readonly admin: {
    /** The first admin account (both set), or the password `almanac admin create` uses. */
    readonly username: string | undefined
    readonly password: string | undefined
    readonly sessionTtlSeconds: number
    readonly loginMaxFailures: number
  }
  readonly retention: {
    readonly intervalSeconds: number
    readonly batchSize: number
  }
  readonly forwarding: {
    readonly pollMs: number
    readonly refreshMs: number
    readonly backoffBaseMs: number
    readonly backoffMaxMs: number
    readonly timeoutMs: number
  }
  /** The analytics projector of this process (src/analytics). */
  readonly analytics: {
    readonly enabled: boolean
    readonly pollMs: number
    readonly batchSize: number
    /** Hours between scheduled retrains of the at-risk models (0: only on demand). */
    readonly retrainHours: number
    /** The share of time the consumers together (projector, links, people) may take while ingest is saturated. */
    readonly busyShare: number
  }
}
