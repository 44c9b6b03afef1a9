/** @module The code a SQLite read worker thread runs (worker-read-dialect.ts starts it). */

/**
 * What the worker is given (`workerData`): better-sqlite3's entry point as the main thread
 * resolved it, the database file, and its connection settings.
 */
export interface ReadWorkerData {
  readonly driver: string
  readonly file: string
  readonly busyTimeoutMs: number
  readonly cacheKib: number
}

/** One query for the worker: compiled SQL and its parameters, answered under the same `id`. */
export interface ReadWorkerRequest {
  readonly id: number
  readonly sql: string
  readonly parameters: readonly unknown[]
}

/** The worker's answer: the rows (or the run's changes), or the error SQLite raised. */
export type ReadWorkerResponse =
  | {
      readonly id: number
      readonly rows: Record<string, unknown>[]
      /** True when a cell is binary: structured cloning turns a Buffer into a Uint8Array. */
      readonly blobs: boolean
      readonly changes?: number
      readonly lastInsertRowid?: number | bigint
    }
  | {
      readonly id: number
      readonly error: { readonly message: string; readonly code?: string; readonly name: string }
    }

/**
 * The worker's source, plain CommonJS run with `eval: true`. A file of its own would have to
 * exist as JavaScript next to the module that starts it: under `dist/` it would, but under tsx
 * (the bench) and vitest (the tests) the sources are TypeScript that only the main thread's
 * loader transpiles. A string needs no loader, and better-sqlite3 is `require`d from the path
 * the main thread resolved, so `node_modules` is found the same way in every setting.
 *
 * One read-only connection (WAL: it reads a snapshot while the writer commits, never blocks it),
 * prepared statements kept by SQL text (the reports repeat a few dozen shapes), one query at a
 * time in arrival order. `begin`/`commit` arrive as queries, so a transaction spans the queries
 * sent between them, all on this connection.
 */
export const READ_WORKER_SCRIPT = String.raw`'use strict'
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.file, { readonly: true, fileMustExist: true })
db.pragma('busy_timeout = ' + Math.max(0, Math.trunc(workerData.busyTimeoutMs)))
db.pragma('cache_size = -' + Math.trunc(workerData.cacheKib))
const prepared = new Map()
function prepare(sql) {
  let statement = prepared.get(sql)
  if (statement === undefined || statement.busy) {
    statement = db.prepare(sql)
    if (prepared.size >= 512) prepared.clear()
    prepared.set(sql, statement)
  }
  return statement
}
function hasBlobs(rows) {
  for (const row of rows) for (const key in row) if (row[key] instanceof Uint8Array) return true
  return false
}
parentPort.on('message', (request) => {
  const id = request.id
  let response
  try {
    const statement = prepare(request.sql)
    if (statement.reader) {
      const rows = statement.all(request.parameters)
      response = { id, rows, blobs: hasBlobs(rows) }
    } else {
      const result = statement.run(request.parameters)
      response = { id, rows: [], blobs: false, changes: result.changes, lastInsertRowid: result.lastInsertRowid }
    }
  } catch (error) {
    response = {
      id,
      error: {
        message: error instanceof Error ? error.message : String(error),
        code: error !== null && typeof error === 'object' && typeof error.code === 'string' ? error.code : undefined,
        name: error instanceof Error ? error.name : 'Error',
      },
    }
  }
  parentPort.postMessage(response)
})
`
