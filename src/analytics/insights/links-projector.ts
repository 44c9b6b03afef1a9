/**
 * @module The insights links projector: a statement-log consumer (core/log) that keeps
 * `in_links` (migration 0015): which activity is the parent of which (contextActivities.parent:
 * question → quiz → module), and which activity is aligned to which objective or competency
 * (contextActivities.other of formal answers, analytics definitions §8). Activities only, no
 * learner: a voiding does not take a link back (like an activity definition, Data §2.4.4.1).
 */
import { type Kysely, sql } from 'kysely'
import type { LogBatch, LogHandler } from '../../core/log/log-consumer.js'
import type { StatementLog, StoreId } from '../../storage/ports.js'
import { chunk } from '../../storage/sql/sql-support.js'
import { statementFacts } from '../statement-facts.js'

/** The consumer name: its cursor and lease in the statement log. */
export const INSIGHTS_CONSUMER = 'insights-links'

type AnyDb = Kysely<Record<string, Record<string, unknown>>>

export type LinkRelation = 'parent' | 'aligned'

interface PendingLink {
  relation: LinkRelation
  activity: string
  related: string
  statements: number
}

/** The links one batch adds (statements already voided at their own seq are left out, §0). */
export function batchLinks(entries: LogBatch['entries']): PendingLink[] {
  const links = new Map<string, PendingLink>()
  const add = (relation: LinkRelation, activity: string, related: string) => {
    const key = `${relation}\u0000${activity}\u0000${related}`
    const found = links.get(key)
    if (found === undefined) links.set(key, { relation, activity, related, statements: 1 })
    else found.statements += 1
  }
  for (const entry of entries) {
    if (entry.target !== undefined) continue
    if (entry.voidedBy !== undefined && entry.voidedBy <= entry.seq) continue
    const facts = statementFacts(entry.statement)
    if (facts?.activity === undefined) continue
    if (facts.parent !== undefined && facts.parent !== facts.activity)
      add('parent', facts.activity, facts.parent)
    // The same evidence rule as the objectives projection (statement-facts.ts, §8): formal
    // answers naming objectives/competencies in `other`, and objective activities themselves.
    for (const objective of facts.objectives) add('aligned', facts.activity, objective)
  }
  return [...links.values()]
}

export async function writeLinks(
  db: AnyDb,
  storeId: StoreId,
  links: readonly PendingLink[],
  source = 'statements',
): Promise<void> {
  for (const part of chunk(links, 200))
    await db
      .insertInto('in_links')
      .values(
        part.map((l) => ({
          store_id: storeId,
          relation: l.relation,
          activity_id: l.activity,
          related_id: l.related,
          source,
          statements: l.statements,
          weight: 1,
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(['store_id', 'relation', 'activity_id', 'related_id', 'source'])
          .doUpdateSet({ statements: sql`in_links.statements + excluded.statements` }),
      )
      .execute()
}

export function createLinksProjector(): LogHandler {
  return {
    name: INSIGHTS_CONSUMER,
    handle: (batch) =>
      writeLinks(batch.connection as AnyDb, batch.storeId, batchLinks(batch.entries)),
  }
}

/**
 * Empties the links the statements gave (`source` 'statements'; links defined with a competency
 * stay) and moves the consumer back to 0, in the caller's unit of work: it then reads every
 * statement again, so a link whose statements were erased goes, and each count is exact again.
 */
export async function resetLinksConsumer(
  connection: unknown,
  log: StatementLog,
  storeId: StoreId,
): Promise<void> {
  await (connection as AnyDb)
    .deleteFrom('in_links')
    .where('store_id', '=', storeId)
    .where('source', '=', 'statements')
    .execute()
  await log.setCursor(INSIGHTS_CONSUMER, 0)
}
