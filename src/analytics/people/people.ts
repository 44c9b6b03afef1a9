/**
 * @module The `People` use cases: persons (list, edit, merge, split), imports of HR/LMS exports
 * (idempotent, with a dry run), and cohorts. Every write is one unit of work of the store.
 */
import { BadRequestError, InvalidParameterError, NotFoundError } from '../../errors/errors.js'
import {
  type CohortFilter,
  type CohortRecord,
  type PeoplePage,
  type PeopleStore,
  type PersonAttributes,
  type PersonRecord,
  STANDARD_ATTRIBUTES,
  type StandardAttribute,
} from '../../storage/people-port.js'
import type { StatementLogStorage, StoreId } from '../../storage/ports.js'
import { createSqlPeopleStore } from '../../storage/sql/sql-people-store.js'
import { describeCohortFilter, parseCohortFilter } from './cohort-filter.js'
import { peopleDirectory } from './people-directory.js'
import type { PeopleFileRow } from './people-file.js'

/** What one row of an import does (or would do, in a dry run). */
export interface ImportChange {
  row: number
  action: 'create' | 'update' | 'merge' | 'unchanged' | 'skip'
  /** The person the row lands on (for a dry run's creations, absent). */
  person?: number
  identifiers: string[]
  /** Attributes that change: from → to (undefined = unknown). */
  changes: Record<string, { from: string | undefined; to: string | undefined }>
  /** IFIs the person gains. */
  linked: string[]
  /** Persons merged into `person` (their IFIs move, they are deleted). */
  merged: number[]
  reason?: string
}

export interface ImportResult {
  dryRun: boolean
  summary: Record<ImportChange['action'], number>
  changes: ImportChange[]
}

export interface CohortInput {
  name: string
  description?: string
  filter: unknown
}

export interface CohortView extends CohortRecord {
  /** The filter in words. */
  rule: string
  /** Persons matching it now. */
  members: number
}

/** Attribute edits: a value sets, `null` or '' clears, absent leaves as it is. */
export type AttributeChanges = { [K in StandardAttribute]?: string | null } & {
  custom?: Record<string, string>
}

export interface People {
  list(
    storeId: StoreId,
    query: { search?: string; limit: number; offset: number; cohort?: number },
  ): Promise<PeoplePage>
  get(storeId: StoreId, id: number): Promise<PersonRecord>
  create(
    storeId: StoreId,
    person: { attributes: PersonAttributes; identifiers: readonly string[] },
  ): Promise<PersonRecord>
  /** Replaces the attributes given (absent ones stay; `null`/'' clears one). */
  update(storeId: StoreId, id: number, attributes: AttributeChanges): Promise<PersonRecord>
  /**
   * Merges persons `from` into `into`: their IFIs move to `into`, attributes `into` lacks are
   * taken from them (in id order), and they are deleted. Reports count the result once.
   */
  merge(storeId: StoreId, into: number, from: readonly number[]): Promise<PersonRecord>
  /** Takes an IFI away from its person into a new person of its own (undoes a wrong merge). */
  split(
    storeId: StoreId,
    id: number,
    ifi: string,
  ): Promise<{ from: PersonRecord; to: PersonRecord }>
  delete(storeId: StoreId, id: number): Promise<void>
  /**
   * Imports rows of a people file (`people-file.ts`). A row lands on the person owning one of
   * its IFIs (several: they are merged, into the oldest), or a new person; non-empty values
   * replace attributes, empty ones leave them. Importing the same file twice changes nothing
   * the second time. A dry run computes the same changes in a unit of work that is rolled back.
   */
  import(
    storeId: StoreId,
    rows: readonly PeopleFileRow[],
    options: { dryRun: boolean },
  ): Promise<ImportResult>
  listCohorts(storeId: StoreId): Promise<CohortView[]>
  getCohort(storeId: StoreId, id: number): Promise<CohortView>
  createCohort(storeId: StoreId, cohort: CohortInput): Promise<CohortView>
  updateCohort(storeId: StoreId, id: number, cohort: CohortInput): Promise<CohortView>
  deleteCohort(storeId: StoreId, id: number): Promise<void>
}

/** Thrown inside a dry run's unit of work to roll it back with the result. */
class DryRun extends Error {
  constructor(readonly result: ImportResult) {
    super('dry run: rolled back')
  }
}

