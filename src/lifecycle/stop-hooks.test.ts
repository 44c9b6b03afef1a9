import { describe, expect, it } from 'vitest'
import { createStopHooks } from './stop-hooks.js'

describe('createStopHooks', () => {
  it('runs hooks once, last registered first, reporting each outcome', async () => {
    const hooks = createStopHooks()
    const order: string[] = []
    hooks.add('projection', async () => {
      await new Promise((resolve) => setTimeout(resolve, 20))
      order.push('projection')
    })
    hooks.add('forwarder', () => {
      order.push('forwarder')
      throw new Error('already gone')
    })
    const outcomes = await hooks.run(Date.now() + 1_000)
    expect(order).toEqual(['forwarder', 'projection'])
    expect([...outcomes]).toEqual([
      ['forwarder', 'failed'],
      ['projection', 'stopped'],
    ])
    // A second run (a second signal) does not stop anything twice.
    expect(await hooks.run(Date.now() + 1_000)).toBe(outcomes)
    expect(order).toHaveLength(2)
    expect(() => hooks.add('late', () => undefined)).toThrow(/already stopping/)
  })

  it('stops waiting for a hook at the deadline and still runs the others', async () => {
    const hooks = createStopHooks()
    let ran = false
    hooks.add('quick', () => {
      ran = true
    })
    hooks.add('stuck', () => new Promise(() => undefined))
    const started = Date.now()
    const outcomes = await hooks.run(Date.now() + 150)
    expect(Date.now() - started).toBeLessThan(1_000)
    expect(outcomes.get('stuck')).toBe('timed out')
    // Past the deadline the remaining hooks still run (with no time to wait for them).
    expect(ran).toBe(true)
  })
})
