/** @module StatementStore on SQL: statements, their index rows, voiding, `stored` times, attachments. */
import type { Kysely } from 'kysely'
import type {
  ActivityRelation,
  AgentRelation,
  AttachmentContent,
  StatementRecord,
  StatementRow,
  StatementStore,
} from '../ports.js'
import type { StoredStatement } from '../../xapi/types.js'
import type { Database, StatementsTable } from './database.js'
import { queryStatementPage } from './sql-statement-query.js'
import { insertRefTargets } from './sql-statement-refs.js'
import {
  atomically,
  chunk,
  fromBlob,
  isoFromMs,
  msFromIso,
  rowsPerInsert,
  type SqlStoreContext,
  toBlob,
  toNumber,
  valuesPerList,
} from './sql-support.js'

type StatementInsert = Omit<StatementsTable, 'seq'>

/** Columns of one `statements` row, for sizing multi-row inserts. */
const STATEMENT_COLUMNS = 11
const INDEX_COLUMNS = 4
const ATTACHMENT_COLUMNS = 4

function statementRow(storeId: number, record: StatementRecord): StatementInsert {
  const { statement, index } = record
  return {
    store_id: storeId,
    id: statement.id,
    stored_ms: msFromIso(statement.stored),
    voided: 0,
    verb_id: index.verbId,
    actor_ifi: index.actorIfi ?? null,
    object_activity_id: index.objectActivityId ?? null,
    object_statement_id: index.objectStatementId ?? null,
    registration: index.registration ?? null,
    is_voiding: index.isVoiding ? 1 : 0,
    payload: JSON.stringify(statement),
  }
}

/**
 * One relation per key: 'direct' when any mention is direct. The plain filter needs to know
 * whether a direct mention exists; the related filter accepts any; nothing needs both rows.
 */
function collapseRelations<R extends AgentRelation | ActivityRelation>(
  entries: Iterable<readonly [string, R]>,
): Map<string, R> {
  const relations = new Map<string, R>()
  for (const [key, relation] of entries)
    if (relations.get(key) !== 'direct') relations.set(key, relation)
  return relations
}

/** The largest `stored` committed in the store (epoch ms), or 0. */
async function latestStoredMs(db: Kysely<Database>, storeId: number): Promise<number> {
  const row = await db
    .selectFrom('statements')
    .select((eb) => eb.fn.max('stored_ms').as('stored_ms'))
    .where('store_id', '=', storeId)
    .executeTakeFirst()
  return row?.stored_ms === undefined || row.stored_ms === null ? 0 : toNumber(row.stored_ms)
}