const ATTRIBUTE_KEYS = [...STANDARD_ATTRIBUTES] as string[]

/** `base` with the non-empty values of `incoming` over it (custom fields key by key). */
function overlay(base: PersonAttributes, incoming: PersonAttributes): PersonAttributes {
  const merged: Record<string, unknown> = { ...base }
  for (const key of ATTRIBUTE_KEYS) {
    const value = (incoming as Record<string, string | undefined>)[key]
    if (value !== undefined && value.trim() !== '') merged[key] = value
  }
  const custom = { ...(base.custom ?? {}), ...(incoming.custom ?? {}) }
  if (Object.keys(custom).length > 0) merged['custom'] = custom
  return merged
}

/** What changes from `a` to `b`, attribute by attribute (`custom.<field>` for custom ones). */
function diff(
  a: PersonAttributes,
  b: PersonAttributes,
): Record<string, { from: string | undefined; to: string | undefined }> {
  const changes: Record<string, { from: string | undefined; to: string | undefined }> = {}
  for (const key of ATTRIBUTE_KEYS) {
    const from = (a as Record<string, string | undefined>)[key]
    const to = (b as Record<string, string | undefined>)[key]
    if (from !== to) changes[key] = { from, to }
  }
  const fields = new Set([...Object.keys(a.custom ?? {}), ...Object.keys(b.custom ?? {})])
  for (const field of fields) {
    const from = a.custom?.[field]
    const to = b.custom?.[field]
    if (from !== to) changes[`custom.${field}`] = { from, to }
  }
  return changes
}

function checkAttributes(input: AttributeChanges, base: PersonAttributes): PersonAttributes {
  const result: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(input)) {
    if (key === 'custom') continue
    if (!ATTRIBUTE_KEYS.includes(key))
      throw InvalidParameterError(key, `is not an attribute (${ATTRIBUTE_KEYS.join(', ')}, custom)`)
    if (value === null || value === undefined || (typeof value === 'string' && value.trim() === ''))
      result[key] = undefined
    else if (typeof value !== 'string') throw InvalidParameterError(key, 'must be a string')
    else if (key === 'startDate' && !/^\d{4}-\d{2}-\d{2}$/.test(value.trim()))
      throw InvalidParameterError(key, 'must be a date YYYY-MM-DD')
    else result[key] = value.trim()
  }
  if (input.custom !== undefined) {
    const custom: Record<string, string> = {}
    for (const [field, value] of Object.entries(input.custom)) {
      if (typeof value !== 'string')
        throw InvalidParameterError(`custom.${field}`, 'must be a string')
      if (value.trim() !== '') custom[field] = value.trim()
    }
    result['custom'] = Object.keys(custom).length > 0 ? custom : undefined
  }
  return result
}

function checkIfi(ifi: string): string {
  if (
    !/^(mbox:mailto:[^\s@]+@[^\s@]+|mbox_sha1sum:[0-9a-f]{40}|openid:\S+|account:\S+\|.+)$/.test(
      ifi,
    )
  )
    throw InvalidParameterError(
      'identifiers',
      `"${ifi}" is not a canonical IFI key (mbox:mailto:…, mbox_sha1sum:…, openid:…, account:<homePage>|<name>)`,
    )
  return ifi
}

