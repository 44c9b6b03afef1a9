import { describe, expect, it } from 'vitest'
import { cohortGaps, gap, type GapCell, gapScore } from './skill-gaps.js'

const cell = (competency: string, target: number, mastery: number | null): GapCell => ({
  competency,
  target,
  mastery,
  evidence: mastery === null ? 0 : 3,
  gap: gap(target, mastery),
})

describe('skill-gap arithmetic (§11)', () => {
  it('a gap is max(0, target − mastery); no evidence counts as mastery 0', () => {
    expect(gap(0.8, 0.5)).toBeCloseTo(0.3, 10)
    expect(gap(0.8, 0.9)).toBe(0)
    expect(gap(0.8, null)).toBe(0.8)
  })

  it('the learner gap score is the (weighted) sum of gaps', () => {
    const cells = [cell('a', 0.8, 0.5), cell('b', 0.6, 0.7), cell('c', 0.9, null)]
    expect(gapScore(cells)).toBeCloseTo(0.3 + 0 + 0.9, 10)
    expect(gapScore(cells, new Map([['c', 2]]))).toBeCloseTo(0.3 + 2 * 0.9, 10)
  })

  it('per cohort and competency: mean gap, learners below target, mean mastery of those with evidence', () => {
    const cells = [
      cell('a', 0.8, 0.5),
      cell('a', 0.8, 0.8),
      cell('a', 0.8, null),
      cell('b', 0.5, 0.6),
    ]
    const [a, b] = cohortGaps(cells)
    expect(a).toMatchObject({ competency: 'a', learners: 3, belowTarget: 2 })
    expect(a?.meanGap).toBeCloseTo((0.3 + 0 + 0.8) / 3, 10)
    expect(a?.shareBelowTarget).toBeCloseTo(2 / 3, 10)
    expect(a?.meanMastery).toBeCloseTo(0.65, 10)
    expect(b).toMatchObject({
      competency: 'b',
      learners: 1,
      belowTarget: 0,
      shareBelowTarget: 0,
      meanGap: 0,
    })
  })
})
