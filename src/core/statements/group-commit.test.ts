import { describe, expect, it } from 'vitest'
import { createGroupCommit, type GroupOutcome } from './group-commit.js'

/** A promise and the function that settles it. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open = (): void => undefined
  const wait = new Promise<void>((resolve) => (open = resolve))
  return { wait, open }
}

const ok = (values: readonly number[]): GroupOutcome<number>[] =>
  values.map((value) => ({ ok: true, value }))

describe('group commit takes its requests when the unit of work holds the lock', () => {
  it('lets the requests that arrive while a unit of work waits for its lock join it', async () => {
    const lock = gate()
    const groups: number[][] = []
    const groupCommit = createGroupCommit<number, number>(
      async (_storeId, take) => {
        await lock.wait // as a unit of work waiting for the store's lock
        const requests = [...take()]
        groups.push(requests)
        return ok(requests)
      },
      { size: () => 1, maxStatements: 1000 },
    )
    const first = groupCommit.submit(1, 0)
    // The group starts after this turn; these arrive while it waits for the lock.
    await new Promise((resolve) => setImmediate(resolve))
    const later = [1, 2, 3, 4].map((n) => groupCommit.submit(1, n))
    lock.open()
    expect(await Promise.all([first, ...later])).toEqual([0, 1, 2, 3, 4])
    expect(groups).toEqual([[0, 1, 2, 3, 4]])
  })

  it('gives a retried unit of work the same requests, and later arrivals the next group', async () => {
    const taken: number[][] = []
    const groupCommit = createGroupCommit<number, number>(
      async (_storeId, take) => {
        const once = [...take()]
        // A retry of the unit of work (a serialization failure) calls take again.
        const again = [...take()]
        taken.push(once, again)
        await new Promise((resolve) => setImmediate(resolve))
        return ok(again)
      },
      { size: () => 1, maxStatements: 1000 },
    )
    const a = groupCommit.submit(1, 10)
    const b = groupCommit.submit(1, 11)
    await new Promise((resolve) => setImmediate(resolve))
    const c = groupCommit.submit(1, 12)
    expect(await Promise.all([a, b, c])).toEqual([10, 11, 12])
    expect(taken).toEqual([[10, 11], [10, 11], [12], [12]])
  })

  it('runs each request alone when its unit of work fails before taking them', async () => {
    let calls = 0
    const groupCommit = createGroupCommit<number, number>(
      (_storeId, take) => {
        calls++
        if (calls === 1) return Promise.reject(new Error('no connection'))
        const requests = take()
        if (requests.includes(21)) return Promise.reject(new Error('request 21 fails alone'))
        return Promise.resolve(ok(requests))
      },
      { size: () => 1, maxStatements: 1000 },
    )
    const results = await Promise.allSettled([20, 21, 22].map((n) => groupCommit.submit(1, n)))
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(calls).toBe(4)
  })
})
