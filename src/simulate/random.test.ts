import { describe, expect, it } from 'vitest'
import { isUuid } from '../xapi/formats.js'
import { isoDuration } from './iso-duration.js'
import { createRandom } from './random.js'

describe('createRandom', () => {
  it('repeats the same draws for the same seed and differs for another', () => {
    const draw = (seed: string) => {
      const random = createRandom(seed)
      return [random.next(), random.int(1, 6), random.normal(), random.uuid()]
    }
    expect(draw('a/1')).toEqual(draw('a/1'))
    expect(draw('a/1')).not.toEqual(draw('a/2'))
  })

  it('draws uniform floats in [0, 1) and integers within bounds', () => {
    const random = createRandom('uniform')
    let sum = 0
    for (let i = 0; i < 20_000; i++) {
      const x = random.next()
      expect(x >= 0 && x < 1).toBe(true)
      sum += x
      const n = random.int(3, 5)
      expect([3, 4, 5]).toContain(n)
    }
    expect(Math.abs(sum / 20_000 - 0.5)).toBeLessThan(0.01)
  })

  it('makes version-4-shaped UUIDs', () => {
    const random = createRandom('uuid')
    for (let i = 0; i < 1000; i++) {
      const id = random.uuid()
      expect(isUuid(id)).toBe(true)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    }
  })

  it('draws normals with the asked mean and spread', () => {
    const random = createRandom('normal')
    const values = Array.from({ length: 20_000 }, () => random.normal(10, 2))
    const mean = values.reduce((a, b) => a + b, 0) / values.length
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length)
    expect(Math.abs(mean - 10)).toBeLessThan(0.05)
    expect(Math.abs(sd - 2)).toBeLessThan(0.05)
  })

  it('picks by weight', () => {
    const random = createRandom('weighted')
    let heavy = 0
    for (let i = 0; i < 10_000; i++) if (random.weighted(['a', 'b'], [9, 1]) === 'a') heavy += 1
    expect(heavy).toBeGreaterThan(8800)
    expect(heavy).toBeLessThan(9200)
  })
})

describe('isoDuration', () => {
  it('formats milliseconds as ISO 8601 durations to the centisecond', () => {
    expect(isoDuration(0)).toBe('PT0S')
    expect(isoDuration(75_500)).toBe('PT1M15.5S')
    expect(isoDuration(3_600_000)).toBe('PT1H')
    expect(isoDuration(3_723_456)).toBe('PT1H2M3.46S')
    expect(isoDuration(12)).toBe('PT0.01S')
  })
})
