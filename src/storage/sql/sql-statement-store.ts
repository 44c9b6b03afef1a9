/** @module StatementStore on SQL: statements, their index rows, voiding, `stored` times, attachments. */
import { CompiledQuery, type Kysely, sql } from 'kysely'
import type {
  ActivityRelation,
  AgentRelation,
  AttachmentContent,
  StatementRecord,
  StatementRow,
  StatementStore,
} from '../ports.js'
import type { StoredStatement } from '../../xapi/types.js'
import type { Database } from './database.js'
import { insertRows, type RawColumn } from './insert-rows.js'
import type { SharedClock } from './sql-dialect.js'
import { queryStatementPage } from './sql-statement-query.js'
import { StorageBusyError } from './storage-errors.js'
import { insertRefTargets } from './sql-statement-refs.js'
import {
  atomically,
  chunk,
  listChunks,
  fromBlob,
  isoFromMs,
  msFromIso,
  rowsPerInsert,
  type SqlStoreContext,
  toBlob,
  toNumber,
  valuesPerList,
} from './sql-support.js'

const ATTACHMENT_COLUMNS = 4
const OWNER_COLUMNS = 3

/** The columns of a new `statements` row, in the order `statementRow` gives the values. */
const STATEMENT_COLUMNS: readonly RawColumn[] = [
  { name: 'store_id', pgType: 'integer' },
  { name: 'id', pgType: 'text' },
  { name: 'stored_ms', pgType: 'bigint' },
  { name: 'voided', pgType: 'integer' },
  { name: 'verb_id', pgType: 'text' },
  { name: 'actor_ifi', pgType: 'text' },
  { name: 'object_activity_id', pgType: 'text' },
  { name: 'object_statement_id', pgType: 'text' },
  { name: 'registration', pgType: 'text' },
  { name: 'is_voiding', pgType: 'integer' },
  { name: 'payload', pgType: 'text' },
  { name: 'authority_ifi', pgType: 'text' },
]
/** Where the stored text sits in `STATEMENT_COLUMNS`: PostgreSQL takes it as `jsonArrayOf`. */
const PAYLOAD_COLUMN = STATEMENT_COLUMNS.findIndex((c) => c.name === 'payload')
const AGENT_COLUMNS: readonly RawColumn[] = [
  { name: 'statement_seq', pgType: 'bigint' },
  { name: 'store_id', pgType: 'integer' },
  { name: 'ifi', pgType: 'text' },
  { name: 'relation', pgType: 'text' },
]
const ACTIVITY_COLUMNS: readonly RawColumn[] = [
  { name: 'statement_seq', pgType: 'bigint' },
  { name: 'store_id', pgType: 'integer' },
  { name: 'activity_id', pgType: 'text' },
  { name: 'relation', pgType: 'text' },
]

/**
 * The agent and activity index rows of `records` as (statement id, IFI or activity id,
 * relation): one relation per key and statement ('direct' when any mention is direct).
 */
function indexRows(records: readonly StatementRecord[]): {
  agents: (readonly [string, string, string])[]
  activities: (readonly [string, string, string])[]
} {
  const agents: (readonly [string, string, string])[] = []
  const activities: (readonly [string, string, string])[] = []
  for (const { statement, index } of records) {
    const byIfi = collapseRelations(index.agents.map((a) => [a.ifi, a.relation] as const))
    for (const [ifi, relation] of byIfi) agents.push([statement.id, ifi, relation])
    const byActivity = collapseRelations(
      index.activities.map((a) => [a.activityId, a.relation] as const),
    )
    for (const [activityId, relation] of byActivity)
      activities.push([statement.id, activityId, relation])
  }
  return { agents, activities }
}

/**
 * See `insertWithIndexRowsPostgres`; parameters: the statement columns, the store, index rows,
 * and with `withSeq` the `seq` values a shared writer reserved (`SqlDialect.reserveStatements`).
 */
