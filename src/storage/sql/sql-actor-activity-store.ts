/** @module ActorActivityStore on SQL: canonical Activity definitions and the agents seen, per store. */
import type { ActorActivityStore } from '../ports.js'
import type { Activity, ActivityDefinition, Agent, Group } from '../../xapi/types.js'
import { insertChunks, listChunks, type SqlStoreContext } from './sql-support.js'

const ACTIVITY_COLUMNS = 3
const AGENT_COLUMNS = 4

/**
 * One entry per key, later entries winning as the caller sent them in order, sorted by key:
 * concurrent upserts then lock the rows they share in the same order, which never deadlocks.
 */
function lastPerKey<T>(items: readonly T[], key: (item: T) => string): T[] {
  const byKey = new Map(items.map((item) => [key(item), item]))
  return [...byKey.keys()].sort().flatMap((k) => {
    const item = byKey.get(k)
    return item === undefined ? [] : [item]
  })
}

export function createSqlActorActivityStore(ctx: SqlStoreContext): ActorActivityStore {
  const { db, storeId, dialect } = ctx

  return {
    async findActivity(activityId) {
      const row = await db
        .selectFrom('activities')
        .select('definition')
        .where('store_id', '=', storeId)
        .where('activity_id', '=', activityId)
        .executeTakeFirst()
      if (row === undefined) return undefined
      const definition = JSON.parse(row.definition) as ActivityDefinition
      const activity: Activity = { objectType: 'Activity', id: activityId }
      if (Object.keys(definition).length > 0) activity.definition = definition
      return activity
    },

    async findActivityDefinitions(activityIds, options) {
      // A shared writer reads these to merge into them (core/activities.ts): another shared
      // writer of the store merging into the same activity waits until this one commits, then
      // reads its result (a new snapshot: read committed), so neither merge is lost. An
      // exclusive writer is alone anyway.
      if (options?.forUpdate === true && ctx.writeMode === 'shared')
        await dialect.lockKeys?.(db, storeId, activityIds)
      const found = new Map<string, ActivityDefinition>()
      // The rows the unit of work's statement insert read (UnitPrefetch); never for a locked read.
      const prefetched = ctx.prefetch?.activities
      if (
        options?.forUpdate !== true &&
        prefetched !== undefined &&
        activityIds.every((id) => prefetched.keys.has(id))
      ) {
        for (const id of activityIds) {
          const definition = prefetched.rows.get(id)
          if (definition !== undefined) found.set(id, JSON.parse(definition) as ActivityDefinition)
        }
        return found
      }
      for (const part of listChunks(dialect, activityIds)) {
        const rows = await db
          .selectFrom('activities')
          .select(['activity_id', 'definition'])
          .where('store_id', '=', storeId)
          .where('activity_id', 'in', part)
          .execute()
        for (const row of rows)
          found.set(row.activity_id, JSON.parse(row.definition) as ActivityDefinition)
      }
      return found
    },

    async upsertActivities(activities) {
      if (ctx.prefetch !== undefined) ctx.prefetch.activities = undefined
      const rows = lastPerKey(activities, (a) => a.id).map((a) => ({
        store_id: storeId,
        activity_id: a.id,
        definition: JSON.stringify(a.definition),
      }))
      for (const part of insertChunks(dialect, rows, ACTIVITY_COLUMNS))
        await db
          .insertInto('activities')
          .values(part)
          .onConflict((oc) =>
            oc
              .columns(['store_id', 'activity_id'])
              .doUpdateSet((eb) => ({ definition: eb.ref('excluded.definition') })),
          )
          .execute()
    },

    // One row per (IFI, name): the Agents resource lists every name an agent was seen with
    // (Communication §2.4 Person object).
    async upsertAgents(agents) {
      let rows = lastPerKey(agents, (a) => `${a.ifi}\n${a.agent.name ?? ''}`).map((a) => ({
        store_id: storeId,
        ifi: a.ifi,
        name: a.agent.name ?? '',
        agent: JSON.stringify(a.agent),
      }))
      // A shared writer writes only the rows that are new or differ: an upsert locks its row
      // until commit even when it changes nothing, and nearly every unit of work mentions the
      // same agents (the authority at least), so parallel writers of a store would otherwise
      // wait for each other's commits here.
      const prefetched = ctx.prefetch?.agents
      if (ctx.prefetch !== undefined) ctx.prefetch.agents = undefined
      if (ctx.writeMode === 'shared' && rows.length > 0) {
        const known = new Map<string, string>()
        // The rows the unit of work's statement insert read (UnitPrefetch), when they cover these.
        if (prefetched !== undefined && rows.every((r) => prefetched.keys.has(r.ifi)))
          for (const row of prefetched.rows) known.set(`${row.ifi}\n${row.name}`, row.agent)
        else
          for (const part of listChunks(
            dialect,
            rows.map((r) => r.ifi),
          )) {
            const found = await db
              .selectFrom('agents')
              .select(['ifi', 'name', 'agent'])
              .where('store_id', '=', storeId)
              .where('ifi', 'in', part)
              .execute()
            for (const row of found) known.set(`${row.ifi}\n${row.name}`, row.agent)
          }
        rows = rows.filter((r) => known.get(`${r.ifi}\n${r.name}`) !== r.agent)
      }
      for (const part of insertChunks(dialect, rows, AGENT_COLUMNS))
        await db
          .insertInto('agents')
          .values(part)
          // Only a changed agent is written: most rows of a group are agents seen before, as
          // they were, and rewriting them anyway dirtied their pages, which every commit then
          // wrote out again (the WAL on SQLite), once per group commit.
          .onConflict((oc) =>
            oc
              .columns(['store_id', 'ifi', 'name'])
              .doUpdateSet((eb) => ({ agent: eb.ref('excluded.agent') }))
              .where((eb) => eb(eb.ref('agents.agent'), '<>', eb.ref('excluded.agent'))),
          )
          .execute()
    },

    async findAgents(ifi) {
      const rows = await db
        .selectFrom('agents')
        .select('agent')
        .where('store_id', '=', storeId)
        .where('ifi', '=', ifi)
        .orderBy('name')
        .execute()
      return rows.map((row) => JSON.parse(row.agent) as Agent | Group)
    },
  }
}
