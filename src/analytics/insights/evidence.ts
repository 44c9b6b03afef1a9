/**
 * @module The evidence the insights read: rows of the analytics projections (migration 0006)
 * and the insights links (0015), loaded into memory with their timestamps, so every measure
 * can be taken "as of" any time by keeping only rows stamped before it (the at-risk model's
 * checkpoints, the evaluation's temporal split). Reads projections only, never statements.
 */
import type { Kysely } from 'kysely'
import type { StoreId } from '../../storage/ports.js'

type AnyDb = Kysely<Record<string, Record<string, unknown>>>

/** A learner on an activity (an_learner_activity): times in epoch ms, null when never. */
export interface ActivityRow {
  readonly activity: string
  readonly learner: string
  readonly course: string
  readonly firstMs: number
  readonly lastMs: number
  readonly engagedMs: number | null
  readonly completedMs: number | null
  readonly passedMs: number | null
}

/** A cmi5 session (an_sessions). */
export interface SessionRow {
  readonly learner: string
  readonly course: string
  /** The launched AU; '' when the session has no launch statement. */
  readonly activity: string
  readonly firstMs: number
  readonly lastMs: number
  readonly centis: number
  readonly success: boolean | null
  readonly score: number | null
  readonly judgedMs: number | null
}

/** A learner's first answer to a question (an_items). */
export interface AnswerRow {
  readonly assessment: string
  readonly question: string
  readonly learner: string
  readonly course: string
  readonly success: boolean
  readonly ms: number
}

/** A learner's first view of a page (an_pages). */
export interface PageRow {
  readonly page: string
  readonly module: string
  readonly learner: string
  readonly course: string
  readonly ms: number
}

export interface LinkRow {
  readonly relation: 'parent' | 'aligned'
  readonly activity: string
  readonly related: string
  readonly source: string
  readonly weight: number
}

export interface Evidence {
  readonly activities: readonly ActivityRow[]
  readonly sessions: readonly SessionRow[]
  readonly answers: readonly AnswerRow[]
  readonly pages: readonly PageRow[]
  readonly links: readonly LinkRow[]
}

const n = (v: unknown): number => Number(v ?? 0)
const nOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))
const s = (v: unknown): string => (typeof v === 'string' ? v : '')

/** Loads the store's evidence; `learner` limits the learner-keyed rows to one learner. */
export async function loadEvidence(
  db: AnyDb,
  storeId: StoreId,
  options: { learner?: string | undefined } = {},
): Promise<Evidence> {
  const byLearner = (table: string) => {
    let q = db.selectFrom(table).selectAll().where('store_id', '=', storeId)
    if (options.learner !== undefined) q = q.where('learner', '=', options.learner)
    return q.execute()
  }
  // One after another: the queries share one connection (a pg client warns of, and pg 9
  // refuses, a query sent while another runs), so side by side they would not overlap anyway.
  const activities = await byLearner('an_learner_activity')
  const sessions = await byLearner('an_sessions')
  const answers = await byLearner('an_items')
  const pages = await byLearner('an_pages')
  const links = await db
    .selectFrom('in_links')
    .selectAll()
    .where('store_id', '=', storeId)
    .execute()
  return {
    activities: activities.map((r) => ({
      activity: s(r['activity_id']),
      learner: s(r['learner']),
      course: s(r['course']),
      firstMs: n(r['first_ms']),
      lastMs: n(r['last_ms']),
      engagedMs: nOrNull(r['engaged_ms']),
      completedMs: nOrNull(r['completed_ms']),
      passedMs: nOrNull(r['passed_ms']),
    })),
    sessions: sessions.map((r) => ({
      learner: s(r['learner']),
      course: s(r['course']),
      activity: s(r['activity_id']),
      firstMs: n(r['first_ms']),
      lastMs: n(r['last_ms']),
      centis: n(r['centis']),
      success:
        r['judged_success'] === null || r['judged_success'] === undefined
          ? null
          : n(r['judged_success']) === 1,
      score: nOrNull(r['score']),
      judgedMs: nOrNull(r['judged_ms']),
    })),
    answers: answers.map((r) => ({
      assessment: s(r['assessment']),
      question: s(r['question']),
      learner: s(r['learner']),
      course: s(r['course']),
      success: n(r['success']) === 1,
      ms: n(r['answer_ms']),
    })),
    pages: pages.map((r) => ({
      page: s(r['page']),
      module: s(r['module']),
      learner: s(r['learner']),
      course: s(r['course']),
      ms: n(r['view_ms']),
    })),
    links: links.map((r) => ({
      relation: s(r['relation']) === 'parent' ? ('parent' as const) : ('aligned' as const),
      activity: s(r['activity_id']),
      related: s(r['related_id']),
      source: s(r['source']),
      weight: n(r['weight']),
    })),
  }
}

/** Groups rows by a key. */
export function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const row of rows) {
    const k = key(row)
    const list = groups.get(k)
    if (list === undefined) groups.set(k, [row])
    else list.push(row)
  }
  return groups
}
