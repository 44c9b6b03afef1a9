/**
 * @module Foreground activity: whether this process is serving writes right now, and whether it
 * is saturated by them, for background consumers (log-consumer.ts `pace`) to yield to.
 *
 * Why two questions. A consumer that yields whenever a write is in flight falls behind a steady,
 * moderate stream it could easily keep up with: at 1,000 statements/s as 100 every 100 ms, a
 * request of 75 ms plus the hold-off below leaves no idle moment, so the consumer was held to
 * its busy share (10%) and its lag grew without bound although ingest used three quarters of
 * the time (issue 9: projection lag ≤ 2 s at a steady 1,000 statements/s). It must yield only
 * when ingest is saturated — writes in flight most of the recent time, as with a client sending
 * batch after batch, where ingest throughput with the consumer on must stay near that without
 * it (≥ 90%). Below that it runs, in small batches while writes are in flight, so that one
 * batch never holds the writer long.
 *
 * Why background time is taken out of the window. On SQLite a consumer's batch runs on the main
 * thread and holds the one writer: while it runs no request is read, so the foreground looks
 * idle then although it is waiting. Under 64 clients sending one statement each, utilisation
 * over the whole window was 0.35–0.45 and the consumers judged ingest unsaturated at 636 of 638
 * decisions, running once per group commit, unpaced: single statements at ~2,070 statements/s
 * against ~2,900 with the analytics off (issue 14). Saturation is therefore the foreground's
 * share of the time the background did not take (`background` reports it); at most half the
 * window is taken out, so background work alone can never make an idle foreground look busy.
 */

export interface ForegroundActivity {
  /** Runs `work` counted as foreground. */
  track<T>(work: () => Promise<T>): Promise<T>
  /**
   * Saturated: foreground work is running (or ended less than the hold-off ago) and was in
   * flight for at least the saturation share of the recent window. Consumers rest while true.
   */
  busy(): boolean
  /** Foreground work is running, or ended less than the hold-off ago. */
  active(): boolean
  /**
   * The share (0..1) of the recent window, less the time only background work ran (at most half
   * of it), during which foreground work was in flight.
   */
  utilisation(): number
  /** Background work (a log consumer's batch) ran from `start` to `end`, on `now`'s clock. */
  background(start: number, end: number): void
}

export interface ForegroundOptions {
  /** Long enough to cover the gap between one response and a pipelining client's next request. */
  readonly holdOffMs?: number
  /**
   * The recent window `utilisation` looks back over; default 250 ms. Short, so that a burst is
   * seen as saturating after about half of it: with one second, the consumers ran unpaced
   * through the first half second of every burst, and ingest in 2-second bursts kept 85–88%
   * of its throughput with the projector on (97% with 250 ms; sustained, 94% with either).
   * Long enough that a steady stream of a request every 100 ms is judged by its share of time.
   */
  readonly windowMs?: number
  /** The utilisation from which the foreground counts as saturated; default 0.5. */
  readonly saturation?: number
  /** The clock (ms); default `performance.now`. */
  readonly now?: () => number
}

const DEFAULT_HOLD_OFF_MS = 25
const DEFAULT_WINDOW_MS = 250
const DEFAULT_SATURATION = 0.5

export function createForegroundActivity(options: ForegroundOptions = {}): ForegroundActivity {
  const holdOffMs = options.holdOffMs ?? DEFAULT_HOLD_OFF_MS
  const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS
  const saturation = options.saturation ?? DEFAULT_SATURATION
  const now = options.now ?? (() => performance.now())
  let inFlight = 0
  let lastEnd = Number.NEGATIVE_INFINITY
  /** When the current busy period (some work in flight) began. */
  let busySince = 0
  /** Ended busy periods that overlap the window, oldest first: [start, end]. */
  const periods: [number, number][] = []
  /** Background work that overlaps the window, merged, oldest first: [start, end]. */
  let backgroundPeriods: [number, number][] = []

  const active = () => inFlight > 0 || now() - lastEnd < holdOffMs

  /** Forgets the periods that ended before the window. */
  function trim(from: number): void {
    while ((periods[0]?.[1] ?? Number.POSITIVE_INFINITY) <= from) periods.shift()
    while ((backgroundPeriods[0]?.[1] ?? Number.POSITIVE_INFINITY) <= from)
      backgroundPeriods.shift()
  }

  function utilisation(): number {
    const t = now()
    const from = t - windowMs
    trim(from)
    const busy: [number, number][] = periods.map(([start, end]) => [Math.max(start, from), end])
    if (inFlight > 0) busy.push([Math.max(busySince, from), t])
    let busyMs = 0
    for (const [start, end] of busy) busyMs += end - start
    let backgroundOnlyMs = 0
    for (const [bgStart, bgEnd] of backgroundPeriods) {
      const start = Math.max(bgStart, from)
      const end = Math.min(bgEnd, t)
      if (end <= start) continue
      backgroundOnlyMs += end - start
      for (const [s, e] of busy)
        backgroundOnlyMs -= Math.max(0, Math.min(e, end) - Math.max(s, start))
    }
    return Math.min(1, busyMs / Math.max(windowMs / 2, windowMs - backgroundOnlyMs))
  }

  return {
    async track(work) {
      if (inFlight === 0) busySince = now()
      inFlight += 1
      try {
        return await work()
      } finally {
        inFlight -= 1
        lastEnd = now()
        if (inFlight === 0) {
          periods.push([busySince, lastEnd])
          trim(lastEnd - windowMs)
        }
      }
    },
    busy: () => active() && utilisation() >= saturation,
    active,
    utilisation,
    background(start, end) {
      if (!(end > start)) return
      // Consumers' batches may overlap (unpaced ones run side by side): merged, each moment
      // counts once.
      const all = [...backgroundPeriods, [start, end] as [number, number]].sort(
        (a, b) => a[0] - b[0],
      )
      const merged: [number, number][] = []
      for (const [s, e] of all) {
        const last = merged.at(-1)
        if (last !== undefined && s <= last[1]) last[1] = Math.max(last[1], e)
        else merged.push([s, e])
      }
      backgroundPeriods = merged
      trim(now() - windowMs)
    },
  }
}
