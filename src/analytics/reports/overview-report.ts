/** @module Report 1, store overview: activity over time, top activities and verbs, sources. */
import { sql } from 'kysely'
import {
  type AnyDb,
  type AnyRow,
  DAY_MS,
  num,
  type ReportWindow,
  windowDays,
} from './report-context.js'

export type Interval = 'day' | 'week'

export interface OverviewData {
  interval: Interval
  totals: {
    statements: number
    activeLearners: number
    completions: number
    passes: number
    fails: number
  }
  series: {
    start: string
    statements: number
    activeLearners: number
    completions: number
    passes: number
    fails: number
  }[]
  topVerbs: { verb: string; statements: number }[]
  topActivities: { activity: string; statements: number }[]
  sources: {
    platforms: { platform: string; statements: number }[]
    credentials: { authority: string; statements: number }[]
    series: { start: string; platform: string; authority: string; statements: number }[]
  }
}

/** Epoch day 4 (1970-01-05) is a Monday: weeks start on Mondays (ISO 8601). */
const MONDAY_OFFSET = 4

function bucketExpr(interval: Interval) {
  return interval === 'day'
    ? sql<number>`day`
    : // Literals, not parameters: better-sqlite3 binds JS numbers as REAL, and the division must
      // be an integer one on both engines.
      sql<number>`((day - ${sql.lit(MONDAY_OFFSET)}) / 7) * 7 + ${sql.lit(MONDAY_OFFSET)}`
}

const dayIso = (day: number): string => new Date(day * DAY_MS).toISOString()

export async function overviewReport(
  db: AnyDb,
  storeId: number,
  window: ReportWindow,
  interval: Interval,
  top: number,
): Promise<OverviewData> {
  const { fromDay, toDay } = windowDays(window)
  const bucket = bucketExpr(interval)

  const daily = (await db
    .selectFrom('an_daily')
    .select([
      bucket.as('bucket'),
      sql<number>`sum(statements)`.as('statements'),
      sql<number>`sum(completions)`.as('completions'),
      sql<number>`sum(passes)`.as('passes'),
      sql<number>`sum(fails)`.as('fails'),
    ])
    .where('store_id', '=', storeId)
    .where('day', '>=', fromDay)
    .where('day', '<', toDay)
    .groupBy(sql`1`)
    .orderBy(sql`1`)
    .execute()) as AnyRow[]
  const active = (await db
    .selectFrom('an_learner_days')
    .select([bucket.as('bucket'), sql<number>`count(distinct learner)`.as('learners')])
    .where('store_id', '=', storeId)
    .where('day', '>=', fromDay)
    .where('day', '<', toDay)
    .groupBy(sql`1`)
    .execute()) as AnyRow[]
  const activeTotal = (await db
    .selectFrom('an_learner_days')
    .select(sql<number>`count(distinct learner)`.as('learners'))
    .where('store_id', '=', storeId)
    .where('day', '>=', fromDay)
    .where('day', '<', toDay)
    .executeTakeFirst()) as AnyRow | undefined
  const activeBy = new Map(active.map((r) => [num(r['bucket']), num(r['learners'])]))

  const verbs = (await db
    .selectFrom('an_daily')
    .select(['verb_id', sql<number>`sum(statements)`.as('statements')])
    .where('store_id', '=', storeId)
    .where('day', '>=', fromDay)
    .where('day', '<', toDay)
    .groupBy('verb_id')
    .execute()) as AnyRow[]
  const activities = (await db
    .selectFrom('an_daily_activities')
    .select(['activity_id', sql<number>`sum(statements)`.as('statements')])
    .where('store_id', '=', storeId)
    .where('day', '>=', fromDay)
    .where('day', '<', toDay)
    .groupBy('activity_id')
    .orderBy(sql`2`, 'desc')
    .orderBy('activity_id')
    .limit(top)
    .execute()) as AnyRow[]
  const sources = (await db
    .selectFrom('an_daily_sources')
    .select([
      bucket.as('bucket'),
      'platform',
      'authority',
      sql<number>`sum(statements)`.as('statements'),
    ])
    .where('store_id', '=', storeId)
    .where('day', '>=', fromDay)
    .where('day', '<', toDay)
    .groupBy([sql`1`, 'platform', 'authority'])
    .orderBy(sql`1`)
    .orderBy('platform')
    .orderBy('authority')
    .execute()) as AnyRow[]

  const sumBy = (rows: AnyRow[], key: string) => {
    const totals = new Map<string, number>()
    for (const r of rows)
      totals.set(String(r[key]), (totals.get(String(r[key])) ?? 0) + num(r['statements']))
    return [...totals].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
  }
  const series = daily.map((r) => ({
    start: dayIso(num(r['bucket'])),
    statements: num(r['statements']),
    activeLearners: activeBy.get(num(r['bucket'])) ?? 0,
    completions: num(r['completions']),
    passes: num(r['passes']),
    fails: num(r['fails']),
  }))
  const total = (k: 'statements' | 'completions' | 'passes' | 'fails') =>
    series.reduce((sum, s) => sum + s[k], 0)
  return {
    interval,
    totals: {
      statements: total('statements'),
      activeLearners: num(activeTotal?.['learners']),
      completions: total('completions'),
      passes: total('passes'),
      fails: total('fails'),
    },
    series,
    topVerbs: verbs
      .map((r) => ({ verb: String(r['verb_id']), statements: num(r['statements']) }))
      .sort((a, b) => b.statements - a.statements || (a.verb < b.verb ? -1 : 1))
      .slice(0, top),
    topActivities: activities.map((r) => ({
      activity: String(r['activity_id']),
      statements: num(r['statements']),
    })),
    sources: {
      platforms: sumBy(sources, 'platform').map(([platform, statements]) => ({
        platform,
        statements,
      })),
      credentials: sumBy(sources, 'authority').map(([authority, statements]) => ({
        authority,
        statements,
      })),
      series: sources.map((r) => ({
        start: dayIso(num(r['bucket'])),
        platform: String(r['platform']),
        authority: String(r['authority']),
        statements: num(r['statements']),
      })),
    },
  }
}
