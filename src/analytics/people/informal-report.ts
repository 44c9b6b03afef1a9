/**
 * @module The informal learning report (analytics-definitions.md §15): learning outside
 * courses by source (platform), credential and kind, in statements and hours, per person and
 * per cohort, the formal:informal ratio, and its trend.
 */
import type { CohortRecord } from '../../storage/people-port.js'
import type { Interval } from '../reports/overview-report.js'
import {
  type AnyDb,
  type AnyRow,
  DAY_MS,
  num,
  type ReportWindow,
  windowDays,
} from '../reports/report-context.js'
import { ratio, round } from '../reports/stats.js'
import { type PersonScope } from './person-scope.js'

/** Groups smaller than this are suppressed in comparisons (§10: privacy, n < 5). */
export const MIN_GROUP = 5
const MONDAY_OFFSET = 4

const hours = (centis: number): number => round(centis / 360_000)

function bucketOf(day: number, interval: Interval): number {
  return interval === 'day' ? day : Math.floor((day - MONDAY_OFFSET) / 7) * 7 + MONDAY_OFFSET
}

interface Tally {
  statements: number
  centis: number
  persons: Set<string>
}
const tally = (): Tally => ({ statements: 0, centis: 0, persons: new Set() })

function add(map: Map<string, Tally>, key: string, row: AnyRow, person: string): void {
  const t = map.get(key) ?? tally()
  t.statements += num(row['statements'])
  t.centis += num(row['centis'])
  t.persons.add(person)
  map.set(key, t)
}

function listOf(map: Map<string, Tally>) {
  return [...map]
    .sort(
      (a, b) =>
        b[1].centis - a[1].centis || b[1].statements - a[1].statements || (a[0] < b[0] ? -1 : 1),
    )
    .map(([key, t]) => ({
      key,
      statements: t.statements,
      hours: hours(t.centis),
      people: t.persons.size,
    }))
}

