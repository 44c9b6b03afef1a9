/**
 * @module The person key in SQL (docs/people.md): reports that group learner-keyed projection
 * rows by person in the database, instead of merging them in JS (`person-scope.ts`). A learner
 * key (IFI) owned by a person with several IFIs is keyed `#<person id>`, any other by the IFI
 * itself; the key only groups, it is not shown. A person with one IFI needs no join: their IFI
 * already is their key, so only the persons with several (`shared`) are joined.
 */
import { sql, type RawBuilder } from 'kysely'

/**
 * The CTE `shared` (without `with`): the ids of the store's persons with several IFIs. A query
 * using `personJoin` starts `with ${sharedPersons(storeId)}, …`.
 */
export function sharedPersons(storeId: number): RawBuilder<unknown> {
  return sql`shared as (
      select person_id from person_identifiers where store_id = ${storeId}
      group by person_id having count(*) > 1
    )`
}

/**
 * `left join person_identifiers pi` onto the rows of `alias` (a table with `store_id` and
 * `learner`), matching only the IFIs of a shared person; needs the `shared` CTE.
 */
export function personJoin(alias: string): RawBuilder<unknown> {
  return sql`left join person_identifiers pi on pi.store_id = ${sql.raw(alias)}.store_id
      and pi.ifi = ${sql.raw(alias)}.learner and pi.person_id in (select person_id from shared)`
}

/** The person key of the rows of `alias` joined by `personJoin`. */
export function personKey(alias: string): RawBuilder<unknown> {
  return sql.raw(
    `case when pi.person_id is null then ${alias}.learner else '#' || pi.person_id end`,
  )
}
