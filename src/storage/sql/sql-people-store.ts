/** @module PeopleStore on SQL (migration 0014): persons, their IFIs, cohorts of one store. */
import { type Kysely, type Selectable, sql } from 'kysely'
import type {
  CohortFilter,
  CohortRecord,
  PeopleStore,
  PersonAttributes,
  PersonRecord,
  PersonSource,
} from '../people-port.js'
import type { StoreId } from '../ports.js'
import { chunk, isoFromMs, toNumber } from './sql-support.js'

export interface PeopleTable {
  seq: number
  store_id: number
  name: string | null
  email: string | null
  role: string | null
  team: string | null
  org_unit: string | null
  manager: string | null
  location: string | null
  start_date: string | null
  /** JSON object of custom fields (text values). */
  custom: string
  source: string
  created_ms: number | string
  updated_ms: number | string
}

export interface PersonIdentifiersTable {
  store_id: number
  ifi: string
  person_id: number | string
  added_ms: number | string
}

export interface CohortsTable {
  seq: number
  store_id: number
  name: string
  description: string
  filter: string
  created_ms: number | string
  updated_ms: number | string
}

/** The tables of migration 0014 (kept out of `database.ts`: the people module owns them). */
export interface PeopleDatabase {
  people: PeopleTable
  person_identifiers: PersonIdentifiersTable
  cohorts: CohortsTable
}

/** Values per `in (…)` list: far under both engines' parameter limits. */
const LIST = 500

const COLUMN = {
  name: 'name',
  email: 'email',
  role: 'role',
  team: 'team',
  orgUnit: 'org_unit',
  manager: 'manager',
  location: 'location',
  startDate: 'start_date',
} as const

/** The attribute columns of a row for `attributes` (absent = NULL). */
function attributeColumns(attributes: PersonAttributes) {
  return {
    name: attributes.name ?? null,
    email: attributes.email ?? null,
    role: attributes.role ?? null,
    team: attributes.team ?? null,
    org_unit: attributes.orgUnit ?? null,
    manager: attributes.manager ?? null,
    location: attributes.location ?? null,
    start_date: attributes.startDate ?? null,
    custom: JSON.stringify(attributes.custom ?? {}),
  }
}

function attributesOf(row: Selectable<PeopleTable>): PersonAttributes {
  const attributes: Record<string, string | Record<string, string>> = {}
  for (const [attribute, column] of Object.entries(COLUMN)) {
    const value = row[column]
    if (value !== null) attributes[attribute] = value
  }
  const custom = JSON.parse(row.custom) as Record<string, string>
  if (Object.keys(custom).length > 0) attributes['custom'] = custom
  return attributes
}

function personOf(row: Selectable<PeopleTable>, identifiers: string[]): PersonRecord {
  return {
    id: toNumber(row.seq),
    attributes: attributesOf(row),
    identifiers: [...identifiers].sort(),
    source: row.source as PersonSource,
    createdAt: isoFromMs(toNumber(row.created_ms)),
    updatedAt: isoFromMs(toNumber(row.updated_ms)),
  }
}

function cohortOf(row: Selectable<CohortsTable>): CohortRecord {
  return {
    id: toNumber(row.seq),
    name: row.name,
    description: row.description,
    filter: JSON.parse(row.filter) as CohortFilter,
    createdAt: isoFromMs(toNumber(row.created_ms)),
    updatedAt: isoFromMs(toNumber(row.updated_ms)),
  }
}

/** The email of a `mbox:mailto:` IFI key, else undefined. */
export function emailOfIfi(ifi: string): string | undefined {
  return ifi.startsWith('mbox:mailto:') ? ifi.slice('mbox:mailto:'.length) : undefined
}

/**
 * The people of `storeId` on `connection`: a Kysely handle of the storage's database (the
 * `connection` of `StatementLogStorage.unitOfWork` or `.read`).
 */
