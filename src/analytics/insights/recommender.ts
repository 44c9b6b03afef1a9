/**
 * @module Next-step recommendations (analytics definitions §14): for one learner, the launchable
 * activities (cmi5 modules) they have not started, ranked by three signals, each with its reason:
 * - sequence: a first-order Markov model of what learners who completed a course did next,
 *   P(b | a) = (c(a→b) + α|V|·π(b)) / (c(a) + α|V|) over their modules in order of first
 *   engagement, smoothed toward the modules' popularity π (everyone's starts, add-one);
 * - gap: the module carries evidence of competencies where the learner is below target (§11);
 * - level: the chance of answering the module's questions right, σ(θ − d) (elo-mastery.ts), near
 *   the adaptive target 0.75 (between 0.7 and 0.8 scores highest).
 * Score = sequence × (1 + WEIGHTS.gap · gap share + WEIGHTS.level · level fit): the sequence
 * evidence leads, and gaps and level reorder modules it rates alike (a measured choice: adding them
 * instead lowered the held-out hit rate, bench/results/insights-evaluation.md).
 */
import { sigmoid } from './elo-mastery.js'
import type { ActivityRow } from './evidence.js'

export const SMOOTHING = 0.1
export const WEIGHTS = { gap: 0.1, level: 0.05 } as const
export const TARGET_SUCCESS = { low: 0.7, high: 0.8 } as const
const START = ''

export interface SequenceModel {
  /** from → to → count (from '' = a learner's first module). */
  readonly transitions: ReadonlyMap<string, ReadonlyMap<string, number>>
  /** Learners (all, not only successful) who engaged with each module. */
  readonly popularity: ReadonlyMap<string, number>
  readonly vocabulary: readonly string[]
  readonly successfulLearners: number
}

/** A learner's modules in order of first engagement, before `beforeMs`. */
export function sequenceOf(
  rows: readonly ActivityRow[],
  launchable: ReadonlySet<string>,
  beforeMs = Infinity,
): string[] {
  return rows
    .filter((r) => launchable.has(r.activity) && (r.engagedMs ?? r.firstMs) < beforeMs)
    .sort(
      (a, b) =>
        (a.engagedMs ?? a.firstMs) - (b.engagedMs ?? b.firstMs) ||
        (a.activity < b.activity ? -1 : 1),
    )
    .map((r) => r.activity)
}

/**
 * Builds the model from rows stamped before `asOfMs`: transitions of learners who completed a
 * course before then, popularity of everyone.
 */
export function buildSequenceModel(
  rowsByLearner: ReadonlyMap<string, readonly ActivityRow[]>,
  launchable: ReadonlySet<string>,
  successful: ReadonlySet<string>,
  asOfMs = Infinity,
): SequenceModel {
  const transitions = new Map<string, Map<string, number>>()
  const popularity = new Map<string, number>()
  for (const [learner, rows] of rowsByLearner) {
    const seq = sequenceOf(rows, launchable, asOfMs)
    for (const a of seq) popularity.set(a, (popularity.get(a) ?? 0) + 1)
    if (!successful.has(learner)) continue
    let from = START
    for (const to of seq) {
      const row = transitions.get(from) ?? new Map<string, number>()
      row.set(to, (row.get(to) ?? 0) + 1)
      transitions.set(from, row)
      from = to
    }
  }
  return {
    transitions,
    popularity,
    vocabulary: [...launchable].sort(),
    successfulLearners: successful.size,
  }
}

export interface LearnerState {
  /** Modules in order of first engagement. */
  readonly sequence: readonly string[]
  /** Global Elo skill (0 without answers). */
  readonly theta: number
  /** Competency → gap (target − mastery, ≥ 0). */
  readonly gaps: ReadonlyMap<string, number>
}

export interface ModuleFacts {
  /** Module → competencies its items are evidence of. */
  readonly competencies: ReadonlyMap<string, readonly string[]>
  /** Module → difficulties of its items (Elo). */
  readonly difficulties: ReadonlyMap<string, readonly number[]>
  readonly competencyName: (id: string) => string
}

export interface Recommendation {
  readonly activity: string
  readonly score: number
  readonly reason: string
  readonly signals: {
    readonly sequence: number
    readonly gap: number
    readonly level: number
    /** Predicted chance of answering its questions right; null when it has none rated. */
    readonly predictedSuccess: number | null
  }
  readonly reasons: readonly string[]
}

export function transitionProbability(model: SequenceModel, from: string, to: string): number {
  const row = model.transitions.get(from)
  let total = 0
  for (const c of row?.values() ?? []) total += c
  // Smoothed toward popularity (a unigram back-off) rather than uniformly: a transition nobody
  // made yet is as likely as the module is popular.
  const v = Math.max(1, model.vocabulary.length)
  let popular = 0
  for (const c of model.popularity.values()) popular += c
  const prior = ((model.popularity.get(to) ?? 0) + 1) / (popular + v)
  return ((row?.get(to) ?? 0) + SMOOTHING * v * prior) / (total + SMOOTHING * v)
}

