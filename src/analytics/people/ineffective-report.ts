/**
 * @module Ineffective content (analytics-definitions.md §15): activities ranked by the evidence
 * that they do not work — low completion, a steep funnel drop after a page, questions that do not
 * discriminate, time spent without score gain, and consuming content without a better
 * assessment result — each signal with the numbers behind it. Learners are counted by person.
 */
import { sql } from 'kysely'
import { LEARNER_ACTIVITY } from '../../storage/sql/analytics-schema.js'
import { itemsReport } from '../reports/items-report.js'
import { type AnyDb, type AnyRow, num, type ReportWindow } from '../reports/report-context.js'
import { round, roundOrNull } from '../reports/stats.js'
import { type PersonScope, relabelByPerson, rowsByPerson } from './person-scope.js'

/** The thresholds and minimum samples of each signal; returned with the report. */
export const INEFFECTIVE_RULES = {
  lowCompletion: {
    definition:
      'completion rate = persons who completed ÷ persons engaged (§1), for activities someone has completed',
    flaggedBelow: 0.5,
    minimumN: 10,
  },
  funnelDrop: {
    definition:
      "share of a course's persons who viewed this page and did not go on to the next page in the course's order (pages ordered by first view, as in the course report, §6)",
    flaggedAbove: 0.3,
    minimumN: 10,
  },
  poorDiscrimination: {
    definition:
      'discrimination index D = p(upper 27%) − p(lower 27%) of the question in its assessment (§7, the items report)',
    flaggedBelow: 0.2,
    minimumN: 20,
  },
  timeWithoutGain: {
    definition:
      "Pearson r between a person's time on a scored activity (sum of its session durations, §4) and their best score on it: more time that does not come with a better score",
    flaggedBelow: 0.1,
    minimumN: 20,
  },
  noAssessmentLink: {
    definition:
      "Pearson r between a person's time on a course page (0 when never viewed) and their mean best score over the course's scored activities (§15, Watershed correlation)",
    flaggedBelow: 0.1,
    minimumN: 20,
  },
  window: 'persons whose first statement about the activity falls in the window',
  ranking:
    'by the number of flagged signals, then by the largest shortfall (how far the worst flagged value is past its threshold)',
} as const

type SignalName = Exclude<keyof typeof INEFFECTIVE_RULES, 'window' | 'ranking'>

export interface Signal {
  signal: SignalName
  value: number | null
  n: number
  threshold: number
  flagged: boolean
  /** How far past its threshold a flagged value is (0 when not flagged). */
  shortfall: number
}

/** Pearson's r of paired values; null when fewer than 3 pairs or no variance. */
export function pearson(xs: readonly number[], ys: readonly number[]): number | null {
  const n = Math.min(xs.length, ys.length)
  if (n < 3) return null
  let mx = 0
  let my = 0
  for (let i = 0; i < n; i++) {
    mx += xs[i] ?? 0
    my += ys[i] ?? 0
  }
  mx /= n
  my /= n
  let sxy = 0
  let sxx = 0
  let syy = 0
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] ?? 0) - mx
    const dy = (ys[i] ?? 0) - my
    sxy += dx * dy
    sxx += dx * dx
    syy += dy * dy
  }
  return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy)
}

function signal(name: SignalName, value: number | null, n: number): Signal {
  const rule = INEFFECTIVE_RULES[name]
  const enough = value !== null && n >= rule.minimumN
  const threshold = 'flaggedBelow' in rule ? rule.flaggedBelow : rule.flaggedAbove
  const flagged =
    enough && ('flaggedBelow' in rule ? value < rule.flaggedBelow : value > rule.flaggedAbove)
  return {
    signal: name,
    value: roundOrNull(value),
    n,
    threshold,
    flagged,
    shortfall: flagged && value !== null ? round(Math.abs(value - threshold)) : 0,
  }
}

interface Entry {
  activity: string
  course: string | null
  kind: 'activity' | 'page' | 'question'
  signals: Signal[]
}

