/**
 * @module The at-risk model of one course (analytics definitions §12): a logistic regression over
 * the features of risk-features.ts, each as a z-score against the course's historical learners at
 * the same point of the course (the OAAI "relative to the course" trick), trained on the
 * learners whose outcome is known; a points scorecard of fixed rules when there is too little
 * history. Every score comes with its contributions, which add up to it.
 */
import { MASTERY_THRESHOLD } from '../statement-facts.js'
import { auc, fitLogistic, logit, precisionAtTop, sigmoid } from './logistic-regression.js'
import {
  type CourseEvidence,
  DAY_MS,
  type Enrolment,
  FEATURES,
  type FeatureName,
  type FeatureVector,
  featuresAt,
  outcomeAt,
  usualDurationMs,
} from './risk-features.js'

/** Where in the course (fraction of its usual duration) training rows are taken. */
export const CHECKPOINTS = [0.25, 0.5, 0.75] as const
/** Known outcomes needed (and of each class) before a model is fitted instead of the rules. */
export const MIN_HISTORY = { outcomes: 30, perClass: 5 } as const
/** Probability at or above which a learner is red / yellow. */
export const LEVELS = { red: 0.6, yellow: 0.35 } as const

export interface ModelQuality {
  /** What was measured: a temporal holdout of the store's own history. */
  readonly method: string
  readonly trainRows: number
  readonly testLearners: number
  readonly baseRate: number | null
  readonly auc: number | null
  readonly precisionAtTop10: number | null
  readonly baselineAuc: number | null
  readonly baselinePrecisionAtTop10: number | null
}

export interface RiskModel {
  readonly kind: 'logistic' | 'rules'
  readonly course: string
  readonly trainedAt: string
  /** The time the history was read as of (training used nothing stamped after it). */
  readonly asOf: string
  readonly usualDays: number | null
  readonly modules: number
  readonly knownOutcomes: number
  readonly atRiskOutcomes: number
  /** Why the rules are used instead of a model; null for a fitted model. */
  readonly fallbackReason: string | null
  readonly intercept: number
  readonly coefficients: Readonly<Record<FeatureName, number>>
  readonly quality: ModelQuality | null
}

export interface Reason {
  readonly feature: FeatureName | 'rule'
  readonly value: number | null
  /** The mean of the course's learners who completed, at the same point. */
  readonly peers: number | null
  /** Log-odds (model) or points (rules) this reason adds to the score. */
  readonly contribution: number
  readonly text: string
}

export interface RiskFlag {
  readonly learner: string
  readonly course: string
  readonly startedAt: string
  /** Time since start / usual duration (null without one). */
  readonly progressOfTime: number | null
  readonly method: 'logistic' | 'rules'
  /** Log-odds for the model, points for the rules: `base + Σ reasons[].contribution`. */
  readonly score: number
  readonly base: number
  /** P(not completed by the usual time); null for the rules. */
  readonly probability: number | null
  readonly level: 'red' | 'yellow' | 'green'
  readonly reasons: readonly Reason[]
}

interface Stats {
  readonly mean: number[]
  readonly sd: number[]
  /** Means among those who went on to complete in time (the "peers" of the explanations). */
  readonly peers: (number | null)[]
}

const mean = (xs: readonly number[]): number | null =>
  xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length

function statsOf(rows: readonly { x: FeatureVector; y: 0 | 1 }[]): Stats {
  const result: Stats = { mean: [], sd: [], peers: [] }
  for (const name of FEATURES) {
    const values = rows.map((r) => r.x[name]).filter((v): v is number => v !== null)
    const m = mean(values) ?? 0
    const variance =
      values.length === 0 ? 0 : values.reduce((t, v) => t + (v - m) ** 2, 0) / values.length
    result.mean.push(m)
    result.sd.push(Math.sqrt(variance))
    result.peers.push(
      mean(
        rows
          .filter((r) => r.y === 0)
          .map((r) => r.x[name])
          .filter((v): v is number => v !== null),
      ),
    )
  }
  return result
}

/** z-scores; a missing value (no answer yet) is the cohort mean, z = 0. */
function standardise(x: FeatureVector, stats: Stats): number[] {
  return FEATURES.map((name, j) => {
    const v = x[name]
    const sd = stats.sd[j] ?? 0
    return v === null || sd < 1e-9 ? 0 : (v - (stats.mean[j] ?? 0)) / sd
  })
}

