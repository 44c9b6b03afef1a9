/** @module Difficulty targeting ("a question at your level", §14) on hand-made ratings. */
import { describe, expect, it } from 'vitest'
import { sigmoid } from './elo-mastery.js'
import { MIN_ITEM_ANSWERS, type QuestionFacts, recommendQuestions } from './recommender.js'

/** The difficulty at which a learner of skill θ succeeds with probability p: d = θ − logit(p). */
const dFor = (theta: number, p: number) => theta - Math.log(p / (1 - p))
const q = (
  question: string,
  difficulty: number,
  extra: Partial<QuestionFacts> = {},
): QuestionFacts => ({
  question,
  assessment: 'https://x.test/quiz',
  module: 'https://x.test/module',
  difficulty,
  answers: 40,
  competencies: [],
  ...extra,
})
const name = (id: string) => `name of ${id}`

describe('recommendQuestions', () => {
  const theta = 0.4
  const learner = {
    theta,
    skills: new Map<string, number>(),
    answered: new Map<string, boolean>(),
    gaps: new Map<string, number>(),
  }

  it('recommends the questions predicted nearest 0.70–0.80, inside the band first, with the reason in words', () => {
    const questions = [
      q('q50', dFor(theta, 0.5)),
      q('q72', dFor(theta, 0.72)),
      q('q75', dFor(theta, 0.75)),
      q('q79', dFor(theta, 0.79)),
      q('q95', dFor(theta, 0.95)),
      q('q66', dFor(theta, 0.66)),
    ]
    const recs = recommendQuestions(questions, learner, 6, name)
    expect(recs.map((r) => r.question)).toEqual(['q75', 'q72', 'q79', 'q66', 'q95', 'q50'])
    for (const r of recs) {
      expect(r.predictedSuccess).toBeCloseTo(sigmoid(theta - r.difficulty), 3)
      const inside = r.predictedSuccess >= 0.7 && r.predictedSuccess <= 0.8
      expect(r.atLevel).toBe(inside)
      expect(r.reason).toBe(
        inside
          ? `a question at your level: predicted success ${r.predictedSuccess.toFixed(2)}`
          : `the nearest to your level: predicted success ${r.predictedSuccess.toFixed(2)} (none left at 0.70–0.80)`,
      )
      expect(r.reasons).toContain('not answered yet')
    }
    expect(recs[0]!.reason).toBe('a question at your level: predicted success 0.75')
    // With room for three, all three are in the band.
    const top = recommendQuestions(questions, learner, 3, name)
    for (const r of top) {
      expect(r.predictedSuccess).toBeGreaterThanOrEqual(0.7)
      expect(r.predictedSuccess).toBeLessThanOrEqual(0.8)
    }
  })

  it('leaves out what the learner got right and items rated on too few answers; offers a wrong first answer again', () => {
    const questions = [
      q('right', dFor(theta, 0.75)),
      q('wrong', dFor(theta, 0.74)),
      q('new', dFor(theta, 0.73)),
      q('unrated', dFor(theta, 0.75), { answers: MIN_ITEM_ANSWERS - 1 }),
    ]
    const recs = recommendQuestions(
      questions,
      {
        ...learner,
        answered: new Map([
          ['right', true],
          ['wrong', false],
        ]),
      },
      5,
      name,
    )
    expect(recs.map((r) => [r.question, r.status])).toEqual([
      ['wrong', 'retry'],
      ['new', 'unanswered'],
    ])
    expect(recs[0]!.reasons).toContain('answered wrong at the first attempt: not yet mastered')
  })

  it("predicts with the learner's competency skill when they have one, and names the gap it practises", () => {
    // Global θ says 0.75, the competency skill says much lower: the question is too hard.
    const c = 'https://x.test/competencies/risk-analysis'
    const d = dFor(theta, 0.75)
    const recs = recommendQuestions(
      [q('aligned', d, { competencies: [c] })],
      { ...learner, skills: new Map([[c, theta - 2]]), gaps: new Map([[c, 0.31]]) },
      1,
      name,
    )
    expect(recs[0]!.predictedSuccess).toBeCloseTo(sigmoid(theta - 2 - d), 4)
    expect(recs[0]!.atLevel).toBe(false)
    expect(recs[0]!.reasons).toContain(`practises name of ${c} (your gap 0.31)`)
  })

  it('breaks ties by the larger gap on the question’s competencies', () => {
    const d = dFor(theta, 0.75)
    const recs = recommendQuestions(
      [q('a', d, { competencies: ['c1'] }), q('b', d, { competencies: ['c2'] })],
      {
        ...learner,
        gaps: new Map([
          ['c1', 0.1],
          ['c2', 0.4],
        ]),
      },
      2,
      name,
    )
    expect(recs.map((r) => r.question)).toEqual(['b', 'a'])
  })
})
