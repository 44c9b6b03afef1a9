/** @module Report 6, objectives: the learner × objective mastery matrix (paged) and cohort mastery (§8). */
import { MASTERY_THRESHOLD } from '../statement-facts.js'
import { type RawBuilder, sql } from 'kysely'
import { OBJECTIVES } from '../../storage/sql/analytics-schema.js'
import { type PersonScope, rowsByPerson } from '../people/person-scope.js'
import {
  type AnyDb,
  type AnyRow,
  isOpenWindow,
  num,
  numOrNull,
  onPostgres,
  type ReportWindow,
  wholeDays,
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
  /** A cohort (people/person-scope.ts): only its members count, by person. */
  people?: PersonScope,
) {
  if (people !== undefined) return cohortObjectives(db, storeId, window, query, people)
  // An open window filters nothing: the figures kept at projection time, store-wide or per
  // course, instead of every (objective, learner) row in scope.
  const open = windowJson(window)
  if (isOpenWindow(window)) return keptObjectives(db, storeId, query)
  // With a window: the store's figures from its days (migration 0042), a course's from its cells
  // in the window (`cellFigures`).
  const course = query.course
  const scope = () => {
    let select = db.selectFrom('an_objectives').where('store_id', '=', storeId)
    if (open.since !== null) select = select.where('last_ms', '>=', window.sinceMs)
    if (open.until !== null) select = select.where('last_ms', '<', window.untilMs)
    if (course !== undefined) select = select.where('course', '=', course)
    return select
  }
  const { perObjective, learners } =
    course === undefined
      ? await storeFiguresOfWindow(db, storeId, window)
      : await cellFigures(db, storeId, course, window)
  if (perObjective.length === 0) return objectivesOut([], 0, [], query)
  const pageLearners = (
    (await scope()
      .select('learner')
      .distinct()
      .orderBy('learner')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize)
      .execute()) as AnyRow[]
  ).map((r) => String(r['learner']))
  // The page's cells: its learners' rows (of the course) with the window applied here, the
  // learner keys in the (course,) learner index, where the window's objective ranges would be
  // read whole to find the page's few learners in them. Ordered by learner, which that index
  // gives: without statistics SQLite otherwise takes the covering (objective, last_ms, learner)
  // index for a short range and reads all of it (11 ms at 10⁶ statements instead of 1).
  let cellsOfPage = db
    .selectFrom('an_objectives')
    .select(['objective', 'learner', 'evidence', 'correct', 'last_ms'])
    .where('store_id', '=', storeId)
    .where('learner', 'in', pageLearners)
    .orderBy('learner')
  if (course !== undefined) cellsOfPage = cellsOfPage.where('course', '=', course)
  const rows =
    pageLearners.length === 0
      ? []
      : ((await cellsOfPage.execute()) as AnyRow[]).filter(
          (r) =>
            (open.since === null || num(r['last_ms']) >= window.sinceMs) &&
            (open.until === null || num(r['last_ms']) < window.untilMs),
        )
  return objectivesOut(perObjective, learners, rows, query)
}

/**
 * The share as the matrix computes it (correct / evidence, a double), compared as there. A
 * double in the database too: `correct * 1.0` is numeric on PostgreSQL, whose arithmetic took
 * 146 of the 228 ms of this aggregate over 210,302 cells at 10⁷ statements.
 */
const cellShare = sql`case when a.evidence = 0 then null
    else cast(a.correct as double precision) / a.evidence end`

/** A cell's contribution to its objective's figures: one learner, mastered or not, its share. */
const cellFigure = sql`1 as learners,
    case when ${cellShare} >= ${sql.lit(MASTERY_THRESHOLD)} then 1 else 0 end as mastered,
    coalesce(${cellShare}, 0) as shares`

const pairShare = sql`(cast(correct as double precision) / evidence)`

/**
 * An (evidence, correct) pair's contribution, as the figures kept per objective (migrations 0025,
 * 0031) and per day (0042) hold it: its learners, all of them mastered or none, each with the
 * pair's share, so the mean weighs each pair by its learners as the cells' aggregation does. A
 * case, not `and`: PostgreSQL may evaluate the division first.
 */
const pairFigure = sql`learners,
    case when evidence = 0 then 0
      when ${pairShare} >= ${sql.lit(MASTERY_THRESHOLD)} then learners else 0 end as mastered,
    case when evidence = 0 then 0 else learners * ${pairShare} end as shares`

/**
 * The per-objective figures and the matrix's learner count of a course over the window from its
 * cells: the course's objectives walked first (along its objective index), each one's cells in
 * the window then one range of the (course, objective, last_ms) index, where the window alone
 * would leave every cell of the course to read for its last_ms.
 */
