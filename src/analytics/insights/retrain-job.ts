/**
 * @module The scheduled retrain of the at-risk models (analytics definitions §12: models are
 * retrained as outcomes become known): every store, every `intervalMs`, one store after the
 * other. Stopping waits for the retrain under way to end.
 */
import type { StoreId } from '../../storage/ports.js'

export interface RetrainJob {
  stop(): Promise<void>
}

export function startRetrainJob(options: {
  readonly enabled: boolean
  readonly intervalMs: number
  readonly stores: () => Promise<readonly StoreId[]>
  readonly train: (storeId: StoreId) => Promise<unknown>
  readonly onError: (error: unknown, storeId: StoreId | undefined) => void
}): RetrainJob {
  if (!options.enabled) return { stop: () => Promise.resolve() }
  let stopped = false
  let running: Promise<void> = Promise.resolve()
  const pass = async () => {
    let stores: readonly StoreId[] = []
    try {
      stores = await options.stores()
    } catch (error) {
      options.onError(error, undefined)
    }
    for (const storeId of stores) {
      if (stopped) return
      try {
        await options.train(storeId)
      } catch (error) {
        options.onError(error, storeId)
      }
    }
  }
  const timer = setInterval(() => {
    running = running.then(pass)
  }, options.intervalMs)
  timer.unref()
  return {
    async stop() {
      stopped = true
      clearInterval(timer)
      await running
    },
  }
}
