/**
 * @module How a report counts people: projection rows (keyed by IFI) re-keyed by person and
 * merged by the table's own rules, and restricted to a cohort when one is asked for.
 */
import type { Row, TableSpec } from '../../storage/sql/analytics-schema.js'
import type { StoreId } from '../../storage/ports.js'
import { keyOf, mergeRows } from '../projection-merge.js'
import { describeCohortFilter } from './cohort-filter.js'
import {
  findCohortOr404,
  loadPartialPeopleDirectory,
  loadPeopleDirectory,
  type PeopleDirectory,
} from './people-directory.js'

type AnyRow = Record<string, unknown>

/** The cohort a report was restricted to, as the report states it. */
export interface CohortNote {
  id: number
  name: string
  rule: string
  /** Persons in the cohort now. */
  people: number
}

export interface PersonScope {
  readonly directory: PeopleDirectory
  /** The person key of a learner key (`PeopleDirectory.personKey`). */
  key(learner: string): string
  /** True when the learner belongs to the report's population (everyone without a cohort). */
  includes(learner: string): boolean
  readonly cohort: CohortNote | undefined
  /** The cohort members' IFIs; undefined without a cohort. */
  readonly members: ReadonlySet<string> | undefined
}

/**
 * The scope of a report: every person, or the members of cohort `cohortId` (404 if none).
 * With `partial`, a scope without a cohort loads only the persons it must merge
 * (`loadPartialPeopleDirectory`): for reports that never list the store's people.
 */
export async function loadPersonScope(
  connection: unknown,
  storeId: StoreId,
  cohortId?: number,
  options: { partial?: boolean } = {},
): Promise<PersonScope> {
  const directory =
    cohortId === undefined && options.partial === true
      ? await loadPartialPeopleDirectory(connection, storeId)
      : await loadPeopleDirectory(connection, storeId)
  if (cohortId === undefined)
    return {
      directory,
      key: (learner) => directory.personKey(learner),
      includes: () => true,
      cohort: undefined,
      members: undefined,
    }
  const cohort = await findCohortOr404(connection, storeId, cohortId)
  const members = directory.members(cohort.filter)
  return {
    directory,
    key: (learner) => directory.personKey(learner),
    includes: (learner) => members.learners.has(learner),
    members: members.learners,
    cohort: {
      id: cohort.id,
      name: cohort.name,
      rule: describeCohortFilter(cohort.filter),
      people: members.people.size,
    },
  }
}

/**
 * Rows of a learner-keyed projection table with `learner` replaced by the person key, rows of
 * one person merged by the table's merge rules (the rows a person with one IFI would have), and
 * rows outside the scope dropped. Without a scope the rows are returned as they are.
 */
export function rowsByPerson(
  table: TableSpec,
  rows: readonly AnyRow[],
  scope: PersonScope | undefined,
): AnyRow[] {
  if (scope === undefined) return [...rows]
  return mergeByKey(
    table,
    rows.filter((r) => scope.includes(String(r['learner']))),
    (learner) => scope.key(learner),
  )
}

/** Rows of a learner-keyed table with `learner` replaced by `keyOf(learner)`, merged per key. */
export function mergeByKey(
  table: TableSpec,
  rows: readonly AnyRow[],
  keyOfLearner: (learner: string) => string,
): AnyRow[] {
  const merged = new Map<string, Row>()
  for (const raw of rows) {
    const row = { ...(raw as Row), learner: keyOfLearner(String(raw['learner'])) }
    const key = keyOf(table, row)
    const existing = merged.get(key)
    merged.set(key, existing === undefined ? row : mergeRows(table, existing, row))
  }
  return [...merged.values()]
}

/** Re-keys rows by person without merging (rows with their own key, e.g. sessions), in scope. */
export function relabelByPerson(rows: readonly AnyRow[], scope: PersonScope | undefined): AnyRow[] {
  if (scope === undefined) return [...rows]
  return rows
    .filter((r) => scope.includes(String(r['learner'])))
    .map((r) => ({ ...r, learner: scope.key(String(r['learner'])) }))
}
