/**
 * @module The people reports behind `/api/stores/:id/reports/…`: informal learning, ineffective
 * content and cohort comparison, each with the report envelope (window, freshness,
 * definitions), and the rebuild of the people consumer's projection.
 */
import type { LogConsumer } from '../../core/log/log-consumer.js'
import type { StatementLogStorage, StoreId } from '../../storage/ports.js'
import { createSqlPeopleStore } from '../../storage/sql/sql-people-store.js'
import type { ReportEnvelope, WindowQuery } from '../analytics.js'
import type { Interval } from '../reports/overview-report.js'
import { type AnyDb, freshness, parseWindow, windowJson } from '../reports/report-context.js'
import { DEFINITIONS } from '../statement-facts.js'
import { compareReport } from './compare-report.js'
import { ineffectiveReport } from './ineffective-report.js'
import { INFORMAL_DEFINITIONS } from './informal-facts.js'
import { informalReport } from './informal-report.js'
import { PEOPLE_CONSUMER, resetPeopleConsumer } from './people-consumer.js'
import { findCohortOr404 } from './people-directory.js'
import { loadPersonScope } from './person-scope.js'

type Report<T> = ReportEnvelope & T

export interface PeopleReports {
  informal(
    storeId: StoreId,
    query: WindowQuery & { interval: Interval },
  ): Promise<Report<Awaited<ReturnType<typeof informalReport>>>>
  ineffective(
    storeId: StoreId,
    query: WindowQuery & { limit: number },
  ): Promise<Report<Awaited<ReturnType<typeof ineffectiveReport>>>>
  /** Cohort `cohort` against cohort `versus`, or against everyone else. */
  compare(
    storeId: StoreId,
    query: WindowQuery & { cohort: number; versus: number | 'rest'; activity?: string | undefined },
  ): Promise<Report<Awaited<ReturnType<typeof compareReport>>>>
  /**
   * Refolds the informal projection from the statements (after erasure or retention deleted
   * some): empties it and moves the people consumer to 0, then catches up if this process
   * holds its lease.
   */
  rebuild(storeId: StoreId): Promise<void>
}

const pick = (keys: readonly (keyof typeof DEFINITIONS)[]) =>
  Object.fromEntries(keys.map((k) => [k, DEFINITIONS[k]]))

export function createPeopleReports(
  log: StatementLogStorage,
  consumer: LogConsumer | undefined,
): PeopleReports {
  async function run<T>(
    report: string,
    storeId: StoreId,
    window: WindowQuery,
    definitions: Record<string, string>,
    body: (db: AnyDb, parsed: ReturnType<typeof parseWindow>) => Promise<T>,
  ): Promise<Report<T>> {
    const parsed = parseWindow(window.since, window.until)
    const fresh = await freshness(log, storeId)
    // The informal projection is the people consumer's: the staler of the two is reported.
    const people = await log.position(PEOPLE_CONSUMER, storeId)
    const peopleCaughtUp = people.cursor >= people.watermark
    const data = await log.read((connection) => body(connection as AnyDb, parsed))
    return {
      report,
      storeId,
      window: windowJson(parsed),
      asOf: peopleCaughtUp ? fresh.asOf : null,
      lagSeconds:
        peopleCaughtUp || people.nextStoredMs === undefined
          ? fresh.lagSeconds
          : Math.max(fresh.lagSeconds, (Date.now() - people.nextStoredMs) / 1000),
      caughtUp: fresh.caughtUp && peopleCaughtUp,
      definitions: { ...pick(['statementSet', 'learner', 'time']), ...definitions },
      ...data,
    }
  }

  return {
    informal: (storeId, query) =>
      run(
        'informal',
        storeId,
        query,
        { ...pick(['formal']), ...INFORMAL_DEFINITIONS },
        async (db, window) => {
          const scope = await loadPersonScope(db, storeId, query.cohort)
          const cohorts = await createSqlPeopleStore(db, storeId).listCohorts()
          return {
            ...(scope.cohort === undefined ? {} : { cohort: scope.cohort }),
            ...(await informalReport(db, storeId, window, query.interval, scope, cohorts)),
          }
        },
      ),
    ineffective: (storeId, query) =>
      run(
        'ineffective',
        storeId,
        query,
        pick(['completion', 'started', 'pages', 'items', 'score', 'timeSpent', 'course']),
        async (db, window) => {
          const scope = await loadPersonScope(db, storeId, query.cohort)
          return {
            ...(scope.cohort === undefined ? {} : { cohort: scope.cohort }),
            ...(await ineffectiveReport(db, storeId, window, scope, query.limit)),
          }
        },
      ),
    compare: (storeId, query) =>
      run(
        'compare',
        storeId,
        query,
        { ...pick(['completion', 'passRate', 'score', 'timeSpent']), ...INFORMAL_DEFINITIONS },
        async (db, window) => {
          const scope = await loadPersonScope(db, storeId)
          const first = await findCohortOr404(db, storeId, query.cohort)
          const second =
            query.versus === 'rest' ? 'rest' : await findCohortOr404(db, storeId, query.versus)
          return compareReport(db, storeId, window, scope, first, second, query.activity)
        },
      ),
    async rebuild(storeId) {
      await log.unitOfWork(storeId, ({ log: storeLog, connection }) =>
        resetPeopleConsumer(connection, storeLog, storeId),
      )
      await consumer?.catchUp(storeId)
    },
  }
}
