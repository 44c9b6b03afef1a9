/** @module The statement log on SQL: batches after a seq, the watermark, consumer cursors and lease rows. */
import { randomUUID } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import type { ConsumerLease, ConsumerPosition, LogEntry, StatementLog, StoreId } from '../ports.js'
import type { StoredStatement } from '../../xapi/types.js'
import type { Database } from './database.js'
import type { SqlDialect } from './sql-dialect.js'
import { chunk, toNumber, valuesPerList } from './sql-support.js'

interface LogRow {
  seq: number
  id: string
  payload: string
  voided: number
  is_voiding: number
  object_statement_id: string | null
}

/** How many decoded statements `decode` keeps: about one full consumer batch (a few MB). */
const DECODED_MAX = 2048

/** Stored texts decoded lately, by text, oldest first (Map iteration order). */
const decoded = new Map<string, StoredStatement>()

/**
 * The statement a stored text holds. Each consumer of the log (analytics, insights links,
 * people) reads the same new statements soon after one another; decoding each text once
 * rather than once per consumer took JSON parsing, and the garbage of three copies of every
 * statement, off the ingest process (profiled under batch ingest on SQLite). Keyed by the text
 * itself, so a statement whose stored text changed (erasure, anonymisation) is decoded anew.
 * Callers must not change the object (`LogEntry.statement` is read-only).
 */
function decode(payload: string): StoredStatement {
  const known = decoded.get(payload)
  if (known !== undefined) return known
  const statement = JSON.parse(payload) as StoredStatement
  decoded.set(payload, statement)
  if (decoded.size > DECODED_MAX) decoded.delete(decoded.keys().next().value as string)
  return statement
}

/**
 * The largest `seq` of the store through which every statement is committed and visible to a
 * snapshot taken after this returns, and none can still appear (0 when there is none): an
 * index lookup on (store_id, seq). Undefined when the store has no statement.
 *
 * With one writer of a store at a time (SQLite; exclusive units of work) that is the largest
 * committed `seq`. With shared writers (PostgreSQL) a writer still in flight may commit a `seq`
 * below one already committed, so it is also kept below the lowest `seq` any writer in flight
 * published (`SharedClock.inFlightLowestSeq`). One statement reads both, and its snapshot is
 * taken before the writers' publications are read. A writer that is not seen in flight then
 * either ended before (committed, so visible to any later snapshot; or rolled back: a gap) or
 * published afterwards, and so draws its `seq` values after the largest committed one read
 * here was drawn: above it. Any later snapshot therefore sees every `seq` up to the result.
 */
export async function visibleSeq(
  db: Kysely<Database>,
  storeId: StoreId,
  dialect: SqlDialect,
): Promise<number | undefined> {
  const shared = dialect.sharedClock
  const { rows } = await sql<{
    seq: number | string | null
    low: number | string | null
  }>`select max(seq) as seq, ${shared === undefined ? sql`null` : shared.inFlightLowestSeq(storeId)} as low
    from statements where store_id = ${storeId}`.execute(db)
  const row = rows[0]
  if (row === undefined || row.seq === null) return undefined
  const largest = toNumber(row.seq)
  return row.low === null ? largest : Math.min(largest, toNumber(row.low) - 1)
}

/** `visibleSeq`, 0 for a store without statements. */
async function maxSeq(
  db: Kysely<Database>,
  storeId: StoreId,
  dialect: SqlDialect,
): Promise<number> {
  return Math.max(0, (await visibleSeq(db, storeId, dialect)) ?? 0)
}

/**
 * The log of `storeId` on the connection `db` (a transaction of `StatementLogStorage.unitOfWork`).
 * See `StatementLog` in ports.ts for why `max(seq)` is an honest watermark.
 */
