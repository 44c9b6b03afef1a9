/** @module A simulated store for the analytics tests: ingest through core, project, read raw. */
import { createAnalytics, type Analytics } from '../../src/analytics/analytics.js'
import { createAnalyticsProjector } from '../../src/analytics/projector.js'
import { createLogConsumer, type LogConsumer } from '../../src/core/log/log-consumer.js'
import type { RequestContext } from '../../src/core/lrs.js'
import { createStoreStatements } from '../../src/core/statements/store-statements.js'
import { DEFAULT_STORE_ID, type LogEntry, type Storage } from '../../src/storage/ports.js'
import { createSimulation, inBatches } from '../../src/simulate/simulate-statements.js'
import type { Statement } from '../../src/xapi/types.js'

export const S = DEFAULT_STORE_ID

export const CONTEXT: RequestContext = {
  principal: {
    key: 'sim',
    storeId: S,
    scopes: ['all'],
    authority: { objectType: 'Agent', name: 'simulator', mbox: 'mailto:sim@example.com' },
  },
  version: '1.0.3',
}

export interface AnalyticsFixture {
  ingest(statements: readonly Statement[]): Promise<void>
  projector: LogConsumer
  analytics: Analytics
  /** Every statement of the store as the log holds it (raw, voided ones flagged). */
  raw(): Promise<LogEntry[]>
}

export function analyticsFixture(storage: Storage, batchSize = 300): AnalyticsFixture {
  const writes = createStoreStatements({
    storage,
    limits: { maxStatementsPerPage: 500 },
    xapiBasePath: '/xapi',
    authorityHomePage: 'http://almanac.test',
    projectSteps: [],
    listeners: [],
  })
  const projector = createLogConsumer({
    log: storage.log,
    stores: () => Promise.resolve([S]),
    handler: createAnalyticsProjector(),
    batchSize,
  })
  return {
    async ingest(statements) {
      for (const batch of inBatches(statements, 250))
        await writes.ingest(CONTEXT, batch, 'unchecked', { preserve: false })
    },
    projector,
    analytics: createAnalytics(storage.log, projector),
    raw: () =>
      storage.log.unitOfWork(S, async ({ log }) => log.readAfter(0, await log.watermark(), 1e9)),
  }
}

/** A small organisation: a few hundred learners would take minutes on three backends. */
export function simulated(statements = 6000): Statement[] {
  return [
    ...createSimulation({
      seed: 'analytics-test',
      statements,
      learners: 60,
      courses: 2,
    }).statements(),
  ]
}
