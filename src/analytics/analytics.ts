/**
 * @module The `Analytics` interface: the report use cases over the projections, their freshness,
 * and the rebuild. Built by `compose.ts` from the storage's statement log.
 */
import type { LogConsumer } from '../core/log/log-consumer.js'
import type { StatementLogStorage, StoreId } from '../storage/ports.js'
import { cohortOverview, COHORT_OVERVIEW_DEFINITION } from './people/people-overview.js'
import { loadPartialPeopleDirectory } from './people/people-directory.js'
import { loadPersonScope } from './people/person-scope.js'
import { analyzeProjections, resetProjections } from './projector.js'
import { courseReport, type CourseQuery } from './reports/course-report.js'
import { itemsReport } from './reports/items-report.js'
import { learnerReport } from './reports/learner-report.js'
import { objectivesReport, type ObjectivesQuery } from './reports/objectives-report.js'
import { type Interval, overviewReport } from './reports/overview-report.js'
import { pagesReport } from './reports/pages-report.js'
import {
  type AnyDb,
  freshness,
  type Freshness,
  parseWindow,
  windowJson,
} from './reports/report-context.js'
import { DEFINITIONS } from './statement-facts.js'

/** The window every report takes (ISO 8601; `until` exclusive). */
export interface WindowQuery {
  since?: string | undefined
  until?: string | undefined
  /** Restricts the report to a cohort's members (docs/people.md); reports count by person. */
  cohort?: number | undefined
}

/** What every report answers besides its data. */
export interface ReportEnvelope {
  report: string
  storeId: StoreId
  window: { since: string | null; until: string | null }
  asOf: string | null
  lagSeconds: number
  caughtUp: boolean
  /** The definitions (analytics-definitions.md) the report's measures follow. */
  definitions: Record<string, string>
}

export type Report<T> = ReportEnvelope & T

export interface Analytics {
  overview(
    storeId: StoreId,
    query: WindowQuery & { interval: Interval; top: number },
  ): Promise<Report<Awaited<ReturnType<typeof overviewReport>>>>
  course(
    storeId: StoreId,
    activity: string,
    query: WindowQuery & CourseQuery,
  ): Promise<Report<Awaited<ReturnType<typeof courseReport>>>>
  learner(
    storeId: StoreId,
    learner: string,
    query: WindowQuery,
  ): Promise<Report<Awaited<ReturnType<typeof learnerReport>>>>
  items(
    storeId: StoreId,
    assessment: string,
    query: WindowQuery,
  ): Promise<Report<Awaited<ReturnType<typeof itemsReport>>>>
  pages(
    storeId: StoreId,
    activity: string,
    query: WindowQuery,
  ): Promise<Report<Awaited<ReturnType<typeof pagesReport>>>>
  objectives(
    storeId: StoreId,
    query: WindowQuery & ObjectivesQuery,
  ): Promise<Report<Awaited<ReturnType<typeof objectivesReport>>>>
  /** How fresh the store's projections are. */
  freshness(storeId: StoreId): Promise<Freshness>
  /**
   * Recomputes the store's projections from its statements: empties them and moves the
   * projector's cursor to 0 in one unit of work, then, if this process holds the lease, runs
   * the projector to the watermark (reporting progress); otherwise the process holding it does.
   */
  rebuild(
    storeId: StoreId,
    onProgress?: (progress: { cursor: number; watermark: number; processed: number }) => void,
  ): Promise<{ processed: number | undefined }>
}

function pick(keys: readonly (keyof typeof DEFINITIONS)[]): Record<string, string> {
  return Object.fromEntries(keys.map((k) => [k, DEFINITIONS[k]]))
}