export function createPeople(log: StatementLogStorage, now: () => number = Date.now): People {
  const inUnit = <T>(storeId: StoreId, fn: (people: PeopleStore) => Promise<T>): Promise<T> =>
    log.unitOfWork(storeId, ({ connection }) => fn(createSqlPeopleStore(connection, storeId)))
  const reading = <T>(storeId: StoreId, fn: (people: PeopleStore) => Promise<T>): Promise<T> =>
    log.read((connection) => fn(createSqlPeopleStore(connection, storeId)))

  async function personOr404(people: PeopleStore, id: number): Promise<PersonRecord> {
    const person = await people.findPerson(id)
    if (person === undefined) throw NotFoundError(`no person ${id} in this store`)
    return person
  }

  async function mergeInto(
    people: PeopleStore,
    into: PersonRecord,
    from: readonly PersonRecord[],
    nowMs: number,
  ): Promise<PersonAttributes> {
    let attributes = into.attributes
    for (const other of [...from].sort((a, b) => a.id - b.id))
      attributes = overlay(other.attributes, attributes)
    await people.assignIdentifiers(
      into.id,
      from.flatMap((p) => p.identifiers),
      nowMs,
    )
    await people.deletePeople(from.map((p) => p.id))
    await people.updatePerson(into.id, attributes, nowMs)
    return attributes
  }

  async function importRows(
    people: PeopleStore,
    rows: readonly PeopleFileRow[],
    dryRun: boolean,
  ): Promise<ImportResult> {
    const changes: ImportChange[] = []
    const nowMs = now()
    for (const row of rows) {
      const base = {
        row: row.row,
        identifiers: row.identifiers,
        changes: {},
        linked: [],
        merged: [],
      }
      if (row.problem !== undefined) {
        changes.push({ ...base, action: 'skip', reason: row.problem })
        continue
      }
      const owners = await people.personIdsOf(row.identifiers)
      const ids = [...new Set(owners.values())].sort((a, b) => a - b)
      if (ids.length === 0) {
        const made = await people.insertPerson(row.attributes, row.identifiers, 'import', nowMs)
        changes.push({
          ...base,
          action: 'create',
          ...(dryRun ? {} : { person: made.id }),
          changes: diff({}, made.attributes),
          linked: row.identifiers,
        })
        continue
      }
      const [target, ...others] = await people.findPeople(ids)
      if (target === undefined) continue
      const before = target.attributes
      const merged = others.length === 0 ? before : await mergeInto(people, target, others, nowMs)
      const after = overlay(merged, row.attributes)
      const linked = row.identifiers.filter((ifi) => !owners.has(ifi))
      if (linked.length > 0) await people.assignIdentifiers(target.id, linked, nowMs)
      const changed = diff(before, after)
      if (Object.keys(diff(merged, after)).length > 0)
        await people.updatePerson(target.id, after, nowMs)
      changes.push({
        ...base,
        action:
          others.length > 0
            ? 'merge'
            : Object.keys(changed).length > 0 || linked.length > 0
              ? 'update'
              : 'unchanged',
        person: target.id,
        changes: changed,
        linked: [...linked, ...others.flatMap((p) => p.identifiers)].sort(),
        merged: others.map((p) => p.id),
      })
    }
    const summary = { create: 0, update: 0, merge: 0, unchanged: 0, skip: 0 }
    for (const change of changes) summary[change.action] += 1
    return { dryRun, summary, changes }
  }

  async function cohortView(people: PeopleStore, cohort: CohortRecord): Promise<CohortView> {
    const directory = peopleDirectory(await people.allPeople())
    return {
      ...cohort,
      rule: describeCohortFilter(cohort.filter),
      members: directory.members(cohort.filter).people.size,
    }
  }

  function cohortInput(input: CohortInput): {
    name: string
    description: string
    filter: CohortFilter
  } {
    const name = typeof input.name === 'string' ? input.name.trim() : ''
    if (name === '' || name.length > 200)
      throw InvalidParameterError('name', 'must be 1 to 200 characters')
    return {
      name,
      description: typeof input.description === 'string' ? input.description.trim() : '',
      filter: parseCohortFilter(input.filter),
    }
  }

  async function uniqueName(people: PeopleStore, name: string, except?: number): Promise<void> {
    const clash = (await people.listCohorts()).find(
      (c) => c.name.toLowerCase() === name.toLowerCase() && c.id !== except,
    )
    if (clash !== undefined) throw BadRequestError(`a cohort named "${name}" exists already`)
  }

  return {
    list: (storeId, query) =>
      reading(storeId, async (people) => {
        if (query.cohort === undefined) return people.listPeople(query)
        const cohort = await people.findCohort(query.cohort)
        if (cohort === undefined) throw NotFoundError(`no cohort ${query.cohort} in this store`)
        const directory = peopleDirectory(await people.allPeople())
        const members = directory.members(cohort.filter).people
        const text = query.search?.trim().toLowerCase() ?? ''
        const matching = directory.people.filter(
          (p) =>
            members.has(p.id) &&
            (text === '' ||
              [p.attributes.name, p.attributes.email, ...p.identifiers].some((v) =>
                v?.toLowerCase().includes(text),
              )),
        )
        return {
          total: matching.length,
          people: matching.slice(query.offset, query.offset + query.limit),
        }
      }),

    get: (storeId, id) => reading(storeId, (people) => personOr404(people, id)),

    create: (storeId, person) =>
      inUnit(storeId, async (people) => {
        const identifiers = person.identifiers.map(checkIfi)
        if (identifiers.length === 0)
          throw InvalidParameterError('identifiers', 'a person needs at least one IFI')
        const owned = await people.personIdsOf(identifiers)
        if (owned.size > 0)
          throw BadRequestError(
            `${[...owned.keys()].join(', ')} belongs to person ${[...owned.values()].join(', ')} already; merge instead`,
          )
        return people.insertPerson(
          checkAttributes(person.attributes, {}),
          identifiers,
          'console',
          now(),
        )
      }),

    update: (storeId, id, attributes) =>
      inUnit(storeId, async (people) => {
        const person = await personOr404(people, id)
        await people.updatePerson(id, checkAttributes(attributes, person.attributes), now())
        return personOr404(people, id)
      }),

    merge: (storeId, into, from) =>
      inUnit(storeId, async (people) => {
        const target = await personOr404(people, into)
        const others = []
        for (const id of new Set(from)) {
          if (id === into) throw InvalidParameterError('from', 'cannot merge a person into itself')
          others.push(await personOr404(people, id))
        }
        if (others.length === 0) throw InvalidParameterError('from', 'name at least one person')
        await mergeInto(people, target, others, now())
        return personOr404(people, into)
      }),

    split: (storeId, id, ifi) =>
      inUnit(storeId, async (people) => {
        const person = await personOr404(people, id)
        if (!person.identifiers.includes(ifi))
          throw InvalidParameterError('ifi', `is not an identifier of person ${id}`)
        if (person.identifiers.length === 1)
          throw InvalidParameterError('ifi', 'is the only identifier of the person')
        const nowMs = now()
        const made = await people.insertPerson({}, [], 'console', nowMs)
        await people.assignIdentifiers(made.id, [ifi], nowMs)
        return { from: await personOr404(people, id), to: await personOr404(people, made.id) }
      }),

    delete: (storeId, id) =>
      inUnit(storeId, async (people) => {
        await personOr404(people, id)
        await people.deletePeople([id])
      }),

    async import(storeId, rows, { dryRun }) {
      if (rows.length > 100_000) throw BadRequestError('at most 100 000 people per import')
      try {
        return await inUnit(storeId, async (people) => {
          const result = await importRows(people, rows, dryRun)
          if (dryRun) throw new DryRun(result)
          return result
        })
      } catch (error) {
        if (error instanceof DryRun) return error.result
        throw error
      }
    },

    listCohorts: (storeId) =>
      reading(storeId, async (people) => {
        const directory = peopleDirectory(await people.allPeople())
        return (await people.listCohorts()).map((cohort) => ({
          ...cohort,
          rule: describeCohortFilter(cohort.filter),
          members: directory.members(cohort.filter).people.size,
        }))
      }),

    getCohort: (storeId, id) =>
      reading(storeId, async (people) => {
        const cohort = await people.findCohort(id)
        if (cohort === undefined) throw NotFoundError(`no cohort ${id} in this store`)
        return cohortView(people, cohort)
      }),

    createCohort: (storeId, input) =>
      inUnit(storeId, async (people) => {
        const cohort = cohortInput(input)
        await uniqueName(people, cohort.name)
        return cohortView(people, await people.insertCohort(cohort, now()))
      }),

    updateCohort: (storeId, id, input) =>
      inUnit(storeId, async (people) => {
        const cohort = cohortInput(input)
        await uniqueName(people, cohort.name, id)
        if (!(await people.updateCohort(id, cohort, now())))
          throw NotFoundError(`no cohort ${id} in this store`)
        const saved = await people.findCohort(id)
        if (saved === undefined) throw NotFoundError(`no cohort ${id} in this store`)
        return cohortView(people, saved)
      }),

    deleteCohort: (storeId, id) =>
      inUnit(storeId, async (people) => {
        if (!(await people.deleteCohort(id))) throw NotFoundError(`no cohort ${id} in this store`)
      }),
  }
}
