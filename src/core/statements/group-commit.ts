/** @module Group commit: the concurrent statement requests of one store persisted in one unit of work. */
import type { StoreId } from '../../storage/ports.js'

/** What one request of a group came to: its own result, or its own error. */
export type GroupOutcome<O> =
  { readonly ok: true; readonly value: O } | { readonly ok: false; readonly error: unknown }

/**
 * Persists the requests of one group in one unit of work and returns one outcome per request,
 * in order. It must decide each request's outcome as if the requests had run one after another
 * in that order (a request rejected alone leaves no trace), and resolve only once the unit of
 * work has committed. When it throws, no request of the group was stored.
 *
 * `take` gives the group's requests. Call it once the unit of work holds the store's write lock
 * (inside `Storage.transaction`'s function): the requests that arrived while the unit of work
 * waited for a connection or for the lock (another process's unit of work of the store, on
 * PostgreSQL) then join it. It returns the same requests every time (a retried unit of work
 * calls it again).
 */
export type RunGroup<R, O> = (
  storeId: StoreId,
  take: () => readonly R[],
) => Promise<GroupOutcome<O>[]>

export interface GroupCommitOptions<R> {
  /** How many statements a request carries, to bound the size of a group. */
  readonly size: (request: R) => number
  /** A group takes requests up to this many statements (at least one request). */
  readonly maxStatements: number
  /**
   * When the store's previous group held several requests (concurrent writers), the next group
   * starts this many milliseconds after its first request rather than after the current turn
   * of the event loop; default 0 (always the current turn). See `createGroupCommit`.
   */
  readonly gatherMs?: number
}

export interface GroupCommit<R, O> {
  /** Queues `request` for the next group of its store; settles with its own outcome. */
  submit(storeId: StoreId, request: R): Promise<O>
}

interface Pending<R, O> {
  readonly request: R
  readonly resolve: (value: O) => void
  readonly reject: (error: unknown) => void
}

/**
 * Batches the requests of each store: while a group of a store is being written, the requests
 * that arrive queue, and the next group takes them all at once (natural batching: the busier
 * the store, the larger the groups, with no timer to tune). A store with nothing in flight
 * starts a group after the current turn of the event loop (setImmediate), so requests parsed
 * together join one group. Under concurrent load (the store's previous group held several
 * requests) it waits `gatherMs` instead: each commit has a cost of its own (on SQLite, writing
 * every page the group touched to the WAL, a fixed number of index pages whatever the group's
 * size), and the event loop keeps reading and validating requests meanwhile, so the wait is
 * spent gathering a larger group rather than idling; it is bounded by `gatherMs` plus the
 * turn it ends in. A store whose last group was a lone request is not delayed.
 *
 * The group is taken off the queue when its unit of work holds the store's lock (`RunGroup`), so
 * time spent waiting for the lock (behind another process, on PostgreSQL) gathers requests
 * instead of idling them: two processes writing one store otherwise each commit groups half as
 * large as one process would, one at a time.
 *
 * Isolation: `run` decides every request's outcome on its own. If the unit of work itself
 * fails (an error no request was to blame for, after the storage's retries), each request of
 * the group is run again alone, in order, so that one request's failure is never another's.
 * Groups of different stores run independently; groups of one store run one at a time, which
 * is what the store's write lock imposes anyway.
 */
export function createGroupCommit<R, O>(
  run: RunGroup<R, O>,
  options: GroupCommitOptions<R>,
): GroupCommit<R, O> {
  const queues = new Map<StoreId, Pending<R, O>[]>()
  /** How many requests the last group of each store held (a store with none: absent). */
  const lastGroupSize = new Map<StoreId, number>()
  const gatherMs = options.gatherMs ?? 0

  function settle(pending: Pending<R, O>, outcome: GroupOutcome<O> | undefined): void {
    if (outcome === undefined) pending.reject(new Error('a group commit returned no outcome'))
    else if (outcome.ok) pending.resolve(outcome.value)
    else pending.reject(outcome.error)
  }

  /**
   * Runs one group: `fixed`, or (undefined) what is queued for the store when `run` takes it.
   */
  async function runGroup(
    storeId: StoreId,
    queue: Pending<R, O>[],
    fixed?: Pending<R, O>[],
  ): Promise<void> {
    let group = fixed
    const requests = (): R[] => (group ??= take(queue)).map((p) => p.request)
    try {
      const outcomes = await run(storeId, requests)
      if (fixed === undefined) lastGroupSize.set(storeId, group?.length ?? 0)
      // A `run` that never took its requests stored none of them: each gets "no outcome".
      ;(group ??= take(queue)).forEach((pending, i) => settle(pending, outcomes[i]))
    } catch (error) {
      // Failed before taking its requests (no connection, the lock never came): they are this
      // group's all the same, so that the queue drains rather than retries forever.
      group ??= take(queue)
      if (group.length === 1) {
        group[0]?.reject(error)
        return
      }
      // Nothing of the group was stored: give every request its own unit of work.
      for (const pending of group) await runGroup(storeId, queue, [pending])
    }
  }

  /** Takes the next group off the store's queue: everything queued, up to the size bound. */
  function take(queue: Pending<R, O>[]): Pending<R, O>[] {
    let statements = 0
    let count = 0
    for (const pending of queue) {
      const size = options.size(pending.request)
      if (count > 0 && statements + size > options.maxStatements) break
      statements += size
      count++
    }
    return queue.splice(0, count)
  }

  async function drain(storeId: StoreId, queue: Pending<R, O>[]): Promise<void> {
    while (queue.length > 0) await runGroup(storeId, queue)
    queues.delete(storeId)
  }

  return {
    submit(storeId, request) {
      return new Promise<O>((resolve, reject) => {
        const queued = queues.get(storeId)
        if (queued !== undefined) {
          queued.push({ request, resolve, reject })
          return
        }
        const queue: Pending<R, O>[] = [{ request, resolve, reject }]
        queues.set(storeId, queue)
        if (gatherMs > 0 && (lastGroupSize.get(storeId) ?? 0) > 1)
          setTimeout(() => void drain(storeId, queue), gatherMs)
        else setImmediate(() => void drain(storeId, queue))
      })
    },
  }
}
