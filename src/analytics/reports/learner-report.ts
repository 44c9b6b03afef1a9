/**
 * @module Report 3, one learner: the journey (sessions and their key facts), per-course progress
 * with the last position and the State API documents to resume from, results per module, score
 * per objective, time spent, and informal learning by source.
 */
import { NotFoundError } from '../../errors/errors.js'
import {
  LEARNER_ACTIVITY,
  LEARNER_SOURCES,
  OBJECTIVES,
  type TableSpec,
} from '../../storage/sql/analytics-schema.js'
import { mergeByKey } from '../people/person-scope.js'
import { MASTERY_THRESHOLD } from '../statement-facts.js'
import { type AnyDb, type AnyRow, num, numOrNull, type ReportWindow } from './report-context.js'
import { sessionModulesOf } from './course-modules.js'
import { ratio, roundOrNull } from './stats.js'

export const LEARNER_RULES = {
  learner:
    'the canonical IFI key: mbox:mailto:…, mbox_sha1sum:…, openid:…, account:<homePage>|<name>',
  window:
    'sessions whose first statement falls in the window; courses, objectives and sources are all-time',
  progress:
    "modules (cmi5 AUs launched under the course by any learner) completed by the learner / all of them; last position = the learner's latest session in the course and its last progress extension",
  resume:
    'State API documents the learner has for the course or its modules (any registration); canResume when the last position has one',
} as const

const iso = (ms: unknown): string | null =>
  ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString()

