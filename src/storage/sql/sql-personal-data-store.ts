/** @module PersonalDataStore on SQL: deleting and rewriting statements with every index row, erasure records, retention. */
import {
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type Selectable,
  type SqlBool,
  sql,
} from 'kysely'
import type {
  ActivityRelation,
  AgentRelation,
  ErasureRecord,
  PersonalDataStore,
  RetentionCount,
  StatementIndex,
  StatementMention,
} from '../ports.js'
import { ifiKey } from '../../xapi/ifi.js'
import type { StoredStatement } from '../../xapi/types.js'
import type { Database, ErasuresTable } from './database.js'
import type { PeopleDatabase } from './sql-people-store.js'
import {
  atomically,
  chunk,
  isoFromMs,
  msFromIso,
  rowsPerInsert,
  type SqlStoreContext,
  toNumber,
  valuesPerList,
} from './sql-support.js'

/** Statements whose index rows are deleted per round trip. */
const DELETE_CHUNK = 100
const INDEX_COLUMNS = 4

/** A row as deletion needs it: the seq and the payload its index rows are derived from. */
interface PayloadRow {
  seq: number
  payload: string
}

/**
 * Every IFI key and every `id` a statement's JSON holds, anywhere. The index rows of a
 * statement are keyed by (store, ifi | activity id, seq) and there is no index by seq alone (it
 * would slow every ingest), so a deletion names the keys: a superset is harmless, the seq
 * restricts it. Attachments are collected by their SHA-2 (Data §2.4.11).
 */
function keysOf(payload: string): { ifis: Set<string>; ids: Set<string>; sha2s: Set<string> } {
  const ifis = new Set<string>()
  const ids = new Set<string>()
  const sha2s = new Set<string>()
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item)
      return
    }
    if (typeof value !== 'object' || value === null) return
    const record = value as Record<string, unknown>
    if ('mbox' in record || 'mbox_sha1sum' in record || 'openid' in record || 'account' in record) {
      const key = ifiKey(record)
      if (key !== undefined) ifis.add(key)
    }
    if (typeof record.id === 'string') ids.add(record.id)
    for (const member of Object.values(record)) visit(member)
  }
  const statement = JSON.parse(payload) as StoredStatement
  visit(statement)
  for (const attachment of statement.attachments ?? []) sha2s.add(attachment.sha2)
  return { ifis, ids, sha2s }
}

function mention(row: {
  seq: number | string
  payload: string
  voided: number
  actor_ifi: string | null
}): StatementMention {
  return {
    seq: toNumber(row.seq),
    statement: JSON.parse(row.payload) as StoredStatement,
    voided: row.voided === 1,
    actorIfi: row.actor_ifi ?? undefined,
  }
}

function erasureFromRow(row: Selectable<ErasuresTable>): ErasureRecord {
  return {
    id: toNumber(row.seq),
    requestedBy: row.requested_by,
    requestedAt: isoFromMs(toNumber(row.requested_ms)),
    ifiHashes: JSON.parse(row.ifi_hashes) as string[],
    statementsDeleted: toNumber(row.statements_deleted),
    statementsAnonymised: toNumber(row.statements_anonymised),
    documentsDeleted: toNumber(row.documents_deleted),
    attachmentsDeleted: toNumber(row.attachments_deleted),
    agentsDeleted: toNumber(row.agents_deleted),
  }
}

/** One relation per key, 'direct' winning, as `insertStatements` writes them. */
function collapse<R extends AgentRelation | ActivityRelation>(
  entries: readonly (readonly [string, R])[],
): [string, R][] {
  const relations = new Map<string, R>()
  for (const [key, relation] of entries)
    if (relations.get(key) !== 'direct') relations.set(key, relation)
  return [...relations]
}

