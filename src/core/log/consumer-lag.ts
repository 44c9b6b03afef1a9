/** @module How far a log consumer is behind its store's log, as /metrics reports it. */
import type { StatementLogStorage, StoreId } from '../../storage/ports.js'

/** A consumer's lag: `almanac_consumer_lag_statements` and `_seconds` (docs/operations.md). */
export interface ConsumerLagReading {
  /**
   * The distance in `seq` from the consumer's cursor to the store's watermark: a statement
   * deleted or a reservation rolled back leaves a gap, so it may exceed the statements left.
   */
  readonly statements: number
  /** Age in seconds of the oldest statement past the cursor; 0 when caught up. */
  readonly seconds: number
}

/** Reads `consumer`'s lag in `storeId` from its position (two indexed reads, no scan). */
export function consumerLagReader(
  log: StatementLogStorage,
  consumer: string,
  storeId: StoreId,
  now: () => number = Date.now,
): () => Promise<ConsumerLagReading> {
  return async () => {
    const at = await log.position(consumer, storeId)
    return {
      statements: Math.max(0, at.watermark - at.cursor),
      seconds: at.nextStoredMs === undefined ? 0 : Math.max(0, (now() - at.nextStoredMs) / 1000),
    }
  }
}