export function createSqlPeopleStore(connection: unknown, storeId: StoreId): PeopleStore {
  const db = connection as Kysely<PeopleDatabase>

  async function identifiersBy(ids: readonly number[]): Promise<Map<number, string[]>> {
    const by = new Map<number, string[]>()
    for (const part of chunk([...new Set(ids)], LIST)) {
      const rows = await db
        .selectFrom('person_identifiers')
        .select(['person_id', 'ifi'])
        .where('store_id', '=', storeId)
        .where('person_id', 'in', part)
        .execute()
      for (const row of rows) {
        const id = toNumber(row.person_id)
        const list = by.get(id) ?? []
        list.push(row.ifi)
        by.set(id, list)
      }
    }
    return by
  }

  async function withIdentifiers(rows: Selectable<PeopleTable>[]): Promise<PersonRecord[]> {
    const ids = await identifiersBy(rows.map((r) => toNumber(r.seq)))
    return rows.map((row) => personOf(row, ids.get(toNumber(row.seq)) ?? []))
  }

  async function insertRow(
    attributes: PersonAttributes,
    source: PersonSource,
    nowMs: number,
  ): Promise<Selectable<PeopleTable>> {
    return db
      .insertInto('people')
      .values({
        store_id: storeId,
        ...attributeColumns(attributes),
        source,
        created_ms: nowMs,
        updated_ms: nowMs,
      } as never)
      .returningAll()
      .executeTakeFirstOrThrow()
  }

  return {
    async personIdsOf(ifis) {
      const found = new Map<string, number>()
      for (const part of chunk([...new Set(ifis)], LIST)) {
        const rows = await db
          .selectFrom('person_identifiers')
          .select(['ifi', 'person_id'])
          .where('store_id', '=', storeId)
          .where('ifi', 'in', part)
          .execute()
        for (const row of rows) found.set(row.ifi, toNumber(row.person_id))
      }
      return found
    },

    async sharedPersonIds() {
      const rows = await db
        .selectFrom('person_identifiers')
        .select('person_id')
        .where('store_id', '=', storeId)
        .groupBy('person_id')
        .having(sql`count(*)`, '>', 1)
        .execute()
      return rows.map((row) => toNumber(row.person_id))
    },

    async findPerson(id) {
      const [person] = await this.findPeople([id])
      return person
    },

    async findPeople(ids) {
      const rows: Selectable<PeopleTable>[] = []
      for (const part of chunk([...new Set(ids)], LIST))
        rows.push(
          ...(await db
            .selectFrom('people')
            .selectAll()
            .where('store_id', '=', storeId)
            .where('seq', 'in', part)
            .execute()),
        )
      rows.sort((a, b) => toNumber(a.seq) - toNumber(b.seq))
      return withIdentifiers(rows)
    },

    async allPeople() {
      const rows = await db
        .selectFrom('people')
        .selectAll()
        .where('store_id', '=', storeId)
        .orderBy('seq')
        .execute()
      const identifiers = await db
        .selectFrom('person_identifiers')
        .select(['person_id', 'ifi'])
        .where('store_id', '=', storeId)
        .execute()
      const by = new Map<number, string[]>()
      for (const row of identifiers) {
        const id = toNumber(row.person_id)
        const list = by.get(id) ?? []
        list.push(row.ifi)
        by.set(id, list)
      }
      return rows.map((row) => personOf(row, by.get(toNumber(row.seq)) ?? []))
    },

    async listPeople({ search, limit, offset }) {
      let query = db.selectFrom('people').where('people.store_id', '=', storeId)
      const text = search?.trim().toLowerCase() ?? ''
      if (text !== '') {
        const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
        query = query.where((eb) =>
          eb.or([
            eb(sql`lower(coalesce(people.name, ''))`, 'like', sql`${pattern} escape '\\'`),
            eb(sql`lower(coalesce(people.email, ''))`, 'like', sql`${pattern} escape '\\'`),
            eb.exists(
              eb
                .selectFrom('person_identifiers as pi')
                .select('pi.ifi')
                .whereRef('pi.person_id', '=', 'people.seq')
                .where('pi.store_id', '=', storeId)
                .where(sql`lower(pi.ifi)`, 'like', sql`${pattern} escape '\\'`),
            ),
          ]),
        )
      }
      const total = await query
        .select(sql<number | string>`count(*)`.as('n'))
        .executeTakeFirstOrThrow()
      const rows = await query
        .selectAll('people')
        .orderBy('people.seq')
        .limit(limit)
        .offset(offset)
        .execute()
      return { total: toNumber(total.n), people: await withIdentifiers(rows) }
    },

    async insertPerson(attributes, identifiers, source, nowMs) {
      const row = await insertRow(attributes, source, nowMs)
      const id = toNumber(row.seq)
      for (const part of chunk([...new Set(identifiers)], LIST))
        await db
          .insertInto('person_identifiers')
          .values(part.map((ifi) => ({ store_id: storeId, ifi, person_id: id, added_ms: nowMs })))
          .execute()
      return personOf(row, [...new Set(identifiers)])
    },

    async ensurePeople(actors, nowMs) {
      const names = new Map<string, string | undefined>()
      for (const actor of actors)
        if (!names.has(actor.ifi) || names.get(actor.ifi) === undefined)
          names.set(actor.ifi, actor.name)
      const known = await this.personIdsOf([...names.keys()])
      let created = 0
      for (const [ifi, name] of names) {
        if (known.has(ifi)) continue
        const email = emailOfIfi(ifi)
        const row = await insertRow(
          {
            ...(name === undefined || name.trim() === '' ? {} : { name: name.trim() }),
            ...(email === undefined ? {} : { email }),
          },
          'statement',
          nowMs,
        )
        // Another unit of work (an import) may have claimed the IFI meanwhile: keep theirs.
        const claimed = await db
          .insertInto('person_identifiers')
          .values({ store_id: storeId, ifi, person_id: toNumber(row.seq), added_ms: nowMs })
          .onConflict((oc) => oc.columns(['store_id', 'ifi']).doNothing())
          .returning('ifi')
          .executeTakeFirst()
        if (claimed === undefined)
          await db
            .deleteFrom('people')
            .where('store_id', '=', storeId)
            .where('seq', '=', row.seq)
            .execute()
        else created += 1
      }
      return created
    },

    async updatePerson(id, attributes, nowMs) {
      const result = await db
        .updateTable('people')
        .set({ ...attributeColumns(attributes), updated_ms: nowMs } as never)
        .where('store_id', '=', storeId)
        .where('seq', '=', id)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    },

    async assignIdentifiers(to, ifis, nowMs) {
      for (const part of chunk([...new Set(ifis)], LIST)) {
        await db
          .updateTable('person_identifiers')
          .set({ person_id: to, added_ms: nowMs })
          .where('store_id', '=', storeId)
          .where('ifi', 'in', part)
          .execute()
        await db
          .insertInto('person_identifiers')
          .values(part.map((ifi) => ({ store_id: storeId, ifi, person_id: to, added_ms: nowMs })))
          .onConflict((oc) => oc.columns(['store_id', 'ifi']).doNothing())
          .execute()
      }
      await db
        .updateTable('people')
        .set({ updated_ms: nowMs })
        .where('store_id', '=', storeId)
        .where('seq', '=', to)
        .execute()
    },

    async deletePeople(ids) {
      for (const part of chunk([...new Set(ids)], LIST)) {
        await db
          .deleteFrom('person_identifiers')
          .where('store_id', '=', storeId)
          .where('person_id', 'in', part)
          .execute()
        await db
          .deleteFrom('people')
          .where('store_id', '=', storeId)
          .where('seq', 'in', part)
          .execute()
      }
    },

    async listCohorts() {
      const rows = await db
        .selectFrom('cohorts')
        .selectAll()
        .where('store_id', '=', storeId)
        .orderBy('name')
        .execute()
      return rows.map(cohortOf)
    },

    async findCohort(id) {
      const row = await db
        .selectFrom('cohorts')
        .selectAll()
        .where('store_id', '=', storeId)
        .where('seq', '=', id)
        .executeTakeFirst()
      return row === undefined ? undefined : cohortOf(row)
    },

    async insertCohort(cohort, nowMs) {
      const row = await db
        .insertInto('cohorts')
        .values({
          store_id: storeId,
          name: cohort.name,
          description: cohort.description,
          filter: JSON.stringify(cohort.filter),
          created_ms: nowMs,
          updated_ms: nowMs,
        } as never)
        .returningAll()
        .executeTakeFirstOrThrow()
      return cohortOf(row)
    },

    async updateCohort(id, cohort, nowMs) {
      const result = await db
        .updateTable('cohorts')
        .set({
          name: cohort.name,
          description: cohort.description,
          filter: JSON.stringify(cohort.filter),
          updated_ms: nowMs,
        })
        .where('store_id', '=', storeId)
        .where('seq', '=', id)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    },

    async deleteCohort(id) {
      const result = await db
        .deleteFrom('cohorts')
        .where('store_id', '=', storeId)
        .where('seq', '=', id)
        .executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    },
  }
}
