/**
 * @module The analytics projection tables (migration 0006): columns, keys, and how two partial
 * rows of one key merge (applied by analytics/projection-merge.ts).
 * Every merge is commutative and associative (sum, min, max, first/last by (ms, seq)), so a row
 * built batch by batch equals the row built from all statements at once (a rebuild).
 */

/** How a column of two partial rows of the same key combines. */
export type Merge =
  | 'key'
  | 'sum'
  | 'min'
  | 'max'
  /** Set once: the first non-empty value by (ms, seq) of the named order group. */
  | { first: string }
  /** The value of the row whose (`<group>_ms`, `<group>_seq`) is largest. */
  | { last: string }

export type Cell = number | string | null
export type Row = Record<string, Cell>

export interface TableSpec {
  readonly name: string
  /** Primary key, after store_id. */
  readonly key: readonly string[]
  readonly columns: Readonly<Record<string, Merge>>
  /** Column types for the migration: 'text' | 'bigint' | 'double precision'. */
  readonly types: Readonly<Record<string, 'text' | 'bigint' | 'real'>>
  /** True when keyed by learner (recomputed from the learner's statements after a voiding). */
  readonly byLearner: boolean
  /** Extra indexes (column lists after store_id). */
  readonly indexes: readonly (readonly string[])[]
}

function spec(
  name: string,
  byLearner: boolean,
  key: Record<string, 'text' | 'bigint'>,
  columns: Record<string, [Merge, 'text' | 'bigint' | 'real']>,
  indexes: string[][] = [],
): TableSpec {
  const merges: Record<string, Merge> = {}
  const types: Record<string, 'text' | 'bigint' | 'real'> = {}
  for (const [column, type] of Object.entries(key)) {
    merges[column] = 'key'
    types[column] = type
  }
  for (const [column, [merge, type]] of Object.entries(columns)) {
    merges[column] = merge
    types[column] = type
  }
  return { name, key: Object.keys(key), columns: merges, types, byLearner, indexes }
}

const order = (group: string): Record<string, [Merge, 'bigint']> => ({
  [`${group}_ms`]: [{ first: group }, 'bigint'],
  [`${group}_seq`]: [{ first: group }, 'bigint'],
})
const lastOrder = (group: string): Record<string, [Merge, 'bigint']> => ({
  [`${group}_ms`]: [{ last: group }, 'bigint'],
  [`${group}_seq`]: [{ last: group }, 'bigint'],
})

/** Statements per UTC day and verb, with the completion and outcome statements among them. */
export const DAILY = spec(
  'an_daily',
  false,
  { day: 'bigint', verb_id: 'text' },
  {
    statements: ['sum', 'bigint'],
    completions: ['sum', 'bigint'],
    passes: ['sum', 'bigint'],
    fails: ['sum', 'bigint'],
  },
)

export const DAILY_ACTIVITIES = spec(
  'an_daily_activities',
  false,
  { day: 'bigint', activity_id: 'text' },
  { statements: ['sum', 'bigint'] },
)

/** Statements per day by source: platform (context.platform) and credential (authority). */
export const DAILY_SOURCES = spec(
  'an_daily_sources',
  false,
  { day: 'bigint', platform: 'text', authority: 'text' },
  { statements: ['sum', 'bigint'] },
)

/** Who was active on which day (distinct active learners over any window). */
export const LEARNER_DAYS = spec(
  'an_learner_days',
  true,
  { day: 'bigint', learner: 'text' },
  { statements: ['sum', 'bigint'] },
)

/**
 * One learner on one activity: as the statements' object, or as their course (grouping).
 * Seconds are centiseconds (integers add up exactly in any order).
 */
export const LEARNER_ACTIVITY = spec(
  'an_learner_activity',
  true,
  { activity_id: 'text', learner: 'text' },
  {
    course: [{ first: 'seen' }, 'text'],
    ...order('seen'),
    statements: ['sum', 'bigint'],
    first_ms: ['min', 'bigint'],
    last_ms: ['max', 'bigint'],
    engaged_ms: ['min', 'bigint'],
    completed_ms: ['min', 'bigint'],
    passed_ms: ['min', 'bigint'],
    judged_success: [{ first: 'judged' }, 'bigint'],
    ...order('judged'),
    first_score: [{ first: 'fscore' }, 'real'],
    ...order('fscore'),
    last_score: [{ last: 'lscore' }, 'real'],
    ...lastOrder('lscore'),
    best_score: ['max', 'real'],
    centis: ['sum', 'bigint'],
    last_progress: [{ last: 'progress' }, 'real'],
    ...lastOrder('progress'),
  },
  [['learner'], ['course', 'activity_id']],
)

/** One cmi5 session (sessionid) of a learner: an attempt (§5) and a journey entry. */
export const SESSIONS = spec(
  'an_sessions',
  true,
  { learner: 'text', session_id: 'text' },
  {
    course: [{ first: 'seen' }, 'text'],
    registration: [{ first: 'seen' }, 'text'],
    ...order('seen'),
    activity_id: [{ first: 'launch' }, 'text'],
    ...order('launch'),
    statements: ['sum', 'bigint'],
    first_ms: ['min', 'bigint'],
    last_ms: ['max', 'bigint'],
    centis: ['sum', 'bigint'],
    ended: ['sum', 'bigint'],
    completed_ms: ['min', 'bigint'],
    judged_success: [{ first: 'judged' }, 'bigint'],
    score: [{ first: 'judged' }, 'real'],
    ...order('judged'),
  },
  [
    ['course', 'learner'],
    ['activity_id', 'learner'],
  ],
)

/** A learner's first answer to a question within an assessment (§7). */
export const ITEMS = spec(
  'an_items',
  true,
  { assessment: 'text', question: 'text', learner: 'text' },
  {
    course: [{ first: 'answer' }, 'text'],
    success: [{ first: 'answer' }, 'bigint'],
    response: [{ first: 'answer' }, 'text'],
    ...order('answer'),
    attempts: ['sum', 'bigint'],
  },
  [['learner']],
)

/** A learner's views of a page (§6). */
export const PAGES = spec(
  'an_pages',
  true,
  { page: 'text', learner: 'text' },
  {
    module: [{ first: 'view' }, 'text'],
    course: [{ first: 'view' }, 'text'],
    ...order('view'),
    views: ['sum', 'bigint'],
    last_ms: ['max', 'bigint'],
    centis: ['sum', 'bigint'],
  },
  [['course', 'learner'], ['module', 'learner'], ['learner']],
)

/** A learner's evidence on an objective (§8). */
export const OBJECTIVES = spec(
  'an_objectives',
  true,
  { objective: 'text', learner: 'text' },
  {
    course: [{ first: 'evidence' }, 'text'],
    ...order('evidence'),
    evidence: ['sum', 'bigint'],
    correct: ['sum', 'bigint'],
    last_ms: ['max', 'bigint'],
  },
  [['learner'], ['course', 'learner']],
)

/** A learner's informal learning per source (§15). */
export const LEARNER_SOURCES = spec(
  'an_learner_sources',
  true,
  { learner: 'text', platform: 'text' },
  {
    statements: ['sum', 'bigint'],
    centis: ['sum', 'bigint'],
    first_ms: ['min', 'bigint'],
    last_ms: ['max', 'bigint'],
  },
)

export const TABLES: readonly TableSpec[] = [
  DAILY,
  DAILY_ACTIVITIES,
  DAILY_SOURCES,
  LEARNER_DAYS,
  LEARNER_ACTIVITY,
  SESSIONS,
  ITEMS,
  PAGES,
  OBJECTIVES,
  LEARNER_SOURCES,
]
