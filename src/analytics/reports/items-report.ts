/**
 * @module Report 4, item analysis of an assessment (classical test theory, §7): per question the
 * difficulty p, discrimination D (upper/lower 27%), corrected point-biserial, the answers given
 * by group, flags; the assessment's KR-20.
 */
import { sql } from 'kysely'
import { NotFoundError } from '../../errors/errors.js'
import { ITEMS } from '../../storage/sql/analytics-schema.js'
import { type PersonScope, rowsByPerson } from '../people/person-scope.js'
import { type AnyDb, type AnyRow, isOpenWindow, num, type ReportWindow } from './report-context.js'
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

/**
 * What the report's figures are computed from: over the respondents (complete cases in the
 * window), per question, response and score (1 right, 0 wrong), how many respondents gave it,
 * the sums of their totals X and X², and how many of them are in the upper and lower groups.
 * The same few rows whether a course has ten learners or a hundred thousand.
 */
interface AnswerGroup {
  question: string
  /** '' when the answer has no response (as the report lists it). */
  response: string
  success: 0 | 1
  count: number
  sumX: number
  sumX2: number
  upper: number
  lower: number
}

/** round(GROUP_SHARE · n) in integers, as SQL computes it: floor((27·n + 50) / 100). */
const GROUP_PERCENT = Math.round(GROUP_SHARE * 100)
export function groupSizeOf(n: number): number {
  return Math.floor((GROUP_PERCENT * n + 50) / 100)
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
  if (people !== undefined) return cohortItems(db, storeId, assessment, window, people)
  const inWindow = sql<boolean>`answer_ms >= ${window.sinceMs} and answer_ms < ${window.untilMs}`
  // The questions are the assessment's, whoever answered them, with the learners whose first
  // answer to each falls in the window (complete cases or not). Over an open window every
  // answer counts: the primary key's range alone, without reading the rows for their time.
  // Over a window, `learner >= ''` (true of every key) steers SQLite to the covering
  // (assessment, learner, question, …, answer_ms) index: on the primary key it looks each row
  // up for its time (10⁷ statements, an assessment of 10⁵ answers: 546 ms instead of 93 ms).
  let answers = db
    .selectFrom('an_items')
    .where('store_id', '=', storeId)
    .where('assessment', '=', assessment)
  if (!isOpenWindow(window)) answers = answers.where('learner', '>=', '')
  const perQuestion = (await answers
    .select([
      'question',
      isOpenWindow(window)
        ? sql<number>`count(*)`.as('responses')
        : sql<number>`sum(case when ${inWindow} then 1 else 0 end)`.as('responses'),
    ])
    .groupBy('question')
    .orderBy('question')
    .execute()) as AnyRow[]
  if (perQuestion.length === 0) throw NotFoundError(`no answers with ${assessment} as their parent`)
  const k = perQuestion.length
  // Aggregated in the database: the respondents (a first answer in the window to each of the
  // k questions) with their total X, ranked by X descending then learner key ascending (the
  // upper group is the first round(0.27·n), the lower the last), and their answers grouped by
  // (question, response, score). Literals, not parameters, for the integer arithmetic (see
  // overview-report.ts: better-sqlite3 binds JS numbers as REAL).
  const rows = (await db
    .with('respondents', (qb) =>
      qb
        .selectFrom('an_items')
        .select(['learner', sql<number>`sum(coalesce(success, 0))`.as('x')])
        .where('store_id', '=', storeId)
        .where('assessment', '=', assessment)
        .where(inWindow)
        .groupBy('learner')
        // `>=`, not `=`: the same learners, since the primary key (assessment, question,
        // learner) gives a learner at most k answers, but PostgreSQL estimates a third of the
        // groups for it and 1/200 for `=`. Counting ~100 respondents where there were 20,311
        // (10⁷ statements), it looked each one's answers up in the index, then sorted the
        // answers to group them: 215 ms; with the estimate, a merge join and a hash: 118 ms.
        .having(sql`count(*)`, '>=', sql.lit(k)),
    )
    .with('ranked', (qb) =>
      qb
        .selectFrom('respondents')
        .select([
          'learner',
          'x',
          sql<number>`row_number() over (order by x desc, learner)`.as('rank'),
          sql<number>`count(*) over ()`.as('n'),
        ]),
    )
    .with('grouped', (qb) =>
      qb
        .selectFrom('ranked')
        .select([
          'learner',
          'x',
          'rank',
          'n',
          sql<number>`(${sql.lit(GROUP_PERCENT)} * n + 50) / 100`.as('g'),
        ]),
    )
    // A cross join, filtered below: SQLite then visits the respondents first and looks their
    // answers up in the (assessment, learner) index, instead of indexing the respondents for
    // each answer of the assessment; to PostgreSQL's planner it is the inner join.
    .selectFrom('grouped as r')
    .crossJoin('an_items as i')
    .whereRef('i.learner', '=', 'r.learner')
    .select([
      'i.question',
      'i.response',
      sql<number>`coalesce(i.success, 0)`.as('success'),
      sql<number>`count(*)`.as('count'),
      sql<number>`sum(r.x)`.as('sumX'),
      sql<number>`sum(r.x * r.x)`.as('sumX2'),
      sql<number>`sum(case when r.rank <= r.g then 1 else 0 end)`.as('upper'),
      sql<number>`sum(case when r.g > 0 and r.rank > r.n - r.g then 1 else 0 end)`.as('lower'),
    ])
    .where('i.store_id', '=', storeId)
    .where('i.assessment', '=', assessment)
    .groupBy(['i.question', 'i.response', sql`coalesce(i.success, 0)`])
    .execute()) as AnyRow[]
  return itemsOut(
    assessment,
    perQuestion.map((r) => String(r['question'])),
    new Map(perQuestion.map((r) => [String(r['question']), num(r['responses'])])),
    rows.map((r) => ({
      question: String(r['question']),
      response: typeof r['response'] === 'string' ? r['response'] : '',
      success: num(r['success']) === 1 ? 1 : 0,
      count: num(r['count']),
      sumX: num(r['sumX']),
      sumX2: num(r['sumX2']),
      upper: num(r['upper']),
      lower: num(r['lower']),
    })),
  )
}

