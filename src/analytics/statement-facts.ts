/**
 * @module The normalisation layer of the analytics (analytics-definitions.md §0): what every
 * projection reads from a statement, decided once. The choices the definitions leave open are
 * made here and named in `DEFINITIONS`, which every report returns.
 */
import { ifiKey } from '../xapi/ifi.js'
import type { Activity, StoredStatement } from '../xapi/types.js'

const ADL = 'http://adlnet.gov/expapi/verbs/'
export const VERB = {
  launched: `${ADL}launched`,
  initialized: `${ADL}initialized`,
  attempted: `${ADL}attempted`,
  experienced: `${ADL}experienced`,
  answered: `${ADL}answered`,
  completed: `${ADL}completed`,
  passed: `${ADL}passed`,
  failed: `${ADL}failed`,
  progressed: `${ADL}progressed`,
  suspended: `${ADL}suspended`,
  resumed: `${ADL}resumed`,
  terminated: `${ADL}terminated`,
  mastered: `${ADL}mastered`,
  voided: `${ADL}voided`,
  abandoned: 'https://w3id.org/xapi/adl/verbs/abandoned',
  satisfied: 'https://w3id.org/xapi/adl/verbs/satisfied',
  waived: 'https://w3id.org/xapi/adl/verbs/waived',
} as const

const SESSION_ID = 'https://w3id.org/xapi/cmi5/context/extensions/sessionid'
const PROGRESS = 'https://w3id.org/xapi/cmi5/result/extensions/progress'
const OBJECTIVE_TYPE = 'http://adlnet.gov/expapi/activities/objective'
const CMI5_CATEGORY = 'https://w3id.org/xapi/cmi5/context/categories/cmi5'

/** Verbs that show a learner started an activity (§1 engagement-based denominator). */
const ENGAGEMENT = new Set<string>([
  VERB.launched,
  VERB.initialized,
  VERB.attempted,
  VERB.experienced,
])

/** The threshold of aligned evidence at which a learner has mastered an objective (§8). */
export const MASTERY_THRESHOLD = 0.8

/** The choices made where analytics-definitions.md leaves one open; returned by every report. */
export const DEFINITIONS = {
  statementSet: 'voided statements and voiding statements are excluded (§0)',
  learner:
    'canonical IFI of the actor, resolved at query time to its person (person_identifiers: a person with several IFIs counts once; docs/people.md) (§0)',
  time: 'statement timestamp (UTC); windows are [since, until)',
  completion:
    'verb completed or result.completion=true on the activity itself, or verb satisfied on it (cmi5 course: satisfied, §1 and §16)',
  started:
    'engaged learners: any of launched|initialized|attempted|experienced on the activity or, for a course, on anything grouped under it (§1); completion rate = completers among them / them, so it is at most 1; completers without an engagement statement are counted apart (completedNotStarted)',
  success: 'result.success, else verb passed ⇒ true, failed ⇒ false (§0)',
  passRate:
    'learners passed / learners with a judged outcome on the activity itself; first-attempt = outcome of the earliest judged statement, eventual = ever passed (§2)',
  score:
    'scaled score: result.score.scaled, else (raw−min)/(max−min); per learner first, last or best on the activity (§3)',
  timeSpent:
    'sum of result.duration of terminated|abandoned statements (one per cmi5 session), on the activity or grouped under it (§4); Y/M durations are rejected',
  attempts: 'distinct cmi5 sessions (sessionid extension) per learner (§5)',
  course:
    "a course is an activity named in context.contextActivities.grouping of a formal statement; a statement's course is its first grouping activity, or its object when it has none (registered) (§16)",
  formal:
    'formal = the statement has context.registration or the cmi5 category; everything else is informal learning, by context.platform (a video that names the course only in contextActivities.other is informal, §16)',
  items:
    'item analysis: answered statements with result.success and a contextActivities.parent (the assessment), first attempt per learner and item (§7); practice without a parent is excluded (§16)',
  objectives: `objective mastery: share of correct aligned answers (formal answered statements naming the objective in contextActivities.other) plus passed|failed|mastered on objective activities; mastered when ≥ ${MASTERY_THRESHOLD} (§8)`,
  pages:
    'pages: activities experienced with a contextActivities.parent (module/lesson); time = sum of their result.duration (§6)',
} as const

