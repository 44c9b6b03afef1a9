/**
 * @module The forwarding runtime: one statement-log consumer per active target (`core/log`),
 * delivering outside any transaction, with retries (exponential backoff and jitter) and a pause
 * after too many consecutive failures.
 */
import { createHash } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { ForwardingTargetRecord, Storage, StoreId } from '../../storage/ports.js'
import { createLogConsumer, type DeliveryBatch, type LogConsumer } from '../log/log-consumer.js'
import { attachmentHashes, deliverBatch, DeliveryError } from './deliver-batch.js'
import { matchesFilter } from './forwarding-filter.js'

export interface ForwardingSettings {
  /** How often consumers poll for statements written by other processes. */
  readonly pollMs: number
  /** How often the targets are re-read (changes made by other processes, the CLI). */
  readonly refreshMs: number
  /** The first retry waits about this long; each further one twice as long, up to `backoffMaxMs`. */
  readonly backoffBaseMs: number
  readonly backoffMaxMs: number
  /** A request to a target taking longer fails. */
  readonly timeoutMs: number
}

export interface ForwardingServiceDeps {
  readonly storage: Storage
  readonly settings: ForwardingSettings
  readonly now: () => number
  readonly log: (event: string, fields: Readonly<Record<string, unknown>>) => void
  /** Reports a running target's lag in /metrics; returns how to stop reporting it. */
  readonly registerLag?: (consumer: string, storeId: StoreId) => () => void
}

export interface ForwardingService {
  start(): void
  /** Statements were stored in `storeId`: its targets deliver now rather than at the next poll. */
  wake(storeId: StoreId): void
  /** Re-reads the targets now (after an admin change in this process). */
  refresh(): Promise<void>
  stop(): Promise<void>
}

/** The consumer name of a target: its cursor in `log_consumers` and its lease. */
export function consumerName(targetId: number): string {
  return `forwarding:${targetId}`
}

/**
 * The wait before retry `failures` (1, 2, …): exponential, capped, with "equal jitter" (half
 * fixed, half random) so that targets failing together do not retry in step.
 */
export function backoffMs(failures: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1))
  return ceiling / 2 + Math.random() * (ceiling / 2)
}

