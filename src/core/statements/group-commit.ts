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
  /** True for a group of the shared lane (`GroupCommitOptions.shared`). */
  shared: boolean,
) => Promise<GroupOutcome<O>[]>

export interface GroupCommitOptions<R> {
  /** How many statements a request carries, to bound the size of a group. */
  readonly size: (request: R) => number
  /** A group takes requests up to this many statements (at least one request). */
  readonly maxStatements: number
  /**
   * When set, the requests it accepts form a lane of their own in each store, whose groups may
   * run up to `groups` at a time (their units of work run beside each other, `shared`); every
   * other request is grouped as before, one group at a time. Unset: one lane.
   *
   * `besideFrom`: a group starts beside one already running only while at least this many
   * statements are queued, and a group that ends with fewer queued leaves them to the others;
   * default 0 (no such bound). See `createGroupCommit`.
   */
  readonly shared?: {
    readonly accepts: (request: R) => boolean
    readonly groups: number
    readonly besideFrom?: number
  }
  /**
   * When the lane's previous group held several requests (concurrent writers), the next group
   * starts this many milliseconds after its first request rather than after the current turn
   * of the event loop; default 0 (always the current turn). See `createGroupCommit`.
   */
  readonly gatherMs?: number
}

export interface GroupCommit<R, O> {
  /** Queues `request` for the next group of its store; settles with its own outcome. */
  submit(storeId: StoreId, request: R): Promise<O>
}

