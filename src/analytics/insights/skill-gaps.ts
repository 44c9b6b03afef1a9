/**
 * @module Skill-gap arithmetic (analytics definitions §11): gap G(l,c) = max(0, T − M) with the
 * learner's target T for the competency and their mastery M (elo-mastery.ts; no evidence counts
 * as M = 0, "not shown yet"); the learner's gap score Σ_c w_c G(l,c) (w_c = 1: every competency
 * weighs the same); per cohort and competency the mean gap and the share of learners below target.
 */

export interface GapCell {
  readonly competency: string
  readonly target: number
  /** null: no evidence yet (counted as 0 in the gap). */
  readonly mastery: number | null
  readonly evidence: number
  readonly gap: number
}

export function gap(target: number, mastery: number | null): number {
  return Math.max(0, target - (mastery ?? 0))
}

/** Σ_c w_c · G(l,c); `weights` default to 1. */
export function gapScore(
  cells: readonly GapCell[],
  weights: ReadonlyMap<string, number> = new Map(),
): number {
  return cells.reduce((total, cell) => total + (weights.get(cell.competency) ?? 1) * cell.gap, 0)
}

export interface CohortGap {
  readonly competency: string
  readonly learners: number
  readonly meanGap: number | null
  /** Learners with M < T (no evidence counts as below). */
  readonly belowTarget: number
  readonly shareBelowTarget: number | null
  readonly meanMastery: number | null
}

/** Per competency over the cohort's cells. */
export function cohortGaps(cells: readonly GapCell[]): CohortGap[] {
  const by = new Map<string, GapCell[]>()
  for (const cell of cells) {
    const list = by.get(cell.competency) ?? []
    list.push(cell)
    by.set(cell.competency, list)
  }
  return [...by.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([competency, list]) => {
      const below = list.filter((c) => (c.mastery ?? 0) < c.target).length
      const masteries = list.map((c) => c.mastery).filter((m): m is number => m !== null)
      return {
        competency,
        learners: list.length,
        meanGap: list.length === 0 ? null : list.reduce((t, c) => t + c.gap, 0) / list.length,
        belowTarget: below,
        shareBelowTarget: list.length === 0 ? null : below / list.length,
        meanMastery:
          masteries.length === 0 ? null : masteries.reduce((a, b) => a + b, 0) / masteries.length,
      }
    })
}
