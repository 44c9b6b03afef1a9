/**
 * @module Keeping the planner's statistics in step with a growing statements table.
 *
 * PostgreSQL plans from statistics that autovacuum's ANALYZE refreshes after 10% of a table
 * changed, and its launcher looks at each database once a minute (`autovacuum_naptime`). A store
 * that grows from nothing keeps the statistics of an empty table for that minute or more: the
 * planner then takes a common verb or activity for a rare one and reads and sorts all its
 * statements instead of walking the index backwards and stopping after a page (issue 13:
 * verb+activity queries p95 432 ms at up to 8×10⁴ statements, bench/plan-drift.ts). So each
 * process counts the statements it commits and, once they reach a fraction of the table as last
 * analysed, runs the engine's refresh in the background: one at a time, never on a request's
 * path, its failures ignored (autovacuum remains the backstop).
 *
 * Every process counts only its own commits, so N processes writing one database would each
 * analyse the table at every threshold. The refresh is told how many analyses of the table it
 * saw after its last one, and skips when another process (or autovacuum) has analysed since and
 * the table has not grown by the threshold after that, or when another process is analysing.
 */

/** Refresh when the statements committed since the last refresh reach this share of the table... */
export const GROWTH = 0.5
/** ...and at least this many (ANALYZE samples at most 30 000 rows per table: cheap, not free). */
const MIN_ROWS = 2_000

export interface PlannerStatsRefresher {
  /** Called after a commit with how many statements it inserted. */
  noteInserted(count: number): void
  /** Resolves when no refresh is running (before the pool closes). */
  idle(): Promise<void>
}

/** The statements table as the engine's statistics describe it after a refresh. */
export interface PlannerStats {
  /** Its estimated row count. */
  readonly rows: number
  /** How many times it has been analysed, by anyone (a counter that only grows). */
  readonly analyses: number
}

/**
 * `refresh` analyses the statement tables, unless someone else is doing so now, or did after
 * `analysesSeen` (the count this process's previous refresh returned, undefined before the
 * first) and the table has grown by less than `GROWTH` since; it returns the statistics as they
 * then are.
 */
export type PlannerStatsRefresh = (analysesSeen: number | undefined) => Promise<PlannerStats>

export function createPlannerStatsRefresher(refresh: PlannerStatsRefresh): PlannerStatsRefresher {
  let rowsAtRefresh = 0
  let insertedSince = 0
  let analysesSeen: number | undefined
  let running: Promise<void> | undefined
  return {
    noteInserted(count) {
      insertedSince += count
      if (running !== undefined || insertedSince < Math.max(MIN_ROWS, rowsAtRefresh * GROWTH))
        return
      insertedSince = 0
      running = refresh(analysesSeen)
        .then((stats) => {
          rowsAtRefresh = stats.rows
          analysesSeen = stats.analyses
        })
        .catch(() => undefined)
        .finally(() => {
          running = undefined
        })
    },
    async idle() {
      await running
    },
  }
}
