/** @module The background work to stop when Almanac stops, in reverse order of starting, each within a bound. */

/** What `StopHooks.run` reports per hook: stopped in time, failed, or still running at the deadline. */
export type StopOutcome = 'stopped' | 'failed' | 'timed out'

export interface StopHooks {
  /**
   * Registers `stop`, run once when Almanac stops (SIGTERM/SIGINT or `close()`), before the
   * database closes. It should make the background work finish what it holds (commit or drop
   * an in-progress batch: a log consumer's cursor only moves with its commit) and resolve.
   * Hooks run one after another, the last registered first.
   */
  add(name: string, stop: () => Promise<void> | void): void
  /**
   * Runs every hook once (later calls return the first run's result). Waits for each at most
   * until `deadline` (epoch ms) and reports the outcome by name; never throws.
   */
  run(deadline: number): Promise<ReadonlyMap<string, StopOutcome>>
}

export function createStopHooks(): StopHooks {
  const hooks: { name: string; stop: () => Promise<void> | void }[] = []
  let running: Promise<ReadonlyMap<string, StopOutcome>> | undefined

  async function runAll(deadline: number): Promise<ReadonlyMap<string, StopOutcome>> {
    const outcomes = new Map<string, StopOutcome>()
    for (const hook of [...hooks].reverse()) {
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<StopOutcome>((resolve) => {
        timer = setTimeout(() => resolve('timed out'), Math.max(0, deadline - Date.now()))
      })
      const stopped = Promise.resolve()
        .then(() => hook.stop())
        .then(
          (): StopOutcome => 'stopped',
          (): StopOutcome => 'failed',
        )
      outcomes.set(hook.name, await Promise.race([stopped, timeout]))
      clearTimeout(timer)
    }
    return outcomes
  }

  return {
    add(name, stop) {
      if (running !== undefined) throw new Error(`cannot register '${name}': already stopping`)
      hooks.push({ name, stop })
    },
    run(deadline) {
      running ??= runAll(deadline)
      return running
    },
  }
}
