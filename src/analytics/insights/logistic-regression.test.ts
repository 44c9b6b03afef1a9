import { describe, expect, it } from 'vitest'
import { auc, fitLogistic, logit, precisionAtTop, sigmoid } from './logistic-regression.js'

/** A small seeded generator (mulberry32) with the draws these tests need. */
function seeded(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const normal = (mean = 0, sd = 1) =>
    mean + sd * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next())
  return {
    chance: (p: number) => next() < p,
    normal,
    logNormal: (median: number, sigma: number) => median * Math.exp(sigma * normal()),
  }
}

describe('logistic regression', () => {
  it('recovers the coefficients of data drawn from a known model', () => {
    const random = seeded(11)
    const xs: number[][] = []
    const ys: number[] = []
    for (let i = 0; i < 4000; i++) {
      const x = [random.normal(), random.normal(), random.normal()]
      xs.push(x)
      ys.push(random.chance(sigmoid(-0.5 + 1.5 * (x[0] ?? 0) - 1 * (x[1] ?? 0))) ? 1 : 0)
    }
    const model = fitLogistic(xs, ys, { l2: 0.01 })
    expect(model.intercept).toBeCloseTo(-0.5, 0)
    expect(model.coefficients[0]).toBeCloseTo(1.5, 0)
    expect(model.coefficients[1]).toBeCloseTo(-1, 0)
    expect(Math.abs(model.coefficients[2] ?? 1)).toBeLessThan(0.15)
    expect(logit(model, [0, 0, 0])).toBe(model.intercept)
  })

  it('stays finite when a feature separates the classes (the L2 penalty)', () => {
    const model = fitLogistic([[-1], [-2], [1], [2]], [0, 0, 1, 1], { l2: 1 })
    expect(Number.isFinite(model.coefficients[0])).toBe(true)
    expect(model.coefficients[0]).toBeGreaterThan(0)
  })
})

describe('ranking measures', () => {
  it('AUC is the share of positive–negative pairs ranked right, ties half', () => {
    expect(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 10)
    expect(auc([1, 1, 1, 1], [0, 1, 0, 1])).toBe(0.5)
    expect(auc([1, 2], [1, 1])).toBeNull()
  })

  it('precision at the top fraction counts positives among the ceil(f·n) highest', () => {
    const scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.01]
    const labels = [1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]
    expect(precisionAtTop(scores, labels, 0.1)).toBe(0.5)
    expect(precisionAtTop(scores, labels, 0.25)).toBeCloseTo(2 / 3, 10)
  })
})