/** What the analytics read from one statement. */
export interface StatementFacts {
  learner: string
  verb: string
  /** The object's id when it is an Activity. */
  activity: string | undefined
  /** Epoch ms of `timestamp`. */
  ms: number
  /** UTC day number (epoch days) of `timestamp`. */
  day: number
  storedMs: number
  scaled: number | undefined
  success: boolean | undefined
  completion: boolean
  engaged: boolean
  /** Seconds of a terminal statement's duration (terminated/abandoned), else undefined. */
  sessionSeconds: number | undefined
  /** Seconds of `result.duration`, any verb; undefined when absent or not convertible. */
  durationSeconds: number | undefined
  sessionId: string | undefined
  registration: string | undefined
  course: string | undefined
  parent: string | undefined
  formal: boolean
  platform: string
  authority: string
  response: string | undefined
  progress: number | undefined
  /** Objectives this statement is evidence for, with the evidence (true = correct). */
  objectives: readonly string[]
  objectiveEvidence: boolean | undefined
}

const DAY_MS = 86_400_000

/**
 * Seconds of an ISO 8601 duration (Data §4.6), or undefined. Years and months are refused
 * (calendar-ambiguous, §0); weeks and days are 7 × 86 400 s and 86 400 s.
 */
export function durationSeconds(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const match =
    /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(
      text,
    )
  if (match === null) return undefined
  const [, w, d, h, m, s] = match.map((part) => (part === undefined ? 0 : Number(part)))
  return (w ?? 0) * 604_800 + (d ?? 0) * 86_400 + (h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0)
}

export function scaledScore(statement: StoredStatement): number | undefined {
  const score = statement.result?.score
  if (score === undefined) return undefined
  if (score.scaled !== undefined) return score.scaled
  if (
    score.raw !== undefined &&
    score.min !== undefined &&
    score.max !== undefined &&
    score.max > score.min
  )
    return (score.raw - score.min) / (score.max - score.min)
  return undefined
}

export function successOf(statement: StoredStatement): boolean | undefined {
  if (statement.result?.success !== undefined) return statement.result.success
  if (statement.verb.id === VERB.passed) return true
  if (statement.verb.id === VERB.failed) return false
  return undefined
}

export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS)
}

/** The facts of a statement, or undefined when it has no identified actor or is a voiding one. */
export function statementFacts(statement: StoredStatement): StatementFacts | undefined {
  const learner = ifiKey(statement.actor)
  if (learner === undefined || statement.verb.id === VERB.voided) return undefined
  const verb = statement.verb.id
  const object = statement.object
  // An object without objectType is an Activity (xAPI Data §2.4.4.1): most statements omit it.
  // (The validator accepts an object without objectType only as an Activity.)
  const activityObject =
    object.objectType === undefined || object.objectType === 'Activity'
      ? (object as Activity)
      : undefined
  const activity = activityObject?.id
  const context = statement.context
  const ca = context?.contextActivities
  const formal =
    context?.registration !== undefined || (ca?.category ?? []).some((c) => c.id === CMI5_CATEGORY)
  const grouping = ca?.grouping?.[0]?.id
  const course = formal ? (grouping ?? activity) : undefined
  const ms = Date.parse(statement.timestamp)
  const success = successOf(statement)
  const completion =
    verb === VERB.completed || verb === VERB.satisfied || statement.result?.completion === true
  const duration = durationSeconds(statement.result?.duration)
  const sessionId = context?.extensions?.[SESSION_ID]
  const progress = statement.result?.extensions?.[PROGRESS]
  const parent = ca?.parent?.[0]?.id

  // §8: aligned evidence from formal answers, and direct objective statements.
  let objectives: string[] = []
  let objectiveEvidence: boolean | undefined
  if (verb === VERB.answered && formal && parent !== undefined && success !== undefined) {
    objectives = (ca?.other ?? []).map((a) => a.id).filter((id) => id !== course)
    objectiveEvidence = success
  } else if (
    activityObject?.definition?.type === OBJECTIVE_TYPE &&
    (verb === VERB.passed || verb === VERB.failed || verb === VERB.mastered)
  ) {
    objectives = [activityObject.id]
    objectiveEvidence = verb !== VERB.failed
  }

  return {
    learner,
    verb,
    activity,
    ms,
    day: dayOf(ms),
    storedMs: Date.parse(statement.stored),
    scaled: scaledScore(statement),
    success,
    completion,
    engaged: ENGAGEMENT.has(verb),
    sessionSeconds: verb === VERB.terminated || verb === VERB.abandoned ? duration : undefined,
    durationSeconds: duration,
    sessionId: typeof sessionId === 'string' ? sessionId : undefined,
    registration: context?.registration,
    course,
    parent,
    formal,
    platform: context?.platform ?? '(none)',
    authority: ifiKey(statement.authority) ?? '(anonymous)',
    response: statement.result?.response,
    progress: typeof progress === 'number' ? progress : undefined,
    objectives,
    objectiveEvidence,
  }
}