/** The reference rows of a course at `fraction` of its usual time: learners with known outcomes. */
function referenceRows(
  course: CourseEvidence,
  known: readonly { e: Enrolment; y: 0 | 1 }[],
  usualMs: number,
  fraction: number,
): { e: Enrolment; x: FeatureVector; y: 0 | 1 }[] {
  const rows: { e: Enrolment; x: FeatureVector; y: 0 | 1 }[] = []
  for (const { e, y } of known) {
    const at = e.startMs + fraction * usualMs
    if (e.completedMs !== null && e.completedMs < at) continue
    rows.push({ e, x: featuresAt(course, e, at), y })
  }
  return rows
}

function knownOutcomes(course: CourseEvidence, usualMs: number, asOfMs: number) {
  const known: { e: Enrolment; y: 0 | 1 }[] = []
  for (const e of course.enrolments) {
    const y = outcomeAt(e, usualMs, asOfMs)
    if (y !== undefined) known.push({ e, y })
  }
  return known
}

function fit(
  course: CourseEvidence,
  known: readonly { e: Enrolment; y: 0 | 1 }[],
  usualMs: number,
) {
  const xs: number[][] = []
  const ys: number[] = []
  for (const fraction of CHECKPOINTS) {
    const rows = referenceRows(course, known, usualMs, fraction)
    const stats = statsOf(rows)
    for (const r of rows) {
      xs.push(standardise(r.x, stats))
      ys.push(r.y)
    }
  }
  return { model: fitLogistic(xs, ys, { l2: 1 }), rows: xs.length }
}

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits

/**
 * Trains the course's model on its history as of `asOfMs`, and measures it on a temporal
 * holdout of that history: fitted on the earliest 70% of starts, scored on the latest 30% at
 * 25% of the usual duration, against the "days since last activity" baseline.
 */
export function trainRiskModel(
  course: CourseEvidence,
  asOfMs: number,
  nowMs = Date.now(),
): RiskModel {
  const usualMs = usualDurationMs(course, asOfMs)
  const base = {
    course: course.course,
    trainedAt: new Date(nowMs).toISOString(),
    asOf: new Date(asOfMs).toISOString(),
    usualDays: usualMs === undefined ? null : round(usualMs / DAY_MS, 2),
    modules: course.modules.length,
  }
  const zero = Object.fromEntries(FEATURES.map((f) => [f, 0])) as Record<FeatureName, number>
  const known = usualMs === undefined ? [] : knownOutcomes(course, usualMs, asOfMs)
  const atRisk = known.filter((k) => k.y === 1).length
  const enough =
    usualMs !== undefined &&
    known.length >= MIN_HISTORY.outcomes &&
    atRisk >= MIN_HISTORY.perClass &&
    known.length - atRisk >= MIN_HISTORY.perClass
  if (!enough || usualMs === undefined)
    return {
      ...base,
      kind: 'rules',
      knownOutcomes: known.length,
      atRiskOutcomes: atRisk,
      fallbackReason:
        usualMs === undefined
          ? 'fewer than 5 learners have completed the course, so it has no usual duration yet'
          : `too little history: ${known.length} known outcomes (${atRisk} not completed in time); a model needs ${MIN_HISTORY.outcomes}, with ${MIN_HISTORY.perClass} of each`,
      intercept: 0,
      coefficients: zero,
      quality: null,
    }
  const { model } = fit(course, known, usualMs)
  const cut = Math.floor(known.length * 0.7)
  const quality = measureHoldout(course, known.slice(0, cut), known.slice(cut), usualMs)
  return {
    ...base,
    kind: 'logistic',
    knownOutcomes: known.length,
    atRiskOutcomes: atRisk,
    fallbackReason: null,
    intercept: round(model.intercept, 6),
    coefficients: Object.fromEntries(
      FEATURES.map((f, j) => [f, round(model.coefficients[j] ?? 0, 6)]),
    ) as Record<FeatureName, number>,
    quality,
  }
}

