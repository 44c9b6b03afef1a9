/**
 * @module The people port: persons of a store (attributes and the IFIs that are theirs) and
 * cohorts (saved attribute filters). Kept beside `ports.ts` so the port stays one concept per file.
 */

/** The attributes every person may have (an HR or LMS export's usual columns). */
export const STANDARD_ATTRIBUTES = [
  'name',
  'email',
  'role',
  'team',
  'orgUnit',
  'manager',
  'location',
  'startDate',
] as const
export type StandardAttribute = (typeof STANDARD_ATTRIBUTES)[number]

/**
 * A person's attributes. Absent (undefined) means unknown. `startDate` is a calendar date
 * `YYYY-MM-DD`; `manager` is free text (a name or an email, as the export has it); `custom`
 * holds any other field, by its name, as text.
 */
export type PersonAttributes = { [K in StandardAttribute]?: string } & {
  custom?: Readonly<Record<string, string>>
}

/** Where a person came from first. */
export type PersonSource = 'statement' | 'import' | 'console'

export interface PersonRecord {
  id: number
  attributes: PersonAttributes
  /** Canonical IFI keys (`xapi/ifi.ts`), sorted; the first is the person's primary key. */
  identifiers: string[]
  source: PersonSource
  /** ISO 8601 UTC. */
  createdAt: string
  updatedAt: string
}

/** One condition of a cohort filter, on a standard attribute or `custom.<field>`. */
export interface CohortCondition {
  attribute: string
  /**
   * eq / ne / in: equal (not equal, one of) ignoring case and surrounding spaces; contains: a
   * substring, ignoring case; gte / lte: compared as text (dates `YYYY-MM-DD` compare right);
   * exists / missing: the attribute is known / unknown.
   */
  op: 'eq' | 'ne' | 'in' | 'contains' | 'gte' | 'lte' | 'exists' | 'missing'
  /** A string for eq, ne, contains, gte, lte; a list for in; none for exists, missing. */
  value?: string | readonly string[]
}

/** A cohort's filter: every condition must hold (AND); no condition = everyone. */
export interface CohortFilter {
  all: readonly CohortCondition[]
}

export interface CohortRecord {
  id: number
  name: string
  description: string
  filter: CohortFilter
  createdAt: string
  updatedAt: string
}

/** A page of people. */
export interface PeoplePage {
  total: number
  people: PersonRecord[]
}

/**
 * Persons and cohorts of one store, on one connection (a unit of work's transaction, or a read
 * snapshot for reports: then only the read methods may be used). Built by
 * `storage/sql/sql-people-store.ts` from the connection `StatementLogStorage.unitOfWork` or
 * `.read` hands out, so reports read the people of the same snapshot as the projections.
 */
export interface PeopleStore {
  /** The person owning each of `ifis` that has one (an IFI without a person is absent). */
  personIdsOf(ifis: readonly string[]): Promise<Map<string, number>>
  findPerson(id: number): Promise<PersonRecord | undefined>
  /**
   * The persons with more than one IFI: the only ones whose IFIs a report must merge (a
   * person with one IFI is keyed by it). One walk of the (store, person) index.
   */
  sharedPersonIds(): Promise<number[]>
  findPeople(ids: readonly number[]): Promise<PersonRecord[]>
  /** Every person of the store with their identifiers, by id (cohort evaluation, directories). */
  allPeople(): Promise<PersonRecord[]>
  /** People whose name, email or an identifier contains `search` (ignoring case), by id. */
  listPeople(query: { search?: string; limit: number; offset: number }): Promise<PeoplePage>

  /** A new person with these identifiers (each must be free: `IdentifierTakenError` otherwise). */
  insertPerson(
    attributes: PersonAttributes,
    identifiers: readonly string[],
    source: PersonSource,
    nowMs: number,
  ): Promise<PersonRecord>
  /**
   * One new person per IFI of `actors` that has no person yet (named after the actor's `name`,
   * with the email of a `mbox:mailto:` IFI); returns how many were created. Idempotent.
   */
  ensurePeople(
    actors: readonly { ifi: string; name: string | undefined }[],
    nowMs: number,
  ): Promise<number>
  /** Replaces the person's attributes; false when there is no such person. */
  updatePerson(id: number, attributes: PersonAttributes, nowMs: number): Promise<boolean>
  /** Gives `ifis` to person `to` (taking them from whoever had them, or adding them). */
  assignIdentifiers(to: number, ifis: readonly string[], nowMs: number): Promise<void>
  /** Deletes persons (their identifiers must have been moved first; any left go with them). */
  deletePeople(ids: readonly number[]): Promise<void>

  listCohorts(): Promise<CohortRecord[]>
  findCohort(id: number): Promise<CohortRecord | undefined>
  insertCohort(
    cohort: Pick<CohortRecord, 'name' | 'description' | 'filter'>,
    nowMs: number,
  ): Promise<CohortRecord>
  /** False when there is no such cohort. */
  updateCohort(
    id: number,
    cohort: Pick<CohortRecord, 'name' | 'description' | 'filter'>,
    nowMs: number,
  ): Promise<boolean>
  deleteCohort(id: number): Promise<boolean>
}
