import { describe, expect, it } from 'vitest'
import { createPlannerStatsRefresher } from './planner-stats-refresh.js'

describe('createPlannerStatsRefresher', () => {
  it('refreshes after 2 000 statements from empty, then after each growth by half, one at a time', async () => {
    let table = 0
    const refreshedAt: number[] = []
    let release: () => void = () => undefined
    const told: (number | undefined)[] = []
    const refresher = createPlannerStatsRefresher(async (analysesSeen) => {
      told.push(analysesSeen)
      // ANALYZE sees the table as it is when it runs.
      const seen = table
      refreshedAt.push(seen)
      await new Promise<void>((resolve) => (release = resolve))
      return { rows: seen, analyses: refreshedAt.length * 10 }
    })
    const insert = (count: number) => {
      table += count
      refresher.noteInserted(count)
    }
    insert(1_999)
    expect(refreshedAt).toEqual([])
    insert(1)
    expect(refreshedAt).toEqual([2_000])
    // While one runs, no second starts; the rows keep counting.
    insert(5_000)
    expect(refreshedAt).toEqual([2_000])
    release()
    await refresher.idle()
    // 5 000 committed since the refresh began, more than half of the 2 000 it saw: the next.
    insert(1)
    expect(refreshedAt).toEqual([2_000, 7_001])
    release()
    await refresher.idle()
    // Now half of 7 001 is needed.
    insert(3_500)
    expect(refreshedAt).toHaveLength(2)
    insert(1)
    expect(refreshedAt).toEqual([2_000, 7_001, 10_502])
    release()
    await refresher.idle()
    // Each refresh is told the analyses count the previous one returned.
    expect(told).toEqual([undefined, 10, 20])
  })

  it('ignores a failed refresh and tries again at the next threshold', async () => {
    let calls = 0
    const refresher = createPlannerStatsRefresher(() => {
      calls += 1
      return Promise.reject(new Error('lock timeout'))
    })
    refresher.noteInserted(2_000)
    await refresher.idle()
    refresher.noteInserted(2_000)
    await refresher.idle()
    expect(calls).toBe(2)
  })
})