/**
 * The report over a cohort's members, by person: their rows merged by person in the process
 * (a cohort is a subset the directory names), then grouped as the database groups them.
 */
async function cohortItems(
  db: AnyDb,
  storeId: number,
  assessment: string,
  window: ReportWindow,
  people: PersonScope,
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
  const inWindow = rowsByPerson(ITEMS, stored, people).filter(
    (r) => num(r['answer_ms']) >= window.sinceMs && num(r['answer_ms']) < window.untilMs,
  )
  const responses = new Map<string, number>()
  const byLearner = new Map<string, AnyRow[]>()
  for (const r of inWindow) {
    const question = String(r['question'])
    responses.set(question, (responses.get(question) ?? 0) + 1)
    const learner = String(r['learner'])
    byLearner.set(learner, [...(byLearner.get(learner) ?? []), r])
  }
  const ranked = [...byLearner]
    .filter(([, answers]) => answers.length === questions.length)
    .map(([learner, answers]) => ({
      learner,
      answers,
      x: answers.reduce((sum, a) => sum + num(a['success']), 0),
    }))
    .sort((a, b) => b.x - a.x || (a.learner < b.learner ? -1 : 1))
  const n = ranked.length
  const g = groupSizeOf(n)
  const groups = new Map<string, AnswerGroup>()
  ranked.forEach((r, index) => {
    for (const a of r.answers) {
      const response = typeof a['response'] === 'string' ? a['response'] : ''
      const success = num(a['success']) === 1 ? 1 : 0
      const key = JSON.stringify([a['question'], response, success])
      const group = groups.get(key) ?? {
        question: String(a['question']),
        response,
        success,
        count: 0,
        sumX: 0,
        sumX2: 0,
        upper: 0,
        lower: 0,
      }
      group.count += 1
      group.sumX += r.x
      group.sumX2 += r.x * r.x
      if (index < g) group.upper += 1
      if (g > 0 && index >= n - g) group.lower += 1
      groups.set(key, group)
    }
  })
  return itemsOut(assessment, questions, responses, [...groups.values()])
}