/** Levels near 0.75 score 1; the fit falls linearly to 0 at 0.5 and 1.0. */
export function levelFit(p: number): number {
  if (p >= TARGET_SUCCESS.low && p <= TARGET_SUCCESS.high) return 1
  const distance = p < TARGET_SUCCESS.low ? TARGET_SUCCESS.low - p : p - TARGET_SUCCESS.high
  return Math.max(0, 1 - distance / 0.2)
}

export function recommend(
  model: SequenceModel,
  facts: ModuleFacts,
  state: LearnerState,
  limit: number,
  signals: { gap: boolean; level: boolean } = { gap: true, level: true },
): Recommendation[] {
  const seen = new Set(state.sequence)
  const last = state.sequence[state.sequence.length - 1] ?? START
  let totalGap = 0
  for (const g of state.gaps.values()) totalGap += g
  let largest: string | undefined
  for (const [c, g] of state.gaps)
    if (g > 0 && (largest === undefined || g > (state.gaps.get(largest) ?? 0))) largest = c
  const results: Recommendation[] = []
  for (const activity of model.vocabulary) {
    if (seen.has(activity)) continue
    const sequence = transitionProbability(model, last, activity)
    const comps = facts.competencies.get(activity) ?? []
    const gapSum = comps.reduce((t, c) => t + (state.gaps.get(c) ?? 0), 0)
    const gap = signals.gap && totalGap > 0 ? gapSum / totalGap : 0
    const ds = facts.difficulties.get(activity) ?? []
    const predictedSuccess =
      ds.length === 0 ? null : ds.reduce((t, d) => t + sigmoid(state.theta - d), 0) / ds.length
    const level = signals.level && predictedSuccess !== null ? levelFit(predictedSuccess) : 0
    const score = sequence * (1 + WEIGHTS.gap * gap + WEIGHTS.level * level)
    const reasons: string[] = []
    const count = model.transitions.get(last)?.get(activity) ?? 0
    if (count > 0)
      reasons.push(
        last === START
          ? `where learners who completed a course started (${count} of them)`
          : `what learners who completed a course did next (${Math.round(100 * sequence)}% of them went here after your last module)`,
      )
    const closes = comps.filter((c) => (state.gaps.get(c) ?? 0) > 0)
    if (gap > 0 && closes.length > 0) {
      const top = closes.includes(largest ?? '') ? (largest as string) : (closes[0] as string)
      reasons.push(
        `${top === largest ? 'closes your largest gap' : 'closes a gap'}: ${facts.competencyName(top)} (gap ${(state.gaps.get(top) ?? 0).toFixed(2)})`,
      )
    }
    if (level > 0 && predictedSuccess !== null)
      reasons.push(
        // "At" only inside the band: a module at 0.62 is near the learner's level, not at it.
        `questions ${level === 1 ? 'at' : 'near'} your level: predicted success ${predictedSuccess.toFixed(2)} (target 0.70–0.80)`,
      )
    if (reasons.length === 0)
      reasons.push(`popular: ${model.popularity.get(activity) ?? 0} learners started it`)
    results.push({
      activity,
      score: Math.round(score * 1e6) / 1e6,
      reason: strongest(
        sequence,
        count > 0,
        sequence * WEIGHTS.gap * gap,
        sequence * WEIGHTS.level * level,
        reasons,
      ),
      signals: {
        sequence: Math.round(sequence * 1e6) / 1e6,
        gap: Math.round(gap * 1e6) / 1e6,
        level: Math.round(level * 1e6) / 1e6,
        predictedSuccess:
          predictedSuccess === null ? null : Math.round(predictedSuccess * 1e4) / 1e4,
      },
      reasons,
    })
  }
  return results
    .sort(
      (a, b) =>
        b.score - a.score ||
        (model.popularity.get(b.activity) ?? 0) - (model.popularity.get(a.activity) ?? 0) ||
        (a.activity < b.activity ? -1 : 1),
    )
    .slice(0, limit)
}

/** The reason of the signal that added the most to the score. */
function strongest(
  sequence: number,
  hasSequence: boolean,
  gap: number,
  level: number,
  reasons: readonly string[],
): string {
  const options: [number, string | undefined][] = [
    [
      hasSequence ? sequence : -1,
      reasons.find((r) => r.startsWith('what') || r.startsWith('where')),
    ],
    [gap, reasons.find((r) => r.startsWith('closes'))],
    [level, reasons.find((r) => r.startsWith('questions'))],
  ]
  const best = options.filter(([, r]) => r !== undefined).sort((a, b) => b[0] - a[0])[0]
  return best?.[1] ?? reasons[0] ?? ''
}

/** The popularity baseline: the most-started modules the learner has not started. */
export function popular(model: SequenceModel, seen: ReadonlySet<string>, limit: number): string[] {
  return [...model.popularity.entries()]
    .filter(([a]) => !seen.has(a))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([a]) => a)
}

/**
 * An item must have been rated on at least this many first answers before its difficulty is
 * trusted for difficulty targeting: with K(n) = 1/(1 + 0.05n) the first few answers move d by
 * almost a whole logit each.
 */
