/** @module Prometheus metrics: one prom-client Registry per Almanac, created by the composition root. */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'

/** What a background consumer reports: how far behind the statement log it is. */
export interface ConsumerLag {
  /** Statements in the store's log past the consumer's cursor (up to the safe watermark). */
  readonly statements: number
  /** Age in seconds of the oldest statement not yet consumed; 0 when caught up. */
  readonly seconds?: number
}

/** Connection use of the database, as the storage reports it at scrape time. */
export interface DatabaseGauges {
  /** Units of work running or queued in this process. */
  readonly transactionsInFlight: number
  /** PostgreSQL: the connection pool. */
  readonly pool?: {
    readonly max: number
    readonly total: number
    readonly idle: number
    readonly waiting: number
  }
  /** SQLite: the database file and its write-ahead log, in bytes. */
  readonly files?: { readonly databaseBytes: number; readonly walBytes: number }
}

/**
 * The metrics of one Almanac instance. Everything is labelled with bounded values only: route
 * patterns (never raw paths), status codes, error codes, store ids and consumer names.
 */
export interface Metrics {
  /** One finished HTTP request; `route` is the registered pattern (`/xapi/statements`) or `unmatched`. */
  observeRequest(method: string, route: string, status: number, seconds: number): void
  /** Statements newly stored by one committed ingest (a batch), per store. */
  statementsStored(storeId: number, count: number): void
  /** A document (state, activity or agent profile) written or deleted. */
  documentWritten(resource: string, operation: 'put' | 'post' | 'delete'): void
  /** A request answered with an error; `code` is the error's stable code (`STATEMENT_CONFLICT`). */
  rejected(code: string, status: number): void
  /** An after-commit listener or other isolated background failure, by where it happened. */
  backgroundFailure(component: string): void
  /**
   * Registers a background consumer (an analytics projection, a forwarder) whose lag is read at
   * every scrape (once per scrape). `read` should be cheap; a throw or rejection shows as
   * `almanac_consumer_lag_up 0` for that consumer and store.
   * Returns a function that unregisters it (call it when the consumer stops).
   */
  registerConsumerLag(
    consumer: string,
    storeId: number,
    read: () => ConsumerLag | Promise<ConsumerLag>,
  ): () => void
  /** The exposition (text format 0.0.4) of every metric, for GET /metrics. */
  render(): Promise<{ readonly contentType: string; readonly body: string }>
}

export interface MetricsOptions {
  /** Read at every scrape: the storage's connection gauges. */
  readonly database: () => DatabaseGauges
  /** Adds the process metrics of prom-client (CPU, memory, event loop lag, GC, handles). */
  readonly processMetrics: boolean
}