function measureHoldout(
  course: CourseEvidence,
  train: readonly { e: Enrolment; y: 0 | 1 }[],
  test: readonly { e: Enrolment; y: 0 | 1 }[],
  usualMs: number,
): ModelQuality | null {
  if (train.length < 10 || test.length < 5) return null
  const { model, rows } = fit(course, train, usualMs)
  const scored = scoreAtFraction(course, model, train, test, usualMs, 0.25)
  return {
    method:
      'temporal holdout: fitted on the earliest 70% of starts with a known outcome, scored on the latest 30% at 25% of the usual duration',
    trainRows: rows,
    testLearners: scored.labels.length,
    baseRate: mean(scored.labels),
    auc: nullRound(auc(scored.scores, scored.labels)),
    precisionAtTop10: nullRound(precisionAtTop(scored.scores, scored.labels, 0.1)),
    baselineAuc: nullRound(auc(scored.baseline, scored.labels)),
    baselinePrecisionAtTop10: nullRound(precisionAtTop(scored.baseline, scored.labels, 0.1)),
  }
}

const nullRound = (x: number | null) => (x === null ? null : round(x))

/**
 * Scores `test` enrolments at `fraction` of the usual duration with `model`, standardising
 * against the `reference` learners at the same point; also the baseline (days since last activity).
 */
export function scoreAtFraction(
  course: CourseEvidence,
  model: { intercept: number; coefficients: readonly number[] },
  reference: readonly { e: Enrolment; y: 0 | 1 }[],
  test: readonly { e: Enrolment; y: 0 | 1 }[],
  usualMs: number,
  fraction: number,
): { scores: number[]; baseline: number[]; labels: number[] } {
  const stats = statsOf(referenceRows(course, reference, usualMs, fraction))
  const scores: number[] = []
  const baseline: number[] = []
  const labels: number[] = []
  for (const { e, y } of test) {
    const at = e.startMs + fraction * usualMs
    if (e.completedMs !== null && e.completedMs < at) continue
    const x = featuresAt(course, e, at)
    scores.push(logit(model, standardise(x, stats)))
    baseline.push(x.daysSinceLast ?? 0)
    labels.push(y)
  }
  return { scores, baseline, labels }
}

function describe(
  name: FeatureName,
  x: FeatureVector,
  peers: number | null,
  modules: number,
): string {
  const v = x[name]
  const p = peers === null ? null : peers
  const f1 = (n: number | null) => (n === null ? '—' : n.toFixed(n >= 10 ? 0 : 1))
  const f2 = (n: number | null) => (n === null ? '—' : n.toFixed(2))
  switch (name) {
    case 'daysSinceLast':
      return `no activity for ${f1(v)} days (peers who completed: ${f1(p)})`
    case 'activeDays':
      return `${f1(v)} active days where peers who completed had ${f1(p)}`
    case 'sessions':
      return `${f1(v)} sessions where peers who completed had ${f1(p)}`
    case 'pagesViewed':
      return `${f1(v)} pages viewed where peers who completed had ${f1(p)}`
    case 'modulesPassed':
      return `${f1(v)} of ${modules} modules passed where peers who completed had ${f1(p)}`
    case 'answerSuccess':
      return v === null
        ? 'no quiz answered yet'
        : `quiz answers ${f2(v)} correct vs ${f2(p)} for peers who completed`
    case 'failedAttempts':
      return `${f1(v)} failed quiz attempts where peers who completed had ${f1(p)}`
    case 'hours':
      return `${f1(v)} h in finished sessions where peers who completed had ${f1(p)} h`
  }
}

/**
 * The flags of the course's learners in progress at `asOfMs` (started, not completed, not yet
 * past the usual duration), scored with `model` at their own point of the course.
 */
