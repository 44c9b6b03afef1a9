/**
 * @module The statement-log consumer: reads a store's statements in `seq` order past its cursor,
 * in batches up to the safe watermark, and commits each batch's work with the new cursor in one
 * unit of work. Generic: analytics projections, forwarding and live tails are handlers of it.
 */
import type {
  ConsumerLease,
  LogEntry,
  StatementLog,
  StatementLogStorage,
  StoreId,
} from '../../storage/ports.js'

/** One batch handed to a handler, inside the unit of work that will also move the cursor. */
export interface LogBatch {
  readonly storeId: StoreId
  /** In seq order; never empty. Voided statements are included (see `LogEntry.voided`). */
  readonly entries: readonly LogEntry[]
  /** The cursor before this batch. */
  readonly after: number
  /** The cursor once this batch commits (the last entry's seq). */
  readonly upTo: number
  /** The log inside the same unit of work (e.g. to re-read a key's statements). */
  readonly log: StatementLog
  /** The unit of work's database handle (`StatementLogStorage.unitOfWork`). */
  readonly connection: unknown
}

/**
 * What a consumer does with each batch. `handle` runs inside the unit of work: its writes commit
 * with the cursor or not at all, and it may run again for the same batch after a transient
 * failure (the unit of work is retried), so it must have no effect outside that unit of work.
 */
export interface LogHandler {
  /** The consumer's name: its cursor and its lease are per (name, store). */
  readonly name: string
  handle(batch: LogBatch): Promise<void>
  /**
   * An effect outside the database (forwarding to another system), for a batch read in a unit
   * of work of its own and run before the unit of work that calls `handle` and moves the
   * cursor: no transaction (nor, on SQLite, the connection) is held while it waits on the
   * network. At least once: a crash or failure between it and that commit repeats the batch.
   * When it throws, the cursor stays. When the cursor was moved meanwhile (`resetCursor`, a
   * replay), the batch is not committed: the new position wins.
   */
  deliver?: (batch: DeliveryBatch) => Promise<void>
}

/** A batch as `LogHandler.deliver` receives it: read, not yet committed. */
export type DeliveryBatch = Pick<LogBatch, 'storeId' | 'entries' | 'after' | 'upTo'>

export interface LogConsumerOptions {
  readonly log: StatementLogStorage
  /** The stores to consume, asked at every poll (new stores are picked up). */
  readonly stores: () => Promise<readonly StoreId[]>
  readonly handler: LogHandler
  /** Statements per unit of work; default 1000. */
  readonly batchSize?: number
  /**
   * How often the stores are polled for statements written by other processes, and for leases
   * another process gave up; default 1000 ms. Statements written by this process wake the
   * consumer at once (`wake`).
   */
  readonly pollMs?: number
  /** Told about a failed poll; the consumer carries on at the next poll. */
  readonly onError?: (error: unknown, storeId: StoreId | undefined) => void
  /**
   * Yielding to foreground work (ingest) that shares the process and, on SQLite, the one
   * writer connection. While `busy()` says it is saturated, the consumer takes at most `share`
   * of the time (after a batch of t ms it rests t·(1/share − 1) ms, and at least `minRestMs`,
   * unless the foreground stops being busy first) and reads at most `busyBatchSize` statements
   * per batch; while `active()` says foreground work runs without saturating, it runs at once in
   * batches of `busyBatchSize`, so one batch never holds the writer long; when idle it runs with
   * full batches (foreground.ts says why saturation, not mere activity, is what it yields to).
   * `catchUp` (rebuild, tests) is never paced.
   */
  readonly pace?: {
    readonly busy: () => boolean
    /** Foreground work runs (not necessarily saturating); default: `busy`. */
    readonly active?: () => boolean
    /** The share of time the consumer may take while the foreground is busy; default 0.05. */
    readonly share?: number
    /** Statements per batch while busy; default 500 (or `batchSize` when smaller). */
    readonly busyBatchSize?: number
    /**
     * Bounded staleness under sustained overload: once the oldest statement waiting is older
     * than this, the consumer takes half the time instead of `share`; default 30 000 ms.
     */
    readonly maxLagMs?: number
    /**
     * The shortest rest between two batches while busy; default 250 ms. A batch has a cost of
     * its own whatever its size (a transaction and its commit, the cursor, the watermark, the
     * merge of each key it touches), so during sustained ingest fewer, larger batches take less
     * of the process for the same statements: profiling single-statement ingest on SQLite
     * showed the three consumers committing ~100 small batches per second between them.
     */
    readonly minRestMs?: number
    /**
     * Shared by the consumers of one process (`createPaceBudget`), so that while the foreground
     * is busy they take `share` of the time together rather than each: three consumers with a
     * share of 10% each took up to 30% of saturated ingest (issue 9: ingest with projections
     * ≥ 90% of without). One consumer's batch runs at a time, and the rest after it is
     * counted from the end of the last batch of any of them. Default: a budget of its own.
     */
    readonly budget?: PaceBudget
    /**
     * Told of each batch of a pass (not `catchUp`), with its start and end (performance.now()
     * ms): on SQLite a batch holds the main thread and the writer, and the foreground's
     * utilisation is judged on the time left (foreground.ts).
     */
    readonly background?: (start: number, end: number) => void
  }
}