async function cellFigures(
  db: AnyDb,
  storeId: number,
  course: string,
  window: ReportWindow,
): Promise<{ perObjective: AnyRow[]; learners: number }> {
  const cells = sql`o cross join an_objectives a where ${cellsInWindow(storeId, course, window)}`
  const perObjective = await objectiveSums(db, courseObjectives(storeId, course), [
    sql`select a.objective, ${cellFigure} from ${cells}`,
  ])
  if (perObjective.length === 0) return { perObjective, learners: 0 }
  const learners = await distinctLearners(db, courseObjectives(storeId, course), [
    sql`select a.learner from ${cells}`,
  ])
  return { perObjective, learners }
}

/**
 * The same for the whole store over a window: its whole UTC days from the figures kept per day
 * of the cells' latest evidence (migration 0042), a few rows per (day, objective) and one per
 * (day, learner), and the part days at either end (`wholeDays`) from their cells. At 10⁷
 * statements the cells of a month were 210,302 rows read twice (278 ms in all on SQLite).
 */
async function storeFiguresOfWindow(
  db: AnyDb,
  storeId: number,
  window: ReportWindow,
): Promise<{ perObjective: AnyRow[]; learners: number }> {
  const { fromDay, toDay, edges } = wholeDays(window)
  const days = sql`store_id = ${storeId} and day >= ${fromDay} and day < ${toDay}`
  const whole = fromDay < toDay
  // The edges' cells walk the store's objectives (the CTE); the whole days need none.
  const objectives = edges.length > 0 ? courseObjectives(storeId, undefined) : sql``
  const edgeCells = edges.map(
    (edge) => sql`o cross join an_objectives a where ${cellsInWindow(storeId, undefined, edge)}`,
  )
  const perObjective = await objectiveSums(db, objectives, [
    ...(whole
      ? [sql`select objective, ${pairFigure} from an_objective_share_days where ${days}`]
      : []),
    ...edgeCells.map((cells) => sql`select a.objective, ${cellFigure} from ${cells}`),
  ])
  if (perObjective.length === 0) return { perObjective, learners: 0 }
  const learners = await distinctLearners(db, objectives, [
    ...(whole ? [sql`select learner from an_objective_learner_days where ${days}`] : []),
    ...edgeCells.map((cells) => sql`select a.learner from ${cells}`),
  ])
  return { perObjective, learners }
}

/**
 * Each objective's learners, mastered learners and mean mastery (the mean over its learners of
 * their share, 0 without evidence: §8) from `parts`, rows of (objective, learners, mastered,
 * shares), after the `with` clause `objectives` they may read.
 */
async function objectiveSums(
  db: AnyDb,
  objectives: RawBuilder<unknown>,
  parts: RawBuilder<unknown>[],
) {
  return (
    await sql<AnyRow>`${objectives}
      select objective, sum(learners) as learners, sum(mastered) as mastered,
        sum(shares) * 1.0 / sum(learners) as mean
      from (${sql.join(parts, sql` union all `)}) w
      group by objective order by objective`.execute(db)
  ).rows
}

/** The distinct learners of `parts`, rows of (learner), after the `with` clause `objectives`. */
async function distinctLearners(
  db: AnyDb,
  objectives: RawBuilder<unknown>,
  parts: RawBuilder<unknown>[],
): Promise<number> {
  const union = sql`(${sql.join(parts, sql` union all `)}) w`
  // PostgreSQL sorts every row for `count(distinct …)`; grouped by learner it can hash them into
  // one entry per learner instead. SQLite keeps the form measured there (wave 9).
  const count = onPostgres(db)
    ? sql`select count(*) as n from (select learner from ${union} group by learner) l`
    : sql`select count(distinct learner) as n from ${union}`
  const { rows } = await sql<{ n: number }>`${objectives} ${count}`.execute(db)
  return num(rows[0]?.n)
}

/**
 * The distinct objectives of a course (or the store), in order, as a `with recursive o
 * (objective)` clause: a walk from each one to the next along the (course,) objective index, an
 * index probe per objective (dozens to hundreds) rather than a read of every (objective,
 * learner) row in scope.
 */
function courseObjectives(storeId: number, course: string | undefined) {
  const inScope =
    course === undefined
      ? sql`store_id = ${storeId}`
      : sql`store_id = ${storeId} and course = ${course}`
  return sql`with recursive o (objective) as (
      select min(objective) from an_objectives where ${inScope}
      union all
      select (select min(objective) from an_objectives where ${inScope} and objective > o.objective)
      from o where o.objective is not null
    )`
}

/** The cells (alias `a`) of objective `o.objective` in scope with their latest evidence in the window. */
function cellsInWindow(storeId: number, course: string | undefined, window: ReportWindow) {
  const { since, until } = windowJson(window)
  return sql`a.store_id = ${storeId}${course === undefined ? sql`` : sql` and a.course = ${course}`}
      and a.objective = o.objective
      ${since === null ? sql`` : sql`and a.last_ms >= ${window.sinceMs}`}
      ${until === null ? sql`` : sql`and a.last_ms < ${window.untilMs}`}`
}

