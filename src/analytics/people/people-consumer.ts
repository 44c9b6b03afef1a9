/**
 * @module The people log consumer (core/log): gives every actor IFI without a person a person of
 * its own, named after the actor, and keeps the informal-learning projection (`an_informal`,
 * analytics-definitions.md §15) — both in the unit of work that moves its cursor. Cheap: one
 * lookup of the batch's distinct IFIs, one insert per new IFI, one upsert per informal key.
 */
import { type Kysely, sql } from 'kysely'
import type { LogBatch, LogHandler } from '../../core/log/log-consumer.js'
import type { StatementLog, StoreId } from '../../storage/ports.js'
import { chunk } from '../../storage/sql/sql-support.js'
import { createSqlPeopleStore } from '../../storage/sql/sql-people-store.js'
import { ifiKey } from '../../xapi/ifi.js'
import type { StoredStatement } from '../../xapi/types.js'
import { type InformalFact, informalFact } from './informal-facts.js'

/** The consumer name: its cursor and lease in the statement log. */
export const PEOPLE_CONSUMER = 'people'

type AnyDb = Kysely<Record<string, Record<string, unknown>>>

interface InformalRow extends Omit<InformalFact, 'centis'> {
  statements: number
  centis: number
}

/** Adds one statement's informal contribution (sign −1 takes it back after a voiding). */
function add(rows: Map<string, InformalRow>, statement: StoredStatement, sign: 1 | -1): void {
  const fact = informalFact(statement)
  if (fact === undefined) return
  const key = [fact.learner, fact.day, fact.platform, fact.authority, fact.kind].join('\u0000')
  const row = rows.get(key) ?? { ...fact, statements: 0, centis: 0 }
  row.statements += sign
  row.centis += sign * fact.centis
  rows.set(key, row)
}

async function writeInformal(db: AnyDb, storeId: StoreId, rows: InformalRow[]): Promise<void> {
  let negative = false
  for (const part of chunk(rows, 200)) {
    await db
      .insertInto('an_informal')
      .values(part.map((r) => ({ store_id: storeId, ...r })))
      .onConflict((oc) =>
        oc.columns(['store_id', 'learner', 'day', 'platform', 'authority', 'kind']).doUpdateSet({
          statements: sql`an_informal.statements + excluded.statements`,
          centis: sql`an_informal.centis + excluded.centis`,
        }),
      )
      .execute()
    negative ||= part.some((r) => r.statements < 0)
  }
  if (negative)
    await db
      .deleteFrom('an_informal')
      .where('store_id', '=', storeId)
      .where('statements', '<=', 0)
      .execute()
}

/**
 * Agents only become persons: an identified Group as actor is a team (analytics-definitions.md
 * §0 attributes group statements to members only where a report asks for it). A voided
 * statement still names someone who learned here, so their person stays; its informal
 * contribution is taken back at the voiding, as the analytics projector does (LogEntry's rule).
 */
export async function handlePeopleBatch(
  batch: Pick<LogBatch, 'storeId' | 'entries' | 'connection'>,
  nowMs: number,
): Promise<void> {
  const actors: { ifi: string; name: string | undefined }[] = []
  const informal = new Map<string, InformalRow>()
  for (const entry of batch.entries) {
    const { statement, target } = entry
    if (target !== undefined) {
      if (target.seq < entry.seq && target.voidedBy === entry.seq)
        add(informal, target.statement, -1)
      continue
    }
    const actor = statement.actor
    if (actor.objectType !== 'Group') {
      const ifi = ifiKey(actor)
      if (ifi !== undefined) actors.push({ ifi, name: actor.name })
    }
    if (entry.voidedBy === undefined || entry.voidedBy > entry.seq) add(informal, statement, 1)
  }
  if (actors.length > 0)
    await createSqlPeopleStore(batch.connection, batch.storeId).ensurePeople(actors, nowMs)
  const rows = [...informal.values()].filter((r) => r.statements !== 0 || r.centis !== 0)
  if (rows.length > 0) await writeInformal(batch.connection as AnyDb, batch.storeId, rows)
}

export function createPeopleHandler(now: () => number = Date.now): LogHandler {
  return { name: PEOPLE_CONSUMER, handle: (batch) => handlePeopleBatch(batch, now()) }
}

/**
 * Empties the store's informal projection and moves the consumer back to 0 (one unit of work):
 * it then refolds every statement (people are kept; creating them again is a no-op). Run after
 * statements are deleted (erasure, retention), like the analytics rebuild.
 */
export async function resetPeopleConsumer(
  connection: unknown,
  log: StatementLog,
  storeId: StoreId,
): Promise<void> {
  await (connection as AnyDb).deleteFrom('an_informal').where('store_id', '=', storeId).execute()
  await log.setCursor(PEOPLE_CONSUMER, 0)
}
