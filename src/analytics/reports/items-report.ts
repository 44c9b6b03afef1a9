/**
 * @module Report 4, item analysis of an assessment (classical test theory, §7): per question the
 * difficulty p, discrimination D (upper/lower 27%), corrected point-biserial, the answers given
 * by group, flags; the assessment's KR-20.
 */
import { NotFoundError } from '../../errors/errors.js'
import { ITEMS } from '../../storage/sql/analytics-schema.js'
import { type PersonScope, rowsByPerson } from '../people/person-scope.js'
import { type AnyDb, type AnyRow, num, type ReportWindow } from './report-context.js'
import { ratio, round, roundOrNull } from './stats.js'

/** The share of respondents in each of the upper and lower groups. */
export const GROUP_SHARE = 0.27
export const ITEM_RULES = {
  respondents:
    'learners with a first answer to every question of the assessment (complete cases) whose first answers fall in the window',
  total: 'X = number of questions answered correctly at the first attempt (sum of item scores, §7)',
  groups:
    'upper/lower = the first/last round(0.27·n) respondents sorted by X descending; ties at the boundary are split by learner key ascending (stable), §16',
  pointBiserial: 'corrected (item-rest): the item is left out of X; population SD',
  flags:
    'tooHard p < 0.3, tooEasy p > 0.9, poorDiscrimination D < 0.2, negativeDiscrimination D < 0; rareAnswer: chosen by < 5% of respondents',
} as const

function popVariance(values: readonly number[]): number {
  if (values.length === 0) return 0
  const m = values.reduce((a, b) => a + b, 0) / values.length
  return values.reduce((a, v) => a + (v - m) ** 2, 0) / values.length
}

export async function itemsReport(
  db: AnyDb,
  storeId: number,
  assessment: string,
  window: ReportWindow,
  /**
   * A cohort (people/person-scope.ts): only its members' answers count, by person (a person's
   * first answer over all their IFIs, by (timestamp, stored order)). Without one, per learner key.
   */
  people?: PersonScope,
) {
  const stored = (await db
    .selectFrom('an_items')
    .select([
      'assessment',
      'question',
      'learner',
      'course',
      'success',
      'response',
      'answer_ms',
      'answer_seq',
      'attempts',
    ])
    .where('store_id', '=', storeId)
    .where('assessment', '=', assessment)
    .execute()) as AnyRow[]
  if (stored.length === 0) throw NotFoundError(`no answers with ${assessment} as their parent`)
  // The questions are the assessment's, whoever answered them: a cohort that skipped one has no
  // complete cases rather than a shorter test.
  const questions = [...new Set(stored.map((r) => String(r['question'])))].sort()
  const rows = rowsByPerson(ITEMS, stored, people)
  const inWindow = rows.filter(
    (r) => num(r['answer_ms']) >= window.sinceMs && num(r['answer_ms']) < window.untilMs,
  )
  const k = questions.length
  const byLearner = new Map<string, Map<string, AnyRow>>()
  for (const r of inWindow) {
    const learner = String(r['learner'])
    const answers = byLearner.get(learner) ?? new Map<string, AnyRow>()
    answers.set(String(r['question']), r)
    byLearner.set(learner, answers)
  }
  const respondents = [...byLearner]
    .filter(([, answers]) => answers.size === k)
    .map(([learner, answers]) => ({
      learner,
      answers,
      total: questions.reduce((sum, q) => sum + num(answers.get(q)?.['success']), 0),
    }))
  const n = respondents.length
  const ranked = [...respondents].sort(
    (a, b) => b.total - a.total || (a.learner < b.learner ? -1 : 1),
  )
  const groupSize = Math.round(GROUP_SHARE * n)
  const upper = ranked.slice(0, groupSize)
  const lower = groupSize === 0 ? [] : ranked.slice(n - groupSize)
  const totals = respondents.map((r) => r.total)
  const varianceX = popVariance(totals)

  let sumPq = 0
  const items = questions.map((question) => {
    const scoreOf = (r: (typeof respondents)[number]) => num(r.answers.get(question)?.['success'])
    const correct = respondents.filter((r) => scoreOf(r) === 1).length
    const p = n === 0 ? null : correct / n
    if (p !== null) sumPq += p * (1 - p)
    const pUpper =
      upper.length === 0 ? null : upper.filter((r) => scoreOf(r) === 1).length / upper.length
    const pLower =
      lower.length === 0 ? null : lower.filter((r) => scoreOf(r) === 1).length / lower.length
    const d = pUpper === null || pLower === null ? null : pUpper - pLower
    // Corrected point-biserial: the rest score X − item.
    const rest = respondents.map((r) => r.total - scoreOf(r))
    const ones = respondents.map((r, i) => ({ right: scoreOf(r) === 1, rest: rest[i] ?? 0 }))
    const n1 = ones.filter((o) => o.right).length
    const n0 = n - n1
    const sRest = Math.sqrt(popVariance(rest))
    const m1 = n1 === 0 ? 0 : ones.filter((o) => o.right).reduce((a, o) => a + o.rest, 0) / n1
    const m0 = n0 === 0 ? 0 : ones.filter((o) => !o.right).reduce((a, o) => a + o.rest, 0) / n0
    const rpb =
      n1 === 0 || n0 === 0 || sRest === 0
        ? null
        : ((m1 - m0) / sRest) * Math.sqrt((n1 * n0) / (n * n))
    // The answers given, by group.
    const answers = new Map<
      string,
      { correct: boolean; all: number; upper: number; lower: number }
    >()
    const count = (
      group: readonly (typeof respondents)[number][],
      key: 'all' | 'upper' | 'lower',
    ) => {
      for (const r of group) {
        const row = r.answers.get(question)
        const response = typeof row?.['response'] === 'string' ? row['response'] : ''
        const entry = answers.get(response) ?? { correct: false, all: 0, upper: 0, lower: 0 }
        entry[key] += 1
        if (num(row?.['success']) === 1) entry.correct = true
        answers.set(response, entry)
      }
    }
    count(respondents, 'all')
    count(upper, 'upper')
    count(lower, 'lower')
    // Learners whose first answer to the question falls in the window, complete cases or not.
    const responses = inWindow.filter((r) => r['question'] === question).length
    return {
      question,
      responses,
      respondents: n,
      p: roundOrNull(p),
      pUpper: roundOrNull(pUpper),
      pLower: roundOrNull(pLower),
      discrimination: roundOrNull(d),
      pointBiserial: roundOrNull(rpb),
      flags: {
        tooHard: p !== null && p < 0.3,
        tooEasy: p !== null && p > 0.9,
        poorDiscrimination: d !== null && d < 0.2,
        negativeDiscrimination: d !== null && d < 0,
      },
      answers: [...answers]
        .sort((a, b) => b[1].all - a[1].all || (a[0] < b[0] ? -1 : 1))
        .map(([response, e]) => ({
          response,
          correct: e.correct,
          count: e.all,
          share: ratio(e.all, n),
          upper: e.upper,
          lower: e.lower,
          rareAnswer: n > 0 && e.all / n < 0.05,
        })),
    }
  })
  const kr20 = k < 2 || varianceX === 0 || n === 0 ? null : (k / (k - 1)) * (1 - sumPq / varianceX)
  return {
    assessment,
    questions: k,
    respondents: n,
    groupSize,
    meanTotal: n === 0 ? null : round(totals.reduce((a, b) => a + b, 0) / n),
    kr20: roundOrNull(kr20),
    rules: ITEM_RULES,
    items,
  }
}