/**
 * The report over the whole store or a course (no window) from the figures kept at projection
 * time (migrations 0025 and 0031): a few rows per objective, the learner keys of the requested
 * page, and that page's cells.
 */
async function keptObjectives(db: AnyDb, storeId: number, query: ObjectivesQuery) {
  const { course } = query
  const [shares, learners] =
    course === undefined
      ? ['an_objective_shares', 'an_objective_learners']
      : ['an_objective_course_shares', 'an_objective_course_learners']
  const from = (table: string) => {
    const select = db.selectFrom(table).where('store_id', '=', storeId)
    return course === undefined ? select : select.where('course', '=', course)
  }
  const inScope =
    course === undefined
      ? sql`store_id = ${storeId}`
      : sql`store_id = ${storeId} and course = ${course}`
  const perObjective = await objectiveSums(db, sql``, [
    sql`select objective, ${pairFigure} from ${sql.table(shares)} where ${inScope}`,
  ])
  const learnerCount = (await from(learners)
    .select(sql<number>`count(*)`.as('n'))
    .executeTakeFirst()) as AnyRow | undefined
  const pageLearners = (
    (await from(learners)
      .select('learner')
      .orderBy('learner')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize)
      .execute()) as AnyRow[]
  ).map((r) => String(r['learner']))
  const rows =
    pageLearners.length === 0
      ? []
      : ((await from('an_objectives')
          .select(['objective', 'learner', 'evidence', 'correct'])
          .where('learner', 'in', pageLearners)
          .execute()) as AnyRow[])
  return objectivesOut(perObjective, num(learnerCount?.['n']), rows, query)
}

/** The per-objective figures and the matrix page, from the aggregated rows and the page's rows. */
function objectivesOut(
  perObjective: readonly AnyRow[],
  learners: number,
  rows: readonly AnyRow[],
  query: ObjectivesQuery,
) {
  const cells = rows.map(cellOf)
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
      learners,
      page: query.page,
      pageSize: query.pageSize,
      columns: perObjective.map((r) => String(r['objective'])),
      cells: cells.sort(byLearnerThenObjective),
    },
  }
}

function cellOf(r: AnyRow) {
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
}

const byLearnerThenObjective = (
  a: { learner: string; objective: string },
  b: { learner: string; objective: string },
) =>
  a.learner < b.learner
    ? -1
    : a.learner > b.learner
      ? 1
      : a.objective < b.objective
        ? -1
        : a.objective > b.objective
          ? 1
          : 0

/**
 * The report over a cohort's members, by person: a person's rows (one per IFI) merge by the
 * table's rules (evidence and correct add up, the last evidence is the latest), and a person's
 * cell is in the window when its merged last evidence is. Computed in the process: the members'
 * rows are a subset the directory already names (docs/people.md, "Not covered" on its scale).
 */
async function cohortObjectives(
  db: AnyDb,
  storeId: number,
  window: ReportWindow,
  query: ObjectivesQuery,
  people: PersonScope,
) {
  let select = db
    .selectFrom('an_objectives')
    .select([
      'objective',
      'learner',
      'course',
      'evidence_ms',
      'evidence_seq',
      'evidence',
      'correct',
      'last_ms',
    ])
    .where('store_id', '=', storeId)
  if (query.course !== undefined) select = select.where('course', '=', query.course)
  const rows = rowsByPerson(OBJECTIVES, (await select.execute()) as AnyRow[], people).filter(
    (r) => num(r['last_ms']) >= window.sinceMs && num(r['last_ms']) < window.untilMs,
  )
  const cells = rows.map(cellOf).sort(byLearnerThenObjective)
  const perObjective = new Map<string, { learners: number; mastered: number; sum: number }>()
  for (const c of cells) {
    const o = perObjective.get(c.objective) ?? { learners: 0, mastered: 0, sum: 0 }
    o.learners += 1
    if (c.mastered) o.mastered += 1
    o.sum += c.evidence === 0 ? 0 : c.correct / c.evidence
    perObjective.set(c.objective, o)
  }
  const learners = [...new Set(cells.map((c) => c.learner))]
  const page = new Set(
    learners.slice((query.page - 1) * query.pageSize, query.page * query.pageSize),
  )
  const objectives = [...perObjective].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  return {
    threshold: MASTERY_THRESHOLD,
    objectives: objectives.map(([objective, o]) => ({
      objective,
      learners: o.learners,
      mastered: o.mastered,
      masteryRate: ratio(o.mastered, o.learners),
      meanMastery: roundOrNull(o.sum / o.learners),
    })),
    matrix: {
      learners: learners.length,
      page: query.page,
      pageSize: query.pageSize,
      columns: objectives.map(([objective]) => objective),
      cells: cells.filter((c) => page.has(c.learner)),
    },
  }
}
