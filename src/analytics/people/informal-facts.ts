/**
 * @module Informal learning facts (analytics-definitions.md §15): which statements count, what
 * kind of learning each is, and how much time it carries. Pure.
 */
import { durationSeconds, statementFacts } from '../statement-facts.js'
import type { StoredStatement } from '../../xapi/types.js'

export const INFORMAL_KINDS = [
  'video',
  'article',
  'forum',
  'social',
  'live session',
  'practice',
  'other',
] as const
export type InformalKind = (typeof INFORMAL_KINDS)[number]

const TYPES = {
  video: [
    'https://w3id.org/xapi/video/activity-type/video',
    'http://activitystrea.ms/schema/1.0/video',
  ],
  article: [
    'http://activitystrea.ms/schema/1.0/article',
    'http://activitystrea.ms/schema/1.0/page',
    'http://id.tincanapi.com/activitytype/blog',
    'http://adlnet.gov/expapi/activities/link',
    'http://adlnet.gov/expapi/activities/file',
  ],
  forum: [
    'http://id.tincanapi.com/activitytype/discussion',
    'http://id.tincanapi.com/activitytype/forum',
    'http://id.tincanapi.com/activitytype/forum-reply',
  ],
  live: [
    'http://adlnet.gov/expapi/activities/meeting',
    'http://id.tincanapi.com/activitytype/webinar',
  ],
  question: [
    'http://adlnet.gov/expapi/activities/cmi.interaction',
    'http://adlnet.gov/expapi/activities/question',
  ],
} as const
const VIDEO_CATEGORY = 'https://w3id.org/xapi/video'
const ADL = 'http://adlnet.gov/expapi/verbs/'

/** Verbs whose duration overlaps the session's (§4): not added to informal time. */
const OVERLAPPING = new Set([`${ADL}completed`, `${ADL}passed`, `${ADL}failed`])

/** The definitions the informal report states. */
export const INFORMAL_DEFINITIONS = {
  informal:
    'informal = not formal, formal being a statement with context.registration or the cmi5 category (the same rule as the other reports, §15/§16); source = context.platform, credential = the authority',
  informalKind:
    'kind: video (Video Profile category or a video activity type), live session (verb attended or a meeting/webinar), social (verb shared), forum (commented/asked, or a discussion/forum activity), article (read, or an article/page/link/file activity), practice (answered), else other',
  informalTime:
    'hours = sum of result.duration of informal statements except completed|passed|failed (whose durations overlap the session, §4); Y/M durations are rejected',
  formalTime:
    'formal hours = sum of result.duration of terminated|abandoned statements of cmi5 sessions (§4), by the day the session started',
  ratio: 'formal:informal = formal hours ÷ informal hours (null when there is no informal time)',
} as const

/** What of a statement the informal projection keeps; undefined for formal ones. */
export interface InformalFact {
  learner: string
  day: number
  platform: string
  authority: string
  kind: InformalKind
  centis: number
}

function kindOf(statement: StoredStatement): InformalKind {
  const verb = statement.verb.id
  const object = statement.object
  const type = object.objectType === 'Activity' ? object.definition?.type : undefined
  const categories = statement.context?.contextActivities?.category ?? []
  const is = (list: readonly string[]) => type !== undefined && list.includes(type)
  if (categories.some((c) => c.id === VIDEO_CATEGORY) || is(TYPES.video)) return 'video'
  if (verb === `${ADL}attended` || is(TYPES.live)) return 'live session'
  if (verb === `${ADL}shared`) return 'social'
  if (verb === `${ADL}commented` || verb === `${ADL}asked` || is(TYPES.forum)) return 'forum'
  if (verb === 'http://activitystrea.ms/schema/1.0/read' || is(TYPES.article)) return 'article'
  if (verb === `${ADL}answered` || is(TYPES.question)) return 'practice'
  return 'other'
}

export function informalFact(statement: StoredStatement): InformalFact | undefined {
  const facts = statementFacts(statement)
  if (facts === undefined || facts.formal) return undefined
  const seconds = OVERLAPPING.has(facts.verb)
    ? undefined
    : durationSeconds(statement.result?.duration)
  return {
    learner: facts.learner,
    day: facts.day,
    platform: facts.platform,
    authority: facts.authority,
    kind: kindOf(statement),
    centis: seconds === undefined ? 0 : Math.round(seconds * 100),
  }
}
