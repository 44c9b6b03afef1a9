/** @module Migration 0029: a shared writer begins in one step, and its `stored` never goes below one drawn before it. */
import { type Kysely, type Migration, sql } from 'kysely'
import { RESERVE_LOCK_CLASS, STATEMENT_SEQ_SEQUENCE } from './parallel-writers-migration.js'
import type { SqlDialect } from './sql-dialect.js'

/**
 * The first key of Almanac's two-key store write locks ('Alma' in ASCII); the second is the
 * store id (postgres-sql-dialect.ts `lockStoreWrites` takes the same lock).
 */
export const STORE_LOCK_CLASS = 0x416c6d61

/**
 * Version 29 (PostgreSQL only):
 *
 * - `almanac_reserve_statements` (migration 0022) also keeps `stored` from going back behind a
 *   writer still in flight. It took `stored` as the latest of the clock, one ms past the
 *   latest _committed_ `stored` and the caller's floor; a writer in flight whose `stored` ran
 *   ahead of the clock (a floor from its process's last watermark, a clock stepped back) was
 *   in neither, so the next draw could take a smaller `stored` with a larger `seq`. The last
 *   `stored` drawn in a store is kept where every writer can read it without a lock and where
 *   it lasts exactly as long as it is needed: in the publication of the writer that drew it
 *   (its transaction-local `application_name`, field 4, set under the drawing lock) until its
 *   transaction ends, then in the committed maximum (a commit is visible before the
 *   publication is restored; a rolled-back writer's `stored` was never seen by anyone). The
 *   publications are read before the committed maximum, so a writer that ends between the
 *   two reads is found by the second. No table row: a row updated in the caller's transaction
 *   would stay locked until its commit and serialise the writers again.
 * - `almanac_begin_shared_writer(store, count, floor_ms)`: what a shared unit of work did in two
 *   round trips, in one: takes the store's write lock shared (transaction level, as
 *   `lockStoreWrites` 'shared'), publishes the unit of work's lower bounds (the clock, the next
 *   `seq`) before it draws anything, then draws as `almanac_reserve_statements`.
 */
export function sharedWriterBeginMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect.name !== 'postgres') return
      await sql
        .raw(
          `create or replace function almanac_reserve_statements(
  p_store integer, p_count integer, p_floor_ms bigint
) returns table (stored_ms bigint, seqs bigint[])
language plpgsql volatile as $fn$
declare
  v_tag text := 'almanac:' || current_schema()::regnamespace::oid || ':' || p_store;
  v_seqs bigint[];
  v_in_flight bigint;
  v_committed bigint;
  v_stored bigint;
begin
  perform pg_advisory_lock(${RESERVE_LOCK_CLASS}, p_store);
  begin
    select array_agg(n.s order by n.s) into v_seqs
      from (select nextval('${STATEMENT_SEQ_SEQUENCE}') as s from generate_series(1, p_count)) n;
    -- The other sessions' state as it is now, not as this transaction first read it.
    perform pg_stat_clear_snapshot();
    select max(nullif(split_part(a.application_name, ':', 4), '')::bigint) into v_in_flight
      from pg_stat_get_activity(null) a
      where a.datid = (select oid from pg_database where datname = current_database())
      and a.application_name like v_tag || ':%';
    select max(t.stored_ms) into v_committed from statements t where t.store_id = p_store;
    v_stored := greatest(floor(extract(epoch from clock_timestamp()) * 1000)::bigint,
      coalesce(v_committed + 1, 0), coalesce(v_in_flight, 0), p_floor_ms);
    perform set_config('application_name', v_tag || ':' || v_stored || ':' || v_seqs[1], true);
  exception when others or query_canceled then
    perform pg_advisory_unlock(${RESERVE_LOCK_CLASS}, p_store);
    raise;
  end;
  perform pg_advisory_unlock(${RESERVE_LOCK_CLASS}, p_store);
  return query select v_stored, v_seqs;
end
$fn$`,
        )
        .execute(db)
      await sql
        .raw(
          `create or replace function almanac_begin_shared_writer(
  p_store integer, p_count integer, p_floor_ms bigint
) returns table (stored_ms bigint, seqs bigint[])
language plpgsql volatile as $fn$
begin
  perform pg_advisory_xact_lock_shared(${STORE_LOCK_CLASS}, p_store);
  perform set_config('application_name', 'almanac:' || current_schema()::regnamespace::oid
    || ':' || p_store || ':' || floor(extract(epoch from clock_timestamp()) * 1000)::bigint
    || ':' || (select case when is_called then last_value + 1 else last_value end
      from ${STATEMENT_SEQ_SEQUENCE}), true);
  return query select r.stored_ms, r.seqs
    from almanac_reserve_statements(p_store, p_count, p_floor_ms) r;
end
$fn$`,
        )
        .execute(db)
    },
  }
}
