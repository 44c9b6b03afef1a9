/**
 * @module Informal learning outside the LMS, each source named by `context.platform`: videos
 * (xAPI Video Profile), the mobile app, the community forum, social shares and live sessions.
 */
import type { Activity, Context, Statement } from '../xapi/types.js'
import { ref } from './activity-refs.js'
import { isoDuration } from './iso-duration.js'
import type { Course, LiveTopic } from './organisation.js'
import { advance, statement, type Journey } from './statement-factory.js'
import { ACTIVITY_TYPES, VERBS, VIDEO, VIDEO_CATEGORY } from './vocabulary.js'
import { FORUM_CLOSERS, FORUM_OPENERS } from './word-lists.js'

const DAY_MS = 86_400_000

function informalContext(
  platform: string,
  activities: NonNullable<Context['contextActivities']>,
  extra: Omit<Context, 'platform' | 'contextActivities'> = {},
): Context {
  return { ...extra, contextActivities: activities, platform, language: 'en-US' }
}

/** `[start, end]` seconds pairs as the Video Profile's played-segments string. */
function playedSegments(segments: readonly (readonly [number, number])[]): string {
  return segments.map(([from, to]) => `${round3(from)}[.]${round3(to)}`).join('[,]')
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000
}

/** The share of the video covered by the union of the segments, 0..1. */
function coverage(segments: readonly (readonly [number, number])[], length: number): number {
  const sorted = [...segments].sort((a, b) => a[0] - b[0])
  let covered = 0
  let reach = 0
  for (const [from, to] of sorted) {
    const start = Math.max(from, reach)
    if (to > start) covered += to - start
    reach = Math.max(reach, to)
  }
  return Math.min(1, round3(covered / length))
}

/** A video watched in the video platform's player, following the xAPI Video Profile. */
export function* videoSession(journey: Journey, course: Course): Generator<Statement> {
  const { random, learner, org } = journey
  const video = random.pick(course.videos)
  const sessionId = random.uuid()
  const threshold = 0.9
  const context = informalContext(
    `${org.name} Video`,
    { category: [VIDEO_CATEGORY], other: [ref(course.activity)] },
    {
      extensions: {
        [VIDEO.sessionId]: sessionId,
        [VIDEO.length]: video.length,
        [VIDEO.completionThreshold]: threshold,
      },
    },
  )
  const start = journey.clock.now
  const segments: [number, number][] = []
  const state = () => ({
    [VIDEO.progress]: coverage(segments, video.length),
    [VIDEO.playedSegments]: playedSegments(segments),
  })

  yield statement(journey, VERBS.initialized, video.activity, context)
  let position = 0
  for (;;) {
    advance(journey, random.logNormal(1500, 0.5))
    yield statement(journey, VERBS.played, video.activity, context, {
      extensions: { [VIDEO.time]: round3(position) },
    })
    const watch = Math.min(video.length - position, random.logNormal(video.length * 0.45, 0.7))
    advance(journey, watch * 1000)
    segments.push([position, position + watch])
    position += watch
    if (position >= video.length - 0.5) break
    yield statement(journey, VERBS.paused, video.activity, context, {
      extensions: { [VIDEO.time]: round3(position), ...state() },
    })
    if (random.chance(0.08 + 0.3 * (1 - learner.motivation))) break
    if (random.chance(0.2)) {
      // Jump back to re-watch, or skip ahead.
      const to = random.chance(0.6)
        ? position * random.next()
        : Math.min(video.length - 1, position + random.next() * (video.length - position))
      advance(journey, 600)
      yield statement(journey, VERBS.seeked, video.activity, context, {
        extensions: { [VIDEO.timeFrom]: round3(position), [VIDEO.timeTo]: round3(to) },
      })
      position = to
    }
    advance(journey, random.logNormal(20_000, 1))
  }
  const watched = coverage(segments, video.length)
  if (watched >= threshold) {
    advance(journey, 300)
    yield statement(journey, VERBS.completed, video.activity, context, {
      completion: true,
      duration: isoDuration(journey.clock.now - start),
      extensions: { [VIDEO.time]: round3(position), ...state() },
    })
  }
  advance(journey, random.logNormal(4000, 0.6))
  yield statement(journey, VERBS.terminated, video.activity, context, {
    duration: isoDuration(journey.clock.now - start),
    extensions: { [VIDEO.time]: round3(position), ...state() },
  })
}