export function createSqlStatementLog(
  db: Kysely<Database>,
  storeId: StoreId,
  dialect: SqlDialect,
): StatementLog {
  /** The seq of the first voiding statement of each id that has one. */
  async function firstVoidings(ids: readonly string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>()
    for (const part of chunk([...new Set(ids)], valuesPerList(dialect))) {
      const rows = await db
        .selectFrom('statements')
        .select(['object_statement_id', (eb) => eb.fn.min('seq').as('seq')])
        .where('store_id', '=', storeId)
        .where('is_voiding', '=', 1)
        .where('object_statement_id', 'in', part)
        .groupBy('object_statement_id')
        .execute()
      for (const row of rows)
        if (row.object_statement_id !== null) found.set(row.object_statement_id, toNumber(row.seq))
    }
    return found
  }

  async function toEntries(rows: readonly LogRow[]): Promise<LogEntry[]> {
    const targetIds = rows
      .filter((row) => row.is_voiding === 1 && row.object_statement_id !== null)
      .map((row) => row.object_statement_id ?? '')
    const targets = new Map<string, { seq: number; statement: StoredStatement }>()
    for (const part of chunk([...new Set(targetIds)], valuesPerList(dialect))) {
      const found = await db
        .selectFrom('statements')
        .select(['id', 'seq', 'payload'])
        .where('store_id', '=', storeId)
        .where('id', 'in', part)
        .execute()
      for (const row of found)
        targets.set(row.id, {
          seq: toNumber(row.seq),
          statement: decode(row.payload),
        })
    }
    // Only voided statements (flag set) and voiding targets can have a voiding statement.
    const voidings = await firstVoidings([
      ...rows.filter((row) => row.voided === 1).map((row) => row.id),
      ...targets.keys(),
    ])
    return rows.map((row): LogEntry => {
      const entry: LogEntry = {
        seq: toNumber(row.seq),
        statement: decode(row.payload),
        voided: row.voided === 1,
        voidedBy: row.voided === 1 ? voidings.get(row.id) : undefined,
      }
      if (row.is_voiding === 1 && row.object_statement_id !== null) {
        const target = targets.get(row.object_statement_id)
        entry.target =
          target === undefined
            ? undefined
            : { ...target, voidedBy: voidings.get(row.object_statement_id) }
      }
      return entry
    })
  }

  return {
    async watermark() {
      // A unit of work is a transaction, in which PostgreSQL reads the writers in flight once.
      await dialect.sharedClock?.refreshInFlight(db)
      return maxSeq(db, storeId, dialect)
    },

    async readAfter(after, upTo, limit) {
      if (upTo <= after || limit <= 0) return []
      const rows = await db
        .selectFrom('statements')
        .select(['seq', 'id', 'payload', 'voided', 'is_voiding', 'object_statement_id'])
        .where('store_id', '=', storeId)
        .where('seq', '>', after)
        .where('seq', '<=', upTo)
        .orderBy('seq')
        .limit(limit)
        .execute()
      return toEntries(rows)
    },

    async readActor(actorIfi, upTo) {
      // statement_agents (store, ifi, seq) finds the learner's statements by an index walk; the
      // actor is always a 'direct' agent of its statement.
      const rows = await db
        .selectFrom('statement_agents as a')
        .innerJoin('statements as s', (join) =>
          join.onRef('s.seq', '=', 'a.statement_seq').on('s.store_id', '=', storeId),
        )
        .select(['s.seq', 's.id', 's.payload', 's.voided', 's.is_voiding', 's.object_statement_id'])
        .where('a.store_id', '=', storeId)
        .where('a.ifi', '=', actorIfi)
        .where('a.relation', '=', 'direct')
        .where('s.actor_ifi', '=', actorIfi)
        .where('a.statement_seq', '<=', upTo)
        .orderBy('a.statement_seq')
        .execute()
      return toEntries(rows)
    },

    // One upsert that creates the row at 0 and, on PostgreSQL, locks it until the unit of work
    // ends: a second unit of work of the same consumer waits here and then reads the cursor the
    // first one committed (ON CONFLICT DO UPDATE re-reads the latest row version). On SQLite the
    // unit of work already holds the database's write lock.
    async cursor(consumer) {
      const row = await db
        .insertInto('log_consumers')
        .values({ store_id: storeId, consumer, seq: 0, updated_ms: Date.now() })
        .onConflict((oc) =>
          oc
            .columns(['store_id', 'consumer'])
            .doUpdateSet({ updated_ms: sql<number>`log_consumers.updated_ms` }),
        )
        .returning('seq')
        .executeTakeFirstOrThrow()
      return toNumber(row.seq)
    },

    setCursor: (consumer, seq) => writeConsumerCursor(db, consumer, storeId, seq),
  }
}

