/** @module WAL checkpoints of a SQLite file in a worker thread, off the writer's main thread. */
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

/**
 * What a checkpoint did (SQLite's `PRAGMA wal_checkpoint` answer): the WAL's frames, how many of
 * them are now in the database file, and whether a lock stopped it short.
 */
export interface CheckpointResult {
  readonly busy: number
  readonly log: number
  readonly checkpointed: number
}

export interface BackgroundCheckpointOptions {
  /** The database file (WAL mode, already created by the writer's connection). */
  readonly file: string
  /** How often the thread checkpoints, in ms. */
  readonly intervalMs: number
  /** `journal_size_limit` for this connection, as the writer's (bytes). */
  readonly journalSizeLimit: number
  /** Hears each checkpoint that copied frames, or the error that stopped one. */
  readonly onCheckpoint?: (result: CheckpointResult | { error: string }) => void
}

export interface BackgroundCheckpoint {
  /** Stops the thread and closes its connection (before the writer closes its own). */
  close(): Promise<void>
}

/** The checkpoint threads alive in this process: what `close()` must bring back down. */
let live = 0

/** How many checkpoint threads are running in this process (started and not yet exited). */
export function liveCheckpointThreads(): number {
  return live
}

/**
 * The thread's source, plain CommonJS run with `eval: true` (see read-worker-script.ts for why a
 * string). A PASSIVE checkpoint copies the WAL's committed frames into the database file without
 * taking any lock a writer or reader waits for (https://sqlite.org/c3ref/wal_checkpoint_v2.html),
 * so the writer goes on committing while it runs.
 */
const CHECKPOINT_SCRIPT = String.raw`'use strict'
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.file, { fileMustExist: true })
db.pragma('busy_timeout = 1000')
db.pragma('journal_size_limit = ' + Math.trunc(workerData.journalSizeLimit))
let stopped = false
function checkpoint() {
  if (stopped) return
  try {
    const row = db.pragma('wal_checkpoint(PASSIVE)')[0]
    if (row !== undefined && row.checkpointed > 0)
      parentPort.postMessage({ busy: row.busy, log: row.log, checkpointed: row.checkpointed })
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message) })
  }
}
const timer = setInterval(checkpoint, workerData.intervalMs)
parentPort.on('message', (message) => {
  if (message !== 'stop') return
  stopped = true
  clearInterval(timer)
  db.close()
  parentPort.close()
})
`

/**
 * Starts a thread that checkpoints `file`'s WAL every `intervalMs`.
 *
 * Why. SQLite checkpoints on the connection whose commit pushed the WAL past
 * `wal_autocheckpoint`, inside that commit: with one writer connection on the main thread, every
 * ~40 MB of WAL a commit stopped the event loop to copy the pages and fsync both files. A CPU
 * profile of batch ingest put 11 of the main thread's 24% in `COMMIT` in those checkpoints
 * (issue 14). Here the copying and the syncs run on another thread; the writer's own
 * `wal_autocheckpoint` stays as the safety net, and when it fires it finds most frames already
 * copied. A writer restarts the WAL from its start only when every frame has been copied; a
 * checkpoint every few hundred ms keeps that true often enough that the file does not grow.
 */
export function startBackgroundCheckpoint(
  options: BackgroundCheckpointOptions,
): BackgroundCheckpoint {
  const worker = new Worker(CHECKPOINT_SCRIPT, {
    eval: true,
    workerData: {
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      file: options.file,
      intervalMs: options.intervalMs,
      journalSizeLimit: options.journalSizeLimit,
    },
  })
  live += 1
  // A process that forgets `close()` still exits; the interval runs on the thread's own loop.
  worker.unref()
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      live -= 1
      resolve()
    }),
  )
  worker.on('message', (message: CheckpointResult | { error: string }) =>
    options.onCheckpoint?.(message),
  )
  // A thread that cannot open the file (deleted under it, say) ends; the writer's own
  // autocheckpoint still bounds the WAL, so this is no failure of the storage.
  worker.on('error', (error) => options.onCheckpoint?.({ error: error.message }))
  let closing: Promise<void> | undefined
  return {
    close() {
      closing ??= (async () => {
        worker.postMessage('stop')
        const timeout = setTimeout(() => void worker.terminate(), 5_000)
        await exited
        clearTimeout(timeout)
      })()
      return closing
    },
  }
}
