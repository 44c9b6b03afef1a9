/** @module The StatementRef closure (`statement_refs`): which statements each referrer reaches. */
import { type Kysely, sql } from 'kysely'
import type { Database } from './database.js'
import { chunk, type SqlStoreContext, valuesPerList } from './sql-support.js'

/**
 * Records the targets of newly inserted statements whose object is a StatementRef, for
 * Communication §2.1.3 "Filter Conditions for StatementRefs" (a matches when a → b → c and c
 * matches). Run after the statements are inserted, with their seqs.
 *
 * Statements arrive in any order, so the closure grows from both ends:
 * 1. each new referrer gets its whole chain, walked now through the statements already stored
 *    (this batch included), up to the first id not stored yet;
 * 2. each earlier referrer that reaches a new referrer x (it holds x's id) also gets everything
 *    x reaches. Every closure is complete at all times, so one pass is enough: a referrer of a
 *    referrer of x holds x's id itself.
 * `union` in the walk drops repeated pairs, so a cycle of refs ends.
 */
export async function insertRefTargets(
  ctx: SqlStoreContext,
  db: Kysely<Database>,
  referrerSeqs: readonly number[],
): Promise<void> {
  for (const seqs of chunk(referrerSeqs, valuesPerList(ctx.dialect))) {
    const list = sql.join(seqs)
    await sql`with recursive chain(store_id, referrer_seq, target_id) as (
        select s.store_id, s.seq, s.object_statement_id from statements s
        where s.store_id = ${ctx.storeId} and s.seq in (${list}) and s.object_statement_id is not null
        union
        select chain.store_id, chain.referrer_seq, t.object_statement_id from chain
        inner join statements t on t.store_id = chain.store_id and t.id = chain.target_id
        where t.object_statement_id is not null
      )
      insert into statement_refs (store_id, referrer_seq, target_id)
      select store_id, referrer_seq, target_id from chain`.execute(db)

    await sql`insert into statement_refs (store_id, referrer_seq, target_id)
      select distinct earlier.store_id, earlier.referrer_seq, reached.target_id
      from statements x
      inner join statement_refs earlier on earlier.store_id = x.store_id and earlier.target_id = x.id
      inner join statement_refs reached on reached.store_id = x.store_id and reached.referrer_seq = x.seq
      where x.store_id = ${ctx.storeId} and x.seq in (${list})
      on conflict do nothing`.execute(db)
  }
}
