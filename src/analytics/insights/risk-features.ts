/**
 * @module The at-risk features (analytics definitions §12): engagement, progress and
 * performance of one learner in one course, measured at a checkpoint from evidence stamped
 * before it only. The enrolment, the course's usual duration and the outcome label are defined
 * here too, from statements (projections), never from anything else.
 */
import { type ActivityRow, type Evidence, groupBy } from './evidence.js'

export const DAY_MS = 86_400_000

/** One learner's enrolment in a course. */
export interface Enrolment {
  readonly course: string
  readonly learner: string
  /** The learner's first statement about the course (or grouped under it). */
  readonly startMs: number
  /** Their course completion (cmi5 `satisfied`, or `completed` on the course), else null. */
  readonly completedMs: number | null
}

/** Everything about one course the features need, indexed by learner. */
export interface CourseEvidence {
  readonly course: string
  /** The course's launchable modules (cmi5 AUs launched in sessions of the course). */
  readonly modules: readonly string[]
  readonly enrolments: readonly Enrolment[]
  readonly sessions: ReadonlyMap<string, Evidence['sessions']>
  readonly answers: ReadonlyMap<string, Evidence['answers']>
  readonly pages: ReadonlyMap<string, Evidence['pages']>
  /** The learner's rows on the course's modules. */
  readonly moduleRows: ReadonlyMap<string, readonly ActivityRow[]>
}

/** The courses of the evidence: those with at least one cmi5 session. */
export function courseEvidence(evidence: Evidence): CourseEvidence[] {
  const sessionsByCourse = groupBy(
    evidence.sessions.filter((r) => r.course !== ''),
    (r) => r.course,
  )
  const answersByCourse = groupBy(evidence.answers, (r) => r.course)
  const pagesByCourse = groupBy(evidence.pages, (r) => r.course)
  const rowsByCourse = groupBy(evidence.activities, (r) => r.course)
  const result: CourseEvidence[] = []
  for (const [course, sessions] of sessionsByCourse) {
    const modules = [...new Set(sessions.map((r) => r.activity).filter((a) => a !== ''))].sort()
    const moduleSet = new Set(modules)
    const rows = rowsByCourse.get(course) ?? []
    const enrolments = rows
      .filter((r) => r.activity === course)
      .map((r) => ({ course, learner: r.learner, startMs: r.firstMs, completedMs: r.completedMs }))
      .sort((a, b) => a.startMs - b.startMs || (a.learner < b.learner ? -1 : 1))
    result.push({
      course,
      modules,
      enrolments,
      sessions: groupBy(sessions, (r) => r.learner),
      answers: groupBy(answersByCourse.get(course) ?? [], (r) => r.learner),
      pages: groupBy(pagesByCourse.get(course) ?? [], (r) => r.learner),
      moduleRows: groupBy(
        rows.filter((r) => moduleSet.has(r.activity)),
        (r) => r.learner,
      ),
    })
  }
  return result.sort((a, b) => (a.course < b.course ? -1 : 1))
}

/** The features, in model order. Each is a raw measure; the model scales them (z-scores). */
export const FEATURES = [
  'daysSinceLast',
  'activeDays',
  'sessions',
  'pagesViewed',
  'modulesPassed',
  'answerSuccess',
  'failedAttempts',
  'hours',
] as const
export type FeatureName = (typeof FEATURES)[number]
export type FeatureVector = Record<FeatureName, number | null>

/** The features of `enrolment` at time `atMs`, from evidence stamped before `atMs` only. */
export function featuresAt(
  course: CourseEvidence,
  enrolment: Enrolment,
  atMs: number,
): FeatureVector {
  const { learner } = enrolment
  const sessions = (course.sessions.get(learner) ?? []).filter((r) => r.firstMs < atMs)
  const answers = (course.answers.get(learner) ?? []).filter((r) => r.ms < atMs)
  const pages = (course.pages.get(learner) ?? []).filter((r) => r.ms < atMs)
  const modules = (course.moduleRows.get(learner) ?? []).filter(
    (r) => r.passedMs !== null && r.passedMs < atMs,
  )
  // A session running across the checkpoint counts up to the checkpoint only.
  let last = enrolment.startMs
  for (const r of sessions) last = Math.max(last, Math.min(r.lastMs, atMs))
  for (const r of pages) last = Math.max(last, r.ms)
  const days = new Set(sessions.map((r) => Math.floor(r.firstMs / DAY_MS)))
  const judged = sessions.filter((r) => r.judgedMs !== null && r.judgedMs < atMs)
  return {
    daysSinceLast: Math.max(0, (atMs - last) / DAY_MS),
    activeDays: days.size,
    sessions: sessions.length,
    pagesViewed: pages.length,
    modulesPassed: modules.length,
    answerSuccess:
      answers.length === 0 ? null : answers.filter((a) => a.success).length / answers.length,
    failedAttempts: judged.filter((r) => r.success === false).length,
    hours: sessions.filter((r) => r.lastMs < atMs).reduce((t, r) => t + r.centis, 0) / 360_000,
  }
}

/**
 * The course's usual duration: the 75th percentile of start → completion among learners who
 * completed before `asOfMs` (analytics definitions §12, "not completed by the course's usual
 * time"). Undefined with fewer than `min` completers.
 */
export function usualDurationMs(
  course: CourseEvidence,
  asOfMs: number,
  min = 5,
): number | undefined {
  const spans = course.enrolments
    .filter((e) => e.completedMs !== null && e.completedMs < asOfMs)
    .map((e) => (e.completedMs as number) - e.startMs)
    .sort((a, b) => a - b)
  if (spans.length < min) return undefined
  return Math.max(DAY_MS, spans[Math.min(spans.length - 1, Math.floor(0.75 * spans.length))] ?? 0)
}

/**
 * The outcome as known at `asOfMs`: 1 (at risk: not completed within the usual duration),
 * 0 (completed within it), or undefined (still in progress).
 */
export function outcomeAt(
  enrolment: Enrolment,
  usualMs: number,
  asOfMs: number,
): 0 | 1 | undefined {
  const due = enrolment.startMs + usualMs
  if (enrolment.completedMs !== null && enrolment.completedMs <= Math.min(due, asOfMs)) return 0
  if (asOfMs >= due) return 1
  return undefined
}
