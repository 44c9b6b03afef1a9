import { describe, expect, it } from 'vitest'
import { createForegroundActivity } from './foreground.js'

/** A foreground on a clock the test moves, and a request that lasts `ms` on it. */
function setup() {
  let t = 0
  const foreground = createForegroundActivity({
    holdOffMs: 25,
    windowMs: 1000,
    saturation: 0.5,
    now: () => t,
  })
  /** Runs one request from now to now + ms; returns when it has ended. */
  const request = async (ms: number) => {
    let finish!: () => void
    const running = foreground.track(() => new Promise<void>((resolve) => (finish = resolve)))
    t += ms
    finish()
    await running
  }
  return { foreground, request, advance: (ms: number) => (t += ms), clock: () => t }
}

describe('foreground activity', () => {
  it('by default a burst from idle counts as saturated within its first 150 ms', async () => {
    // A client sending batch after batch: consumers must rest from early in the burst, or a
    // burst of a couple of seconds loses a quarter of its time to them (issue 9's ingest ratio
    // with 2-second segments: 85–88% with a one-second window, 97% with 250 ms).
    let t = 0
    const foreground = createForegroundActivity({ now: () => t })
    const busyAt: number[] = []
    for (let i = 0; i < 10; i++) {
      let finish!: () => void
      const running = foreground.track(() => new Promise<void>((resolve) => (finish = resolve)))
      t += 20
      if (foreground.busy()) busyAt.push(t)
      finish()
      await running
      t += 1
    }
    expect(busyAt[0]).toBeLessThanOrEqual(150)
  })

  it('a steady moderate stream is active but not busy: consumers keep running', async () => {
    const { foreground, request, advance } = setup()
    // A request of 15 ms every 35 ms: never idle beyond the hold-off, in flight 3/7 of the time.
    for (let i = 0; i < 60; i++) {
      await request(15)
      advance(20)
      expect(foreground.active()).toBe(true)
      expect(foreground.busy()).toBe(false)
    }
    expect(foreground.utilisation()).toBeCloseTo(3 / 7, 1)
  })

  it('requests back to back saturate it: busy while they run and within the hold-off', async () => {
    const { foreground, request, advance } = setup()
    for (let i = 0; i < 30; i++) {
      await request(99)
      advance(1)
    }
    expect(foreground.utilisation()).toBeGreaterThan(0.95)
    expect(foreground.busy()).toBe(true)
    advance(30)
    // Past the hold-off: idle, whatever the recent utilisation.
    expect(foreground.active()).toBe(false)
    expect(foreground.busy()).toBe(false)
  })

  it('counts overlapping requests once, and a request in flight up to now', async () => {
    const { foreground, advance } = setup()
    let finishA!: () => void
    let finishB!: () => void
    const a = foreground.track(() => new Promise<void>((r) => (finishA = r)))
    advance(200)
    const b = foreground.track(() => new Promise<void>((r) => (finishB = r)))
    advance(200)
    finishA()
    await a
    expect(foreground.utilisation()).toBeCloseTo(0.4, 5)
    advance(300)
    expect(foreground.utilisation()).toBeCloseTo(0.7, 5)
    expect(foreground.busy()).toBe(true)
    finishB()
    await b
    // The window slides: 700 ms of work, of which 200 ms remain in the last second.
    advance(800)
    expect(foreground.utilisation()).toBeCloseTo(0.2, 5)
    advance(1000)
    expect(foreground.utilisation()).toBe(0)
  })

  it('takes the time only background work ran out of the window: held-up ingest is saturated', async () => {
    // SQLite: a consumer's batch holds the main thread, so no request is in flight during it.
    // 40 ms of requests, 30 ms of a consumer's batch, 30 ms idle, again and again.
    const run = async (reportBackground: boolean) => {
      const { foreground, request, advance, clock } = setup()
      const busy: boolean[] = []
      for (let i = 0; i < 20; i++) {
        await request(40)
        busy.push(foreground.busy())
        const start = clock()
        advance(30)
        if (reportBackground) foreground.background(start, clock())
        advance(30)
      }
      return { busy: busy.slice(10), utilisation: foreground.utilisation() }
    }
    const without = await run(false)
    expect(without.busy.every((b) => !b)).toBe(true)
    expect(without.utilisation).toBeCloseTo(0.4, 5)
    const withBackground = await run(true)
    expect(withBackground.busy.every((b) => b)).toBe(true)
    expect(withBackground.utilisation).toBeCloseTo(0.4 / 0.7, 5)
  })

  it('takes out at most half the window, and background time while a request runs not at all', async () => {
    const { foreground, request, advance, clock } = setup()
    // 200 ms of requests, then 800 ms of background work alone: 200 / max(500, 200).
    await request(200)
    const start = clock()
    advance(800)
    foreground.background(start, clock())
    expect(foreground.utilisation()).toBeCloseTo(0.4, 5)
    // Background work overlapping requests (PostgreSQL: the batch awaits the database while
    // requests run) takes nothing out: 600 ms of requests in the last second, 1000 available.
    advance(1000)
    const overlapStart = clock()
    await request(300)
    advance(100)
    await request(300)
    foreground.background(overlapStart, overlapStart + 300)
    advance(300)
    expect(foreground.utilisation()).toBeCloseTo(0.6, 5)
    // Overlapping reports of two consumers count each moment once: 100 ms taken out.
    foreground.background(clock() - 100, clock() - 50)
    foreground.background(clock() - 80, clock())
    expect(foreground.utilisation()).toBeCloseTo(0.6 / 0.9, 5)
  })
})