/** A few micro-learning cards in the mobile app, sometimes a spaced-repetition question. */
export function* mobileSession(journey: Journey, course: Course): Generator<Statement> {
  const { random, learner, org } = journey
  const platform = `${org.name} Mobile (${learner.mobile ?? 'Web'})`
  const context = informalContext(platform, {
    grouping: [ref(org.mobileApp)],
    other: [ref(course.activity)],
  })
  for (let n = random.int(1, 4); n > 0; n--) {
    const ms = random.logNormal(35_000, 0.5)
    advance(journey, ms)
    yield statement(journey, VERBS.experienced, random.pick(course.cards), context, {
      duration: isoDuration(ms),
    })
  }
  if (!random.chance(0.5)) return
  const module = random.pick(course.modules)
  const { question, objective } = random.pick(module.questions)
  // Practice pays off: a little easier than in the graded quiz.
  const p = 1 / (1 + Math.exp(-1.7 * (learner.ability + 0.3 - question.difficulty)))
  const correct = random.chance(p)
  const ms = question.seconds * 1000 * random.logNormal(1, 0.4)
  advance(journey, ms)
  yield statement(
    journey,
    VERBS.answered,
    question.activity,
    informalContext(platform, {
      grouping: [ref(org.mobileApp)],
      other: [ref(course.activity), ref(objective.activity)],
    }),
    { success: correct, response: question.respond(random, correct), duration: isoDuration(ms) },
  )
}

/** Posts in the course's community forum: a question, or comments on a thread. */
export function* forumSession(journey: Journey, course: Course): Generator<Statement> {
  const { random, org } = journey
  const context = informalContext(`${org.name} Community`, {
    parent: [ref(course.forum)],
    other: [ref(course.activity)],
  })
  const thread = random.pick(course.threads)
  const text = () =>
    `${random.pick(FORUM_OPENERS)} ${random.pick(course.concepts)} ${random.pick(FORUM_CLOSERS)}`
  advance(journey, random.logNormal(90_000, 0.6))
  if (random.chance(0.25)) {
    yield statement(journey, VERBS.asked, thread, context, { response: text() })
    return
  }
  for (let n = random.int(1, 3); n > 0; n--) {
    yield statement(journey, VERBS.commented, thread, context, { response: text() })
    advance(journey, random.logNormal(5 * 60_000, 0.8))
  }
}

const SOCIAL_PLATFORMS = ['LinkedIn', 'Microsoft Teams', 'Slack', 'Workplace']

/** A course, video or article shared on a social platform. */
export function* shareSession(journey: Journey, course: Course): Generator<Statement> {
  const { random, org } = journey
  const article = org.articles[org.courses.indexOf(course)] ?? course.activity
  const object = random.pick([course.activity, article, random.pick(course.videos).activity])
  advance(journey, random.logNormal(20_000, 0.5))
  yield statement(
    journey,
    VERBS.shared,
    object,
    informalContext(random.pick(SOCIAL_PLATFORMS), { other: [ref(course.activity)] }),
  )
}

/** The next weekly occurrence of `topic` after `now` (epoch ms, UTC). */
export function nextOccurrence(topic: LiveTopic, now: number): number {
  const date = new Date(now)
  date.setUTCHours(topic.hour, 0, 0, 0)
  const days = (topic.weekday - date.getUTCDay() + 7) % 7
  let at = date.getTime() + days * DAY_MS
  if (at <= now) at += 7 * DAY_MS
  return at
}

/** Attending the next live session of `topic` (its time, not the learner's, sets the clock). */
export function* liveSession(journey: Journey, topic: LiveTopic): Generator<Statement> {
  const { random, learner, org } = journey
  const at = nextOccurrence(topic, journey.clock.now)
  const day = new Date(at).toISOString().slice(0, 10)
  const meeting: Activity = {
    objectType: 'Activity',
    id: `${org.homePage}/live/${topic.slug}/${day}`,
    definition: {
      name: { 'en-US': `${topic.title}, ${day}` },
      type: ACTIVITY_TYPES.meeting,
    },
  }
  journey.clock.now = at + random.int(0, 8 * 60_000)
  const share = Math.min(1, 0.45 + 0.5 * learner.motivation + random.normal(0, 0.15))
  const ms = Math.max(60_000, topic.minutes * 60_000 * share)
  advance(journey, ms)
  yield statement(
    journey,
    VERBS.attended,
    meeting,
    { instructor: topic.instructor, platform: `${org.name} Live`, language: 'en-US' },
    { duration: isoDuration(ms), completion: share >= 0.75 },
  )
}
