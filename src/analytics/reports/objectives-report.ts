/** @module Report 6, objectives: the learner × objective mastery matrix (paged) and cohort mastery (§8). */
import { MASTERY_THRESHOLD } from '../statement-facts.js'
import { sql } from 'kysely'
import {
  type AnyDb,
  type AnyRow,
  num,
  numOrNull,
  type ReportWindow,
  windowJson,
} from './report-context.js'
import { ratio, roundOrNull } from './stats.js'

export interface ObjectivesQuery {
  course?: string | undefined
  page: number
  pageSize: number
}

/**
 * Aggregated in the database (a store holds a row per learner and objective: up to millions),
 * so only the per-objective figures and the requested page of the matrix reach the process.
 * The filter is one function so a learner filter (cohorts, persons) can join in one place.
 */
export async function objectivesReport(
  db: AnyDb,
  storeId: number,
  window: ReportWindow,
  query: ObjectivesQuery,
) {
  // An open window filters nothing: leaving its bounds out lets the learner counts walk the
  // (store, learner) index alone instead of visiting every row for its last_ms.
  const open = windowJson(window)
  const scope = () => {
    let select = db.selectFrom('an_objectives').where('store_id', '=', storeId)
    if (open.since !== null) select = select.where('last_ms', '>=', window.sinceMs)
    if (open.until !== null) select = select.where('last_ms', '<', window.untilMs)
    if (query.course !== undefined) select = select.where('course', '=', query.course)
    return select
  }
  // The share as the matrix computes it (correct / evidence, a double), compared as there.
  const share = sql<number>`case when evidence = 0 then null else correct * 1.0 / evidence end`
  const perObjective = (await scope()
    .select([
      'objective',
      sql<number>`count(*)`.as('learners'),
      sql<number>`sum(case when ${share} >= ${sql.lit(MASTERY_THRESHOLD)} then 1 else 0 end)`.as(
        'mastered',
      ),
      sql<number>`avg(coalesce(${share}, 0))`.as('mean'),
    ])
    .groupBy('objective')
    .orderBy('objective')
    .execute()) as AnyRow[]
  const learnerCount = (await scope()
    .select(sql<number>`count(distinct learner)`.as('n'))
    .executeTakeFirst()) as AnyRow | undefined
  const pageLearners = (
    (await scope()
      .select('learner')
      .distinct()
      .orderBy('learner')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize)
      .execute()) as AnyRow[]
  ).map((r) => String(r['learner']))
  const rows =
    pageLearners.length === 0
      ? []
      : ((await scope()
          .select(['objective', 'learner', 'evidence', 'correct'])
          .where('learner', 'in', pageLearners)
          .execute()) as AnyRow[])
  const cells = rows.map((r) => {
    const evidence = num(r['evidence'])
    const mastery = evidence === 0 ? null : num(r['correct']) / evidence
    return {
      learner: String(r['learner']),
      objective: String(r['objective']),
      evidence,
      correct: num(r['correct']),
      mastery: roundOrNull(mastery),
      mastered: mastery !== null && mastery >= MASTERY_THRESHOLD,
    }
  })
  return {
    threshold: MASTERY_THRESHOLD,
    objectives: perObjective.map((r) => {
      const learners = num(r['learners'])
      const mastered = num(r['mastered'])
      return {
        objective: String(r['objective']),
        learners,
        mastered,
        masteryRate: ratio(mastered, learners),
        meanMastery: roundOrNull(numOrNull(r['mean'])),
      }
    }),
    matrix: {
      learners: num(learnerCount?.['n']),
      page: query.page,
      pageSize: query.pageSize,
      columns: perObjective.map((r) => String(r['objective'])),
      cells: cells.sort((a, b) =>
        a.learner < b.learner
          ? -1
          : a.learner > b.learner
            ? 1
            : a.objective < b.objective
              ? -1
              : a.objective > b.objective
                ? 1
                : 0,
      ),
    },
  }
}
