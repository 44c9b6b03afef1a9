/** @module Migration 0022: PostgreSQL's step that draws a shared writer's `seq` values and `stored` time together. */
import { type Kysely, type Migration, sql } from 'kysely'
import type { SqlDialect } from './sql-dialect.js'

/**
 * The identity sequence of `statements.seq` (PostgreSQL names it after the table and column).
 * Writers publish the next value it will give before they draw any (postgres-sql-dialect.ts).
 */
export const STATEMENT_SEQ_SEQUENCE = 'statements_seq_seq'

/** The first key of the advisory lock around the drawing step ('Allc' in ASCII). */
export const RESERVE_LOCK_CLASS = 0x416c6c63

/**
 * Version 22 (PostgreSQL only; SQLite has one writer at a time and nothing to add):
 * `almanac_reserve_statements(store, count, floor_ms)`, the one step that writers of a store
 * running in parallel take one at a time (docs/scaling.md, "Many writers per store"). Under a
 * session-level advisory lock of the store, held only for this call (a transaction-level one
 * would last until the caller's commit and serialise the writers again), it draws `count`
 * values from the `seq` sequence, takes `stored` as the latest of the server's clock, one ms
 * past the latest committed `stored` of the store and `floor_ms`, and publishes both lower
 * bounds in the caller's transaction-local `application_name`. Because the draws and the
 * clock readings of a store happen in the lock's order, `stored` never decreases in `seq`
 * order within a store. The lock is released on every path: a session-level lock left held by
 * an error would stop the store's writers on that connection's server session.
 */
export function parallelWritersMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect.name !== 'postgres') return
      const { rows } = await sql<{
        name: string | null
      }>`select pg_get_serial_sequence('statements', 'seq') as name`.execute(db)
      const name = rows[0]?.name ?? ''
      // The writers name the sequence in their SQL text; fail the migration rather than them.
      if (name.split('.').at(-1) !== STATEMENT_SEQ_SEQUENCE)
        throw new Error(`statements.seq is drawn from ${name}, not ${STATEMENT_SEQ_SEQUENCE}`)
      await sql
        .raw(
          `create or replace function almanac_reserve_statements(
  p_store integer, p_count integer, p_floor_ms bigint
) returns table (stored_ms bigint, seqs bigint[])
language plpgsql volatile as $fn$
declare
  v_seqs bigint[];
  v_committed bigint;
  v_stored bigint;
begin
  perform pg_advisory_lock(${RESERVE_LOCK_CLASS}, p_store);
  begin
    select array_agg(n.s order by n.s) into v_seqs
      from (select nextval('${STATEMENT_SEQ_SEQUENCE}') as s from generate_series(1, p_count)) n;
    select max(t.stored_ms) into v_committed from statements t where t.store_id = p_store;
    v_stored := greatest(floor(extract(epoch from clock_timestamp()) * 1000)::bigint,
      coalesce(v_committed + 1, 0), p_floor_ms);
    perform set_config('application_name', 'almanac:' || current_schema()::regnamespace::oid
      || ':' || p_store || ':' || v_stored || ':' || v_seqs[1], true);
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
    },
  }
}
