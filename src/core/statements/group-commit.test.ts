import { describe, expect, it } from 'vitest'
import { createGroupCommit, type GroupOutcome, type RunGroup } from './group-commit.js'

/** A promise and the function that settles it. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open = (): void => undefined
  const wait = new Promise<void>((resolve) => (open = resolve))
  return { wait, open }
}

const ok = (values: readonly number[]): GroupOutcome<number>[] =>
  values.map((value) => ({ ok: true, value }))

/** A `run` that records each group's requests and the most run at once; each waits on `hold`. */
function recordingRun(hold: () => Promise<void>) {
  const groups: number[][] = []
  let running = 0
  let most = 0
  const run: RunGroup<number, number> = async (_storeId, take) => {
    const requests = [...take()]
    groups.push(requests)
    running++
    most = Math.max(most, running)
    await hold()
    running--
    return ok(requests)
  }
  return { run, groups, most: () => most }
}

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

describe('group commit with a shared lane', () => {
  it('runs shared groups side by side up to the bound, and the other requests in a lane of their own', async () => {
    const release = gate()
    const running = { shared: 0, exclusive: 0 }
    const most = { shared: 0, exclusive: 0 }
    const groups: { shared: boolean; requests: number[] }[] = []
    const groupCommit = createGroupCommit<number, number>(
      async (_storeId, take, shared) => {
        const lane = shared ? 'shared' : 'exclusive'
        const requests = [...take()]
        groups.push({ shared, requests })
        running[lane]++
        most[lane] = Math.max(most[lane], running[lane])
        await release.wait
        running[lane]--
        return ok(requests)
      },
      // Even requests are shared; two shared groups at a time.
      { size: () => 1, maxStatements: 1000, shared: { accepts: (n) => n % 2 === 0, groups: 2 } },
    )
    const answers: Promise<number>[] = []
    // One request per turn: each shared group has taken its requests before the next arrives.
    for (let n = 0; n < 8; n++) {
      answers.push(groupCommit.submit(1, n))
      await new Promise((resolve) => setImmediate(resolve))
    }
    release.open()
    expect(await Promise.all(answers)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(most).toEqual({ shared: 2, exclusive: 1 })
    // No group mixes the lanes, and every request was in exactly one group.
    for (const group of groups)
      expect(group.requests.every((n) => n % 2 === (group.shared ? 0 : 1))).toBe(true)
    expect(groups.flatMap((g) => g.requests).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
  })

  it('starts no second shared group while the first has not taken its requests', async () => {
    const lock = gate()
    const groups: number[][] = []
    const groupCommit = createGroupCommit<number, number>(
      async (_storeId, take) => {
        await lock.wait // waiting for a connection: the group has not taken its requests
        const requests = [...take()]
        groups.push(requests)
        return ok(requests)
      },
      { size: () => 1, maxStatements: 1000, shared: { accepts: () => true, groups: 4 } },
    )
    const first = groupCommit.submit(1, 0)
    await new Promise((resolve) => setImmediate(resolve))
    const later = [1, 2, 3].map((n) => groupCommit.submit(1, n))
    lock.open()
    expect(await Promise.all([first, ...later])).toEqual([0, 1, 2, 3])
    expect(groups).toEqual([[0, 1, 2, 3]])
  })

  it('starts a group beside a running one only while a large group waits (besideFrom)', async () => {
    // Requests carry their size as their value; a second group may start from 10 statements.
    const gates: (() => void)[] = []
    const { run, groups, most } = recordingRun(
      () => new Promise<void>((resolve) => gates.push(resolve)),
    )
    const groupCommit = createGroupCommit<number, number>(run, {
      size: (n) => n,
      maxStatements: 1000,
      shared: { accepts: () => true, groups: 3, besideFrom: 10 },
    })
    const turn = () => new Promise((resolve) => setImmediate(resolve))
    const first = groupCommit.submit(1, 1)
    await turn()
    // Single statements while a group runs: they wait for it, no group beside it.
    const small = [1, 1, 1].map((n) => groupCommit.submit(1, n))
    await turn()
    expect(groups).toEqual([[1]])
    // A large request makes the queue worth a group of its own: one starts beside the first.
    const large = groupCommit.submit(1, 20)
    await turn()
    expect(groups).toEqual([[1], [1, 1, 1, 20]])
    expect(most()).toBe(2)
    // Small requests again while two run: the group that ends next finds too few waiting and
    // leaves them to the other, which takes them when it ends.
    const late = [1, 1].map((n) => groupCommit.submit(1, n))
    await turn()
    gates.shift()?.()
    await first
    await turn()
    expect(groups).toHaveLength(2)
    gates.shift()?.()
    await Promise.all([...small, large])
    await turn()
    expect(groups).toEqual([[1], [1, 1, 1, 20], [1, 1]])
    gates.shift()?.()
    expect(await Promise.all(late)).toEqual([1, 1])
    expect(most()).toBe(2)
  })

  it('starts what a group leaves in the queue beside it when that is a large group', async () => {
    const release = gate()
    const { run, groups, most } = recordingRun(() => release.wait)
    const groupCommit = createGroupCommit<number, number>(run, {
      size: (n) => n,
      maxStatements: 20,
      shared: { accepts: () => true, groups: 2, besideFrom: 10 },
    })
    // Arrived together: 20 fit the first group; the 30 left start a group beside it at once,
    // which takes 20; the 10 after them wait (two groups run, the bound).
    const answers = [10, 10, 10, 10, 5, 5].map((n) => groupCommit.submit(1, n))
    while (groups.length < 2) await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setImmediate(resolve))
    expect(groups).toEqual([
      [10, 10],
      [10, 10],
    ])
    release.open()
    expect(await Promise.all(answers)).toEqual([10, 10, 10, 10, 5, 5])
    expect(groups).toEqual([
      [10, 10],
      [10, 10],
      [5, 5],
    ])
    expect(most()).toBe(2)
  })
})
