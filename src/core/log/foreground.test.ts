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
  return { foreground, request, advance: (ms: number) => (t += ms) }
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
    // 100 statements every 100 ms, each request 75 ms: no idle moment beyond the hold-off.
    for (let i = 0; i < 30; i++) {
      await request(75)
      expect(foreground.active()).toBe(true)
      advance(20)
      expect(foreground.active()).toBe(true)
      advance(5)
    }
    expect(foreground.utilisation()).toBeCloseTo(0.75, 2)
    expect(foreground.busy()).toBe(false)
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
})