function postgresInsertWithIndexRows(withSeq: boolean): string {
  const n = STATEMENT_COLUMNS.length
  const columns = withSeq
    ? [...STATEMENT_COLUMNS, { name: 'seq', pgType: 'bigint' }]
    : STATEMENT_COLUMNS
  const names = columns.map((c) => c.name).join(', ')
  const arrays = columns
    .map((c, i) =>
      i === PAYLOAD_COLUMN
        ? `array(select j.e::text from json_array_elements($${i + 1}::json)
            with ordinality as j(e, i) order by j.i)`
        : `$${i + 1}::${c.pgType}[]`,
    )
    .join(', ')
  const k0 = withSeq ? n + 1 : n
  const store = `$${k0 + 1}::integer`
  const [a1, a2, a3, b1, b2, b3] = [2, 3, 4, 5, 6, 7].map((k) => `$${k0 + k}::text[]`)
  const overriding = withSeq ? ' overriding system value' : ''
  return `with s as (
  insert into statements (${names})${overriding} select * from unnest(${arrays}) returning seq, id
), ag as (
  insert into statement_agents (statement_seq, store_id, ifi, relation)
  select s.seq, ${store}, u.ifi, u.relation
  from unnest(${a1}, ${a2}, ${a3}) as u(id, ifi, relation) join s on s.id = u.id
), ac as (
  insert into statement_activities (statement_seq, store_id, activity_id, relation)
  select s.seq, ${store}, u.activity_id, u.relation
  from unnest(${b1}, ${b2}, ${b3}) as u(id, activity_id, relation) join s on s.id = u.id
)
select 's' as k, seq, id as key, null::text as name, null::text as value from s
union all
select 'a', null::bigint, a.activity_id, null::text, a.definition from activities a
where a.store_id = ${store} and a.activity_id = any(${b2})
union all
select 'g', null::bigint, g.ifi, g.name, g.agent from agents g
where g.store_id = ${store} and g.ifi = any(${a2})`
}

/** A row of `postgresInsertWithIndexRows`: an inserted statement ('s'), or a prefetched row. */
interface InsertedOrPrefetched {
  k: 's' | 'a' | 'g'
  seq: number | string | null
  key: string
  name: string | null
  value: string | null
}
const POSTGRES_INSERT_WITH_INDEX_ROWS = postgresInsertWithIndexRows(false)
const POSTGRES_INSERT_WITH_RESERVED_SEQS = postgresInsertWithIndexRows(true)

/**
 * The stored texts of a group as one JSON array, for `postgresInsertWithIndexRows`. As a `text[]`
 * parameter, node-postgres escaped every quote and backslash of every text in JavaScript and
 * PostgreSQL parsed them back out of an array literal; each text is already JSON, so joined they
 * are a JSON array whose elements `json_array_elements` returns as the very same texts (a `json`
 * value keeps its input text). For 30 groups of 1,000 simulated statements: 760 → 95 ms of Node
 * CPU and 1,055 → 385 ms in all (docs/scaling.md, wave 14). A statement nests at most 100 levels
 * (json-depth.ts), far inside what PostgreSQL's JSON parser takes.
 *
 * The array is built as UTF-8 bytes, not as a string: joining a group's texts into one string
 * took ~4 ms for 770 statements (about 1 MB), and node-postgres then measured and encoded that
 * string again; encoding each text into one buffer takes under 1 ms. node-postgres sends a
 * buffer as a binary parameter, and the binary form of `json` is its UTF-8 text (`json_recv`),
 * so the server reads the same bytes as before.
 */
function jsonArrayOf(texts: readonly string[]): Buffer {
  let length = 2 + Math.max(0, texts.length - 1)
  for (const text of texts) length += Buffer.byteLength(text)
  const bytes = Buffer.allocUnsafe(length)
  let at = bytes.write('[')
  texts.forEach((text, i) => {
    if (i > 0) at += bytes.write(',', at)
    at += bytes.write(text, at)
  })
  at += bytes.write(']', at)
  // `byteLength` and `write` encode alike (a lone surrogate as U+FFFD), so `at` is `length`;
  // cutting at `at` keeps any byte not written out of the parameter all the same.
  return bytes.subarray(0, at)
}

