/**
 * @module Mastery by the Elo rating system for education (analytics definitions §13, Pelánek
 * 2016): each learner has a global skill θ and one skill θ_c per competency, each item a
 * difficulty d; P(correct) = σ(θ − d); after an answer c ∈ {0, 1}, θ += K(n)(c − P) and
 * d −= K(n)(c − P), with K(n) = α / (1 + βn) decaying in the number of updates n. A competency
 * skill starts from the learner's global skill when first seen (evidence transfers), and only
 * moves with the learner's answers on items aligned to it. Mastery of c (§8) is the predicted
 * chance of answering an average item of c right: σ(θ_c − mean d of c's items).
 */
import type { AnswerRow } from './evidence.js'

/** K(n) = ALPHA / (1 + BETA · n) (Pelánek 2016 §3.2 uses this form). */
export const ELO = { alpha: 1, beta: 0.05 } as const

export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z))
const k = (n: number) => ELO.alpha / (1 + ELO.beta * n)

export interface Rating {
  value: number
  n: number
}

export interface EloState {
  readonly items: Map<string, Rating>
  readonly learners: Map<string, Rating>
  /** Key: learner, NUL, competency. */
  readonly skills: Map<string, Rating>
}

export const skillKey = (learner: string, competency: string) => `${learner}\u0000${competency}`

export function emptyElo(): EloState {
  return { items: new Map(), learners: new Map(), skills: new Map() }
}

/** Folds one answer into the ratings. */
export function eloAnswer(
  state: EloState,
  answer: AnswerRow,
  competencies: readonly string[],
): void {
  const item = state.items.get(answer.question) ?? { value: 0, n: 0 }
  const learner = state.learners.get(answer.learner) ?? { value: 0, n: 0 }
  const c = answer.success ? 1 : 0
  const p = sigmoid(learner.value - item.value)
  for (const competency of competencies) {
    const key = skillKey(answer.learner, competency)
    const skill = state.skills.get(key) ?? { value: learner.value, n: 0 }
    const pc = sigmoid(skill.value - item.value)
    skill.value += k(skill.n) * (c - pc)
    skill.n += 1
    state.skills.set(key, skill)
  }
  learner.value += k(learner.n) * (c - p)
  learner.n += 1
  item.value -= k(item.n) * (c - p)
  item.n += 1
  state.learners.set(answer.learner, learner)
  state.items.set(answer.question, item)
}

/** Runs Elo over the answers in time order (ties by learner, then question: deterministic). */
export function runElo(
  answers: readonly AnswerRow[],
  alignment: (question: string) => readonly string[],
): EloState {
  const state = emptyElo()
  const ordered = [...answers].sort(
    (a, b) =>
      a.ms - b.ms ||
      (a.learner < b.learner ? -1 : a.learner > b.learner ? 1 : a.question < b.question ? -1 : 1),
  )
  for (const answer of ordered) eloAnswer(state, answer, alignment(answer.question))
  return state
}

/** Mean item difficulty per competency, over the items aligned to it that have a rating. */
export function competencyDifficulty(
  state: EloState,
  itemsOf: ReadonlyMap<string, readonly string[]>,
): Map<string, number> {
  const result = new Map<string, number>()
  for (const [competency, items] of itemsOf) {
    const ds = items
      .map((i) => state.items.get(i)?.value)
      .filter((d): d is number => d !== undefined)
    result.set(competency, ds.length === 0 ? 0 : ds.reduce((a, b) => a + b, 0) / ds.length)
  }
  return result
}

/** Mastery of `competency` (0..1), or null without evidence; `evidence` is the answers counted. */
export function masteryOf(
  state: EloState,
  learner: string,
  competency: string,
  difficulty: number,
): { mastery: number | null; evidence: number } {
  const skill = state.skills.get(skillKey(learner, competency))
  if (skill === undefined) return { mastery: null, evidence: 0 }
  return { mastery: sigmoid(skill.value - difficulty), evidence: skill.n }
}

/**
 * One learner's ratings from their answers against fixed item difficulties (items do not move):
 * how a learner is rated with a store's trained difficulties, e.g. as of an earlier time.
 */
export function learnerElo(
  answers: readonly AnswerRow[],
  difficulty: (question: string) => number | undefined,
  alignment: (question: string) => readonly string[],
): { theta: number; skills: Map<string, Rating> } {
  const learner: Rating = { value: 0, n: 0 }
  const skills = new Map<string, Rating>()
  for (const a of [...answers].sort((x, y) => x.ms - y.ms || (x.question < y.question ? -1 : 1))) {
    const d = difficulty(a.question)
    if (d === undefined) continue
    const c = a.success ? 1 : 0
    for (const competency of alignment(a.question)) {
      const skill = skills.get(competency) ?? { value: learner.value, n: 0 }
      skill.value += k(skill.n) * (c - sigmoid(skill.value - d))
      skill.n += 1
      skills.set(competency, skill)
    }
    learner.value += k(learner.n) * (c - sigmoid(learner.value - d))
    learner.n += 1
  }
  return { theta: learner.value, skills }
}
