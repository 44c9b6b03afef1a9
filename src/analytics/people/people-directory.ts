/**
 * @module The people directory a report reads in its snapshot: learner key (the actor's
 * canonical IFI, analytics-definitions.md §0) → person, a person's attributes and IFIs, and the
 * members of a cohort. Resolved at query time, so a merge or an attribute change shows in every
 * report at once, without rebuilding the projections (which stay keyed by IFI).
 */
import { NotFoundError } from '../../errors/errors.js'
import type {
  CohortFilter,
  CohortRecord,
  PersonAttributes,
  PersonRecord,
} from '../../storage/people-port.js'
import type { StoreId } from '../../storage/ports.js'
import { createSqlPeopleStore } from '../../storage/sql/sql-people-store.js'
import { matchesCohort } from './cohort-filter.js'

/** The members of a cohort (or of any attribute filter). */
export interface CohortMembers {
  /** Person ids. */
  readonly people: ReadonlySet<number>
  /** Every IFI (learner key) of those persons. */
  readonly learners: ReadonlySet<string>
  /** Their person keys (`PeopleDirectory.personKey`). */
  readonly personKeys: ReadonlySet<string>
}

export interface PeopleDirectory {
  /**
   * The key a report groups a learner by: the primary IFI of the learner's person (the first of
   * their sorted identifiers), or the learner key itself when no person owns it yet (people are
   * created from statements by a log consumer that may lag). Two IFIs of one person give the
   * same key; a person is thereby counted once.
   */
  personKey(learner: string): string
  /** The person owning this learner key, if any. */
  personId(learner: string): number | undefined
  /** The person owning this learner key (or with this person key), if any. */
  person(learner: string): PersonRecord | undefined
  /** The attributes of the learner's person; undefined when no person owns the key. */
  attributesOf(learner: string): PersonAttributes | undefined
  /** Every learner key of the learner's person (just `[learner]` when no person owns it). */
  learnersOf(learner: string): string[]
  /** The persons matching `filter`, their IFIs and person keys. */
  members(filter: CohortFilter): CohortMembers
  /** Every person of the store. */
  readonly people: readonly PersonRecord[]
}

/** Builds a directory from the people of a store (used by `loadPeopleDirectory`; pure). */
export function peopleDirectory(people: readonly PersonRecord[]): PeopleDirectory {
  const byIfi = new Map<string, PersonRecord>()
  for (const person of people) for (const ifi of person.identifiers) byIfi.set(ifi, person)
  const keyOf = (person: PersonRecord): string => person.identifiers[0] ?? `person:${person.id}`
  return {
    people,
    personKey: (learner) => {
      const person = byIfi.get(learner)
      return person === undefined ? learner : keyOf(person)
    },
    personId: (learner) => byIfi.get(learner)?.id,
    person: (learner) => byIfi.get(learner),
    attributesOf: (learner) => byIfi.get(learner)?.attributes,
    learnersOf: (learner) => {
      const person = byIfi.get(learner)
      return person === undefined ? [learner] : [...person.identifiers]
    },
    members(filter) {
      const ids = new Set<number>()
      const learners = new Set<string>()
      const keys = new Set<string>()
      for (const person of people) {
        if (person.identifiers.length === 0 || !matchesCohort(person.attributes, filter)) continue
        ids.add(person.id)
        keys.add(keyOf(person))
        for (const ifi of person.identifiers) learners.add(ifi)
      }
      return { people: ids, learners, personKeys: keys }
    },
  }
}

/**
 * The directory of `storeId` read on `connection` (the `connection` of
 * `StatementLogStorage.read` or `.unitOfWork`): one read of the store's people and IFIs.
 */
export async function loadPeopleDirectory(
  connection: unknown,
  storeId: StoreId,
): Promise<PeopleDirectory> {
  return peopleDirectory(await createSqlPeopleStore(connection, storeId).allPeople())
}

/**
 * A directory of part of the store: every person with several IFIs (so `personKey` merges as
 * the full directory's does) and the owners of `ifis` (so `person` finds them). What a report
 * without a cohort needs, read in O(those persons) instead of O(the store's people); its
 * `people` and `members` cover only the persons loaded, so cohorts use `loadPeopleDirectory`.
 */
export async function loadPartialPeopleDirectory(
  connection: unknown,
  storeId: StoreId,
  ifis: readonly string[] = [],
): Promise<PeopleDirectory> {
  const store = createSqlPeopleStore(connection, storeId)
  const ids = new Set(await store.sharedPersonIds())
  if (ifis.length > 0) for (const id of (await store.personIdsOf(ifis)).values()) ids.add(id)
  return peopleDirectory(ids.size === 0 ? [] : await store.findPeople([...ids]))
}

/** A cohort of the store by id, or a 404. */
export async function findCohortOr404(
  connection: unknown,
  storeId: StoreId,
  cohortId: number,
): Promise<CohortRecord> {
  const cohort = await createSqlPeopleStore(connection, storeId).findCohort(cohortId)
  if (cohort === undefined) throw NotFoundError(`no cohort ${cohortId} in store ${storeId}`)
  return cohort
}