export async function informalReport(
  db: AnyDb,
  storeId: number,
  window: ReportWindow,
  interval: Interval,
  scope: PersonScope,
  cohorts: readonly CohortRecord[],
) {
  const { fromDay, toDay } = windowDays(window)
  const informal = (
    (await db
      .selectFrom('an_informal')
      .selectAll()
      .where('store_id', '=', storeId)
      .where('day', '>=', fromDay)
      .where('day', '<', toDay)
      .execute()) as AnyRow[]
  ).filter((r) => scope.includes(String(r['learner'])))
  const days = (
    (await db
      .selectFrom('an_learner_days')
      .select(['learner', 'day', 'statements'])
      .where('store_id', '=', storeId)
      .where('day', '>=', fromDay)
      .where('day', '<', toDay)
      .execute()) as AnyRow[]
  ).filter((r) => scope.includes(String(r['learner'])))
  // Formal time: cmi5 sessions, by the day they started (§4).
  const sessions = (
    (await db
      .selectFrom('an_sessions')
      .select(['learner', 'first_ms', 'centis'])
      .where('store_id', '=', storeId)
      .where('first_ms', '>=', window.sinceMs)
      .where('first_ms', '<', window.untilMs)
      .execute()) as AnyRow[]
  ).filter((r) => scope.includes(String(r['learner'])))

  const bySource = new Map<string, Tally>()
  const byCredential = new Map<string, Tally>()
  const byKind = new Map<string, Tally>()
  const person = new Map<
    string,
    { informal: number; centis: number; all: number; formalCentis: number; sources: Set<string> }
  >()
  const personOf = (learner: string) => {
    const key = scope.key(learner)
    const entry = person.get(key) ?? {
      informal: 0,
      centis: 0,
      all: 0,
      formalCentis: 0,
      sources: new Set<string>(),
    }
    person.set(key, entry)
    return { key, entry }
  }
  const trend = new Map<
    number,
    { informal: number; centis: number; all: number; formalCentis: number }
  >()
  const trendOf = (day: number) => {
    const bucket = bucketOf(day, interval)
    const entry = trend.get(bucket) ?? { informal: 0, centis: 0, all: 0, formalCentis: 0 }
    trend.set(bucket, entry)
    return entry
  }

  for (const row of informal) {
    const { key, entry } = personOf(String(row['learner']))
    add(bySource, String(row['platform']), row, key)
    add(byCredential, String(row['authority']), row, key)
    add(byKind, String(row['kind']), row, key)
    entry.informal += num(row['statements'])
    entry.centis += num(row['centis'])
    entry.sources.add(String(row['platform']))
    const t = trendOf(num(row['day']))
    t.informal += num(row['statements'])
    t.centis += num(row['centis'])
  }
  for (const row of days) {
    personOf(String(row['learner'])).entry.all += num(row['statements'])
    trendOf(num(row['day'])).all += num(row['statements'])
  }
  for (const row of sessions) {
    personOf(String(row['learner'])).entry.formalCentis += num(row['centis'])
    trendOf(Math.floor(num(row['first_ms']) / DAY_MS)).formalCentis += num(row['centis'])
  }

  const sum = (k: 'informal' | 'centis' | 'all' | 'formalCentis') =>
    [...person.values()].reduce((a, p) => a + p[k], 0)
  const informalCentis = sum('centis')
  const formalCentis = sum('formalCentis')

  const people = [...person]
    .map(([key, p]) => ({
      learner: key,
      name: scope.directory.person(key)?.attributes.name ?? null,
      informalStatements: p.informal,
      informalHours: hours(p.centis),
      formalStatements: p.all - p.informal,
      formalHours: hours(p.formalCentis),
      ratio: p.centis === 0 ? null : ratio(p.formalCentis, p.centis),
      sources: p.sources.size,
    }))
    .sort(
      (a, b) =>
        b.informalHours - a.informalHours ||
        b.informalStatements - a.informalStatements ||
        (a.learner < b.learner ? -1 : 1),
    )

  // Per cohort: persons in the cohort active in the window; suppressed below MIN_GROUP.
  const byCohort = cohorts.map((cohort) => {
    const members = scope.directory.members(cohort.filter).personKeys
    const mine = [...person].filter(([key]) => members.has(key)).map(([, p]) => p)
    const n = mine.length
    const centis = mine.reduce((a, p) => a + p.centis, 0)
    const formal = mine.reduce((a, p) => a + p.formalCentis, 0)
    const suppressed = n < MIN_GROUP
    return {
      cohort: cohort.id,
      name: cohort.name,
      people: suppressed ? null : n,
      suppressed,
      informalStatements: suppressed ? null : mine.reduce((a, p) => a + p.informal, 0),
      informalHours: suppressed ? null : hours(centis),
      informalHoursPerPerson: suppressed ? null : round(centis / 360_000 / n),
      ratio: suppressed || centis === 0 ? null : ratio(formal, centis),
    }
  })

  return {
    interval,
    totals: {
      informalStatements: sum('informal'),
      informalHours: hours(informalCentis),
      formalStatements: sum('all') - sum('informal'),
      formalHours: hours(formalCentis),
      ratio: informalCentis === 0 ? null : ratio(formalCentis, informalCentis),
      people: people.filter((p) => p.informalStatements > 0).length,
      activePeople: people.length,
      sources: bySource.size,
    },
    bySource: listOf(bySource).map(({ key, ...t }) => ({ source: key, ...t })),
    byCredential: listOf(byCredential).map(({ key, ...t }) => ({ credential: key, ...t })),
    byKind: listOf(byKind).map(({ key, ...t }) => ({ kind: key, ...t })),
    trend: [...trend]
      .sort((a, b) => a[0] - b[0])
      .map(([bucket, t]) => ({
        start: new Date(bucket * DAY_MS).toISOString(),
        informalStatements: t.informal,
        informalHours: hours(t.centis),
        formalStatements: t.all - t.informal,
        formalHours: hours(t.formalCentis),
        ratio: t.centis === 0 ? null : ratio(t.formalCentis, t.centis),
      })),
    people,
    byCohort,
  }
}