/** The requests of one store and lane, and its groups: running, and not yet taken theirs. */
interface Lane<R, O> {
  readonly queue: Pending<R, O>[]
  /** The statements of `queue` (`GroupCommitOptions.size`). */
  queued: number
  running: number
  untaken: number
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
 * together join one group. Under concurrent load (the lane's previous group held several
 * requests) it waits `gatherMs` instead: each commit has a cost of its own (on SQLite, writing
 * every page the group touched to the WAL, a fixed number of index pages whatever the group's
 * size), and the event loop keeps reading and validating requests meanwhile, so the wait is
 * spent gathering a larger group rather than idling; it is bounded by `gatherMs` plus the
 * turn it ends in. A lane whose last group was a lone request is not delayed.
 *
 * The group is taken off the queue when its unit of work holds the store's lock (`RunGroup`), so
 * time spent waiting for the lock (behind another process, on PostgreSQL) gathers requests
 * instead of idling them: two processes writing one store otherwise each commit groups half as
 * large as one process would, one at a time.
 *
 * Isolation: `run` decides every request's outcome on its own. If the unit of work itself
 * fails (an error no request was to blame for, after the storage's retries), each request of
 * the group is run again alone, in order, so that one request's failure is never another's.
 * Groups of different stores run independently. Groups of one store run one at a time, which
 * is what an exclusive unit of work imposes anyway, except in the `shared` lane, where up to
 * `groups` run at once (their units of work run beside each other on PostgreSQL).
 *
 * Side by side only for large groups (`shared.besideFrom`). A unit of work has a cost of its
 * own whatever its size (its round trips, their processing), and two groups running side by side
 * each take about half the queue. For batches that is worth it: a group of hundreds of
 * statements is mostly per-statement work, and while the database inserts one group the process
 * prepares the next (PostgreSQL, batches of 100 from 16 clients: 7,100–7,750 statements/s with
 * one group at a time, 8,600–8,900 with two or three, and a quarter of the machine idle with
 * one). For single statements it is not: with two groups, each about half as large, single
 * statements cost 12% more CPU each and lost 6% of throughput. So a second group starts only
 * while enough statements wait to make a large group, and a group that ends with fewer queued
 * exits, leaving them to the group still running.
 */
export function createGroupCommit<R, O>(
  run: RunGroup<R, O>,
  options: GroupCommitOptions<R>,
): GroupCommit<R, O> {
  /** Per store and lane ('s' shared, 'x' the others): the queue and its groups running. */
  const lanes = new Map<string, Lane<R, O>>()
  /** How many requests the last group of each lane held (a lane with none: absent). */
  const lastGroupSize = new Map<string, number>()
  const gatherMs = options.gatherMs ?? 0
  const besideFrom = options.shared?.besideFrom ?? 0
  /** Whether a group of the lane may run with `others` of its groups running beside it. */
  const mayRun = (lane: Lane<R, O>, others: number): boolean =>
    others === 0 || lane.queued >= besideFrom

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
    key: string,
    lane: Lane<R, O>,
    shared: boolean,
    fixed?: Pending<R, O>[],
    onTake: () => void = () => undefined,
  ): Promise<void> {
    let group = fixed
    const requests = (): R[] => {
      if (group === undefined) {
        group = take(lane)
        onTake()
      }
      return group.map((p) => p.request)
    }
    try {
      const outcomes = await run(storeId, requests, shared)
      if (fixed === undefined) lastGroupSize.set(key, group?.length ?? 0)
      // A `run` that never took its requests stored none of them: each gets "no outcome".
      requests()
      ;(group ?? []).forEach((pending, i) => settle(pending, outcomes[i]))
    } catch (error) {
      // Failed before taking its requests (no connection, the lock never came): they are this
      // group's all the same, so that the queue drains rather than retries forever.
      if (group === undefined) {
        group = take(lane)
        onTake()
      }
      if (group.length === 1) {
        group[0]?.reject(error)
        return
      }
      // Nothing of the group was stored: give every request its own unit of work.
      for (const pending of group) await runGroup(storeId, key, lane, shared, [pending])
    }
  }

  /** Takes the next group off the lane's queue: everything queued, up to the size bound. */
  function take(lane: Lane<R, O>): Pending<R, O>[] {
    let statements = 0
    let count = 0
    for (const pending of lane.queue) {
      const size = options.size(pending.request)
      if (count > 0 && statements + size > options.maxStatements) break
      statements += size
      count++
    }
    lane.queued -= statements
    return lane.queue.splice(0, count)
  }

  /** Runs groups of the lane while it has requests; counted in `untaken` from its start. */
  async function drain(
    storeId: StoreId,
    key: string,
    lane: Lane<R, O>,
    shared: boolean,
  ): Promise<void> {
    let untaken = true
    const taken = (): void => {
      if (!untaken) return
      lane.untaken--
      untaken = false
      // What this group left in the queue may make a large group of its own.
      startGroup(storeId, key, lane, shared)
    }
    // With other groups running, this one goes on only while enough waits for a large group.
    while (lane.queue.length > 0 && mayRun(lane, lane.running - 1)) {
      if (!untaken) lane.untaken++
      untaken = true
      await runGroup(storeId, key, lane, shared, undefined, taken)
      taken()
    }
    taken()
    lane.running--
    if (lane.running === 0 && lanes.get(key) === lane) lanes.delete(key)
  }

  /**
   * Starts a group for the lane's queue if it is due: none is running, or the shared lane has
   * fewer than `groups` running, each has taken its requests (a group not yet holding its lock
   * would take these), and a large group's worth waits (`besideFrom`). Otherwise the queue goes
   * with the next group of one running.
   */
  function startGroup(storeId: StoreId, key: string, lane: Lane<R, O>, shared: boolean): void {
    const limit = shared ? Math.max(1, options.shared?.groups ?? 1) : 1
    if (lane.queue.length === 0 || lane.running >= limit || lane.untaken > 0) return
    if (!mayRun(lane, lane.running)) return
    lane.running++
    lane.untaken++
    if (gatherMs > 0 && (lastGroupSize.get(key) ?? 0) > 1)
      setTimeout(() => void drain(storeId, key, lane, shared), gatherMs)
    else setImmediate(() => void drain(storeId, key, lane, shared))
  }

  return {
    submit(storeId, request) {
      return new Promise<O>((resolve, reject) => {
        const shared = options.shared?.accepts(request) === true
        const key = `${storeId}:${shared ? 's' : 'x'}`
        let lane = lanes.get(key)
        if (lane === undefined) {
          lane = { queue: [], queued: 0, running: 0, untaken: 0 }
          lanes.set(key, lane)
        }
        lane.queue.push({ request, resolve, reject })
        lane.queued += options.size(request)
        startGroup(storeId, key, lane, shared)
      })
    },
  }
}
