import { describe, expect, it } from 'vitest'
import { startRetrainJob } from './retrain-job.js'

describe('the scheduled retrain', () => {
  it('trains every store each interval, reports failures per store, and stops', async () => {
    const trained: number[] = []
    const failures: (number | undefined)[] = []
    const job = startRetrainJob({
      enabled: true,
      intervalMs: 10,
      stores: () => Promise.resolve([1, 2]),
      train: (storeId) => {
        trained.push(storeId)
        return storeId === 2 ? Promise.reject(new Error('boom')) : Promise.resolve()
      },
      onError: (_error, storeId) => failures.push(storeId),
    })
    while (trained.length < 4) await new Promise((resolve) => setTimeout(resolve, 5))
    await job.stop()
    const after = trained.length
    await new Promise((resolve) => setTimeout(resolve, 40))
    expect(trained.length).toBe(after)
    expect(trained.slice(0, 4)).toEqual([1, 2, 1, 2])
    expect(failures.slice(0, 2)).toEqual([2, 2])
  })

  it('does nothing when disabled (ALMANAC_INSIGHTS_RETRAIN_HOURS=0, or not a server)', async () => {
    let calls = 0
    const job = startRetrainJob({
      enabled: false,
      intervalMs: 1,
      stores: () => Promise.resolve([1]),
      train: () => Promise.resolve(calls++),
      onError: () => undefined,
    })
    await new Promise((resolve) => setTimeout(resolve, 20))
    await job.stop()
    expect(calls).toBe(0)
  })
})
