/** @module A Kysely dialect whose SQLite connections live in worker threads (report reads). */
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely'
import { StorageFailureError } from '../sql/storage-errors.js'
import {
  READ_WORKER_SCRIPT,
  type ReadWorkerData,
  type ReadWorkerRequest,
  type ReadWorkerResponse,
} from './read-worker-script.js'

export interface WorkerReadOptions {
  /** The database file (a real file: a `:memory:` database cannot be opened by another thread). */
  readonly file: string
  /** How many worker threads, each with its own connection (one report at a time each). */
  readonly workers: number
  readonly busyTimeoutMs: number
  /** Each connection's page cache, in KiB. */
  readonly cacheKib: number
}

/** The worker threads alive in this process, across pools: what `close()` must bring to 0. */
const live = new Set<Worker>()

/** How many read worker threads are running in this process (started and not yet exited). */
export function liveReadWorkers(): number {
  return live.size
}

interface Pending {
  resolve(result: QueryResult<unknown>): void
  reject(error: Error): void
}

/** Rebuilds the worker's error so that translate-error.ts sees SQLite's code, as on the main thread. */
function sqlError(error: { message: string; code?: string; name: string }): Error {
  const rebuilt = new Error(error.message)
  rebuilt.name = error.name
  return error.code === undefined ? rebuilt : Object.assign(rebuilt, { code: error.code })
}

/**
 * One worker thread and its connection; a Kysely connection in itself. While a query waits for
 * its answer the thread keeps the process alive (`ref`); idle, it does not, so a process that
 * forgets `close()` still exits.
 */
class ReadWorker implements DatabaseConnection {
  readonly #worker: Worker
  readonly #pending = new Map<number, Pending>()
  #nextId = 0
  /** Why the thread stopped; set once it errored or exited. */
  #stopped: Error | undefined

  constructor(data: ReadWorkerData, onStop: (worker: ReadWorker) => void) {
    this.#worker = new Worker(READ_WORKER_SCRIPT, { eval: true, workerData: data })
    live.add(this.#worker)
    this.#worker.unref()
    this.#worker.on('message', (response: ReadWorkerResponse) => this.#answer(response))
    // An uncaught error (the file cannot be opened, say) is followed by 'exit'; the first says why.
    this.#worker.on('error', (error) => this.#stop(error))
    this.#worker.on('exit', (code) => {
      live.delete(this.#worker)
      this.#stop(new Error(`exit code ${code}`))
      onStop(this)
    })
  }

  get stopped(): boolean {
    return this.#stopped !== undefined
  }

  /** The thread, for tests that stop it from outside. */
  get thread(): Worker {
    return this.#worker
  }

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.#stopped !== undefined) return Promise.reject(this.#failure())
    const id = this.#nextId++
    const request: ReadWorkerRequest = { id, sql: query.sql, parameters: query.parameters }
    return new Promise<QueryResult<R>>((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref()
      this.#pending.set(id, { resolve: resolve as Pending['resolve'], reject })
      this.#worker.postMessage(request)
    })
  }

  /** The whole result, as one chunk: no report streams, and the rows cross threads at once. */
  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    yield await this.executeQuery<R>(query)
  }

  terminate(): Promise<number> {
    return this.#worker.terminate()
  }

  #answer(response: ReadWorkerResponse): void {
    const pending = this.#pending.get(response.id)
    if (pending === undefined) return
    this.#settled(response.id)
    if ('error' in response) {
      pending.reject(sqlError(response.error))
      return
    }
    if (response.blobs)
      for (const row of response.rows)
        for (const [key, value] of Object.entries(row))
          if (value instanceof Uint8Array)
            row[key] = Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    pending.resolve({
      rows: response.rows,
      ...(response.changes === undefined
        ? {}
        : {
            numAffectedRows: BigInt(response.changes),
            insertId: BigInt(response.lastInsertRowid ?? 0),
          }),
    })
  }

  #settled(id: number): void {
    this.#pending.delete(id)
    if (this.#pending.size === 0) this.#worker.unref()
  }

  #failure(): Error {
    return StorageFailureError(
      `the SQLite read worker stopped (${this.#stopped?.message ?? 'unknown'}) before answering`,
    )
  }

  /** Fails every query still waiting: a dead thread will never answer them. */
  #stop(reason: Error): void {
    this.#stopped ??= reason
    const failure = this.#failure()
    for (const [id, pending] of [...this.#pending]) {
      this.#settled(id)
      pending.reject(failure)
    }
  }
}

/**
 * Up to `workers` threads, started on first use; a connection is a whole thread, lent to one
 * caller (a report's read transaction) at a time, others wait their turn in order. A thread
 * that stopped is dropped and the next acquire starts a new one.
 */
class ReadWorkerDriver implements Driver {
  readonly #options: WorkerReadOptions
  readonly #data: ReadWorkerData
  readonly #all = new Set<ReadWorker>()
  readonly #idle: ReadWorker[] = []
  readonly #waiting: { resolve(worker: ReadWorker): void; reject(error: Error): void }[] = []
  #destroyed = false

  constructor(options: WorkerReadOptions) {
    this.#options = options
    this.#data = {
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      file: options.file,
      busyTimeoutMs: options.busyTimeoutMs,
      cacheKib: options.cacheKib,
    }
  }

  async init(): Promise<void> {}

  /** The threads of this pool now (tests stop one to see that nothing hangs). */
  threads(): Worker[] {
    return [...this.#all].map((worker) => worker.thread)
  }

  acquireConnection(): Promise<DatabaseConnection> {
    if (this.#destroyed) return Promise.reject(StorageFailureError('the storage is closed'))
    for (let worker = this.#idle.pop(); worker !== undefined; worker = this.#idle.pop())
      if (!worker.stopped) return Promise.resolve(worker)
    if (this.#all.size < this.#options.workers) return Promise.resolve(this.#start())
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }))
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    if (!(connection instanceof ReadWorker))
      return Promise.reject(new Error('not a connection of this pool'))
    const next = this.#waiting.shift()
    if (next === undefined) {
      if (!connection.stopped) this.#idle.push(connection)
    } else if (!connection.stopped) next.resolve(connection)
    else if (this.#destroyed) next.reject(StorageFailureError('the storage is closed'))
    else next.resolve(this.#start())
    return Promise.resolve()
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    // Deferred: a read transaction, its snapshot taken at the first read (WAL).
    await connection.executeQuery(CompiledQuery.raw('begin'))
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'))
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'))
  }

  async destroy(): Promise<void> {
    this.#destroyed = true
    for (const waiter of this.#waiting.splice(0))
      waiter.reject(StorageFailureError('the storage is closed'))
    this.#idle.length = 0
    await Promise.all([...this.#all].map((worker) => worker.terminate()))
  }

  #start(): ReadWorker {
    const worker = new ReadWorker(this.#data, (stopped) => {
      this.#all.delete(stopped)
      // A thread that died under a waiting caller is replaced for it (releaseConnection does
      // that when the caller hands it back; an idle one is only dropped).
    })
    this.#all.add(worker)
    return worker
  }
}

/** Kysely's SQLite dialect over a `ReadWorkerDriver`: SQLite's SQL, worker threads' connections. */
export class WorkerReadDialect implements Dialect {
  readonly driver: ReadWorkerDriver

  constructor(options: WorkerReadOptions) {
    if (!(options.workers >= 1)) throw new Error('WorkerReadDialect needs at least one worker')
    this.driver = new ReadWorkerDriver(options)
  }

  createDriver(): Driver {
    return this.driver
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler()
  }

  createAdapter(): DialectAdapter {
    return new SqliteAdapter()
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db)
  }
}
