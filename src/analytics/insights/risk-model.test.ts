import { describe, expect, it } from 'vitest'
import type { ActivityRow, AnswerRow, PageRow, SessionRow } from './evidence.js'
import { type CourseEvidence, DAY_MS, type Enrolment } from './risk-features.js'
import { flagLearners, trainRiskModel } from './risk-model.js'
import { sigmoid } from './logistic-regression.js'

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

const MODULES = ['m1', 'm2', 'm3', 'm4']

/**
 * A course of `n` learners: engaged ones come every ~2 days, answer 80% right and complete in
 * about 20 days; the others come every ~6 days, answer 40% right and mostly never complete.
 * Learners from index `inProgressFrom` on start 5 days before `asOf`.
 */
function fixture(
  n: number,
  inProgressFrom = n,
): { course: CourseEvidence; asOfMs: number; engaged: Set<string> } {
  const random = seeded(7)
  const asOfMs = 200 * DAY_MS
  const enrolments: Enrolment[] = []
  const sessions = new Map<string, SessionRow[]>()
  const answers = new Map<string, AnswerRow[]>()
  const pages = new Map<string, PageRow[]>()
  const moduleRows = new Map<string, ActivityRow[]>()
  const engaged = new Set<string>()
  for (let i = 0; i < n; i++) {
    const learner = `mbox:mailto:l${i}@example.com`
    const good = random.chance(0.6)
    if (good) engaged.add(learner)
    const startMs = i >= inProgressFrom ? asOfMs - 5 * DAY_MS : i * DAY_MS
    const gapDays = good ? 2 : 6
    const completedMs =
      i >= inProgressFrom
        ? null
        : good
          ? startMs + random.normal(20, 3) * DAY_MS
          : random.chance(0.2)
            ? startMs + 45 * DAY_MS
            : null
    enrolments.push({ course: 'C', learner, startMs, completedMs })
    const s: SessionRow[] = []
    const a: AnswerRow[] = []
    const p: PageRow[] = []
    const rows: ActivityRow[] = []
    let t = startMs
    let module = 0
    const end = completedMs ?? Math.min(asOfMs, startMs + 60 * DAY_MS)
    while (t < end && t < asOfMs) {
      const m = MODULES[Math.min(module, MODULES.length - 1)] as string
      const success = random.chance(good ? 0.8 : 0.4)
      s.push({
        learner,
        course: 'C',
        activity: m,
        firstMs: t,
        lastMs: t + 3_600_000,
        centis: 360_000,
        success,
        score: success ? 0.9 : 0.4,
        judgedMs: t + 3_000_000,
      })
      a.push({
        assessment: `${m}/quiz`,
        question: `${m}/q${s.length}`,
        learner,
        course: 'C',
        success,
        ms: t + 2_000_000,
      })
      p.push({ page: `${m}/p${s.length}`, module: m, learner, course: 'C', ms: t + 1_000 })
      if (success && module < MODULES.length) {
        rows.push({
          activity: m,
          learner,
          course: 'C',
          firstMs: t,
          lastMs: t,
          engagedMs: t,
          completedMs: t,
          passedMs: t + 3_000_000,
        })
        module++
      }
      t += random.logNormal(gapDays, 0.3) * DAY_MS
    }
    sessions.set(learner, s)
    answers.set(learner, a)
    pages.set(learner, p)
    moduleRows.set(learner, rows)
  }
  return {
    course: { course: 'C', modules: MODULES, enrolments, sessions, answers, pages, moduleRows },
    asOfMs,
    engaged,
  }
}

describe('the at-risk model (§12)', () => {
  it('is fitted on the known outcomes of a fixture course and ranks its holdout well', () => {
    const { course, asOfMs } = fixture(150)
    const model = trainRiskModel(course, asOfMs, asOfMs)
    expect(model.kind).toBe('logistic')
    expect(model.fallbackReason).toBeNull()
    expect(model.usualDays).not.toBeNull()
    expect(model.knownOutcomes).toBeGreaterThan(100)
    // More modules passed means less risk; more days since the last visit means more.
    expect(model.coefficients.modulesPassed + model.coefficients.answerSuccess).toBeLessThan(0)
    expect(model.quality?.auc).toBeGreaterThan(0.8)
    expect(model.quality?.auc).toBeGreaterThanOrEqual(model.quality?.baselineAuc ?? 1)
  })

  it('explains each flag: base + Σ contributions = score, probability = σ(score)', () => {
    const { course, asOfMs, engaged } = fixture(170, 150)
    const model = trainRiskModel(course, asOfMs, asOfMs)
    const flags = flagLearners(course, model, asOfMs)
    expect(flags.length).toBe(20)
    for (const flag of flags) {
      const sum = flag.base + flag.reasons.reduce((t, r) => t + r.contribution, 0)
      expect(sum).toBeCloseTo(flag.score, 10)
      expect(flag.probability).toBeCloseTo(sigmoid(flag.score), 4)
      expect(flag.reasons.every((r) => r.text.length > 0)).toBe(true)
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    const risk = (good: boolean) =>
      mean(flags.filter((f) => engaged.has(f.learner) === good).map((f) => f.probability ?? 0))
    expect(risk(false)).toBeGreaterThan(risk(true))
  })

  it('falls back to the rule scorecard with too little history, and says so', () => {
    const { course, asOfMs } = fixture(25, 20)
    const model = trainRiskModel(course, asOfMs, asOfMs)
    expect(model.kind).toBe('rules')
    expect(model.fallbackReason).toMatch(/history|usual duration/)
    for (const flag of flagLearners(course, model, asOfMs)) {
      expect(flag.method).toBe('rules')
      expect(flag.reasons.reduce((t, r) => t + r.contribution, 0)).toBe(flag.score)
      expect(flag.level).toBe(flag.score >= 2 ? 'red' : flag.score === 1 ? 'yellow' : 'green')
    }
  })
})
