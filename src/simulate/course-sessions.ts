/**
 * @module Course registrations as a cmi5 LMS and its assignable units report them (cmi5 §9):
 * registered, then per module launch: launched → initialized → (resumed) → experienced pages
 * and progressed → completed → attempted quiz, answered questions → passed | failed →
 * terminated (or suspended, or abandoned); satisfied once every module is passed.
 */
import type { Activity, Context, Extensions, Statement } from '../xapi/types.js'
import { ref } from './activity-refs.js'
import { isoDuration } from './iso-duration.js'
import type { Course, Module } from './organisation.js'
import { advance, statement, type Journey } from './statement-factory.js'
import { CMI5, CMI5_CATEGORY, MOVEON_CATEGORY, VERBS } from './vocabulary.js'

/** One learner's registration in one course and how far it got. */
export interface Enrolment {
  readonly course: Course
  /** The cmi5 registration (context.registration of every statement about it). */
  readonly registration: string
  /** The module (AU) the next session launches. */
  moduleIndex: number
  /** The next page to view in that module; `pages.length` once all were viewed. */
  pageIndex: number
  /** Quiz attempts on the current module. */
  attempts: number
  /** Failed quiz attempts in the whole course. */
  failures: number
  /** The last session was suspended: the next one resumes. */
  suspended: boolean
  /** Modules whose `completed` was issued (cmi5 §9.3.3: once per registration). */
  readonly completed: Set<number>
  status: 'active' | 'satisfied' | 'dropped'
}

interface ContextOptions {
  sessionId: string
  /** cmi5 defined statement (§9.6.2.1): adds the cmi5 category. */
  cmi5?: boolean
  /** Statement that can satisfy moveOn (§9.6.2.2): adds the moveon category. */
  moveOn?: boolean
  parent?: readonly Activity[]
  other?: readonly Activity[]
  extensions?: Extensions
}

function courseContext(journey: Journey, enrolment: Enrolment, options: ContextOptions): Context {
  const category: Activity[] = []
  if (options.cmi5 === true) category.push(CMI5_CATEGORY)
  if (options.moveOn === true) category.push(MOVEON_CATEGORY)
  const contextActivities: NonNullable<Context['contextActivities']> = {}
  if (options.parent !== undefined) contextActivities.parent = options.parent.map(ref)
  contextActivities.grouping = [ref(enrolment.course.activity)]
  if (category.length > 0) contextActivities.category = category
  if (options.other !== undefined) contextActivities.other = options.other.map(ref)
  return {
    registration: enrolment.registration,
    contextActivities,
    platform: journey.org.lmsPlatform,
    language: 'en-US',
    extensions: { [CMI5.sessionId]: options.sessionId, ...options.extensions },
  }
}

/** Starts a registration: the LMS records that the learner registered for the course. */
export function enrol(
  journey: Journey,
  course: Course,
): { enrolment: Enrolment; registered: Statement } {
  const enrolment: Enrolment = {
    course,
    registration: journey.random.uuid(),
    moduleIndex: 0,
    pageIndex: 0,
    attempts: 0,
    failures: 0,
    suspended: false,
    completed: new Set(),
    status: 'active',
  }
  const registered = statement(journey, VERBS.registered, course.activity, {
    registration: enrolment.registration,
    platform: journey.org.lmsPlatform,
    language: 'en-US',
  })
  return { enrolment, registered }
}

/** Seconds on a page: reading speed rises with ability; strugglers linger (log-normal noise). */
function readingMs(journey: Journey, words: number): number {
  const { ability } = journey.learner
  const wordsPerMinute = 220 * Math.exp(0.15 * ability)
  const struggle = 1 + 0.3 * Math.max(0, -ability)
  return Math.max(
    3000,
    (words / wordsPerMinute) * 60_000 * struggle * journey.random.logNormal(1, 0.45),
  )
}

/** Probability of a right answer under the Rasch model (logistic, scale 1.7). */
function chanceCorrect(ability: number, difficulty: number): number {
  return 1 / (1 + Math.exp(-1.7 * (ability - difficulty)))
}

