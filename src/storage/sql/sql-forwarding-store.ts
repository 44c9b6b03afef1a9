/** @module ForwardingStore on SQL: targets, their settings and delivery state. */
import { type Kysely, type Selectable, sql } from 'kysely'
import type {
  ForwardingDestination,
  ForwardingFilter,
  ForwardingStore,
  ForwardingTargetRecord,
} from '../ports.js'
import type { Database, ForwardingTargetsTable } from './database.js'
import { isoFromMs, msFromIso, toNumber } from './sql-support.js'

function fromRow(row: Selectable<ForwardingTargetsTable>): ForwardingTargetRecord {
  const optionalIso = (ms: number | string | null) =>
    ms === null ? undefined : isoFromMs(toNumber(ms))
  return {
    id: toNumber(row.seq),
    storeId: toNumber(row.store_id),
    name: row.name,
    destination: JSON.parse(row.destination) as ForwardingDestination,
    filter: JSON.parse(row.filter) as ForwardingFilter,
    batchSize: toNumber(row.batch_size),
    maxFailures: toNumber(row.max_failures),
    paused: toNumber(row.paused) === 1,
    consecutiveFailures: toNumber(row.consecutive_failures),
    lastError: row.last_error ?? undefined,
    lastErrorAt: optionalIso(row.last_error_ms),
    lastSuccessAt: optionalIso(row.last_success_ms),
    delivered: toNumber(row.delivered),
    batches: toNumber(row.batches),
    failures: toNumber(row.failures),
    createdAt: isoFromMs(toNumber(row.created_ms)),
  }
}

export function createSqlForwardingStore(db: Kysely<Database>): ForwardingStore {
  return {
    async insertTarget(target) {
      const row = await db
        .insertInto('forwarding_targets')
        .values({
          store_id: target.storeId,
          name: target.name,
          destination: JSON.stringify(target.destination),
          filter: JSON.stringify(target.filter),
          batch_size: target.batchSize,
          max_failures: target.maxFailures,
          paused: 0,
          consecutive_failures: 0,
          last_error: null,
          last_error_ms: null,
          last_success_ms: null,
          delivered: 0,
          batches: 0,
          failures: 0,
          created_ms: msFromIso(target.createdAt),
        })
        .returningAll()
        .executeTakeFirstOrThrow()
      return fromRow(row)
    },

    async findTarget(id) {
      const row = await db
        .selectFrom('forwarding_targets')
        .selectAll()
        .where('seq', '=', id)
        .executeTakeFirst()
      return row === undefined ? undefined : fromRow(row)
    },

    async listTargets(storeId) {
      let query = db.selectFrom('forwarding_targets').selectAll().orderBy('seq')
      if (storeId !== undefined) query = query.where('store_id', '=', storeId)
      return (await query.execute()).map(fromRow)
    },

    async updateTarget(id, changes) {
      const set: Partial<Selectable<ForwardingTargetsTable>> = {}
      if (changes.name !== undefined) set.name = changes.name
      if (changes.destination !== undefined) set.destination = JSON.stringify(changes.destination)
      if (changes.filter !== undefined) set.filter = JSON.stringify(changes.filter)
      if (changes.batchSize !== undefined) set.batch_size = changes.batchSize
      if (changes.maxFailures !== undefined) set.max_failures = changes.maxFailures
      if (changes.paused !== undefined) set.paused = changes.paused ? 1 : 0
      if (changes.consecutiveFailures !== undefined)
        set.consecutive_failures = changes.consecutiveFailures
      if (Object.keys(set).length === 0) return (await this.findTarget(id)) !== undefined
      const result = await db
        .updateTable('forwarding_targets')
        .set(set)
        .where('seq', '=', id)
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },

    async deleteTarget(id) {
      const result = await db
        .deleteFrom('forwarding_targets')
        .where('seq', '=', id)
        .executeTakeFirst()
      return result.numDeletedRows > 0n
    },

    async recordSuccess(id, statements, at) {
      await db
        .updateTable('forwarding_targets')
        .set({
          delivered: sql`delivered + ${statements}`,
          batches: sql`batches + 1`,
          consecutive_failures: 0,
          last_success_ms: msFromIso(at),
        })
        .where('seq', '=', id)
        .execute()
    },

    async recordFailure(id, error, at, pause) {
      await db
        .updateTable('forwarding_targets')
        .set({
          failures: sql`failures + 1`,
          consecutive_failures: sql`consecutive_failures + 1`,
          last_error: error.slice(0, 2000),
          last_error_ms: msFromIso(at),
          ...(pause ? { paused: 1 } : {}),
        })
        .where('seq', '=', id)
        .execute()
    },

    async seqStoredBefore(storeId, time) {
      const row = await db
        .selectFrom('statements')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .where('store_id', '=', storeId)
        .where('stored_ms', '<', msFromIso(time))
        .executeTakeFirst()
      return row?.seq === undefined || row.seq === null ? 0 : toNumber(row.seq)
    },
  }
}
