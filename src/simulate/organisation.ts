/**
 * @module The simulated organisation: its competency framework, its courses (modules of pages
 * and a quiz, each module a cmi5 assignable unit) and its informal learning catalogue.
 */
import type { Activity, Agent } from '../xapi/types.js'
import { buildQuestion, deepFreeze, likertQuestion, type Question } from './questions.js'
import { createRandom, type Random } from './random.js'
import { ACTIVITY_TYPES } from './vocabulary.js'
import {
  COMPETENCIES,
  FIRST_NAMES,
  LAST_NAMES,
  MODULE_TITLES,
  ORGANISATIONS,
  TOPICS,
} from './word-lists.js'

/** A learning objective, part of one competency of the framework. */
export interface Objective {
  readonly activity: Activity
  readonly competency: Activity
}

export interface Page {
  readonly activity: Activity
  /** Reading length; the time a learner spends on it scales with it. */
  readonly words: number
}

export interface QuizQuestion {
  readonly question: Question
  readonly objective: Objective
}

/** A module, launched as one cmi5 assignable unit (AU): pages, then a quiz. */
export interface Module {
  readonly activity: Activity
  readonly launchUrl: string
  readonly pages: readonly Page[]
  readonly quiz: Activity
  readonly questions: readonly QuizQuestion[]
  readonly objectives: readonly Objective[]
}

export interface Video {
  readonly activity: Activity
  /** Length in seconds. */
  readonly length: number
}

export interface Course {
  readonly activity: Activity
  readonly title: string
  readonly concepts: readonly string[]
  /** Shifts every question's difficulty (ability scale). */
  readonly difficulty: number
  /** cmi5 masteryScore (§9.6.3.1): the scaled score a module's quiz must reach to pass. */
  readonly masteryScore: number
  /** Relative chance a learner enrols (a few courses are mandatory and popular). */
  readonly popularity: number
  readonly modules: readonly Module[]
  readonly survey: Question
  readonly videos: readonly Video[]
  /** Mobile micro-learning cards. */
  readonly cards: readonly Activity[]
  readonly forum: Activity
  readonly threads: readonly Activity[]
}

/** A live session topic, held every week at the same time. */
export interface LiveTopic {
  readonly slug: string
  readonly title: string
  readonly instructor: Agent
  /** Day of week (0 = Sunday) and UTC hour of the weekly occurrence. */
  readonly weekday: number
  readonly hour: number
  readonly minutes: number
}

export interface Organisation {
  readonly name: string
  readonly domain: string
  /** The homePage of learner accounts and the base of every activity IRI. */
  readonly homePage: string
  /** `context.platform` of the LMS (cmi5) statements. */
  readonly lmsPlatform: string
  readonly courses: readonly Course[]
  readonly liveTopics: readonly LiveTopic[]
  /** Articles learners share on social platforms. */
  readonly articles: readonly Activity[]
  /** The mobile app, as grouping activity of its statements. */
  readonly mobileApp: Activity
}

function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
}

function activity(id: string, type: string, name: string, description?: string): Activity {
  return deepFreeze({
    objectType: 'Activity',
    id,
    definition: {
      name: { 'en-US': name },
      ...(description === undefined ? {} : { description: { 'en-US': description } }),
      type,
    },
  })
}

function buildCompetencies(home: string): Activity[] {
  return COMPETENCIES.map((name) =>
    activity(`${home}/competencies/${slugify(name)}`, ACTIVITY_TYPES.competency, name),
  )
}

function buildModule(
  random: Random,
  course: { id: string; title: string; concepts: readonly string[]; difficulty: number },
  index: number,
  objectives: readonly Objective[],
): Module {
  const title = `${course.title}: ${MODULE_TITLES[index % MODULE_TITLES.length] ?? 'Module'}`
  const id = `${course.id}/modules/${index + 1}`
  const pages = Array.from({ length: random.int(3, 8) }, (_, p) => ({
    activity: activity(`${id}/pages/${p + 1}`, ACTIVITY_TYPES.page, `${title}, page ${p + 1}`),
    words: random.int(150, 900),
  }))
  const questions = Array.from({ length: random.int(4, 8) }, (_, q) => {
    const concept = random.pick(course.concepts)
    const difficulty = course.difficulty - 1 + random.normal(0, 0.7)
    return {
      question: buildQuestion(
        random,
        `${id}/quiz/questions/${q + 1}`,
        course.title,
        concept,
        course.concepts,
        difficulty,
      ),
      objective: random.pick(objectives),
    }
  })
  return {
    activity: activity(id, ACTIVITY_TYPES.module, title),
    launchUrl: `${id}/index.html`,
    pages,
    quiz: activity(`${id}/quiz`, ACTIVITY_TYPES.assessment, `${title} quiz`),
    questions,
    objectives: [...new Set(questions.map((q) => q.objective))],
  }
}

