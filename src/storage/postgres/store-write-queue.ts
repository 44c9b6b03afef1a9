/** @module Lets a process run the units of work of one store one after another, before they take a connection. */
import type { Storage, StoreId } from '../ports.js'

/**
 * Wraps `storage` so that its exclusive units of work of the same store start one at a time.
 * They would anyway: each holds the store's write lock from begin to commit (`lockStoreWrites`). Waiting
 * here rather than on that lock keeps the pool's connections for readers: ten batches for one
 * store would otherwise hold ten connections, nine of them only waiting. Units of work of other
 * stores, and of other processes, are not held up (the lock orders those). A failure of one unit
 * of work does not affect the next.
 */
export function queueStoreWrites(storage: Storage): Storage {
  const tails = new Map<StoreId, Promise<unknown>>()

  return {
    ...storage,

    transaction(storeId, fn, options) {
      // Shared units of work run beside each other; the caller bounds how many
      // (`sharedUnitsPerStore`). They hold the store's lock shared, so an exclusive one queued
      // here waits for them on the lock.
      if (options?.shared === true) return storage.transaction(storeId, fn, options)
      const previous = tails.get(storeId) ?? Promise.resolve()
      const start = () => storage.transaction(storeId, fn, options)
      const result = previous.then(start)
      const tail = result.catch(() => undefined)
      tails.set(storeId, tail)
      void tail.then(() => {
        if (tails.get(storeId) === tail) tails.delete(storeId)
      })
      return result
    },

    async close() {
      // Queued units of work run first: close() waits for those already requested.
      await Promise.allSettled([...tails.values()])
      await storage.close()
    },
  }
}
