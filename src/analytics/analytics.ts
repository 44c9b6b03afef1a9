/**
 * @module The `Analytics` interface: the report use cases over the projections, their freshness,
 * and the rebuild. Built by `compose.ts` from the storage's statement log.
 */
import type { LogConsumer } from '../core/log/log-consumer.js'
import type { StatementLogStorage, StoreId } from '../storage/ports.js'
import { cohortOverview, COHORT_OVERVIEW_DEFINITION } from './people/people-overview.js'
import { loadPartialPeopleDirectory } from './people/people-directory.js'
import { MIN_GROUP } from './people/informal-report.js'
import { type CohortNote, loadPersonScope, type PersonScope } from './people/person-scope.js'
import type { PersonRecord } from '../storage/people-port.js'
import { REBUILT_TABLES, resetProjections } from './projector.js'
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

/** The cohort a report was restricted to (`?cohort=`), and how it counts. */
export interface CohortFilterNote extends CohortNote {
  definition: string
}
type WithCohort = { cohortFilter?: CohortFilterNote }

/** The learner report's comparison with a cohort (`?cohort=`, §10). */
export interface CohortComparison extends CohortNote {
  /** Whether the learner's person is a member. */
  member: boolean
  definition: string
  courses: Awaited<ReturnType<typeof courseAgainstCohort>>[]
}

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
  ): Promise<
    Report<
      Awaited<ReturnType<typeof learnerReport>> & {
        person: PersonRecord | null
        cohortComparison?: CohortComparison
      }
    >
  >
  items(
    storeId: StoreId,
    assessment: string,
    query: WindowQuery,
  ): Promise<Report<Awaited<ReturnType<typeof itemsReport>> & WithCohort>>
  pages(
    storeId: StoreId,
    activity: string,
    query: WindowQuery,
  ): Promise<Report<Awaited<ReturnType<typeof pagesReport>> & WithCohort>>
  objectives(
    storeId: StoreId,
    query: WindowQuery & ObjectivesQuery,
  ): Promise<Report<Awaited<ReturnType<typeof objectivesReport>> & WithCohort>>
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

/** How a report restricted to a cohort counts (docs/people.md). */
export const COHORT_FILTER_DEFINITION =
  "only the cohort's members count, by person: the rows of a person's IFIs merge by the projection's rules (first answer or view by timestamp, then stored order; sums add up), so a merged person counts once"

/** The scope of `cohort`, or undefined without one (the report then counts per learner key). */
async function cohortScope(
  db: AnyDb,
  storeId: StoreId,
  cohort: number | undefined,
): Promise<PersonScope | undefined> {
  return cohort === undefined ? undefined : loadPersonScope(db, storeId, cohort)
}

const cohortNote = (scope: PersonScope | undefined) =>
  scope?.cohort === undefined
    ? {}
    : { cohortFilter: { ...scope.cohort, definition: COHORT_FILTER_DEFINITION } }

/** What a learner is compared with when the learner report is given a cohort (§10). */
export const COHORT_COMPARISON_DEFINITION = `for each of the learner's courses, the cohort's persons whose first statement about the course falls in the window (the course report with the cohort): persons, completion rate among the started (§1), mean best score (§3), median time (§4); a course with fewer than ${MIN_GROUP} such persons is suppressed (its figures are null, §10)`

async function courseAgainstCohort(
  db: AnyDb,
  storeId: StoreId,
  course: string,
  window: ReturnType<typeof parseWindow>,
  scope: PersonScope,
) {
  const r = await courseReport(db, storeId, course, window, {
    scoreOf: 'best',
    page: 1,
    pageSize: 1,
    sort: 'learner',
    order: 'asc',
    people: scope,
  })
  const suppressed = r.cohort < MIN_GROUP
  return {
    course,
    people: r.cohort,
    suppressed,
    started: suppressed ? null : r.started,
    completionRate: suppressed ? null : r.completionRate,
    meanBestScore: suppressed ? null : r.scores.mean,
    medianTimeSeconds: suppressed ? null : r.timeSpent.median,
  }
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
          const report = await learnerReport(
            db,
            storeId,
            learner,
            window,
            directory.learnersOf(learner),
          )
          const scope = await cohortScope(db, storeId, query.cohort)
          // One course after another: the queries share the report's connection.
          const courses = []
          if (scope?.cohort !== undefined)
            for (const c of report.courses)
              courses.push(await courseAgainstCohort(db, storeId, c.course, window, scope))
          return {
            ...report,
            person: person ?? null,
            ...(scope?.cohort === undefined
              ? {}
              : {
                  cohortComparison: {
                    ...scope.cohort,
                    member: scope.includes(learner),
                    definition: COHORT_COMPARISON_DEFINITION,
                    courses,
                  },
                }),
          }
        },
      ),
    items: (storeId, assessment, query) =>
      run('items', storeId, query, ['items', 'success'], async (db, window) => {
        const scope = await cohortScope(db, storeId, query.cohort)
        return {
          ...(await itemsReport(db, storeId, assessment, window, scope)),
          ...cohortNote(scope),
        }
      }),
    pages: (storeId, activity, query) =>
      run('pages', storeId, query, ['pages', 'course'], async (db, window) => {
        const scope = await cohortScope(db, storeId, query.cohort)
        return {
          ...(await pagesReport(db, storeId, activity, window, scope)),
          ...cohortNote(scope),
        }
      }),
    objectives: (storeId, query) =>
      run('objectives', storeId, query, ['objectives', 'course'], async (db, window) => {
        const scope = await cohortScope(db, storeId, query.cohort)
        return {
          ...(await objectivesReport(db, storeId, window, query, scope)),
          ...cohortNote(scope),
        }
      }),
    freshness: (storeId) => freshness(log, storeId),
    async rebuild(storeId, onProgress) {
      await log.unitOfWork(storeId, ({ log: storeLog, connection }) =>
        resetProjections(connection as AnyDb, storeLog, storeId),
      )
      const processed = await projector.catchUp(storeId, onProgress)
      if (processed !== undefined) await log.tidyTables(REBUILT_TABLES)
      return { processed }
    },
  }
}