/** One launch of the current module of `enrolment`: a cmi5 AU session, start to end. */
export function* courseSession(journey: Journey, enrolment: Enrolment): Generator<Statement> {
  const { random, learner } = journey
  const { course } = enrolment
  const module = course.modules[enrolment.moduleIndex]
  if (module === undefined) return
  const au = module.activity
  const sessionId = random.uuid()
  const context = (options: Omit<ContextOptions, 'sessionId'>) =>
    courseContext(journey, enrolment, { sessionId, ...options })
  const progress = (): number => Math.round((100 * enrolment.pageIndex) / (module.pages.length + 1))

  // cmi5 §9.3.1: the LMS records the launch with the launch data (§9.6.3).
  yield statement(
    journey,
    VERBS.launched,
    au,
    context({
      cmi5: true,
      extensions: {
        [CMI5.launchMode]: 'Normal',
        [CMI5.launchUrl]: module.launchUrl,
        [CMI5.moveOn]: 'CompletedAndPassed',
        [CMI5.masteryScore]: course.masteryScore,
      },
    }),
  )
  advance(journey, random.logNormal(4000, 0.5))
  yield statement(journey, VERBS.initialized, au, context({ cmi5: true }))
  const sessionStart = journey.clock.now
  const sessionDuration = () => ({ duration: isoDuration(journey.clock.now - sessionStart) })

  if (enrolment.suspended) {
    enrolment.suspended = false
    advance(journey, 800)
    yield statement(journey, VERBS.resumed, au, context({}), {
      extensions: { [CMI5.progress]: progress() },
    })
  }

  // A retry after a failed quiz: a quick look back at a page or two first.
  if (enrolment.attempts > 0)
    for (let n = random.int(0, 2); n > 0; n--) {
      const page = random.pick(module.pages)
      const ms = readingMs(journey, page.words) * 0.4
      advance(journey, ms)
      yield statement(journey, VERBS.experienced, page.activity, context({ parent: [au] }), {
        duration: isoDuration(ms),
      })
    }

  while (enrolment.pageIndex < module.pages.length) {
    const page = module.pages[enrolment.pageIndex]
    if (page === undefined) break
    const ms = readingMs(journey, page.words)
    advance(journey, ms)
    yield statement(journey, VERBS.experienced, page.activity, context({ parent: [au] }), {
      duration: isoDuration(ms),
    })
    enrolment.pageIndex += 1
    if (enrolment.pageIndex >= module.pages.length) break
    if (enrolment.pageIndex % 2 === 0) {
      advance(journey, 500)
      yield statement(journey, VERBS.progressed, au, context({}), {
        extensions: { [CMI5.progress]: progress() },
      })
    }
    const reluctance = 1 - learner.motivation
    if (random.chance(0.004 + 0.03 * reluctance ** 2 + 0.01 * enrolment.failures)) {
      enrolment.status = 'dropped'
      yield* endEarly(journey, au, context, sessionStart)
      return
    }
    if (random.chance(0.02 + 0.07 * reluctance)) {
      enrolment.suspended = true
      advance(journey, 1500)
      yield statement(journey, VERBS.suspended, au, context({}), {
        ...sessionDuration(),
        extensions: { [CMI5.progress]: progress() },
      })
      advance(journey, 700)
      yield statement(journey, VERBS.terminated, au, context({ cmi5: true }), sessionDuration())
      return
    }
  }

  if (!enrolment.completed.has(enrolment.moduleIndex)) {
    enrolment.completed.add(enrolment.moduleIndex)
    advance(journey, 1200)
    yield statement(journey, VERBS.completed, au, context({ cmi5: true, moveOn: true }), {
      completion: true,
      ...sessionDuration(),
    })
  }

  yield* quiz(journey, enrolment, module, context)

  if (enrolment.moduleIndex >= course.modules.length) {
    if (random.chance(0.2 + 0.4 * learner.motivation)) {
      const survey = course.survey
      advance(journey, random.logNormal(survey.seconds * 1000, 0.4))
      yield statement(
        journey,
        VERBS.answered,
        survey.activity,
        context({ parent: [course.activity] }),
        {
          response: survey.respond(random, true),
        },
      )
    }
  }
  advance(journey, random.logNormal(3000, 0.5))
  yield statement(journey, VERBS.terminated, au, context({ cmi5: true }), sessionDuration())

  if (enrolment.moduleIndex >= course.modules.length) {
    // cmi5 §9.3.9: the LMS records that the course's moveOn criteria are all met.
    enrolment.status = 'satisfied'
    advance(journey, 1000)
    yield statement(journey, VERBS.satisfied, course.activity, context({ cmi5: true }))
  }
}

