/**
 * @module The xAPI vocabulary the simulator speaks: ADL verbs and activity types, the cmi5
 * profile (cmi5 spec §9) and the xAPI Video Profile (w3id.org/xapi/video).
 */
import type { Activity, Verb } from '../xapi/types.js'

function verb(id: string, display: string): Verb {
  return Object.freeze({ id, display: Object.freeze({ 'en-US': display }) })
}

const ADL = 'http://adlnet.gov/expapi/verbs/'

export const VERBS = {
  registered: verb(`${ADL}registered`, 'registered'),
  launched: verb(`${ADL}launched`, 'launched'),
  initialized: verb(`${ADL}initialized`, 'initialized'),
  experienced: verb(`${ADL}experienced`, 'experienced'),
  progressed: verb(`${ADL}progressed`, 'progressed'),
  attempted: verb(`${ADL}attempted`, 'attempted'),
  answered: verb(`${ADL}answered`, 'answered'),
  completed: verb(`${ADL}completed`, 'completed'),
  passed: verb(`${ADL}passed`, 'passed'),
  failed: verb(`${ADL}failed`, 'failed'),
  suspended: verb(`${ADL}suspended`, 'suspended'),
  resumed: verb(`${ADL}resumed`, 'resumed'),
  terminated: verb(`${ADL}terminated`, 'terminated'),
  commented: verb(`${ADL}commented`, 'commented'),
  asked: verb(`${ADL}asked`, 'asked'),
  shared: verb(`${ADL}shared`, 'shared'),
  attended: verb(`${ADL}attended`, 'attended'),
  // cmi5 §9.3: issued by the LMS.
  abandoned: verb('https://w3id.org/xapi/adl/verbs/abandoned', 'abandoned'),
  satisfied: verb('https://w3id.org/xapi/adl/verbs/satisfied', 'satisfied'),
  // xAPI Video Profile.
  played: verb('https://w3id.org/xapi/video/verbs/played', 'played'),
  paused: verb('https://w3id.org/xapi/video/verbs/paused', 'paused'),
  seeked: verb('https://w3id.org/xapi/video/verbs/seeked', 'seeked'),
} as const

export const ACTIVITY_TYPES = {
  course: 'http://adlnet.gov/expapi/activities/course',
  cmi5Course: 'https://w3id.org/xapi/cmi5/activitytype/course',
  module: 'http://adlnet.gov/expapi/activities/module',
  page: 'http://activitystrea.ms/schema/1.0/page',
  assessment: 'http://adlnet.gov/expapi/activities/assessment',
  interaction: 'http://adlnet.gov/expapi/activities/cmi.interaction',
  question: 'http://adlnet.gov/expapi/activities/question',
  objective: 'http://adlnet.gov/expapi/activities/objective',
  competency: 'https://w3id.org/xapi/adl/activitytypes/competency',
  video: 'https://w3id.org/xapi/video/activity-type/video',
  discussion: 'http://id.tincanapi.com/activitytype/discussion',
  forum: 'http://id.tincanapi.com/activitytype/forum',
  article: 'http://activitystrea.ms/schema/1.0/article',
  meeting: 'http://adlnet.gov/expapi/activities/meeting',
  application: 'http://activitystrea.ms/schema/1.0/application',
  lesson: 'http://adlnet.gov/expapi/activities/lesson',
} as const

/** cmi5 §9.6–9.7 context and result extensions. */
export const CMI5 = {
  sessionId: 'https://w3id.org/xapi/cmi5/context/extensions/sessionid',
  masteryScore: 'https://w3id.org/xapi/cmi5/context/extensions/masteryscore',
  launchMode: 'https://w3id.org/xapi/cmi5/context/extensions/launchmode',
  launchUrl: 'https://w3id.org/xapi/cmi5/context/extensions/launchurl',
  moveOn: 'https://w3id.org/xapi/cmi5/context/extensions/moveon',
  progress: 'https://w3id.org/xapi/cmi5/result/extensions/progress',
} as const

/** The xAPI Video Profile's extensions. */
export const VIDEO = {
  sessionId: 'https://w3id.org/xapi/video/extensions/session-id',
  length: 'https://w3id.org/xapi/video/extensions/length',
  completionThreshold: 'https://w3id.org/xapi/video/extensions/completion-threshold',
  time: 'https://w3id.org/xapi/video/extensions/time',
  timeFrom: 'https://w3id.org/xapi/video/extensions/time-from',
  timeTo: 'https://w3id.org/xapi/video/extensions/time-to',
  progress: 'https://w3id.org/xapi/video/extensions/progress',
  playedSegments: 'https://w3id.org/xapi/video/extensions/played-segments',
} as const

function categoryActivity(id: string): Activity {
  return Object.freeze({ objectType: 'Activity' as const, id })
}

/** cmi5 §9.6.2: the category activity of cmi5 defined statements, and the moveOn one. */
export const CMI5_CATEGORY = categoryActivity('https://w3id.org/xapi/cmi5/context/categories/cmi5')
export const MOVEON_CATEGORY = categoryActivity(
  'https://w3id.org/xapi/cmi5/context/categories/moveon',
)
/** The Video Profile's category: statements following the profile name it. */
export const VIDEO_CATEGORY = categoryActivity('https://w3id.org/xapi/video')