export async function learnerReport(
  db: AnyDb,
  storeId: number,
  learner: string,
  window: ReportWindow,
  /** Every IFI of the learner's person (people/people-directory.ts); default just `learner`. */
  identifiers: readonly string[] = [learner],
) {
  // A person with several IFIs: their rows merge as one learner's would (the projection rules).
  const merged = (table: TableSpec, rows: AnyRow[]): AnyRow[] =>
    identifiers.length < 2 ? rows : mergeByKey(table, rows, () => learner)
  const activityRows = merged(
    LEARNER_ACTIVITY,
    await db
      .selectFrom('an_learner_activity')
      .selectAll()
      .where('store_id', '=', storeId)
      .where('learner', 'in', [...identifiers])
      .execute(),
  )
  if (activityRows.length === 0) throw NotFoundError(`no statements by the learner ${learner}`)
  const sessions = (await db
    .selectFrom('an_sessions')
    .selectAll()
    .where('store_id', '=', storeId)
    .where('learner', 'in', [...identifiers])
    .execute()) as AnyRow[]
  const objectives = merged(
    OBJECTIVES,
    await db
      .selectFrom('an_objectives')
      .selectAll()
      .where('store_id', '=', storeId)
      .where('learner', 'in', [...identifiers])
      .execute(),
  )
  const sources = merged(
    LEARNER_SOURCES,
    await db
      .selectFrom('an_learner_sources')
      .selectAll()
      .where('store_id', '=', storeId)
      .where('learner', 'in', [...identifiers])
      .orderBy('platform')
      .execute(),
  )
  const rowOf = new Map(activityRows.map((r) => [String(r['activity_id']), r]))

  const courseIds = [
    ...new Set(
      activityRows
        .filter((r) => r['course'] === r['activity_id'])
        .map((r) => String(r['activity_id'])),
    ),
  ].sort()
  const courses = []
  for (const course of courseIds) {
    const modules = await sessionModulesOf(db, storeId, course)
    const mine = sessions
      .filter((s) => s['course'] === course)
      .sort((a, b) => num(a['last_ms']) - num(b['last_ms']))
    const last = mine.at(-1)
    const lastActivity =
      last === undefined ? null : ((last['activity_id'] as string | null) ?? null)
    const states =
      [course, ...modules].length === 0
        ? []
        : ((await db
            .selectFrom('documents')
            .select(['activity_id', 'document_id', 'registration', 'updated_ms'])
            .where('store_id', '=', storeId)
            .where('kind', '=', 'state')
            .where('agent_ifi', 'in', [...identifiers])
            .where('activity_id', 'in', [course, ...modules])
            .execute()) as AnyRow[])
    const courseRow = rowOf.get(course)
    const completedModules = modules.filter((m) => rowOf.get(m)?.['completed_ms'] != null).length
    courses.push({
      course,
      progress: ratio(completedModules, modules.length),
      completedAt: iso(courseRow?.['completed_ms']),
      timeSeconds: num(courseRow?.['centis']) / 100,
      firstAt: iso(courseRow?.['first_ms']),
      lastAt: iso(courseRow?.['last_ms']),
      lastPosition:
        last === undefined
          ? null
          : {
              activity: lastActivity,
              at: iso(last['last_ms']),
              progress:
                lastActivity === null
                  ? null
                  : numOrNull(rowOf.get(lastActivity)?.['last_progress']),
              sessionEnded: num(last['ended']) > 0,
            },
      resume: {
        canResume: states.some((s) => s['activity_id'] === lastActivity),
        states: states
          .map((s) => ({
            activity: String(s['activity_id']),
            stateId: String(s['document_id']),
            registration: s['registration'] === '' ? null : String(s['registration']),
            updated: iso(s['updated_ms']),
          }))
          .sort((a, b) =>
            a.activity < b.activity
              ? -1
              : a.activity > b.activity
                ? 1
                : a.stateId < b.stateId
                  ? -1
                  : 1,
          ),
      },
      modules: modules.map((m) => {
        const r = rowOf.get(m)
        return {
          activity: m,
          started: r?.['engaged_ms'] != null,
          completedAt: iso(r?.['completed_ms']),
          firstAttemptPassed: r?.['judged_success'] == null ? null : num(r['judged_success']) === 1,
          passedAt: iso(r?.['passed_ms']),
          firstScore: numOrNull(r?.['first_score']),
          bestScore: numOrNull(r?.['best_score']),
          lastScore: numOrNull(r?.['last_score']),
          attempts: mine.filter((s) => s['activity_id'] === m).length,
          timeSeconds: num(r?.['centis']) / 100,
        }
      }),
    })
  }

  const journey = sessions
    .filter((s) => num(s['first_ms']) >= window.sinceMs && num(s['first_ms']) < window.untilMs)
    .sort(
      (a, b) =>
        num(a['first_ms']) - num(b['first_ms']) ||
        (String(a['session_id']) < String(b['session_id']) ? -1 : 1),
    )
    .map((s) => ({
      sessionId: String(s['session_id']),
      course: s['course'] === '' ? null : String(s['course']),
      activity: (s['activity_id'] as string | null) ?? null,
      registration: s['registration'] === '' ? null : String(s['registration']),
      start: iso(s['first_ms']),
      end: iso(s['last_ms']),
      statements: num(s['statements']),
      durationSeconds: num(s['centis']) / 100,
      ended: num(s['ended']) > 0,
      completedAt: iso(s['completed_ms']),
      success: s['judged_success'] == null ? null : num(s['judged_success']) === 1,
      score: numOrNull(s['score']),
    }))
  const informalCentis = sources.reduce((a, s) => a + num(s['centis']), 0)
  const formalCentis = courseIds.reduce((a, c) => a + num(rowOf.get(c)?.['centis']), 0)
  return {
    learner,
    rules: LEARNER_RULES,
    timeSpent: { formalSeconds: formalCentis / 100, informalSeconds: informalCentis / 100 },
    sessions: journey,
    courses,
    objectives: objectives
      .map((o) => {
        const evidence = num(o['evidence'])
        const share = evidence === 0 ? null : num(o['correct']) / evidence
        return {
          objective: String(o['objective']),
          evidence,
          correct: num(o['correct']),
          mastery: roundOrNull(share),
          mastered: share !== null && share >= MASTERY_THRESHOLD,
        }
      })
      .sort((a, b) => (a.objective < b.objective ? -1 : 1)),
    informal: sources.map((s) => ({
      source: String(s['platform']),
      statements: num(s['statements']),
      seconds: num(s['centis']) / 100,
      firstAt: iso(s['first_ms']),
      lastAt: iso(s['last_ms']),
    })),
  }
}