export const MIN_ITEM_ANSWERS = 5
const BAND_MIDDLE = (TARGET_SUCCESS.low + TARGET_SUCCESS.high) / 2

/** A question (item) that can be recommended: its Elo difficulty and where it lives. */
export interface QuestionFacts {
  readonly question: string
  /** Its assessment (contextActivities.parent of the answers). */
  readonly assessment: string
  /** The launchable module (cmi5 AU) it sits under, if any: what an LMS launches. */
  readonly module: string | null
  /** Elo difficulty d. */
  readonly difficulty: number
  /** First answers the difficulty was rated on. */
  readonly answers: number
  /** Competencies it is evidence of. */
  readonly competencies: readonly string[]
}

export interface QuestionLearner {
  /** Global Elo skill θ. */
  readonly theta: number
  /** Competency → θ_c, for the competencies the learner has evidence on. */
  readonly skills: ReadonlyMap<string, number>
  /** Question → whether the learner's first answer was right. */
  readonly answered: ReadonlyMap<string, boolean>
  /** Competency → gap (§11). */
  readonly gaps: ReadonlyMap<string, number>
}

export interface QuestionRecommendation {
  readonly question: string
  readonly assessment: string
  readonly module: string | null
  /** σ(θ' − d), θ' = the mean θ_c of its competencies the learner has evidence on, else θ. */
  readonly predictedSuccess: number
  /** Whether predictedSuccess is within the target band 0.70–0.80. */
  readonly atLevel: boolean
  /** How far predictedSuccess is from the band (0 inside it). */
  readonly distance: number
  readonly difficulty: number
  /** 'unanswered', or 'retry' when the learner's first answer was wrong (not yet mastered). */
  readonly status: 'unanswered' | 'retry'
  readonly reason: string
  readonly reasons: readonly string[]
}

/** The learner's predicted chance of answering `q` right (see QuestionRecommendation). */
export function predictQuestion(q: QuestionFacts, learner: QuestionLearner): number {
  const skills = q.competencies
    .map((c) => learner.skills.get(c))
    .filter((s): s is number => s !== undefined)
  const theta =
    skills.length === 0 ? learner.theta : skills.reduce((a, b) => a + b, 0) / skills.length
  return sigmoid(theta - q.difficulty)
}

/**
 * Difficulty targeting (§14, "a question at your level"): the questions the learner has not
 * answered, or answered wrong at the first attempt, whose predicted success is nearest the band
 * 0.70–0.80 — inside it first (nearest 0.75 first), then the nearest outside it, each saying so.
 * Ties: the larger gap on its competencies, then unanswered before retries, then the id.
 */
export function recommendQuestions(
  questions: readonly QuestionFacts[],
  learner: QuestionLearner,
  limit: number,
  competencyName: (id: string) => string,
): QuestionRecommendation[] {
  const candidates = questions
    .filter((q) => q.answers >= MIN_ITEM_ANSWERS && learner.answered.get(q.question) !== true)
    .map((q) => {
      const p = predictQuestion(q, learner)
      const distance =
        p < TARGET_SUCCESS.low
          ? TARGET_SUCCESS.low - p
          : p > TARGET_SUCCESS.high
            ? p - TARGET_SUCCESS.high
            : 0
      const gap = q.competencies.reduce((t, c) => t + (learner.gaps.get(c) ?? 0), 0)
      return { q, p, distance, gap, retry: learner.answered.has(q.question) }
    })
    .sort(
      (a, b) =>
        a.distance - b.distance ||
        Math.abs(a.p - BAND_MIDDLE) - Math.abs(b.p - BAND_MIDDLE) ||
        b.gap - a.gap ||
        Number(a.retry) - Number(b.retry) ||
        (a.q.question < b.q.question ? -1 : 1),
    )
    .slice(0, limit)
  return candidates.map(({ q, p, distance, retry }) => {
    const shown = p.toFixed(2)
    const reason =
      distance === 0
        ? `a question at your level: predicted success ${shown}`
        : `the nearest to your level: predicted success ${shown} (none left at 0.70–0.80)`
    const reasons = [
      reason,
      retry ? 'answered wrong at the first attempt: not yet mastered' : 'not answered yet',
    ]
    const gapped = q.competencies.filter((c) => (learner.gaps.get(c) ?? 0) > 0)
    const top = gapped.sort((a, b) => (learner.gaps.get(b) ?? 0) - (learner.gaps.get(a) ?? 0))[0]
    if (top !== undefined)
      reasons.push(
        `practises ${competencyName(top)} (your gap ${(learner.gaps.get(top) ?? 0).toFixed(2)})`,
      )
    return {
      question: q.question,
      assessment: q.assessment,
      module: q.module,
      predictedSuccess: Math.round(p * 1e4) / 1e4,
      atLevel: distance === 0,
      distance: Math.round(distance * 1e4) / 1e4,
      difficulty: Math.round(q.difficulty * 1e4) / 1e4,
      status: retry ? 'retry' : 'unanswered',
      reason,
      reasons,
    }
  })
}
