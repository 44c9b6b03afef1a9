/**
 * @module Statement facts → partial projection rows. Pure: the projector, the rebuild and the
 * per-learner recompute after a voiding all fold statements through this one function.
 */
import {
  DAILY,
  DAILY_ACTIVITIES,
  DAILY_SOURCES,
  ITEMS,
  LEARNER_ACTIVITY,
  LEARNER_DAYS,
  LEARNER_SOURCES,
  OBJECTIVES,
  PAGES,
  type Row,
  SESSIONS,
  type TableSpec,
} from '../storage/sql/analytics-schema.js'
import { keyOf, mergeRows } from './projection-merge.js'
import { type StatementFacts, VERB } from './statement-facts.js'

/** Partial rows by table and key, merged as they are added. */
export class RowSet {
  readonly tables = new Map<TableSpec, Map<string, Row>>()

  add(table: TableSpec, row: Row): void {
    let rows = this.tables.get(table)
    if (rows === undefined) this.tables.set(table, (rows = new Map<string, Row>()))
    const key = keyOf(table, row)
    const existing = rows.get(key)
    rows.set(key, existing === undefined ? row : mergeRows(table, existing, row))
  }
}

const centis = (seconds: number | undefined): number =>
  seconds === undefined ? 0 : Math.round(seconds * 100)

/** The store-wide counts of one statement, signed (+1 counted, −1 taken back after voiding). */
export function foldDaily(rows: RowSet, f: StatementFacts, sign: 1 | -1): void {
  rows.add(DAILY, {
    day: f.day,
    verb_id: f.verb,
    statements: sign,
    completions: f.completion ? sign : 0,
    passes: f.success === true ? sign : 0,
    fails: f.success === false ? sign : 0,
  })
  if (f.activity !== undefined)
    rows.add(DAILY_ACTIVITIES, { day: f.day, activity_id: f.activity, statements: sign })
  rows.add(DAILY_SOURCES, {
    day: f.day,
    platform: f.platform,
    authority: f.authority,
    statements: sign,
  })
}

/** The learner-keyed rows of one statement at `seq`. */
export function foldLearner(rows: RowSet, f: StatementFacts, seq: number): void {
  const learner = f.learner
  const at = (group: string) => ({ [`${group}_ms`]: f.ms, [`${group}_seq`]: seq })
  rows.add(LEARNER_DAYS, { day: f.day, learner, statements: 1 })
  if (!f.formal)
    rows.add(LEARNER_SOURCES, {
      learner,
      platform: f.platform,
      statements: 1,
      centis: centis(f.sessionSeconds),
      first_ms: f.ms,
      last_ms: f.ms,
    })

  // The object's own row: everything; the course's row: engagement, time, presence.
  if (f.activity !== undefined) {
    const row: Row = {
      activity_id: f.activity,
      learner,
      course: f.course ?? '',
      ...at('seen'),
      statements: 1,
      first_ms: f.ms,
      last_ms: f.ms,
      engaged_ms: f.engaged ? f.ms : null,
      completed_ms: f.completion ? f.ms : null,
      passed_ms: f.success === true ? f.ms : null,
      centis: centis(f.sessionSeconds),
    }
    if (f.success !== undefined)
      Object.assign(row, { judged_success: f.success ? 1 : 0 }, at('judged'))
    if (f.scaled !== undefined)
      Object.assign(
        row,
        { first_score: f.scaled, last_score: f.scaled, best_score: f.scaled },
        at('fscore'),
        at('lscore'),
      )
    if (f.progress !== undefined) Object.assign(row, { last_progress: f.progress }, at('progress'))
    rows.add(LEARNER_ACTIVITY, row)
  }
  if (f.course !== undefined && f.course !== f.activity)
    rows.add(LEARNER_ACTIVITY, {
      activity_id: f.course,
      learner,
      course: f.course,
      ...at('seen'),
      statements: 1,
      first_ms: f.ms,
      last_ms: f.ms,
      engaged_ms: f.engaged ? f.ms : null,
      centis: centis(f.sessionSeconds),
    })

  if (f.sessionId !== undefined) {
    const row: Row = {
      learner,
      session_id: f.sessionId,
      course: f.course ?? '',
      registration: f.registration ?? '',
      ...at('seen'),
      statements: 1,
      first_ms: f.ms,
      last_ms: f.ms,
      centis: centis(f.sessionSeconds),
      ended:
        f.sessionSeconds !== undefined || f.verb === VERB.terminated || f.verb === VERB.abandoned
          ? 1
          : 0,
      completed_ms: f.completion ? f.ms : null,
    }
    if (f.activity !== undefined && (f.verb === VERB.launched || f.verb === VERB.initialized))
      Object.assign(row, { activity_id: f.activity }, at('launch'))
    if (f.success !== undefined)
      Object.assign(
        row,
        { judged_success: f.success ? 1 : 0, score: f.scaled ?? null },
        at('judged'),
      )
    rows.add(SESSIONS, row)
  }

  if (
    f.verb === VERB.answered &&
    f.success !== undefined &&
    f.parent !== undefined &&
    f.activity !== undefined
  )
    rows.add(ITEMS, {
      assessment: f.parent,
      question: f.activity,
      learner,
      course: f.course ?? '',
      success: f.success ? 1 : 0,
      response: f.response ?? '',
      ...at('answer'),
      attempts: 1,
    })

  if (f.verb === VERB.experienced && f.parent !== undefined && f.activity !== undefined)
    rows.add(PAGES, {
      page: f.activity,
      learner,
      module: f.parent,
      course: f.course ?? '',
      ...at('view'),
      views: 1,
      last_ms: f.ms,
      centis: centis(f.durationSeconds),
    })

  for (const objective of f.objectives)
    rows.add(OBJECTIVES, {
      objective,
      learner,
      course: f.course ?? '',
      ...at('evidence'),
      evidence: 1,
      correct: f.objectiveEvidence === true ? 1 : 0,
      last_ms: f.ms,
    })
}