export function createAnalytics(log: StatementLogStorage, projector: LogConsumer): Analytics {
  async function run<T>(
    report: string,
    storeId: StoreId,
    window: WindowQuery,
    definitions: readonly (keyof typeof DEFINITIONS)[],
    body: (db: AnyDb, parsed: ReturnType<typeof parseWindow>) => Promise<T>,
  ): Promise<Report<T>> {
    const parsed = parseWindow(window.since, window.until)
    // Freshness first: the data read after it is at least as fresh as it says.
    const fresh = await freshness(log, storeId)
    const data = await log.read((connection) => body(connection as AnyDb, parsed))
    return {
      report,
      storeId,
      window: windowJson(parsed),
      asOf: fresh.asOf,
      lagSeconds: fresh.lagSeconds,
      caughtUp: fresh.caughtUp,
      definitions: pick(['statementSet', 'learner', 'time', ...definitions]),
      ...data,
    }
  }

  return {
    overview: (storeId, query) =>
      run('overview', storeId, query, ['completion', 'success', 'formal'], async (db, window) => {
        // Without a cohort the overview counts by person in SQL (overview-report.ts) and needs
        // no directory: loading every person of the store would grow with the store.
        if (query.cohort === undefined)
          return overviewReport(db, storeId, window, query.interval, query.top)
        const scope = await loadPersonScope(db, storeId, query.cohort)
        if (scope.members === undefined) throw new Error('a cohort scope has members')
        return {
          ...(await cohortOverview(
            db,
            storeId,
            window,
            query.interval,
            query.top,
            scope,
            scope.members,
          )),
          cohort: { ...scope.cohort, definition: COHORT_OVERVIEW_DEFINITION },
        }
      }),
    course: (storeId, activity, query) =>
      run(
        'course',
        storeId,
        query,
        [
          'course',
          'completion',
          'started',
          'success',
          'passRate',
          'score',
          'timeSpent',
          'attempts',
          'pages',
        ],
        async (db, window) => {
          const people = await loadPersonScope(db, storeId, query.cohort, { partial: true })
          const report = await courseReport(db, storeId, activity, window, { ...query, people })
          // Names of the page's rows only: the directory of the scope holds merged persons.
          const named =
            query.cohort === undefined
              ? await loadPartialPeopleDirectory(
                  db,
                  storeId,
                  report.learners.rows.map((row) => row.learner),
                )
              : people.directory
          return {
            ...report,
            ...(people.cohort === undefined ? {} : { cohortFilter: people.cohort }),
            learners: {
              ...report.learners,
              rows: report.learners.rows.map((row) => ({
                ...row,
                name: named.person(row.learner)?.attributes.name ?? null,
              })),
            },
          }
        },
      ),
    learner: (storeId, learner, query) =>
      run(
        'learner',
        storeId,
        query,
        [
          'course',
          'completion',
          'success',
          'score',
          'timeSpent',
          'attempts',
          'objectives',
          'formal',
        ],
        async (db, window) => {
          const directory = await loadPartialPeopleDirectory(db, storeId, [learner])
          const person = directory.person(learner)
          return {
            ...(await learnerReport(db, storeId, learner, window, directory.learnersOf(learner))),
            person: person ?? null,
          }
        },
      ),
    items: (storeId, assessment, query) =>
      run('items', storeId, query, ['items', 'success'], (db, window) =>
        itemsReport(db, storeId, assessment, window),
      ),
    pages: (storeId, activity, query) =>
      run('pages', storeId, query, ['pages', 'course'], (db, window) =>
        pagesReport(db, storeId, activity, window),
      ),
    objectives: (storeId, query) =>
      run('objectives', storeId, query, ['objectives', 'course'], (db, window) =>
        objectivesReport(db, storeId, window, query),
      ),
    freshness: (storeId) => freshness(log, storeId),
    async rebuild(storeId, onProgress) {
      await log.unitOfWork(storeId, ({ log: storeLog, connection }) =>
        resetProjections(connection as AnyDb, storeLog, storeId),
      )
      const processed = await projector.catchUp(storeId, onProgress)
      if (processed !== undefined)
        await log.unitOfWork(storeId, ({ connection }) => analyzeProjections(connection as AnyDb))
      return { processed }
    },
  }
}