/**
 * The figures (§7) from the grouped answers. Every respondent has one answer per question, so
 * each question's groups hold all n respondents: n, ΣX and ΣX² are those of any question.
 * Variances are population variances from integer sums, (n·Σv² − (Σv)²) / n², exact until the
 * one division.
 */
function itemsOut(
  assessment: string,
  questions: readonly string[],
  responses: ReadonlyMap<string, number>,
  groups: readonly AnswerGroup[],
) {
  const k = questions.length
  const ofQuestion = new Map<string, AnswerGroup[]>()
  for (const group of groups)
    ofQuestion.set(group.question, [...(ofQuestion.get(group.question) ?? []), group])
  const sumOf = (list: readonly AnswerGroup[], pick: (g: AnswerGroup) => number) =>
    list.reduce((sum, g) => sum + pick(g), 0)
  const first = ofQuestion.get(questions[0] ?? '') ?? []
  const n = sumOf(first, (g) => g.count)
  const sumX = sumOf(first, (g) => g.sumX)
  const sumX2 = sumOf(first, (g) => g.sumX2)
  const groupSize = groupSizeOf(n)
  const variance = (sum: number, sumSquares: number) =>
    n === 0 ? 0 : (n * sumSquares - sum * sum) / (n * n)
  const varianceX = variance(sumX, sumX2)

  let sumPq = 0
  const items = questions.map((question) => {
    const list = ofQuestion.get(question) ?? []
    const right = list.filter((g) => g.success === 1)
    const n1 = sumOf(right, (g) => g.count)
    const n0 = n - n1
    const p = n === 0 ? null : n1 / n
    if (p !== null) sumPq += p * (1 - p)
    const pUpper = groupSize === 0 ? null : sumOf(right, (g) => g.upper) / groupSize
    const pLower = groupSize === 0 ? null : sumOf(right, (g) => g.lower) / groupSize
    const d = pUpper === null || pLower === null ? null : pUpper - pLower
    // Corrected point-biserial: the rest score X − item, which is X − 1 for a right answer.
    const sumXRight = sumOf(right, (g) => g.sumX)
    const sumRest = sumX - n1
    const sumRest2 = sumX2 - 2 * sumXRight + n1
    const sRest = Math.sqrt(variance(sumRest, sumRest2))
    const m1 = n1 === 0 ? 0 : (sumXRight - n1) / n1
    const m0 = n0 === 0 ? 0 : (sumX - sumXRight) / n0
    const rpb =
      n1 === 0 || n0 === 0 || sRest === 0
        ? null
        : ((m1 - m0) / sRest) * Math.sqrt((n1 * n0) / (n * n))
    // The answers given, by group ('' for none): correct when someone was right with it.
    const answers = new Map<
      string,
      { correct: boolean; all: number; upper: number; lower: number }
    >()
    for (const g of list) {
      const entry = answers.get(g.response) ?? { correct: false, all: 0, upper: 0, lower: 0 }
      entry.all += g.count
      entry.upper += g.upper
      entry.lower += g.lower
      if (g.success === 1) entry.correct = true
      answers.set(g.response, entry)
    }
    return {
      question,
      responses: responses.get(question) ?? 0,
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
    meanTotal: n === 0 ? null : round(sumX / n),
    kr20: roundOrNull(kr20),
    rules: ITEM_RULES,
    items,
  }
}