/** The time the paced consumers of a process have taken; see `pace.budget`. */
export interface PaceBudget {
  /** The duration and end (performance.now() ms) of the last paced batch of any consumer. */
  last: { ms: number; end: number }
  /** True while one of the consumers runs a paced batch. */
  running: boolean
}

export function createPaceBudget(): PaceBudget {
  return { last: { ms: 0, end: 0 }, running: false }
}

export interface LogConsumer {
  /** Starts polling (and processing what is there). */
  start(): void
  /** Asks for a pass over `storeId` (or every store) as soon as the one running ends. */
  wake(storeId?: StoreId): void
  /**
   * Processes the store's log up to its watermark now, batch after batch, if this consumer
   * holds (or can take) the store's lease; returns how many statements it processed, or
   * undefined when another process holds the lease. `onBatch` hears of each batch committed.
   */
  catchUp(
    storeId: StoreId,
    onBatch?: (progress: { cursor: number; watermark: number; processed: number }) => void,
  ): Promise<number | undefined>
  /** Stops polling, waits for the batch in flight to commit, and gives up the leases. */
  stop(): Promise<void>
}

const DEFAULT_BATCH_SIZE = 1000
const DEFAULT_POLL_MS = 1000
/**
 * A twentieth: with a tenth, batch after batch over HTTP on SQLite kept only 84–87% of its
 * throughput with the projector on (issue 9 wants ≥ 90%); the consumers' own share is a ceiling
 * that garbage collection and cache misses they cause add to. A burst's lag is worked off after
 * it, and `maxLagMs` still bounds it under sustained overload.
 */