/** Where `consumer` stands in the store: three index lookups. */
export async function readConsumerPosition(
  db: Kysely<Database>,
  consumer: string,
  storeId: StoreId,
  dialect: SqlDialect,
): Promise<ConsumerPosition> {
  const row = await db
    .selectFrom('log_consumers')
    .select('seq')
    .where('store_id', '=', storeId)
    .where('consumer', '=', consumer)
    .executeTakeFirst()
  const cursor = row === undefined ? 0 : toNumber(row.seq)
  const watermark = await maxSeq(db, storeId, dialect)
  const storedAt = async (op: '=' | '>', seq: number): Promise<number | undefined> => {
    const found = await db
      .selectFrom('statements')
      .select('stored_ms')
      .where('store_id', '=', storeId)
      .where('seq', op, seq)
      .orderBy('seq')
      .limit(1)
      .executeTakeFirst()
    return found === undefined ? undefined : toNumber(found.stored_ms)
  }
  return {
    cursor,
    cursorStoredMs: cursor === 0 ? undefined : await storedAt('=', cursor),
    watermark,
    nextStoredMs: cursor >= watermark ? undefined : await storedAt('>', cursor),
  }
}

/** Sets a consumer's cursor (creating the row). */
export async function writeConsumerCursor(
  db: Kysely<Database>,
  consumer: string,
  storeId: StoreId,
  seq: number,
): Promise<void> {
  const now = Date.now()
  await db
    .insertInto('log_consumers')
    .values({ store_id: storeId, consumer, seq, updated_ms: now })
    .onConflict((oc) => oc.columns(['store_id', 'consumer']).doUpdateSet({ seq, updated_ms: now }))
    .execute()
}

/** How long a lease row lasts without renewal, and how often its holder renews it. */
export const LEASE_ROW_TTL_MS = 10_000
const LEASE_ROW_RENEW_MS = 3_000

/**
 * Leases as rows with an expiry (SQLite: several processes may open one file, and there is no
 * session lock that dies with a process). The holder renews every few seconds; a crashed
 * holder's lease lapses after `LEASE_ROW_TTL_MS`. Taking it is one upsert that succeeds only
 * when the row is free, expired, or already ours, so two processes never both hold it.
 */
export function createRowLeases(db: Kysely<Database>): {
  acquire(consumer: string, storeId: StoreId): Promise<ConsumerLease | undefined>
  close(): Promise<void>
} {
  const held = new Set<ConsumerLease>()

  async function claim(consumer: string, storeId: StoreId, holder: string): Promise<boolean> {
    const now = Date.now()
    const row = await db
      .insertInto('log_leases')
      .values({ store_id: storeId, consumer, holder, expires_ms: now + LEASE_ROW_TTL_MS })
      .onConflict((oc) =>
        oc
          .columns(['store_id', 'consumer'])
          .doUpdateSet({ holder, expires_ms: now + LEASE_ROW_TTL_MS })
          .where((eb) =>
            eb.or([eb('log_leases.expires_ms', '<', now), eb('log_leases.holder', '=', holder)]),
          ),
      )
      .returning('holder')
      .executeTakeFirst()
    return row?.holder === holder
  }

  return {
    async acquire(consumer, storeId) {
      const holder = randomUUID()
      if (!(await claim(consumer, storeId, holder))) return undefined
      let alive = true
      const timer = setInterval(() => {
        claim(consumer, storeId, holder).then(
          (ok) => {
            if (!ok) alive = false
          },
          () => {
            alive = false
          },
        )
      }, LEASE_ROW_RENEW_MS)
      timer.unref()
      const lease: ConsumerLease = {
        held: () => alive,
        async release() {
          if (!held.delete(lease)) return
          alive = false
          clearInterval(timer)
          await db
            .deleteFrom('log_leases')
            .where('store_id', '=', storeId)
            .where('consumer', '=', consumer)
            .where('holder', '=', holder)
            .execute()
        },
      }
      held.add(lease)
      return lease
    },
    async close() {
      await Promise.allSettled([...held].map((lease) => lease.release()))
    },
  }
}