/** Request latency buckets (seconds): xAPI requests range from sub-millisecond reads to batch writes. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
/** Statements per batch: a single PUT up to large bulk POSTs. */
const BATCH_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000]

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry()
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'almanac_' })

  const requests = new Counter({
    name: 'almanac_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  })
  const latency = new Histogram({
    name: 'almanac_http_request_duration_seconds',
    help: 'Time from receiving a request to its response, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  })
  const statements = new Counter({
    name: 'almanac_statements_stored_total',
    help: 'Statements newly stored (duplicates of stored statements not counted), by store.',
    labelNames: ['store'],
    registers: [registry],
  })
  const batches = new Histogram({
    name: 'almanac_statement_batch_size',
    help: 'Statements newly stored per committed ingest (one POST, PUT or import batch).',
    buckets: BATCH_BUCKETS,
    registers: [registry],
  })
  const documents = new Counter({
    name: 'almanac_documents_written_total',
    help: 'Documents written or deleted, by resource (state, activity_profile, agent_profile) and operation.',
    labelNames: ['resource', 'operation'],
    registers: [registry],
  })
  const rejections = new Counter({
    name: 'almanac_http_rejections_total',
    help: 'Requests answered with an error, by error code and status.',
    labelNames: ['code', 'status'],
    registers: [registry],
  })
  const failures = new Counter({
    name: 'almanac_background_failures_total',
    help: 'Failures isolated from requests (after-commit listeners, background consumers), by component.',
    labelNames: ['component'],
    registers: [registry],
  })

  const database = options.database
  new Gauge({
    name: 'almanac_db_transactions_in_flight',
    help: 'Units of work running or queued in this process.',
    registers: [registry],
    collect() {
      this.set(database().transactionsInFlight)
    },
  })
  new Gauge({
    name: 'almanac_db_pool_connections',
    help: 'PostgreSQL pool connections by state (max, total, idle, waiting = requests queued for one).',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const pool = database().pool
      if (pool === undefined) return
      this.set({ state: 'max' }, pool.max)
      this.set({ state: 'total' }, pool.total)
      this.set({ state: 'idle' }, pool.idle)
      this.set({ state: 'waiting' }, pool.waiting)
    },
  })
  new Gauge({
    name: 'almanac_db_file_bytes',
    help: 'SQLite: size of the database file and of its write-ahead log.',
    labelNames: ['file'],
    registers: [registry],
    collect() {
      const files = database().files
      if (files === undefined) return
      this.set({ file: 'database' }, files.databaseBytes)
      this.set({ file: 'wal' }, files.walBytes)
    },
  })

  interface LagSource {
    readonly consumer: string
    readonly storeId: number
    readonly read: () => ConsumerLag | Promise<ConsumerLag>
  }
  const lagSources = new Set<LagSource>()
  type Reading = readonly [LagSource, ConsumerLag | undefined]
  // The three lag gauges are collected together in one scrape: read each source once per
  // scrape (render() forgets the readings when it ends).
  let scrapeReadings: Promise<Reading[]> | undefined
  async function readAll(): Promise<Reading[]> {
    const readings: Reading[] = []
    for (const source of lagSources) {
      try {
        readings.push([source, await source.read()])
      } catch {
        readings.push([source, undefined])
      }
    }
    return readings
  }
  function lagReadings(): Promise<Reading[]> {
    return (scrapeReadings ??= readAll())
  }
  const labelsOf = (source: LagSource) => ({
    consumer: source.consumer,
    store: String(source.storeId),
  })
  new Gauge({
    name: 'almanac_consumer_lag_statements',
    help: 'Statements a background consumer (analytics, forwarding) has still to process, by consumer and store.',
    labelNames: ['consumer', 'store'],
    registers: [registry],
    async collect() {
      this.reset()
      for (const [source, lag] of await lagReadings())
        if (lag !== undefined) this.set(labelsOf(source), lag.statements)
    },
  })
  new Gauge({
    name: 'almanac_consumer_lag_seconds',
    help: 'Age of the oldest statement a background consumer has not processed, by consumer and store.',
    labelNames: ['consumer', 'store'],
    registers: [registry],
    async collect() {
      this.reset()
      for (const [source, lag] of await lagReadings())
        if (lag?.seconds !== undefined) this.set(labelsOf(source), lag.seconds)
    },
  })
  new Gauge({
    name: 'almanac_consumer_lag_up',
    help: '1 when a registered consumer reported its lag at this scrape, 0 when reading it failed.',
    labelNames: ['consumer', 'store'],
    registers: [registry],
    async collect() {
      this.reset()
      for (const [source, lag] of await lagReadings()) this.set(labelsOf(source), lag ? 1 : 0)
    },
  })

  return {
    observeRequest(method, route, status, seconds) {
      const labels = { method, route, status: String(status) }
      requests.inc(labels)
      latency.observe(labels, seconds)
    },
    statementsStored(storeId, count) {
      statements.inc({ store: String(storeId) }, count)
      batches.observe(count)
    },
    documentWritten(resource, operation) {
      documents.inc({ resource, operation })
    },
    rejected(code, status) {
      rejections.inc({ code, status: String(status) })
    },
    backgroundFailure(component) {
      failures.inc({ component })
    },
    registerConsumerLag(consumer, storeId, read) {
      const source: LagSource = { consumer, storeId, read }
      lagSources.add(source)
      return () => {
        lagSources.delete(source)
      }
    },
    async render() {
      try {
        return { contentType: registry.contentType, body: await registry.metrics() }
      } finally {
        scrapeReadings = undefined
      }
    },
  }
}
