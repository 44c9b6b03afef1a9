/**
 * @module Foreground activity: whether this process is serving writes right now, for background
 * consumers (log-consumer.ts `pace`) to yield to. Counts the write use cases in flight and
 * treats a short hold-off after the last one as still busy, so a client sending batch after
 * batch is not interrupted in the gap between two requests.
 */

export interface ForegroundActivity {
  /** Runs `work` counted as foreground. */
  track<T>(work: () => Promise<T>): Promise<T>
  /** True while foreground work runs, or ended less than the hold-off ago. */
  busy(): boolean
}

/** Long enough to cover the gap between one response and a pipelining client's next request. */
const DEFAULT_HOLD_OFF_MS = 25

export function createForegroundActivity(holdOffMs = DEFAULT_HOLD_OFF_MS): ForegroundActivity {
  let inFlight = 0
  let lastEnd = Number.NEGATIVE_INFINITY
  return {
    async track(work) {
      inFlight += 1
      try {
        return await work()
      } finally {
        inFlight -= 1
        lastEnd = performance.now()
      }
    },
    busy: () => inFlight > 0 || performance.now() - lastEnd < holdOffMs,
  }
}
