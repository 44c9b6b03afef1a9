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

const weekOf = (day: number): number => Math.floor((day - MONDAY_OFFSET) / 7) * 7 + MONDAY_OFFSET

/**
 * The distinct learners (IFIs) active on days [from, to), §0: each has exactly one active day
 * there whose previous active day is before it, and `an_learner_returns` (migration 0031)
 * counts the learners of each (day, previous day) pair: a few rows per day of the range,
 * however many learners there are.
 */
async function learnersBetween(db: AnyDb, storeId: number, from: number, to: number) {
  const row = (await db
    .selectFrom('an_learner_returns')
    .select(sql<number>`coalesce(sum(learners), 0)`.as('learners'))
    .where('store_id', '=', storeId)
    .where('day', '>=', from)
    .where('day', '<', to)
    .where('prev_day', '<', from)
    .executeTakeFirst()) as AnyRow | undefined
  return num(row?.['learners'])
}

/**
 * Active learners (§0: at least one statement in the bucket) per bucket and over the window,
 * counted by person (docs/people.md), from the counts kept at projection time (migrations 0018
 * and 0031): one row per day or week, a few rows per day of the window for its total and for
 * the weeks an end of it cuts, and the rows of the few persons with several IFIs, whose extra
 * IFIs are subtracted. Nothing here reads a row per learner of the window.
 */
async function activeLearners(
  db: AnyDb,
  storeId: number,
  fromDay: number,
  toDay: number,
  interval: Interval,
): Promise<{ byBucket: Map<number, number>; total: number }> {
  const byBucket = new Map<number, number>()
  const add = (bucket: number, n: number) => byBucket.set(bucket, (byBucket.get(bucket) ?? 0) + n)
  if (interval === 'day') {
    const rows = (await db
      .selectFrom('an_active_days')
      .select(['day', 'learners'])
      .where('store_id', '=', storeId)
      .where('day', '>=', fromDay)
      .where('day', '<', toDay)
      .execute()) as AnyRow[]
    for (const r of rows) add(num(r['day']), num(r['learners']))
  } else {
    // Whole weeks from their counts; a week cut by an end of the window counts its learners
    // over the days inside the window only.
    const rows = (await db
      .selectFrom('an_active_weeks')
      .select(['week', 'learners'])
      .where('store_id', '=', storeId)
      .where('week', '>=', fromDay)
      .where('week', '<=', toDay - 7)
      .execute()) as AnyRow[]
    for (const r of rows) add(num(r['week']), num(r['learners']))
    const edges = new Set<number>()
    if (weekOf(fromDay) !== fromDay) edges.add(weekOf(fromDay))
    if (toDay < 100_000_000 && weekOf(toDay) !== toDay) edges.add(weekOf(toDay))
    for (const w of edges) {
      const from = Math.max(w, fromDay)
      const to = Math.min(w + 7, toDay)
      if (from >= to) continue
      const learners = await learnersBetween(db, storeId, from, to)
      if (learners > 0) add(w, learners)
    }
  }
  let total = await learnersBetween(db, storeId, fromDay, toDay)

  // Persons with several IFIs count once: the active days of their IFIs in the window. A cross
  // join, filtered below, so SQLite starts from those few persons' IFIs and reads each one's
  // days from the (learner, day) index, instead of walking every learner-day of the window to
  // look its learner up (10⁵ rows at 10⁶ statements); to PostgreSQL it is the inner join.
  const shared = (await db
    .selectFrom('person_identifiers as p')
    .crossJoin('an_learner_days as d')
    .whereRef('d.store_id', '=', 'p.store_id')
    .whereRef('d.learner', '=', 'p.ifi')
    .select(['p.person_id', 'd.learner', 'd.day'])
    .where('p.store_id', '=', storeId)
    .where(
      'p.person_id',
      'in',
      db
        .selectFrom('person_identifiers')
        .select('person_id')
        .where('store_id', '=', storeId)
        .groupBy('person_id')
        .having(sql`count(*)`, '>', 1),
    )
    .where('d.day', '>=', fromDay)
    .where('d.day', '<', toDay)
    .execute()) as AnyRow[]
  if (shared.length > 0) {
    const ifisPerBucket = new Map<string, Set<string>>()
    const ifisInWindow = new Map<string, Set<string>>()
    for (const r of shared) {
      const person = String(r['person_id'])
      const day = num(r['day'])
      const bucket = interval === 'day' ? day : weekOf(day)
      const key = `${bucket}|${person}`
      const inBucket = ifisPerBucket.get(key) ?? new Set<string>()
      inBucket.add(String(r['learner']))
      ifisPerBucket.set(key, inBucket)
      const inWindow = ifisInWindow.get(person) ?? new Set<string>()
      inWindow.add(String(r['learner']))
      ifisInWindow.set(person, inWindow)
    }
    for (const [key, ifis] of ifisPerBucket) add(Number(key.split('|')[0]), 1 - ifis.size)
    for (const ifis of ifisInWindow.values()) total -= ifis.size - 1
  }
  return { byBucket, total }
}

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
  const active = await activeLearners(db, storeId, fromDay, toDay, interval)
  const activeBy = active.byBucket

  const verbs = (await db
    .selectFrom('an_daily')
    .select(['verb_id', sql<number>`sum(statements)`.as('statements')])
    .where('store_id', '=', storeId)
    .where('day', '>=', fromDay)
    .where('day', '<', toDay)
    .groupBy('verb_id')
    .execute()) as AnyRow[]
  // Over an open window the totals kept per activity (migration 0019) rank them: one row per
  // activity rather than one per (day, activity) of the store's history.
  const openWindow = fromDay <= 0 && toDay >= 100_000_000
  const activities = (
    openWindow
      ? await db
          .selectFrom('an_activity_totals')
          .select(['activity_id', 'statements'])
          .where('store_id', '=', storeId)
          .where('statements', '>', 0)
          .orderBy('statements', 'desc')
          .orderBy('activity_id')
          .limit(top)
          .execute()
      : await db
          .selectFrom('an_daily_activities')
          .select(['activity_id', sql<number>`sum(statements)`.as('statements')])
          .where('store_id', '=', storeId)
          .where('day', '>=', fromDay)
          .where('day', '<', toDay)
          .groupBy('activity_id')
          .orderBy(sql`2`, 'desc')
          .orderBy('activity_id')
          .limit(top)
          .execute()
  ) as AnyRow[]
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
      activeLearners: active.total,
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
