import { describe, expect, it } from 'vitest'
import { checkJsonDepth, jsonDepth, MAX_JSON_DEPTH } from './json-depth.js'

describe('jsonDepth', () => {
  it('counts levels of objects and arrays, scalars being 0', () => {
    expect(jsonDepth(1)).toBe(0)
    expect(jsonDepth(null)).toBe(0)
    expect(jsonDepth({})).toBe(1)
    expect(jsonDepth([1, { a: [2] }])).toBe(3)
    expect(jsonDepth({ a: 1, b: { c: { d: [] } }, e: [] })).toBe(4)
  })

  it('walks 1,000,000 levels without recursion, and stops early when asked', () => {
    const deep = JSON.parse('['.repeat(1_000_000) + ']'.repeat(1_000_000)) as unknown
    expect(jsonDepth(deep)).toBe(1_000_000)
    expect(jsonDepth(deep, 10)).toBe(11)
  })

  it('checkJsonDepth accepts MAX_JSON_DEPTH levels and refuses one more with a 400', () => {
    const nested = (levels: number) =>
      JSON.parse('['.repeat(levels) + ']'.repeat(levels)) as unknown
    expect(() => checkJsonDepth(nested(MAX_JSON_DEPTH), 'x')).not.toThrow()
    expect(() => checkJsonDepth(nested(MAX_JSON_DEPTH + 1), 'x')).toThrow(/more than 100 levels/)
  })
})