/** A delivery id that is the same for a retry of the same batch. */
function deliveryId(targetId: number, batch: DeliveryBatch): string {
  const hex = createHash('sha256').update(`${targetId}:${batch.after}:${batch.upTo}`).digest('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`
}

/** What a running target's consumer depends on; a change restarts it. */
function fingerprint(target: ForwardingTargetRecord): string {
  return JSON.stringify([target.destination, target.filter, target.batchSize, target.maxFailures])
}

class PausedError extends Error {
  override readonly name = 'PausedError'
}

interface Running {
  target: ForwardingTargetRecord
  fingerprint: string
  consumer: LogConsumer
  abort: AbortController
  /** Stops reporting its lag. */
  unregisterLag: () => void
}

export function createForwardingService(deps: ForwardingServiceDeps): ForwardingService {
  const { storage, settings } = deps
  const running = new Map<number, Running>()
  /**
   * The paused targets' lag reports: their consumers are stopped, but what they have still to
   * deliver grows with every statement stored, and that is what an operator watching a paused
   * target needs to see (docs/operations.md).
   */
  const pausedLag = new Map<number, () => void>()
  let timer: NodeJS.Timeout | undefined
  let stopped = false
  let refreshing: Promise<void> | undefined

  /**
   * Delivers the matching statements of a batch, retrying until the target accepts them, the
   * target is paused (then the batch stays undelivered, the cursor where it was) or the
   * process stops. Failures are recorded as they happen, so the status shows the last error.
   */
  async function deliver(run: Running, batch: DeliveryBatch): Promise<void> {
    const { target, abort } = run
    const statements = batch.entries
      .filter((entry) => matchesFilter(entry, target.filter))
      .map((entry) => entry.statement)
    if (statements.length === 0) return
    // Issue 15: only the contents each statement was stored together with travel with it.
    const owners =
      target.destination.kind === 'lrs' && attachmentHashes(statements).length > 0
        ? statements.flatMap((s) => (s.id === undefined ? [] : [s.id]))
        : []
    const context = {
      attachments:
        owners.length === 0
          ? undefined
          : await storage.scope(target.storeId).statements.findStatementAttachments(owners),
      deliveryId: deliveryId(target.id, batch),
      storeId: target.storeId,
      targetId: target.id,
      timeoutMs: settings.timeoutMs,
      signal: abort.signal,
    }
    let failures = target.consecutiveFailures
    for (;;) {
      if (abort.signal.aborted) throw new DeliveryError('forwarding stopped')
      try {
        await deliverBatch(target.destination, statements, context)
        await storage.forwarding.recordSuccess(
          target.id,
          statements.length,
          new Date(deps.now()).toISOString(),
        )
        target.consecutiveFailures = 0
        return
      } catch (error) {
        if (abort.signal.aborted) throw error
        const message = error instanceof Error ? error.message : String(error)
        failures += 1
        target.consecutiveFailures = failures
        const pause = failures >= target.maxFailures
        await storage.forwarding.recordFailure(
          target.id,
          message,
          new Date(deps.now()).toISOString(),
          pause,
        )
        deps.log(pause ? 'forwarding.paused' : 'forwarding.failed', {
          target: target.id,
          storeId: target.storeId,
          failures,
          error: message,
        })
        if (pause) {
          target.paused = true
          throw new PausedError(`target ${target.id} paused after ${failures} failures`)
        }
        await sleep(backoffMs(failures, settings.backoffBaseMs, settings.backoffMaxMs), undefined, {
          signal: abort.signal,
        }).catch(() => undefined)
      }
    }
  }

  function startTarget(target: ForwardingTargetRecord): void {
    const run: Running = {
      target,
      fingerprint: fingerprint(target),
      abort: new AbortController(),
      consumer: undefined as unknown as LogConsumer,
      unregisterLag: deps.registerLag?.(consumerName(target.id), target.storeId) ?? (() => {}),
    }
    run.consumer = createLogConsumer({
      log: storage.log,
      // A paused target consumes nothing until resumed (its consumer is then stopped anyway).
      stores: () => Promise.resolve(run.target.paused ? [] : [target.storeId]),
      handler: {
        name: consumerName(target.id),
        handle: () => Promise.resolve(),
        deliver: (batch) => deliver(run, batch),
      },
      batchSize: target.batchSize,
      pollMs: settings.pollMs,
      onError: (error) => {
        if (error instanceof PausedError || run.abort.signal.aborted) return
        deps.log('forwarding.error', {
          target: target.id,
          error: error instanceof Error ? error.message : String(error),
        })
      },
    })
    running.set(target.id, run)
    run.consumer.start()
  }

  async function stopTarget(id: number): Promise<void> {
    const run = running.get(id)
    if (run === undefined) return
    running.delete(id)
    run.abort.abort()
    run.unregisterLag()
    await run.consumer.stop()
  }

  async function sync(): Promise<void> {
    const targets = await storage.forwarding.listTargets()
    const active = new Map(targets.filter((t) => !t.paused).map((t) => [t.id, t]))
    for (const [id, run] of [...running]) {
      const current = active.get(id)
      if (current === undefined || fingerprint(current) !== run.fingerprint || run.target.paused)
        await stopTarget(id)
    }
    // Each target's lag reported once at a time: the paused reports of targets resumed (or
    // gone) end before their consumers start.
    const paused = new Map(targets.filter((t) => t.paused).map((t) => [t.id, t]))
    for (const [id, unregister] of [...pausedLag])
      if (!paused.has(id)) {
        unregister()
        pausedLag.delete(id)
      }
    for (const target of active.values()) if (!running.has(target.id)) startTarget(target)
    for (const target of paused.values())
      if (!pausedLag.has(target.id))
        pausedLag.set(
          target.id,
          deps.registerLag?.(consumerName(target.id), target.storeId) ?? (() => {}),
        )
  }

  function refresh(): Promise<void> {
    if (stopped) return Promise.resolve()
    refreshing ??= sync()
      .catch((error: unknown) =>
        deps.log('forwarding.error', {
          error: error instanceof Error ? error.message : String(error),
        }),
      )
      .finally(() => {
        refreshing = undefined
      })
    return refreshing
  }

  return {
    start() {
      if (timer !== undefined || stopped) return
      void refresh()
      timer = setInterval(() => void refresh(), settings.refreshMs)
      timer.unref()
    },

    wake(storeId) {
      for (const run of running.values())
        if (run.target.storeId === storeId && !run.target.paused) run.consumer.wake(storeId)
    },

    refresh,

    async stop() {
      stopped = true
      clearInterval(timer)
      await refreshing
      await Promise.all([...running.keys()].map((id) => stopTarget(id)))
      for (const unregister of pausedLag.values()) unregister()
      pausedLag.clear()
    },
  }
}
