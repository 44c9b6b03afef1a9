/**
 * @module One learner's statements over the simulated period, in time order: when sessions
 * happen (paced so the learner's share of statements spreads over the period, at the learner's
 * usual hour, mostly on weekdays) and what each session is (a course or informal learning).
 */
import type { Statement } from '../xapi/types.js'
import { courseSession, enrol, type Enrolment } from './course-sessions.js'
import {
  forumSession,
  liveSession,
  mobileSession,
  nextOccurrence,
  shareSession,
  videoSession,
} from './informal-sessions.js'
import type { LearnerProfile } from './learner.js'
import type { Course, Organisation } from './organisation.js'
import { createRandom } from './random.js'
import { advance, type Journey } from './statement-factory.js'

const MINUTE_MS = 60_000
const HOUR_MS = 60 * MINUTE_MS
const DAY_MS = 24 * HOUR_MS

/** Statements per session before a learner has any history (a course session is ~15-20). */
const TYPICAL_SESSION = 14

export interface JourneyPlan {
  readonly seed: string
  readonly org: Organisation
  readonly learner: LearnerProfile
  readonly startMs: number
  readonly endMs: number
  /** How many statements the learner should produce; paces the sessions, does not cut them. */
  readonly budget: number
}

/**
 * The learner's statements, in strictly increasing timestamp order, until the period ends.
 * Infinite while time remains: the caller takes as many as it wants.
 */
export function* learnerJourney(plan: JourneyPlan): Generator<Statement, void, undefined> {
  const { org, learner, startMs, endMs, budget } = plan
  const random = createRandom(`${plan.seed}/learner/${learner.index}/journey`)
  const journey: Journey = { org, learner, random, clock: { now: startMs } }
  const enrolments: Enrolment[] = []
  const taken = new Set<Course>()
  let emitted = 0
  let sessions = 0

  /** A time on the day of `ms` near the learner's usual hour, never before `notBefore`. */
  const usualHour = (ms: number, notBefore: number): number => {
    let at =
      Math.floor(ms / DAY_MS) * DAY_MS + (learner.preferredHour + random.normal(0, 1.5)) * HOUR_MS
    for (let tries = 0; tries < 2 && !learner.weekends; tries++) {
      const weekday = new Date(at).getUTCDay()
      if ((weekday === 0 || weekday === 6) && random.chance(0.85)) at += DAY_MS
      else break
    }
    return Math.max(Math.round(at), notBefore)
  }

  /** Prefers a course the learner is (or was) enrolled in, else a popular one. */
  const informalCourse = (): Course => {
    const mine = enrolments.map((e) => e.course)
    if (mine.length > 0 && random.chance(0.7)) return random.pick(mine)
    return random.weighted(
      org.courses,
      org.courses.map((c) => c.popularity),
    )
  }

  const informalSession = (): Generator<Statement> => {
    const course = informalCourse()
    const kind = random.weighted(['video', 'mobile', 'forum', 'share', 'live'] as const, [
      35,
      learner.mobile === undefined ? 0 : 28,
      14,
      6,
      10,
    ])
    if (kind === 'live') {
      const topic = random.pick(org.liveTopics)
      const at = nextOccurrence(topic, journey.clock.now)
      if (at < endMs && at - journey.clock.now < 4 * DAY_MS) return liveSession(journey, topic)
    }
    if (kind === 'mobile') return mobileSession(journey, course)
    if (kind === 'forum') return forumSession(journey, course)
    if (kind === 'share') return shareSession(journey, course)
    return videoSession(journey, course)
  }

  function* session(): Generator<Statement> {
    const active = enrolments.filter((e) => e.status === 'active')
    const untaken = org.courses.filter((c) => !taken.has(c))
    const current = active[active.length - 1]
    if (current !== undefined && random.chance(0.72)) {
      yield* courseSession(journey, random.chance(0.8) ? current : random.pick(active))
      return
    }
    const enrolNow =
      untaken.length > 0 &&
      ((active.length === 0 && (sessions === 0 || random.chance(0.55))) ||
        (active.length < 2 && random.chance(0.06)))
    if (!enrolNow) {
      yield* informalSession()
      return
    }
    const course = random.weighted(
      untaken,
      untaken.map((c) => c.popularity),
    )
    taken.add(course)
    const { enrolment, registered } = enrol(journey, course)
    enrolments.push(enrolment)
    yield registered
    advance(journey, random.logNormal(2 * MINUTE_MS, 1))
    yield* courseSession(journey, enrolment)
  }

  // The first session: somewhere in the first half of the period.
  journey.clock.now = usualHour(startMs + random.next() * 0.5 * (endMs - startMs), startMs)
  while (journey.clock.now < endMs) {
    for (const made of session()) {
      emitted += 1
      yield made
    }
    sessions += 1
    // Pace: spread the remaining statements over the remaining time, with irregular gaps.
    const perSession = (emitted + TYPICAL_SESSION * 2) / (sessions + 2)
    const expected = Math.max(1, budget - emitted) / perSession
    const now = journey.clock.now
    const gap = Math.max(3 * MINUTE_MS, ((endMs - now) / (expected + 1)) * random.logNormal(1, 0.6))
    journey.clock.now =
      gap > 8 * HOUR_MS ? usualHour(now + gap, now + 30 * MINUTE_MS) : Math.round(now + gap)
  }
}