export function flagLearners(course: CourseEvidence, model: RiskModel, asOfMs: number): RiskFlag[] {
  const usualMs = model.usualDays === null ? undefined : model.usualDays * DAY_MS
  const inProgress = course.enrolments.filter(
    (e) =>
      e.startMs <= asOfMs &&
      (e.completedMs === null || e.completedMs > asOfMs) &&
      (usualMs === undefined || asOfMs < e.startMs + usualMs),
  )
  const known = usualMs === undefined ? [] : knownOutcomes(course, usualMs, asOfMs)
  const statsCache = new Map<number, Stats>()
  const statsAt = (fraction: number): Stats => {
    let stats = statsCache.get(fraction)
    if (stats === undefined && usualMs !== undefined) {
      stats = statsOf(referenceRows(course, known, usualMs, fraction))
      statsCache.set(fraction, stats)
    }
    return stats ?? { mean: [], sd: [], peers: [] }
  }
  const flags: RiskFlag[] = []
  for (const e of inProgress) {
    const x = featuresAt(course, e, asOfMs)
    const progressOfTime = usualMs === undefined ? null : (asOfMs - e.startMs) / usualMs
    // Peers at the same point of the course, in steps of 5% (the reference is recomputed per step).
    const fraction =
      progressOfTime === null
        ? null
        : Math.min(1, Math.max(0.05, Math.round(progressOfTime * 20) / 20))
    const stats = fraction === null ? undefined : statsAt(fraction)
    const peers = (name: FeatureName) => stats?.peers[FEATURES.indexOf(name)] ?? null
    if (model.kind === 'logistic' && stats !== undefined) {
      const z = standardise(x, stats)
      const reasons = FEATURES.map((name, j) => ({
        feature: name,
        value: x[name] === null ? null : round(x[name], 4),
        peers: peers(name) === null ? null : round(peers(name) as number, 4),
        contribution: (model.coefficients[name] ?? 0) * (z[j] ?? 0),
        text: describe(name, x, peers(name), model.modules),
      })).sort((a, b) => b.contribution - a.contribution)
      const score = model.intercept + reasons.reduce((t, r) => t + r.contribution, 0)
      const probability = sigmoid(score)
      flags.push({
        learner: e.learner,
        course: course.course,
        startedAt: new Date(e.startMs).toISOString(),
        progressOfTime: progressOfTime === null ? null : round(progressOfTime, 3),
        method: 'logistic',
        score,
        base: model.intercept,
        probability: round(probability, 4),
        level:
          probability >= LEVELS.red ? 'red' : probability >= LEVELS.yellow ? 'yellow' : 'green',
        reasons,
      })
    } else flags.push(ruleFlag(course, e, x, progressOfTime, peers, model.modules))
  }
  return flags.sort(
    (a, b) =>
      (b.probability ?? b.score) - (a.probability ?? a.score) || (a.learner < b.learner ? -1 : 1),
  )
}

/**
 * The rule-based fallback (analytics definitions §12): one point each for no activity for 7 days
 * or more, modules passed 20 points below the share of the usual time gone, and a quiz answer
 * rate below the mastery threshold − 0.1. Red at 2 points, yellow at 1.
 */
function ruleFlag(
  course: CourseEvidence,
  e: Enrolment,
  x: FeatureVector,
  progressOfTime: number | null,
  peers: (name: FeatureName) => number | null,
  modules: number,
): RiskFlag {
  const reasons: Reason[] = []
  if ((x.daysSinceLast ?? 0) >= 7)
    reasons.push({
      feature: 'rule',
      value: x.daysSinceLast,
      peers: peers('daysSinceLast'),
      contribution: 1,
      text: `no activity for ${Math.floor(x.daysSinceLast ?? 0)} days (rule: 7 or more)`,
    })
  const progress = modules === 0 ? null : (x.modulesPassed ?? 0) / modules
  if (progress !== null && progressOfTime !== null && progress < Math.min(1, progressOfTime) - 0.2)
    reasons.push({
      feature: 'rule',
      value: progress,
      peers: null,
      contribution: 1,
      text: `${x.modulesPassed} of ${modules} modules passed, ${Math.round(100 * progressOfTime)}% of the usual time gone (rule: 20 points behind)`,
    })
  const threshold = MASTERY_THRESHOLD - 0.1
  if (x.answerSuccess !== null && x.answerSuccess < threshold)
    reasons.push({
      feature: 'rule',
      value: x.answerSuccess,
      peers: peers('answerSuccess'),
      contribution: 1,
      text: `quiz answers ${x.answerSuccess.toFixed(2)} correct (rule: below ${threshold.toFixed(1)})`,
    })
  const score = reasons.length
  return {
    learner: e.learner,
    course: course.course,
    startedAt: new Date(e.startMs).toISOString(),
    progressOfTime: progressOfTime === null ? null : round(progressOfTime, 3),
    method: 'rules',
    score,
    base: 0,
    probability: null,
    level: score >= 2 ? 'red' : score === 1 ? 'yellow' : 'green',
    reasons,
  }
}
