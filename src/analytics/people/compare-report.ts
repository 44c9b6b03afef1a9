/**
 * @module Cohort comparison (analytics-definitions.md §10): a cohort against another cohort or
 * against everyone else, on engagement, informal learning and (for a course) completion, pass
 * rate, score and time, each with n, a significance test and its interval. A group of fewer
 * than 5 persons is suppressed: its figures and the tests that use it are withheld.
 */
import type { CohortRecord } from '../../storage/people-port.js'
import { LEARNER_ACTIVITY } from '../../storage/sql/analytics-schema.js'
import {
  type AnyDb,
  type AnyRow,
  num,
  type ReportWindow,
  windowDays,
} from '../reports/report-context.js'
import { mean, ratio, roundOrNull } from '../reports/stats.js'
import { describeCohortFilter } from './cohort-filter.js'
import { type TestResult, twoProportionTest, welchTest } from './group-tests.js'
import { MIN_GROUP } from './informal-report.js'
import type { PersonScope } from './person-scope.js'
import { rowsByPerson } from './person-scope.js'

export const COMPARE_RULES = {
  groups:
    'persons active in the window (any statement), split by cohort membership; "rest" = active persons outside the first cohort',
  suppression: `a group with fewer than ${MIN_GROUP} persons is suppressed: its figures and every test that uses it are null (§10)`,
  engagement:
    'statements and active days per person in the window; informal hours per person (the informal report’s definition)',
  course:
    'for a course: persons engaged (§1), completion rate (completed ÷ engaged), first-attempt pass rate (§2), best score per person (§3), time per person in hours (§4)',
  tests:
    'rates: two-proportion z-test (pooled); means: Welch t-test; two-sided p; 95% interval of the difference (first − second) by normal approximation',
} as const

interface Group {
  label: string
  cohort: number | null
  persons: Set<string>
}

interface Sample {
  statements: number[]
  activeDays: number[]
  informalHours: number[]
}