export function createSqlPersonalDataStore(ctx: SqlStoreContext): PersonalDataStore {
  const { db, storeId, dialect } = ctx
  const perList = valuesPerList(dialect)
  // The people tables belong to the people module (migration 0014), hence their own type.
  const people = db as unknown as Kysely<PeopleDatabase>

  /** Deletes the index rows of `rows` (agents, activities, ref closures as referrer). */
  async function deleteIndexRows(trx: Kysely<Database>, rows: readonly PayloadRow[]) {
    for (const part of chunk(rows, DELETE_CHUNK)) {
      const seqs = part.map((r) => r.seq)
      const ifis = new Set<string>()
      const ids = new Set<string>()
      for (const row of part) {
        const keys = keysOf(row.payload)
        for (const ifi of keys.ifis) ifis.add(ifi)
        for (const id of keys.ids) ids.add(id)
      }
      for (const ifiPart of chunk([...ifis], perList - seqs.length))
        await trx
          .deleteFrom('statement_agents')
          .where('store_id', '=', storeId)
          .where('ifi', 'in', ifiPart)
          .where('statement_seq', 'in', seqs)
          .execute()
      for (const idPart of chunk([...ids], perList - seqs.length))
        await trx
          .deleteFrom('statement_activities')
          .where('store_id', '=', storeId)
          .where('activity_id', 'in', idPart)
          .where('statement_seq', 'in', seqs)
          .execute()
      await trx
        .deleteFrom('statement_refs')
        .where('store_id', '=', storeId)
        .where('referrer_seq', 'in', seqs)
        .execute()
    }
  }

  async function insertIndexRows(trx: Kysely<Database>, seq: number, index: StatementIndex) {
    const agentRows = collapse(index.agents.map((a) => [a.ifi, a.relation] as const)).map(
      ([ifi, relation]) => ({ statement_seq: seq, store_id: storeId, ifi, relation }),
    )
    for (const part of chunk(agentRows, rowsPerInsert(dialect, INDEX_COLUMNS)))
      await trx.insertInto('statement_agents').values(part).execute()
    const activityRows = collapse(
      index.activities.map((a) => [a.activityId, a.relation] as const),
    ).map(([activityId, relation]) => ({
      statement_seq: seq,
      store_id: storeId,
      activity_id: activityId,
      relation,
    }))
    for (const part of chunk(activityRows, rowsPerInsert(dialect, INDEX_COLUMNS)))
      await trx.insertInto('statement_activities').values(part).execute()
  }

  async function readPayloads(trx: Kysely<Database>, seqs: readonly number[]) {
    const rows: PayloadRow[] = []
    for (const part of chunk([...seqs], perList)) {
      const found = await trx
        .selectFrom('statements')
        .select(['seq', 'payload'])
        .where('store_id', '=', storeId)
        .where('seq', 'in', part)
        .execute()
      for (const row of found) rows.push({ seq: toNumber(row.seq), payload: row.payload })
    }
    return rows
  }

  /**
   * Deletes statements and everything indexed from them; then the attachment contents that no
   * remaining statement owns. Since issue 15 a content is returned only with the statements that
   * were stored together with it (`statement_attachments`), so a content without an owner can
   * never be read again and goes; one another statement still owns stays (contents are stored
   * once per SHA-2 and shared).
   */
  async function deleteRows(trx: Kysely<Database>, rows: readonly PayloadRow[]) {
    await deleteIndexRows(trx, rows)
    const ids = rows.map((r) => (JSON.parse(r.payload) as { id: string }).id)
    for (const part of chunk(ids, perList))
      await trx
        .deleteFrom('statement_attachments')
        .where('store_id', '=', storeId)
        .where('statement_id', 'in', part)
        .execute()
    for (const part of chunk(
      rows.map((r) => r.seq),
      perList,
    ))
      await trx
        .deleteFrom('statements')
        .where('store_id', '=', storeId)
        .where('seq', 'in', part)
        .execute()
    const sha2s = new Set<string>()
    for (const row of rows) for (const sha2 of keysOf(row.payload).sha2s) sha2s.add(sha2)
    let attachments = 0
    for (const sha2 of sha2s) {
      const owned = await trx
        .selectFrom('statement_attachments')
        .select('statement_id')
        .where('store_id', '=', storeId)
        .where('sha2', '=', sha2)
        .limit(1)
        .executeTakeFirst()
      if (owned !== undefined) continue
      const result = await trx
        .deleteFrom('attachments')
        .where('store_id', '=', storeId)
        .where('sha2', '=', sha2)
        .executeTakeFirst()
      attachments += Number(result.numDeletedRows)
    }
    return { attachments }
  }

  /** Forgets recorded agents (Agents resource) that no remaining statement mentions. */
  async function forgetUnmentionedAgents(trx: Kysely<Database>, ifis: readonly string[]) {
    for (const part of chunk([...ifis], perList))
      await trx
        .deleteFrom('agents')
        .where('store_id', '=', storeId)
        .where('ifi', 'in', part)
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('statement_agents')
                .select('statement_seq')
                .where('statement_agents.store_id', '=', storeId)
                .whereRef('statement_agents.ifi', '=', 'agents.ifi'),
            ),
          ),
        )
        .execute()
  }

  /**
   * The statements of the store that `matching` selects for some chunk of `keys`, each once, in
   * seq order: the read shared by the two mention lookups below.
   */
  async function mentionsMatching(
    keys: Iterable<string>,
    matching: (
      eb: ExpressionBuilder<Database, 'statements'>,
      part: readonly string[],
    ) => Expression<SqlBool>,
  ): Promise<StatementMention[]> {
    const bySeq = new Map<number, StatementMention>()
    for (const part of chunk([...keys], perList)) {
      const rows = await db
        .selectFrom('statements')
        .select(['seq', 'payload', 'voided', 'actor_ifi'])
        .where('store_id', '=', storeId)
        .where((eb) => matching(eb, part))
        .execute()
      for (const row of rows) bySeq.set(toNumber(row.seq), mention(row))
    }
    return [...bySeq.values()].sort((a, b) => a.seq - b.seq)
  }

  return {
    findStatementsMentioning(ifis) {
      return mentionsMatching(ifis, (eb, part) =>
        eb.or([
          eb(
            'seq',
            'in',
            eb
              .selectFrom('statement_agents')
              .select('statement_seq')
              .where('store_id', '=', storeId)
              .where('ifi', 'in', part),
          ),
          eb('actor_ifi', 'in', part),
        ]),
      )
    },

    // The closure table leaves out voided referrers (markVoided), so the direct target column
    // is read as well; the caller repeats until no new referrer appears.
    findReferrers(ids) {
      return mentionsMatching(ids, (eb, part) =>
        eb.or([
          eb(
            'seq',
            'in',
            eb
              .selectFrom('statement_refs')
              .select('referrer_seq')
              .where('store_id', '=', storeId)
              .where('target_id', 'in', part),
          ),
          eb('object_statement_id', 'in', part),
        ]),
      )
    },

    deleteStatements(seqs) {
      return atomically(ctx, async (trx) => deleteRows(trx, await readPayloads(trx, seqs)))
    },

    async rewriteStatements(rewritten) {
      if (rewritten.length === 0) return
      await atomically(ctx, async (trx) => {
        await deleteIndexRows(
          trx,
          await readPayloads(
            trx,
            rewritten.map((r) => r.seq),
          ),
        )
        for (const { seq, record } of rewritten) {
          const { statement, index } = record
          await trx
            .updateTable('statements')
            .set({
              payload: JSON.stringify(statement),
              actor_ifi: index.actorIfi ?? null,
              authority_ifi: index.authorityIfi ?? null,
              verb_id: index.verbId,
              object_activity_id: index.objectActivityId ?? null,
              registration: index.registration ?? null,
            })
            .where('store_id', '=', storeId)
            .where('seq', '=', seq)
            .execute()
          await insertIndexRows(trx, seq, index)
        }
        // The referrer closures of rewritten StatementRef statements are rebuilt as on insert.
        const referrers = rewritten.filter((r) => r.record.index.objectStatementId !== undefined)
        for (const part of chunk(referrers, perList))
          await sql`with recursive chain(store_id, referrer_seq, target_id) as (
              select s.store_id, s.seq, s.object_statement_id from statements s
              where s.store_id = ${storeId} and s.voided = 0
                and s.seq in (${sql.join(part.map((r) => r.seq))})
                and s.object_statement_id is not null
              union
              select chain.store_id, chain.referrer_seq, t.object_statement_id from chain
              inner join statements t on t.store_id = chain.store_id and t.id = chain.target_id
              where t.object_statement_id is not null
            )
            insert into statement_refs (store_id, referrer_seq, target_id)
            select store_id, referrer_seq, target_id from chain
            on conflict do nothing`.execute(trx)
      })
    },

    async deleteAgentDocuments(ifis) {
      let deleted = 0
      for (const part of chunk([...ifis], perList)) {
        const result = await db
          .deleteFrom('documents')
          .where('store_id', '=', storeId)
          .where('kind', 'in', ['state', 'agentProfile'])
          .where('agent_ifi', 'in', part)
          .executeTakeFirst()
        deleted += Number(result.numDeletedRows)
      }
      return deleted
    },

    async deleteAgents(ifis) {
      let deleted = 0
      for (const part of chunk([...ifis], perList)) {
        const result = await db
          .deleteFrom('agents')
          .where('store_id', '=', storeId)
          .where('ifi', 'in', part)
          .executeTakeFirst()
        deleted += Number(result.numDeletedRows)
      }
      return deleted
    },

    async forgetPeople(ifis) {
      const owners = new Set<number>()
      for (const part of chunk([...ifis], perList)) {
        const rows = await people
          .selectFrom('person_identifiers')
          .select('person_id')
          .where('store_id', '=', storeId)
          .where('ifi', 'in', part)
          .execute()
        for (const row of rows) owners.add(Number(row.person_id))
        await people
          .deleteFrom('person_identifiers')
          .where('store_id', '=', storeId)
          .where('ifi', 'in', part)
          .execute()
      }
      let deleted = 0
      for (const part of chunk([...owners], perList)) {
        const kept = await people
          .selectFrom('person_identifiers')
          .select('person_id')
          .where('store_id', '=', storeId)
          .where('person_id', 'in', part)
          .execute()
        const stay = new Set(kept.map((row) => Number(row.person_id)))
        const gone = part.filter((id) => !stay.has(id))
        if (gone.length === 0) continue
        const result = await people
          .deleteFrom('people')
          .where('store_id', '=', storeId)
          .where('seq', 'in', gone)
          .executeTakeFirst()
        deleted += Number(result.numDeletedRows)
      }
      return deleted
    },

    async identifiersOfPerson(personId) {
      const person = await people
        .selectFrom('people')
        .select('seq')
        .where('store_id', '=', storeId)
        .where('seq', '=', personId)
        .executeTakeFirst()
      if (person === undefined) return undefined
      const rows = await people
        .selectFrom('person_identifiers')
        .select('ifi')
        .where('store_id', '=', storeId)
        .where('person_id', '=', personId)
        .orderBy('ifi')
        .execute()
      return rows.map((row) => row.ifi)
    },

    async insertErasure(record) {
      const row = await db
        .insertInto('erasures')
        .values({
          store_id: storeId,
          requested_by: record.requestedBy,
          requested_ms: msFromIso(record.requestedAt),
          ifi_hashes: JSON.stringify(record.ifiHashes),
          statements_deleted: record.statementsDeleted,
          statements_anonymised: record.statementsAnonymised,
          documents_deleted: record.documentsDeleted,
          attachments_deleted: record.attachmentsDeleted,
          agents_deleted: record.agentsDeleted,
        })
        .returning('seq')
        .executeTakeFirstOrThrow()
      return { id: toNumber(row.seq), ...record }
    },

    async listErasures() {
      const rows = await db
        .selectFrom('erasures')
        .selectAll()
        .where('store_id', '=', storeId)
        .orderBy('seq', 'desc')
        .execute()
      return rows.map(erasureFromRow)
    },

    async findRetention() {
      const row = await db
        .selectFrom('retention_policies')
        .selectAll()
        .where('store_id', '=', storeId)
        .executeTakeFirst()
      if (row === undefined) return undefined
      return {
        statementDays: row.statement_days === null ? undefined : toNumber(row.statement_days),
        documentDays: row.document_days === null ? undefined : toNumber(row.document_days),
        updatedAt: isoFromMs(toNumber(row.updated_ms)),
      }
    },

    async saveRetention(policy) {
      const values = {
        statement_days: policy.statementDays ?? null,
        document_days: policy.documentDays ?? null,
        updated_ms: msFromIso(policy.updatedAt),
      }
      await db
        .insertInto('retention_policies')
        .values({ store_id: storeId, ...values })
        .onConflict((oc) => oc.column('store_id').doUpdateSet(values))
        .execute()
    },

    async countExpired(statementsBefore, documentsBefore) {
      const count: RetentionCount = {
        statements: 0,
        documents: 0,
        oldestStored: undefined,
        newestStored: undefined,
      }
      if (statementsBefore !== undefined) {
        const row = await db
          .selectFrom('statements')
          .select((eb) => [
            eb.fn.countAll().as('n'),
            eb.fn.min('stored_ms').as('oldest'),
            eb.fn.max('stored_ms').as('newest'),
          ])
          .where('store_id', '=', storeId)
          .where('stored_ms', '<', msFromIso(statementsBefore))
          .executeTakeFirstOrThrow()
        count.statements = Number(row.n)
        if (row.oldest !== null) count.oldestStored = isoFromMs(toNumber(row.oldest))
        if (row.newest !== null) count.newestStored = isoFromMs(toNumber(row.newest))
      }
      if (documentsBefore !== undefined) {
        const row = await db
          .selectFrom('documents')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('store_id', '=', storeId)
          .where('updated_ms', '<', msFromIso(documentsBefore))
          .executeTakeFirstOrThrow()
        count.documents = Number(row.n)
      }
      return count
    },

    purgeStatementsBefore(before, limit) {
      return atomically(ctx, async (trx) => {
        const found = await trx
          .selectFrom('statements')
          .select(['seq', 'payload'])
          .where('store_id', '=', storeId)
          .where('stored_ms', '<', msFromIso(before))
          .orderBy('stored_ms', 'asc')
          .orderBy('seq', 'asc')
          .limit(limit)
          .execute()
        const rows = found.map((r) => ({ seq: toNumber(r.seq), payload: r.payload }))
        if (rows.length === 0) return { statements: 0 }
        await deleteRows(trx, rows)
        const ifis = new Set<string>()
        for (const row of rows) for (const ifi of keysOf(row.payload).ifis) ifis.add(ifi)
        await forgetUnmentionedAgents(trx, [...ifis])
        return { statements: rows.length }
      })
    },

    async purgeDocumentsBefore(before, limit) {
      return atomically(ctx, async (trx) => {
        const rows = await trx
          .selectFrom('documents')
          .select(['kind', 'activity_id', 'agent_ifi', 'registration', 'document_id'])
          .where('store_id', '=', storeId)
          .where('updated_ms', '<', msFromIso(before))
          .orderBy('updated_ms', 'asc')
          .limit(limit)
          .execute()
        for (const row of rows)
          await trx
            .deleteFrom('documents')
            .where('store_id', '=', storeId)
            .where('kind', '=', row.kind)
            .where('activity_id', '=', row.activity_id)
            .where('agent_ifi', '=', row.agent_ifi)
            .where('registration', '=', row.registration)
            .where('document_id', '=', row.document_id)
            .execute()
        return rows.length
      })
    },
  }
}
