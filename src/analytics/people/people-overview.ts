/**
 * @module The store overview counted by person, and restricted to a cohort (report 1 with
 * `cohort`): active learners are distinct persons; for a cohort every figure comes from the
 * learner-keyed projections of its members.
 */
import { LEARNER_ACTIVITY } from '../../storage/sql/analytics-schema.js'
import { chunk } from '../../storage/sql/sql-support.js'
import type { Interval, OverviewData } from '../reports/overview-report.js'
import {
  type AnyDb,
  type AnyRow,
  DAY_MS,
  num,
  type ReportWindow,
  windowDays,
} from '../reports/report-context.js'
import { type PersonScope, rowsByPerson } from './person-scope.js'

/** Epoch day 4 (1970-01-05) is a Monday: weeks start on Mondays, as in the overview report. */
const MONDAY_OFFSET = 4

export const COHORT_OVERVIEW_DEFINITION =
  "overview of a cohort: statements and active persons from each member's statements per day; completions, passes and fails count (person, activity) pairs by the day of the person's first completion, first pass, or first judged outcome when it was a fail; top activities rank by the members' statements on activities they were active on in the window; verbs and sources are not kept per learner, so they are left out"

function bucketOf(day: number, interval: Interval): number {
  return interval === 'day' ? day : Math.floor((day - MONDAY_OFFSET) / 7) * 7 + MONDAY_OFFSET
}

const dayIso = (day: number): string => new Date(day * DAY_MS).toISOString()

/** Rows of `table` for these learners (chunked `in` lists), within `[fromDay, toDay)` if given. */
async function rowsOf(
  db: AnyDb,
  storeId: number,
  table: string,
  learners: readonly string[],
  days?: { fromDay: number; toDay: number },
): Promise<AnyRow[]> {
  const rows: AnyRow[] = []
  for (const part of chunk(learners, 500)) {
    let query = db
      .selectFrom(table)
      .selectAll()
      .where('store_id', '=', storeId)
      .where('learner', 'in', part)
    if (days !== undefined)
      query = query.where('day', '>=', days.fromDay).where('day', '<', days.toDay)
    rows.push(...((await query.execute()) as AnyRow[]))
  }
  return rows
}

/** Distinct persons active per bucket and in the whole window (for any scope). */
async function activePersons(
  db: AnyDb,
  storeId: number,
  window: ReportWindow,
  interval: Interval,
  scope: PersonScope,
  learners: readonly string[] | undefined,
): Promise<{ byBucket: Map<number, { persons: Set<string>; statements: number }>; total: number }> {
  const days = windowDays(window)
  const rows =
    learners === undefined
      ? ((await db
          .selectFrom('an_learner_days')
          .select(['day', 'learner', 'statements'])
          .where('store_id', '=', storeId)
          .where('day', '>=', days.fromDay)
          .where('day', '<', days.toDay)
          .execute()) as AnyRow[])
      : await rowsOf(db, storeId, 'an_learner_days', learners, days)
  const byBucket = new Map<number, { persons: Set<string>; statements: number }>()
  const everyone = new Set<string>()
  for (const row of rows) {
    const learner = String(row['learner'])
    if (!scope.includes(learner)) continue
    const bucket = bucketOf(num(row['day']), interval)
    const entry = byBucket.get(bucket) ?? { persons: new Set<string>(), statements: 0 }
    entry.persons.add(scope.key(learner))
    entry.statements += num(row['statements'])
    byBucket.set(bucket, entry)
    everyone.add(scope.key(learner))
  }
  return { byBucket, total: everyone.size }
}

/** The overview of a cohort's members (`COHORT_OVERVIEW_DEFINITION`). */
export async function cohortOverview(
  db: AnyDb,
  storeId: number,
  window: ReportWindow,
  interval: Interval,
  top: number,
  scope: PersonScope,
  members: ReadonlySet<string>,
): Promise<OverviewData> {
  const learners = [...members]
  const { byBucket, total } = await activePersons(db, storeId, window, interval, scope, learners)
  const activities = rowsByPerson(
    LEARNER_ACTIVITY,
    await rowsOf(db, storeId, 'an_learner_activity', learners),
    scope,
  )
  const events = new Map<number, { completions: number; passes: number; fails: number }>()
  const bump = (ms: unknown, kind: 'completions' | 'passes' | 'fails') => {
    if (ms === null || ms === undefined) return
    const at = num(ms)
    if (at < window.sinceMs || at >= window.untilMs) return
    const bucket = bucketOf(Math.floor(at / DAY_MS), interval)
    const entry = events.get(bucket) ?? { completions: 0, passes: 0, fails: 0 }
    entry[kind] += 1
    events.set(bucket, entry)
  }
  const statementsBy = new Map<string, number>()
  for (const row of activities) {
    bump(row['completed_ms'], 'completions')
    bump(row['passed_ms'], 'passes')
    if (row['judged_success'] !== null && num(row['judged_success']) === 0)
      bump(row['judged_ms'], 'fails')
    if (num(row['last_ms']) >= window.sinceMs && num(row['first_ms']) < window.untilMs) {
      const id = String(row['activity_id'])
      statementsBy.set(id, (statementsBy.get(id) ?? 0) + num(row['statements']))
    }
  }
  const buckets = [...new Set([...byBucket.keys(), ...events.keys()])].sort((a, b) => a - b)
  const series = buckets.map((bucket) => ({
    start: dayIso(bucket),
    statements: byBucket.get(bucket)?.statements ?? 0,
    activeLearners: byBucket.get(bucket)?.persons.size ?? 0,
    completions: events.get(bucket)?.completions ?? 0,
    passes: events.get(bucket)?.passes ?? 0,
    fails: events.get(bucket)?.fails ?? 0,
  }))
  const sum = (k: 'statements' | 'completions' | 'passes' | 'fails') =>
    series.reduce((a, s) => a + s[k], 0)
  return {
    interval,
    totals: {
      statements: sum('statements'),
      activeLearners: total,
      completions: sum('completions'),
      passes: sum('passes'),
      fails: sum('fails'),
    },
    series,
    topVerbs: [],
    topActivities: [...statementsBy]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, top)
      .map(([activity, statements]) => ({ activity, statements })),
    sources: { platforms: [], credentials: [], series: [] },
  }
}