/** The unique index of statement ids per store (migration 0001). */
const STATEMENT_ID_INDEX = 'statements_store_id_id'

/** A PostgreSQL unique violation of a statement id: another writer committed it first. */
function isDuplicateStatementId(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const { code, constraint } = error as { code?: unknown; constraint?: unknown }
  return code === '23505' && constraint === STATEMENT_ID_INDEX
}

function statementRow(storeId: number, record: StatementRecord): unknown[] {
  const { statement, index } = record
  return [
    storeId,
    statement.id,
    msFromIso(statement.stored),
    0,
    index.verbId,
    index.actorIfi ?? null,
    index.objectActivityId ?? null,
    index.objectStatementId ?? null,
    index.registration ?? null,
    index.isVoiding ? 1 : 0,
    JSON.stringify(statement),
    index.authorityIfi ?? null,
  ]
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

/**
 * The latest committed `stored` of the store and the time now (epoch ms), on the clock `stored`
 * comes from; with a shared clock and `inFlight`, also when the oldest unit of work of the store
 * in flight began (undefined when none is). One round trip.
 */
async function readStoredClock(
  db: Kysely<Database>,
  storeId: number,
  shared: SharedClock | undefined,
  inFlight: boolean,
): Promise<{ committedMs: number; nowMs: number; inFlightSinceMs: number | undefined }> {
  if (shared === undefined)
    return {
      committedMs: await latestStoredMs(db, storeId),
      nowMs: Date.now(),
      inFlightSinceMs: undefined,
    }
  const { rows } = await sql<{
    stored_ms: number | string | null
    now_ms: number | string
    in_flight_ms: number | string | null
  }>`select max(stored_ms) as stored_ms, ${shared.nowMs} as now_ms,
      ${inFlight ? shared.inFlightSinceMs(storeId) : sql`null`} as in_flight_ms
    from statements where store_id = ${storeId}`.execute(db)
  const row = rows[0]
  if (row === undefined) throw new Error('an aggregate query returned no row')
  return {
    committedMs: row.stored_ms === null ? 0 : toNumber(row.stored_ms),
    nowMs: toNumber(row.now_ms),
    inFlightSinceMs: row.in_flight_ms === null ? undefined : toNumber(row.in_flight_ms),
  }
}

export function createSqlStatementStore(ctx: SqlStoreContext): StatementStore {
  const { db, storeId, dialect, clock } = ctx
  /** The `stored` handed out in this unit of work, so repeated calls never go back. */
  let allocatedMs = 0
  /** The `seq` values a shared writer reserved with its `stored`, ascending; used in order. */
  let reservedSeqs: number[] | undefined
  /**
   * PostgreSQL, in a unit of work: the ids `findStatementsByIds` looked up and those of them a
   * stored voiding statement targets, so that `findVoidedTargets` of the same ids (the late
   * voiding check of ingest, after the insert) needs no round trip of its own. Valid until
   * this unit of work inserts a voiding statement or voids one (then forgotten); other writers
   * of the store add none meanwhile: an exclusive unit of work is the only writer, and shared
   * ones never carry a StatementRef object (core/statements/store-statements.ts), so every
   * voiding statement that can target these ids was committed before the look-up.
   */
  let targetedIds: { ids: Set<string>; targeted: Set<string> } | undefined

  async function insertIndexRows(
    trx: Kysely<Database>,
    seqById: Map<string, number>,
    records: readonly StatementRecord[],
  ): Promise<void> {
    const { agents, activities } = indexRows(records)
    const withSeq = (rows: (readonly [string, string, string])[]) =>
      rows.map(([id, key, relation]) => [seqById.get(id) ?? 0, storeId, key, relation])
    await insertRows(trx, dialect, 'statement_agents', AGENT_COLUMNS, withSeq(agents))
    await insertRows(trx, dialect, 'statement_activities', ACTIVITY_COLUMNS, withSeq(activities))
  }

  /**
   * PostgreSQL: the statements and their agent and activity index rows in one statement (one
   * round trip instead of three, inside the store's lock): the index rows find their `seq` by
   * joining the statements' RETURNING on the id. Every text here is fixed, whatever the size.
   */
  async function insertWithIndexRowsPostgres(
    trx: Kysely<Database>,
    records: readonly StatementRecord[],
  ): Promise<{ seq: number | string; id: string }[]> {
    const rows = records.map((record) => statementRow(storeId, record))
    let seqs: number[] | undefined
    // A shared writer's `seq` values must come from the drawing step (readers' visible-through).
    if (
      ctx.writeMode === 'shared' &&
      dialect.reserveStatements !== undefined &&
      reservedSeqs === undefined
    )
      throw new Error('a shared unit of work inserts statements before allocateStored')
    if (reservedSeqs !== undefined) {
      if (reservedSeqs.length < records.length)
        throw new Error(
          `${records.length} statements to insert with ${reservedSeqs.length} seq values reserved`,
        )
      seqs = reservedSeqs.slice(0, records.length)
      reservedSeqs = reservedSeqs.slice(records.length)
    }
    const { agents, activities } = indexRows(records)
    const column = <T>(items: readonly (readonly unknown[])[], i: number) =>
      items.map((item) => (item[i] ?? null) as T)
    const parameters: unknown[] = [
      ...STATEMENT_COLUMNS.map((_, i) =>
        i === PAYLOAD_COLUMN ? jsonArrayOf(column<string>(rows, i)) : column(rows, i),
      ),
      ...(seqs === undefined ? [] : [seqs]),
      storeId,
      column(agents, 0),
      column(agents, 1),
      column(agents, 2),
      column(activities, 0),
      column(activities, 1),
      column(activities, 2),
    ]
    const text =
      seqs === undefined ? POSTGRES_INSERT_WITH_INDEX_ROWS : POSTGRES_INSERT_WITH_RESERVED_SEQS
    try {
      const result = await trx.executeQuery<InsertedOrPrefetched>(
        CompiledQuery.raw(text, parameters),
      )
      const inserted: { seq: number | string; id: string }[] = []
      const activityRows = new Map<string, string>()
      const agentRows: { ifi: string; name: string; agent: string }[] = []
      for (const row of result.rows)
        if (row.k === 's') inserted.push({ seq: row.seq ?? 0, id: row.key })
        else if (row.k === 'a') activityRows.set(row.key, row.value ?? '{}')
        else agentRows.push({ ifi: row.key, name: row.name ?? '', agent: row.value ?? '' })
      // Read in this statement's snapshot, which is as good as the next statement's for the
      // projection's reads (core/activities.ts): a definition it changes is read again, locked;
      // an agent row another writer just added is at worst written again, unchanged.
      if (ctx.prefetch !== undefined) {
        ctx.prefetch.activities = {
          keys: new Set(column<string>(activities, 1)),
          rows: activityRows,
        }
        ctx.prefetch.agents = { keys: new Set(column<string>(agents, 1)), rows: agentRows }
      }
      return inserted
    } catch (error) {
      // A shared writer decided its statements new before another writer in flight committed
      // the same id (the unique index made this insert wait for it). Not a Conflict yet: the
      // unit of work runs again and decides against the committed statement (same: no-op,
      // different: 409), as it would have one after the other.
      if (ctx.writeMode === 'shared' && isDuplicateStatementId(error))
        throw StorageBusyError('a statement id was stored by another writer meanwhile')
      throw error
    }
  }

  return {
    /*
     * `stored` for this unit of work: the latest of the clock, the latest `stored` committed in
     * the store, one ms past the last watermark returned, and what this unit of work already
     * used. It is honest because the unit of work holds the write lock (begin immediate): no
     * other commit can land between this read and ours, so `stored` never decreases in commit
     * (= seq) order, and it is always later than a watermark a reader may already hold.
     *
     * With a shared clock (other processes write the database, `SqlDialect.sharedClock`), the
     * write lock is the store's advisory lock (`lockStoreWrites`) and the watermarks other
     * processes returned are unknown here. Each is at most the larger of the latest committed
     * `stored` and the clock minus 1 ms when it was read (see `consistentThrough`), so `stored`
     * is at least the clock's now and strictly later than the latest committed one.
     */
    async allocateStored(count = 1) {
      const reserve = dialect.reserveStatements
      if (ctx.writeMode === 'shared' && reserve !== undefined) {
        // A shared writer: its `stored` and `seq` values are drawn together, one writer of the
        // store at a time, at least the clock's now and past the latest committed `stored`.
        const writer = ctx.sharedWriter
        const { storedMs, seqs } = await reserve(
          db,
          storeId,
          Math.max(1, count),
          Math.max(clock.lastConsistentMs + 1, allocatedMs),
          writer !== undefined && !writer.locked,
        )
        if (writer !== undefined) writer.locked = true
        allocatedMs = storedMs
        reservedSeqs = seqs
        return isoFromMs(allocatedMs)
      }
      const shared = dialect.sharedClock
      const { committedMs, nowMs } = await readStoredClock(db, storeId, shared, false)
      const floor = shared === undefined ? committedMs : committedMs + 1
      allocatedMs = Math.max(nowMs, floor, clock.lastConsistentMs + 1, allocatedMs)
      return isoFromMs(allocatedMs)
    },

    async findStatementsByIds(ids) {
      const found = new Map<string, StatementRow>()
      if (dialect.name === 'postgres' && ctx.inTransaction) {
        // One round trip for both look-ups of a unit of work (see `targetedIds`).
        const { rows } = await sql<{
          id: string
          payload: string | null
          voided: number | null
          targeted: boolean
        }>`select u.id, s.payload, s.voided, exists (select 1 from statements v
            where v.store_id = ${storeId} and v.is_voiding = 1 and v.object_statement_id = u.id
          ) as targeted
          from unnest(${[...ids]}::text[]) as u(id)
          left join statements s on s.store_id = ${storeId} and s.id = u.id`.execute(db)
        targetedIds = { ids: new Set(ids), targeted: new Set() }
        for (const row of rows) {
          if (row.targeted) targetedIds.targeted.add(row.id)
          if (row.payload !== null)
            found.set(row.id, {
              statement: JSON.parse(row.payload) as StoredStatement,
              voided: row.voided === 1,
            })
        }
        return found
      }
      for (const part of listChunks(dialect, ids)) {
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
      if (records.some((r) => r.index.isVoiding || r.index.objectStatementId !== undefined))
        targetedIds = undefined
      await atomically(ctx, async (trx) => {
        const seqById = new Map<string, number>()
        if (dialect.name === 'postgres') {
          for (const row of await insertWithIndexRowsPostgres(trx, records))
            seqById.set(row.id, toNumber(row.seq))
        } else {
          // Multi-row inserts: one round trip per few hundred statements, not one per row.
          // RETURNING gives no row order guarantee; map the assigned seq back by id.
          const inserted = await insertRows<{ seq: number | string; id: string }>(
            trx,
            dialect,
            'statements',
            STATEMENT_COLUMNS,
            records.map((record) => statementRow(storeId, record)),
            ['seq', 'id'],
          )
          for (const row of inserted) seqById.set(row.id, toNumber(row.seq))
          await insertIndexRows(trx, seqById, records)
        }
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
      targetedIds = undefined
      await atomically(ctx, async (trx) => {
        for (const part of listChunks(dialect, ids)) {
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
      const known = targetedIds
      if (known !== undefined && ids.every((id) => known.ids.has(id)))
        return new Set(ids.filter((id) => known.targeted.has(id)))
      const targets = new Set<string>()
      for (const part of listChunks(dialect, ids)) {
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

    async findStatement(id, voided, authorityIfi) {
      let query = db
        .selectFrom('statements')
        .select('payload')
        .where('store_id', '=', storeId)
        .where('id', '=', id)
        .where('voided', '=', voided ? 1 : 0)
      // statements/read/mine (Communication §4.2): another authority's statement is not found.
      if (authorityIfi !== undefined) query = query.where('authority_ifi', '=', authorityIfi)
      const row = await query.executeTakeFirst()
      return row === undefined ? undefined : (JSON.parse(row.payload) as StoredStatement)
    },

    queryStatements(query, cursor) {
      return queryStatementPage(ctx, query, cursor)
    },

    /*
     * The X-Experience-API-Consistent-Through watermark. It is read while no write transaction
     * is open (runExclusiveOfWriters): every statement committed so far is visible, none is
     * half-written, and allocateStored hands out only later times from now on. So a reader
     * that pages with `since = watermark` never skips a statement. The clock's now, rather than
     * the last `stored`, keeps the watermark moving while nothing is written. Inside a unit of
     * work the caller is the only writer and returns the value only after it commits.
     *
     * With a shared clock (PostgreSQL, any number of processes) nothing is excluded: the
     * watermark is the clock minus 1 ms (a unit of work starting now may take the clock's now
     * as `stored`) or the latest committed `stored` (every later one is strictly later), but
     * earlier than every unit of work of the store in flight began (its `stored` is not
     * earlier than that, and it has not committed). Readers never wait for writers, and every
     * process keeps every other's promise without state of its own (docs/scaling.md).
     */
    async consistentThrough() {
      const shared = dialect.sharedClock
      const read = async (conn: Kysely<Database>): Promise<string> => {
        const { committedMs, nowMs, inFlightSinceMs } = await readStoredClock(
          conn,
          storeId,
          shared,
          true,
        )
        const latestMs = Math.max(shared === undefined ? nowMs : nowMs - 1, committedMs)
        const watermarkMs =
          inFlightSinceMs === undefined ? latestMs : Math.min(latestMs, inFlightSinceMs - 1)
        // Still a promise kept: what was in flight then was accounted for then.
        clock.lastConsistentMs = Math.max(watermarkMs, clock.lastConsistentMs)
        return isoFromMs(clock.lastConsistentMs)
      }
      return ctx.inTransaction ? read(db) : dialect.runExclusiveOfWriters(db, read)
    },

    async insertAttachments(attachments: readonly AttachmentContent[], owners) {
      const unique = new Map(attachments.map((a) => [a.sha2, a]))
      const rows = [...unique.values()].map((a) => ({
        store_id: storeId,
        sha2: a.sha2,
        content_type: a.contentType,
        content: toBlob(a.content),
      }))
      const ownerRows = [
        ...new Map(owners.map((o) => [`${o.statementId}\n${o.sha2}`, o])).values(),
      ].map((o) => ({ store_id: storeId, statement_id: o.statementId, sha2: o.sha2 }))
      await atomically(ctx, async (trx) => {
        for (const part of chunk(rows, rowsPerInsert(dialect, ATTACHMENT_COLUMNS)))
          await trx
            .insertInto('attachments')
            .values(part)
            .onConflict((oc) => oc.columns(['store_id', 'sha2']).doNothing())
            .execute()
        for (const part of chunk(ownerRows, rowsPerInsert(dialect, OWNER_COLUMNS)))
          await trx
            .insertInto('statement_attachments')
            .values(part)
            .onConflict((oc) => oc.columns(['store_id', 'statement_id', 'sha2']).doNothing())
            .execute()
      })
    },

    // Only through the statements' own links (issue 15): a hash alone reads nothing.
    async findStatementAttachments(statementIds) {
      const found = new Map<string, AttachmentContent>()
      for (const part of chunk([...new Set(statementIds)], valuesPerList(dialect))) {
        const rows = await db
          .selectFrom('statement_attachments as o')
          .innerJoin('attachments as a', (join) =>
            join.onRef('a.store_id', '=', 'o.store_id').onRef('a.sha2', '=', 'o.sha2'),
          )
          .select(['a.sha2', 'a.content_type', 'a.content'])
          .where('o.store_id', '=', storeId)
          .where('o.statement_id', 'in', part)
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