export async function compareReport(
  db: AnyDb,
  storeId: number,
  window: ReportWindow,
  scope: PersonScope,
  first: CohortRecord,
  second: CohortRecord | 'rest',
  course: string | undefined,
) {
  const { fromDay, toDay } = windowDays(window)
  const days = (await db
    .selectFrom('an_learner_days')
    .select(['learner', 'day', 'statements'])
    .where('store_id', '=', storeId)
    .where('day', '>=', fromDay)
    .where('day', '<', toDay)
    .execute()) as AnyRow[]
  const informal = (await db
    .selectFrom('an_informal')
    .select(['learner', 'centis'])
    .where('store_id', '=', storeId)
    .where('day', '>=', fromDay)
    .where('day', '<', toDay)
    .execute()) as AnyRow[]

  const perPerson = new Map<string, { statements: number; days: Set<number>; centis: number }>()
  for (const row of days) {
    const key = scope.key(String(row['learner']))
    const p = perPerson.get(key) ?? { statements: 0, days: new Set<number>(), centis: 0 }
    p.statements += num(row['statements'])
    p.days.add(num(row['day']))
    perPerson.set(key, p)
  }
  for (const row of informal) {
    const p = perPerson.get(scope.key(String(row['learner'])))
    if (p !== undefined) p.centis += num(row['centis'])
  }

  const membersOf = (cohort: CohortRecord) => scope.directory.members(cohort.filter).personKeys
  const a = membersOf(first)
  const groups: Group[] = [
    {
      label: first.name,
      cohort: first.id,
      persons: new Set([...perPerson.keys()].filter((k) => a.has(k))),
    },
    second === 'rest'
      ? {
          label: 'everyone else',
          cohort: null,
          persons: new Set([...perPerson.keys()].filter((k) => !a.has(k))),
        }
      : {
          label: second.name,
          cohort: second.id,
          persons: new Set([...perPerson.keys()].filter((k) => membersOf(second).has(k))),
        },
  ]
  const [g1, g2] = groups as [Group, Group]
  const suppressed = (g: Group) => g.persons.size < MIN_GROUP
  const eitherSuppressed = suppressed(g1) || suppressed(g2)

  const sample = (g: Group): Sample => {
    const list = [...g.persons].map((k) => perPerson.get(k))
    return {
      statements: list.map((p) => p?.statements ?? 0),
      activeDays: list.map((p) => p?.days.size ?? 0),
      informalHours: list.map((p) => (p?.centis ?? 0) / 360_000),
    }
  }
  const samples = groups.map(sample)

  const measure = (
    name: string,
    values: readonly (number | null)[],
    ns: readonly number[],
    test: () => TestResult,
  ) => ({
    measure: name,
    groups: groups.map((g, i) => ({
      label: g.label,
      n: suppressed(g) ? null : (ns[i] ?? 0),
      value: suppressed(g) ? null : roundOrNull(values[i] ?? null),
      suppressed: suppressed(g),
    })),
    test: eitherSuppressed ? null : test(),
  })
  const meanOf = (k: keyof Sample) => samples.map((s) => mean(s[k]))
  const sizes = groups.map((g) => g.persons.size)
  const measures = [
    measure('statements per person', meanOf('statements'), sizes, () =>
      welchTest(samples[0]?.statements ?? [], samples[1]?.statements ?? []),
    ),
    measure('active days per person', meanOf('activeDays'), sizes, () =>
      welchTest(samples[0]?.activeDays ?? [], samples[1]?.activeDays ?? []),
    ),
    measure('informal hours per person', meanOf('informalHours'), sizes, () =>
      welchTest(samples[0]?.informalHours ?? [], samples[1]?.informalHours ?? []),
    ),
  ]

  if (course !== undefined) {
    const rows = rowsByPerson(
      LEARNER_ACTIVITY,
      (await db
        .selectFrom('an_learner_activity')
        .selectAll()
        .where('store_id', '=', storeId)
        .where('activity_id', '=', course)
        .execute()) as AnyRow[],
      scope,
    ).filter((r) => num(r['first_ms']) >= window.sinceMs && num(r['first_ms']) < window.untilMs)
    const of = (g: Group) => rows.filter((r) => g.persons.has(String(r['learner'])))
    const engaged = groups.map((g) => of(g).filter((r) => r['engaged_ms'] !== null))
    const completed = engaged.map((list) => list.filter((r) => r['completed_ms'] !== null).length)
    const judged = groups.map((g) => of(g).filter((r) => r['judged_success'] !== null))
    const passed = judged.map((list) => list.filter((r) => num(r['judged_success']) === 1).length)
    const scores = groups.map((g) =>
      of(g)
        .filter((r) => r['best_score'] !== null)
        .map((r) => num(r['best_score'])),
    )
    const times = groups.map((g) =>
      of(g)
        .filter((r) => num(r['centis']) > 0)
        .map((r) => num(r['centis']) / 360_000),
    )
    const en = engaged.map((l) => l.length)
    const jn = judged.map((l) => l.length)
    measures.push(
      measure(
        'completion rate',
        en.map((n, i) => ratio(completed[i] ?? 0, n)),
        en,
        () => twoProportionTest(completed[0] ?? 0, en[0] ?? 0, completed[1] ?? 0, en[1] ?? 0),
      ),
      measure(
        'first-attempt pass rate',
        jn.map((n, i) => ratio(passed[i] ?? 0, n)),
        jn,
        () => twoProportionTest(passed[0] ?? 0, jn[0] ?? 0, passed[1] ?? 0, jn[1] ?? 0),
      ),
      measure(
        'best score',
        scores.map((s) => mean(s)),
        scores.map((s) => s.length),
        () => welchTest(scores[0] ?? [], scores[1] ?? []),
      ),
      measure(
        'hours in the course',
        times.map((s) => mean(s)),
        times.map((s) => s.length),
        () => welchTest(times[0] ?? [], times[1] ?? []),
      ),
    )
  }

  return {
    course: course ?? null,
    rules: COMPARE_RULES,
    minimumGroup: MIN_GROUP,
    groups: groups.map((g) => ({
      label: g.label,
      cohort: g.cohort,
      rule:
        g.cohort === null
          ? `not (${describeCohortFilter(first.filter)})`
          : describeCohortFilter(
              g.cohort === first.id ? first.filter : (second as CohortRecord).filter,
            ),
      people: suppressed(g) ? null : g.persons.size,
      suppressed: suppressed(g),
    })),
    measures,
  }
}