function buildCourse(
  random: Random,
  home: string,
  index: number,
  competencies: readonly Activity[],
): Course {
  const topic = TOPICS[index % TOPICS.length] ?? { title: 'General', concepts: ['basics'] }
  const edition = Math.floor(index / TOPICS.length)
  const title = edition === 0 ? topic.title : `${topic.title} ${edition + 1}`
  const slug = slugify(title)
  const id = `${home}/courses/${slug}`
  const difficulty = random.normal(0, 0.5)
  const objectives: Objective[] = Array.from({ length: random.int(3, 6) }, (_, o) => ({
    activity: activity(
      `${id}/objectives/${o + 1}`,
      ACTIVITY_TYPES.objective,
      `${title}: objective ${o + 1}`,
      `Apply ${random.pick(topic.concepts)} in everyday work`,
    ),
    competency: random.pick(competencies),
  }))
  const course = { id, title, concepts: topic.concepts, difficulty }
  const modules = Array.from({ length: random.int(3, 6) }, (_, m) =>
    buildModule(random, course, m, objectives),
  )
  return {
    activity: activity(id, ACTIVITY_TYPES.cmi5Course, title, `The ${title} course`),
    title,
    concepts: topic.concepts,
    difficulty,
    masteryScore: random.pick([0.7, 0.75, 0.8, 0.8, 0.85]),
    // Zipf-like: the first courses (mandatory training) are the most popular.
    popularity: 1 / (index + 1) ** 0.8,
    modules,
    survey: likertQuestion(`${id}/survey/satisfaction`, title),
    videos: Array.from({ length: random.int(1, 4) }, (_, v) => ({
      activity: activity(
        `${home}/videos/${slug}-${v + 1}`,
        ACTIVITY_TYPES.video,
        `${title} video ${v + 1}`,
      ),
      length: random.int(90, 1200),
    })),
    cards: Array.from({ length: random.int(3, 8) }, (_, c) =>
      activity(
        `${home}/mobile/cards/${slug}-${c + 1}`,
        ACTIVITY_TYPES.lesson,
        `${title} card ${c + 1}`,
      ),
    ),
    forum: activity(`${home}/community/${slug}`, ACTIVITY_TYPES.forum, `${title} community`),
    threads: topic.concepts.map((concept) =>
      activity(
        `${home}/community/${slug}/threads/${slugify(concept)}`,
        ACTIVITY_TYPES.discussion,
        `Discussion: ${concept}`,
      ),
    ),
  }
}

function buildLiveTopics(random: Random, org: { domain: string }, courses: readonly Course[]) {
  const count = Math.max(2, Math.round(courses.length / 3))
  return Array.from({ length: count }, (_, i): LiveTopic => {
    const course = courses[i % courses.length]
    const first = random.pick(FIRST_NAMES)
    const last = random.pick(LAST_NAMES)
    const title = `${course?.title ?? 'Open'} office hours`
    return {
      slug: slugify(title),
      title,
      instructor: {
        objectType: 'Agent',
        name: `${first} ${last}`,
        mbox: `mailto:${slugify(first)}.${slugify(last)}@${org.domain}`,
      },
      weekday: random.int(1, 5),
      hour: random.int(8, 17),
      minutes: random.pick([30, 45, 60, 60, 90]),
    }
  })
}

/** The organisation of a simulation: a pure function of the seed and the number of courses. */
export function buildOrganisation(seed: string, courseCount: number): Organisation {
  const random = createRandom(`${seed}/organisation`)
  const { name, domain } = random.pick(ORGANISATIONS)
  const home = `https://learn.${domain}`
  const competencies = buildCompetencies(home)
  const courses = Array.from({ length: courseCount }, (_, i) =>
    buildCourse(random, home, i, competencies),
  )
  return deepFreeze({
    name,
    domain,
    homePage: home,
    lmsPlatform: `${name} LMS`,
    courses,
    liveTopics: buildLiveTopics(random, { domain }, courses),
    articles: courses.map((course) =>
      activity(
        `${home}/blog/${slugify(course.title)}-tips`,
        ACTIVITY_TYPES.article,
        `10 tips on ${course.title}`,
      ),
    ),
    mobileApp: activity(`${home}/apps/mobile`, ACTIVITY_TYPES.application, `${name} mobile app`),
  })
}