export async function ineffectiveReport(
  db: AnyDb,
  storeId: number,
  window: ReportWindow,
  scope: PersonScope,
  limit: number,
) {
  const inWindow = (r: AnyRow) =>
    num(r['first_ms']) >= window.sinceMs && num(r['first_ms']) < window.untilMs
  // Only the activities a signal below can use: those someone completed or has a score on (low
  // completion, time without gain, a course's scores), the courses whose pages are analysed
  // (their persons) and the assessments whose questions are (their course); the other (activity, learner) rows — most of them, pages viewed — can give
  // no signal. Rows merge per activity (rowsByPerson), so leaving whole activities out changes
  // nothing else; it keeps the report from loading every row of the store.
  const relevant = db
    .selectFrom('an_learner_activity')
    .select('activity_id')
    .where('store_id', '=', storeId)
    .where((eb) => eb.or([eb('completed_ms', 'is not', null), eb('best_score', 'is not', null)]))
    .union(
      db
        .selectFrom('an_pages')
        .select('course as activity_id')
        .where('store_id', '=', storeId)
        .where('course', '!=', ''),
    )
    .union(
      db.selectFrom('an_items').select('assessment as activity_id').where('store_id', '=', storeId),
    )
  const rows = rowsByPerson(
    LEARNER_ACTIVITY,
    (await db
      .selectFrom('an_learner_activity')
      .selectAll()
      .where('store_id', '=', storeId)
      .where('activity_id', 'in', relevant)
      .execute()) as AnyRow[],
    scope,
  ).filter(inWindow)
  const entries = new Map<string, Entry>()
  const entryOf = (activity: string, course: string | null, kind: Entry['kind']): Entry => {
    const entry = entries.get(activity) ?? { activity, course, kind, signals: [] }
    entries.set(activity, entry)
    return entry
  }
  const byActivity = new Map<string, AnyRow[]>()
  for (const row of rows) {
    const list = byActivity.get(String(row['activity_id'])) ?? []
    list.push(row)
    byActivity.set(String(row['activity_id']), list)
  }
  const courseOf = (list: readonly AnyRow[]): string | null => {
    const course = list.find((r) => typeof r['course'] === 'string' && r['course'] !== '')
    return course === undefined ? null : String(course['course'])
  }

  // Low completion, and time without score gain, per activity.
  for (const [activity, list] of byActivity) {
    const engaged = list.filter((r) => r['engaged_ms'] !== null)
    const completed = engaged.filter((r) => r['completed_ms'] !== null).length
    if (list.some((r) => r['completed_ms'] !== null) && engaged.length > 0)
      entryOf(activity, courseOf(list), 'activity').signals.push(
        signal('lowCompletion', completed / engaged.length, engaged.length),
      )
    const scored = list.filter((r) => r['best_score'] !== null && num(r['centis']) > 0)
    if (scored.length >= 3)
      entryOf(activity, courseOf(list), 'activity').signals.push(
        signal(
          'timeWithoutGain',
          pearson(
            scored.map((r) => num(r['centis']) / 100),
            scored.map((r) => num(r['best_score'])),
          ),
          scored.length,
        ),
      )
  }

  // Pages: the funnel drop after each page, and time on it against the course's scores.
  const pages = relabelByPerson(
    await db
      .selectFrom('an_pages')
      .select(['page', 'learner', 'course', 'view_ms', 'centis'])
      .where('store_id', '=', storeId)
      .where('course', '!=', '')
      .execute(),
    scope,
  )
  // Each course's scored rows (not the course's own), grouped once rather than per course.
  const scoredByCourse = new Map<string, AnyRow[]>()
  for (const row of rows)
    if (
      typeof row['course'] === 'string' &&
      row['activity_id'] !== row['course'] &&
      row['best_score'] !== null
    ) {
      const list = scoredByCourse.get(row['course']) ?? []
      list.push(row)
      scoredByCourse.set(row['course'], list)
    }
  const byCourse = new Map<string, AnyRow[]>()
  for (const p of pages) {
    const list = byCourse.get(String(p['course'])) ?? []
    list.push(p)
    byCourse.set(String(p['course']), list)
  }
  for (const [course, list] of byCourse) {
    const cohort = new Set((byActivity.get(course) ?? []).map((r) => String(r['learner'])))
    const first = new Map<string, number>()
    const viewers = new Map<string, Set<string>>()
    const time = new Map<string, Map<string, number>>()
    for (const p of list) {
      const learner = String(p['learner'])
      if (!cohort.has(learner)) continue
      const page = String(p['page'])
      first.set(page, Math.min(first.get(page) ?? Number.MAX_SAFE_INTEGER, num(p['view_ms'])))
      const set = viewers.get(page) ?? new Set<string>()
      set.add(learner)
      viewers.set(page, set)
      const t = time.get(page) ?? new Map<string, number>()
      t.set(learner, (t.get(learner) ?? 0) + num(p['centis']) / 100)
      time.set(page, t)
    }
    const order = [...first].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).map(([p]) => p)
    order.forEach((page, i) => {
      const next = order[i + 1]
      const here = viewers.get(page) ?? new Set<string>()
      if (next !== undefined && here.size > 0) {
        const on = viewers.get(next) ?? new Set<string>()
        const left = [...here].filter((l) => !on.has(l)).length
        entryOf(page, course, 'page').signals.push(
          signal('funnelDrop', left / here.size, here.size),
        )
      }
    })
    // The course's outcome per person: mean best score over its scored activities.
    const scores = new Map<string, number[]>()
    for (const row of scoredByCourse.get(course) ?? []) {
      const l = String(row['learner'])
      const list = scores.get(l) ?? []
      list.push(num(row['best_score']))
      scores.set(l, list)
    }
    const outcome = [...scores].map(
      ([l, s]) => [l, s.reduce((a, b) => a + b, 0) / s.length] as const,
    )
    for (const page of order) {
      const t = time.get(page) ?? new Map<string, number>()
      entryOf(page, course, 'page').signals.push(
        signal(
          'noAssessmentLink',
          pearson(
            outcome.map(([l]) => t.get(l) ?? 0),
            outcome.map(([, s]) => s),
          ),
          outcome.length,
        ),
      )
    }
  }

  // Questions that do not discriminate (the items report of each assessment).
  // Only assessments that can reach the signal's minimum n are analysed (one grouped read).
  const assessments = (
    (await db
      .selectFrom('an_items')
      .select(['assessment', sql<number>`count(distinct learner)`.as('learners')])
      .where('store_id', '=', storeId)
      .groupBy('assessment')
      .execute()) as AnyRow[]
  )
    .filter((r) => num(r['learners']) >= INEFFECTIVE_RULES.poorDiscrimination.minimumN)
    .map((r) => String(r['assessment']))
  for (const assessment of assessments) {
    const report = await itemsReport(db, storeId, assessment, window).catch(() => undefined)
    if (report === undefined) continue
    const course = courseOf(byActivity.get(assessment) ?? [])
    for (const item of report.items)
      entryOf(item.question, course, 'question').signals.push(
        signal('poorDiscrimination', item.discrimination, item.respondents),
      )
  }

  const ranked = [...entries.values()]
    .map((e) => ({
      ...e,
      flags: e.signals.filter((s) => s.flagged).length,
      shortfall: Math.max(0, ...e.signals.map((s) => s.shortfall)),
    }))
    .filter((e) => e.signals.some((s) => s.n >= INEFFECTIVE_RULES[s.signal].minimumN))
    .sort(
      (a, b) =>
        b.flags - a.flags || b.shortfall - a.shortfall || (a.activity < b.activity ? -1 : 1),
    )
  return {
    rules: INEFFECTIVE_RULES,
    evaluated: ranked.length,
    flagged: ranked.filter((e) => e.flags > 0).length,
    activities: ranked.slice(0, limit).map((e, i) => ({
      rank: i + 1,
      activity: e.activity,
      course: e.course,
      kind: e.kind,
      flags: e.flags,
      shortfall: round(e.shortfall),
      signals: e.signals,
    })),
  }
}

/** One CSV row per activity: its signals' values side by side. */
export function ineffectiveCsvRows(report: Awaited<ReturnType<typeof ineffectiveReport>>) {
  return report.activities.map((a) => {
    const value = (name: SignalName) => a.signals.find((s) => s.signal === name)?.value ?? null
    return {
      rank: a.rank,
      activity: a.activity,
      course: a.course,
      kind: a.kind,
      flags: a.flags,
      completionRate: value('lowCompletion'),
      funnelDrop: value('funnelDrop'),
      discrimination: value('poorDiscrimination'),
      timeScoreR: value('timeWithoutGain'),
      consumptionScoreR: value('noAssessmentLink'),
    }
  })
}