const DEFAULT_BUSY_SHARE = 0.05
const DEFAULT_BUSY_BATCH_SIZE = 500
const DEFAULT_MAX_LAG_MS = 30_000
const DEFAULT_MIN_REST_MS = 250
/** How often a resting consumer looks whether the foreground went idle. */
const REST_STEP_MS = 10

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export function createLogConsumer(options: LogConsumerOptions): LogConsumer {
  const { log, handler } = options
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS
  const pace = options.pace
  const busyShare = Math.min(1, Math.max(0.01, pace?.share ?? DEFAULT_BUSY_SHARE))
  const busyBatchSize = Math.min(batchSize, pace?.busyBatchSize ?? DEFAULT_BUSY_BATCH_SIZE)
  const maxLagMs = pace?.maxLagMs ?? DEFAULT_MAX_LAG_MS
  const minRestMs = pace?.minRestMs ?? DEFAULT_MIN_REST_MS
  const budget = pace?.budget ?? createPaceBudget()
  /** The lag of this consumer's last paced batch (ms). */
  let lastLagMs = 0
  /** True while this consumer holds `budget.running` (from its rest's end to its batch's end). */
  let claimed = false

  /**
   * Rests while the foreground is busy, until the consumers' share of time is respected and no
   * other consumer's paced batch runs; then claims the budget until its batch ends.
   */
  async function yieldToForeground(): Promise<number> {
    if (pace === undefined) return batchSize
    const lagging = lastLagMs > maxLagMs
    const share = lagging ? Math.max(busyShare, 0.5) : busyShare
    while (!stopped && pace.busy()) {
      const { last } = budget
      const rest = Math.max(last.ms * (1 / share - 1), lagging ? 0 : minRestMs)
      const left = budget.running ? REST_STEP_MS : last.end + rest - performance.now()
      if (left <= 0) {
        budget.running = claimed = true
        return busyBatchSize
      }
      await sleep(Math.min(REST_STEP_MS, left))
    }
    return (pace.active ?? pace.busy)() ? busyBatchSize : batchSize
  }
  const leases = new Map<StoreId, ConsumerLease>()
  let started = false
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  /** The pass in flight (every store, or the woken ones); one at a time. */
  let running: Promise<void> | undefined
  /** Stores woken while a pass was running; `'all'` after a poll request. */
  let pending: Set<StoreId> | 'all' | undefined

  /**
   * When this process last found each store's lease held by another process (performance.now()
   * ms). Statements written here wake the consumer after every group commit; asking the
   * database for a lease another process holds at each of those wakes cost the other processes
   * a query per group commit and consumer (seen in a profile of two PostgreSQL processes taking
   * single statements). A lease held elsewhere frees only when that process stops or
   * loses its connection, which the poll was there to notice: so a refused store is asked again
   * once `pollMs` has passed, whichever pass comes first.
   */
  const refusedAt = new Map<StoreId, number>()
  const refusedRecently = (storeId: StoreId): boolean =>
    performance.now() - (refusedAt.get(storeId) ?? -Infinity) < pollMs

  /**
   * The store's lease, taken if free; undefined when another process holds it. `ask`: ask the
   * database even when the lease was refused less than `pollMs` ago (`catchUp`).
   */
  async function leaseOf(storeId: StoreId, ask = false): Promise<ConsumerLease | undefined> {
    const current = leases.get(storeId)
    if (current?.held() === true) return current
    if (current !== undefined) {
      leases.delete(storeId)
      await current.release().catch(() => undefined)
    }
    if (!ask && refusedRecently(storeId)) return undefined
    const lease = await log.acquireLease(handler.name, storeId)
    if (lease === undefined) refusedAt.set(storeId, performance.now())
    else {
      refusedAt.delete(storeId)
      leases.set(storeId, lease)
    }
    return lease
  }

  /** One unit of work: the next batch after the cursor, handled and committed with the cursor. */
  function runBatch(
    storeId: StoreId,
    limit = batchSize,
  ): Promise<{ count: number; cursor: number; watermark: number; lagMs?: number }> {
    if (handler.deliver !== undefined)
      return runDeliveryBatch(storeId, (batch) => handler.deliver?.(batch) ?? Promise.resolve())
    return log.unitOfWork(storeId, async ({ log: storeLog, connection }) => {
      const after = await storeLog.cursor(handler.name)
      const watermark = await storeLog.watermark()
      if (watermark <= after) return { count: 0, cursor: after, watermark }
      const entries = await storeLog.readAfter(after, watermark, limit)
      const last = entries.at(-1)
      // No statement between the cursor and the watermark (deleted ones): skip the gap.
      const upTo = last === undefined ? watermark : last.seq
      if (entries.length > 0)
        await handler.handle({ storeId, entries, after, upTo, log: storeLog, connection })
      await storeLog.setCursor(handler.name, upTo)
      const oldest = entries[0]?.statement.stored
      const lagMs = oldest === undefined ? 0 : Date.now() - Date.parse(oldest)
      return { count: entries.length, cursor: upTo, watermark, lagMs }
    })
  }

  /** `runBatch` for a handler with `deliver`: read, deliver outside, then commit if unmoved. */
  async function runDeliveryBatch(
    storeId: StoreId,
    deliver: NonNullable<LogHandler['deliver']>,
  ): Promise<{ count: number; cursor: number; watermark: number }> {
    const read = await log.unitOfWork(storeId, async ({ log: storeLog }) => {
      const after = await storeLog.cursor(handler.name)
      const watermark = await storeLog.watermark()
      const entries =
        watermark <= after ? [] : await storeLog.readAfter(after, watermark, batchSize)
      return { after, watermark, entries }
    })
    const { after, watermark, entries } = read
    if (watermark <= after) return { count: 0, cursor: after, watermark }
    const upTo = entries.at(-1)?.seq ?? watermark
    if (entries.length > 0) await deliver({ storeId, entries, after, upTo })
    return log.unitOfWork(storeId, async ({ log: storeLog, connection }) => {
      const now = await storeLog.cursor(handler.name)
      if (now !== after) return { count: 0, cursor: now, watermark }
      if (entries.length > 0)
        await handler.handle({ storeId, entries, after, upTo, log: storeLog, connection })
      await storeLog.setCursor(handler.name, upTo)
      return { count: entries.length, cursor: upTo, watermark }
    })
  }

  async function drain(
    storeId: StoreId,
    onBatch?: (progress: { cursor: number; watermark: number; processed: number }) => void,
    paced = false,
  ): Promise<number | undefined> {
    let processed = 0
    // A store whose lease another process holds has nothing to yield for.
    if (paced && !leases.has(storeId) && refusedRecently(storeId)) return undefined
    for (;;) {
      const limit = paced ? await yieldToForeground() : batchSize
      let batch: Awaited<ReturnType<typeof runBatch>>
      try {
        if (stopped) return processed
        const lease = await leaseOf(storeId, !paced)
        if (lease === undefined) return processed === 0 ? undefined : processed
        const began = performance.now()
        batch = await runBatch(storeId, limit)
        if (paced) {
          const end = performance.now()
          budget.last = { ms: end - began, end }
          lastLagMs = batch.lagMs ?? 0
          pace?.background?.(began, end)
        }
      } finally {
        if (claimed) budget.running = claimed = false
      }
      const { count, cursor, watermark } = batch
      processed += count
      if (cursor >= watermark || stopped) {
        onBatch?.({ cursor, watermark, processed })
        return processed
      }
      onBatch?.({ cursor, watermark, processed })
    }
  }

  async function pass(which: Set<StoreId> | 'all'): Promise<void> {
    let stores: readonly StoreId[]
    try {
      stores = which === 'all' ? await options.stores() : [...which]
    } catch (error) {
      options.onError?.(error, undefined)
      return
    }
    for (const storeId of stores) {
      if (stopped) return
      try {
        await drain(storeId, undefined, true)
      } catch (error) {
        options.onError?.(error, storeId)
      }
    }
  }

  function schedule(): void {
    if (stopped || !started) return
    clearTimeout(timer)
    timer = setTimeout(() => request('all'), pollMs)
    timer.unref()
  }

  function request(which: Set<StoreId> | 'all'): void {
    if (stopped) return
    if (running !== undefined) {
      pending =
        pending === 'all' || which === 'all' ? 'all' : new Set([...(pending ?? []), ...which])
      return
    }
    running = pass(which).finally(() => {
      running = undefined
      const next = pending
      pending = undefined
      if (next !== undefined) request(next)
      else schedule()
    })
  }

  return {
    start() {
      if (started || stopped) return
      started = true
      request('all')
    },

    wake(storeId) {
      if (!started) return
      request(storeId === undefined ? 'all' : new Set([storeId]))
    },

    async catchUp(storeId, onBatch) {
      // Runs as the pass of its own, so it never interleaves with a poll in this process.
      while (running !== undefined) await running
      let result: number | undefined
      const own = drain(storeId, onBatch).then((processed) => {
        result = processed
      })
      running = own
        .catch(() => undefined)
        .finally(() => {
          running = undefined
          const next = pending
          pending = undefined
          if (next !== undefined) request(next)
          else schedule()
        })
      await own
      return result
    },

    async stop() {
      stopped = true
      clearTimeout(timer)
      while (running !== undefined) await running
      const held = [...leases.values()]
      leases.clear()
      await Promise.allSettled(held.map((lease) => lease.release()))
    },
  }
}