export function createSqlStatementStore(ctx: SqlStoreContext): StatementStore {
  const { db, storeId, dialect, clock } = ctx
  /** The `stored` handed out in this unit of work, so repeated calls never go back. */
  let allocatedMs = 0

  async function insertIndexRows(
    trx: Kysely<Database>,
    seqById: Map<string, number>,
    records: readonly StatementRecord[],
  ): Promise<void> {
    const agentRows = records.flatMap((record) => {
      const seq = seqById.get(record.statement.id) ?? 0
      const relations = collapseRelations(
        record.index.agents.map((a) => [a.ifi, a.relation] as const),
      )
      return [...relations].map(([ifi, relation]) => ({
        statement_seq: seq,
        store_id: storeId,
        ifi,
        relation,
      }))
    })
    for (const rows of chunk(agentRows, rowsPerInsert(dialect, INDEX_COLUMNS)))
      await trx.insertInto('statement_agents').values(rows).execute()

    const activityRows = records.flatMap((record) => {
      const seq = seqById.get(record.statement.id) ?? 0
      const relations = collapseRelations(
        record.index.activities.map((a) => [a.activityId, a.relation] as const),
      )
      return [...relations].map(([activityId, relation]) => ({
        statement_seq: seq,
        store_id: storeId,
        activity_id: activityId,
        relation,
      }))
    })
    for (const rows of chunk(activityRows, rowsPerInsert(dialect, INDEX_COLUMNS)))
      await trx.insertInto('statement_activities').values(rows).execute()
  }

  return {
    /*
     * Why this is honest (single writer per database, see SqlDialect.runExclusiveOfWriters):
     * inside the unit of work this process holds the write lock (begin immediate), so the
     * latest committed `stored` read here cannot be overtaken before commit, and
     * `clock.lastConsistentMs` holds every watermark already returned. Taking the maximum of
     * the clock, both, and what this unit of work already used makes `stored` non-decreasing in
     * commit order and strictly later than any watermark: a reader that advanced `since` to a
     * watermark cannot miss these statements.
     */
    async allocateStored() {
      const committed = await latestStoredMs(db, storeId)
      allocatedMs = Math.max(Date.now(), committed, clock.lastConsistentMs + 1, allocatedMs)
      return isoFromMs(allocatedMs)
    },

    async findStatementsByIds(ids) {
      const found = new Map<string, StatementRow>()
      for (const part of chunk([...new Set(ids)], valuesPerList(dialect))) {
        const rows = await db
          .selectFrom('statements')
          .select(['id', 'payload', 'voided'])
          .where('store_id', '=', storeId)
          .where('id', 'in', part)
          .execute()
        for (const row of rows)
          found.set(row.id, {
            statement: JSON.parse(row.payload) as StoredStatement,
            voided: row.voided === 1,
          })
      }
      return found
    },

    async insertStatements(records) {
      if (records.length === 0) return
      await atomically(ctx, async (trx) => {
        const seqById = new Map<string, number>()
        const rows = records.map((record) => statementRow(storeId, record))
        // Multi-row inserts: one round trip per few hundred statements, not one per row.
        for (const part of chunk(rows, rowsPerInsert(dialect, STATEMENT_COLUMNS))) {
          // RETURNING gives no row order guarantee; map the assigned seq back by id.
          const inserted = await trx
            .insertInto('statements')
            .values(part)
            .returning(['seq', 'id'])
            .execute()
          for (const row of inserted) seqById.set(row.id, toNumber(row.seq))
        }
        await insertIndexRows(trx, seqById, records)
        const referrers = records.filter((r) => r.index.objectStatementId !== undefined)
        if (referrers.length > 0)
          await insertRefTargets(
            ctx,
            trx,
            referrers.map((r) => seqById.get(r.statement.id) ?? 0),
          )
      })
    },

    // A voided statement is never returned, so as a referrer it leaves `statement_refs`: the
    // ref walk of a query then never meets it. (Referrers of it keep their own full chains.)
    async markVoided(ids) {
      await atomically(ctx, async (trx) => {
        for (const part of chunk([...new Set(ids)], valuesPerList(dialect))) {
          await trx
            .updateTable('statements')
            .set({ voided: 1 })
            .where('store_id', '=', storeId)
            .where('id', 'in', part)
            .execute()
          await trx
            .deleteFrom('statement_refs')
            .where('store_id', '=', storeId)
            .where('referrer_seq', 'in', (eb) =>
              eb
                .selectFrom('statements')
                .select('seq')
                .where('store_id', '=', storeId)
                .where('id', 'in', part),
            )
            .execute()
        }
      })
    },

    async findVoidedTargets(ids) {
      const targets = new Set<string>()
      for (const part of chunk([...new Set(ids)], valuesPerList(dialect))) {
        const rows = await db
          .selectFrom('statements')
          .select('object_statement_id')
          .where('store_id', '=', storeId)
          .where('is_voiding', '=', 1)
          .where('object_statement_id', 'in', part)
          .execute()
        for (const row of rows)
          if (row.object_statement_id !== null) targets.add(row.object_statement_id)
      }
      return targets
    },

    async findStatement(id, voided) {
      const row = await db
        .selectFrom('statements')
        .select('payload')
        .where('store_id', '=', storeId)
        .where('id', '=', id)
        .where('voided', '=', voided ? 1 : 0)
        .executeTakeFirst()
      return row === undefined ? undefined : (JSON.parse(row.payload) as StoredStatement)
    },

    queryStatements(query, cursor) {
      return queryStatementPage(ctx, query, cursor)
    },

    /*
     * The X-Experience-API-Consistent-Through watermark. Read while no write transaction is
     * open (runExclusiveOfWriters), every committed statement is visible, and allocateStored
     * hands out only times later than the watermark recorded here: so `since = watermark`
     * never skips a statement. Now, rather than the last `stored`, keeps the watermark moving
     * while nothing is written. Inside a unit of work this process is the only writer.
     *
     * PostgreSQL needs more: concurrent transactions allocate `stored` before they commit, in
     * any order. There, writers should take a shared advisory lock for the unit of work and
     * this read the exclusive one (or the watermark be min(stored of in-flight writers) - 1,
     * tracked in a table), and `clock` must live in the database, not in one process.
     */
    async consistentThrough() {
      const read = async (conn: Kysely<Database>): Promise<string> => {
        const committed = await latestStoredMs(conn, storeId)
        clock.lastConsistentMs = Math.max(Date.now(), committed, clock.lastConsistentMs)
        return isoFromMs(clock.lastConsistentMs)
      }
      return ctx.inTransaction ? read(db) : dialect.runExclusiveOfWriters(db, read)
    },

    async insertAttachments(attachments: readonly AttachmentContent[]) {
      const unique = new Map(attachments.map((a) => [a.sha2, a]))
      const rows = [...unique.values()].map((a) => ({
        store_id: storeId,
        sha2: a.sha2,
        content_type: a.contentType,
        content: toBlob(a.content),
      }))
      for (const part of chunk(rows, rowsPerInsert(dialect, ATTACHMENT_COLUMNS)))
        await db
          .insertInto('attachments')
          .values(part)
          .onConflict((oc) => oc.columns(['store_id', 'sha2']).doNothing())
          .execute()
    },

    async findAttachments(sha2s) {
      const found = new Map<string, AttachmentContent>()
      for (const part of chunk([...new Set(sha2s)], valuesPerList(dialect))) {
        const rows = await db
          .selectFrom('attachments')
          .select(['sha2', 'content_type', 'content'])
          .where('store_id', '=', storeId)
          .where('sha2', 'in', part)
          .execute()
        for (const row of rows)
          found.set(row.sha2, {
            sha2: row.sha2,
            contentType: row.content_type,
            content: fromBlob(row.content),
          })
      }
      return found
    },
  }
}