/** The module's quiz: attempted, one `answered` per question, then passed or failed. */
function* quiz(
  journey: Journey,
  enrolment: Enrolment,
  module: Module,
  context: (options: Omit<ContextOptions, 'sessionId'>) => Context,
): Generator<Statement> {
  const { random, learner } = journey
  const au = module.activity
  advance(journey, 2000)
  yield statement(journey, VERBS.attempted, module.quiz, context({ parent: [au] }))
  const quizStart = journey.clock.now
  // Each retry follows more study: ability effectively grows with the attempts.
  const ability = learner.ability + 0.35 * enrolment.attempts + random.normal(0, 0.15)
  let right = 0
  for (const { question, objective } of module.questions) {
    const correct = random.chance(chanceCorrect(ability, question.difficulty))
    const ms =
      question.seconds *
      1000 *
      random.logNormal(1, 0.45) *
      (correct ? 1 : 1.35) *
      (1 + 0.25 * Math.max(0, -learner.ability))
    advance(journey, ms)
    if (correct) right += 1
    yield statement(
      journey,
      VERBS.answered,
      question.activity,
      context({ parent: [module.quiz], other: [objective.activity, objective.competency] }),
      { success: correct, response: question.respond(random, correct), duration: isoDuration(ms) },
    )
  }
  const total = module.questions.length
  const scaled = Math.round((right / total) * 100) / 100
  const passed = scaled >= enrolment.course.masteryScore
  advance(journey, 1500)
  // cmi5 §9.3.4/§9.3.5: the result of the assessment against masteryScore, on the AU.
  yield statement(
    journey,
    passed ? VERBS.passed : VERBS.failed,
    au,
    context({
      cmi5: true,
      moveOn: true,
      other: module.objectives.map((o) => o.activity),
      extensions: { [CMI5.masteryScore]: enrolment.course.masteryScore },
    }),
    {
      score: { scaled, raw: right, min: 0, max: total },
      success: passed,
      duration: isoDuration(journey.clock.now - quizStart),
    },
  )
  enrolment.attempts += 1
  if (passed) {
    enrolment.moduleIndex += 1
    enrolment.pageIndex = 0
    enrolment.attempts = 0
    return
  }
  enrolment.failures += 1
  const giveUp =
    enrolment.attempts >= 4 ||
    random.chance(0.1 + 0.45 * (1 - learner.motivation) * Math.min(1, enrolment.attempts / 2))
  if (giveUp) enrolment.status = 'dropped'
}

/** A learner who quits mid-module: a clean exit, or a closed window the LMS later abandons. */
function* endEarly(
  journey: Journey,
  au: Activity,
  context: (options: Omit<ContextOptions, 'sessionId'>) => Context,
  sessionStart: number,
): Generator<Statement> {
  const duration = () => isoDuration(journey.clock.now - sessionStart)
  if (journey.random.chance(0.5)) {
    advance(journey, 900)
    yield statement(journey, VERBS.terminated, au, context({ cmi5: true }), {
      duration: duration(),
    })
    return
  }
  // cmi5 §9.3.7: the LMS issues abandoned for a session that never terminated.
  const ended = duration()
  advance(journey, journey.random.logNormal(30 * 60_000, 0.6))
  yield statement(journey, VERBS.abandoned, au, context({ cmi5: true }), { duration: ended })
}
