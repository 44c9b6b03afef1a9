/** @module Report 6, objectives: the learner × objective mastery matrix (paged) and cohort mastery (§8). */
import { MASTERY_THRESHOLD } from '../statement-facts.js'
import { type AnyDb, type AnyRow, num, type ReportWindow } from './report-context.js'
import { mean, ratio, roundOrNull } from './stats.js'

export interface ObjectivesQuery {
  course?: string | undefined
  page: number
  pageSize: number
}

export async function objectivesReport(
  db: AnyDb,
  storeId: number,
  window: ReportWindow,
  query: ObjectivesQuery,
) {
  let select = db
    .selectFrom('an_objectives')
    .select(['objective', 'learner', 'evidence', 'correct', 'last_ms'])
    .where('store_id', '=', storeId)
  if (query.course !== undefined) select = select.where('course', '=', query.course)
  const rows = ((await select.execute()) as AnyRow[]).filter(
    (r) => num(r['last_ms']) >= window.sinceMs && num(r['last_ms']) < window.untilMs,
  )
  const cells = rows.map((r) => {
    const evidence = num(r['evidence'])
    const share = evidence === 0 ? null : num(r['correct']) / evidence
    return {
      learner: String(r['learner']),
      objective: String(r['objective']),
      evidence,
      correct: num(r['correct']),
      mastery: roundOrNull(share),
      mastered: share !== null && share >= MASTERY_THRESHOLD,
    }
  })
  const objectives = [...new Set(cells.map((c) => c.objective))].sort()
  const learners = [...new Set(cells.map((c) => c.learner))].sort()
  const pageLearners = new Set(
    learners.slice((query.page - 1) * query.pageSize, query.page * query.pageSize),
  )
  return {
    threshold: MASTERY_THRESHOLD,
    objectives: objectives.map((objective) => {
      const mine = cells.filter((c) => c.objective === objective)
      const mastered = mine.filter((c) => c.mastered).length
      return {
        objective,
        learners: mine.length,
        mastered,
        masteryRate: ratio(mastered, mine.length),
        meanMastery: roundOrNull(mean(mine.map((c) => c.mastery ?? 0))),
      }
    }),
    matrix: {
      learners: learners.length,
      page: query.page,
      pageSize: query.pageSize,
      columns: objectives,
      cells: cells
        .filter((c) => pageLearners.has(c.learner))
        .sort((a, b) =>
          a.learner < b.learner
            ? -1
            : a.learner > b.learner
              ? 1
              : a.objective < b.objective
                ? -1
                : 1,
        ),
    },
  }
}
