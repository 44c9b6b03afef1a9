/** @module Simulated learners: an identity plus latent traits that drive what their data looks like. */
import type { Agent } from '../xapi/types.js'
import { deepFreeze } from './questions.js'
import { createRandom } from './random.js'
import { DEPARTMENTS, FIRST_NAMES, LAST_NAMES } from './word-lists.js'

export interface LearnerProfile {
  readonly index: number
  /** Identified by an account on the organisation's LMS, as cmi5 requires (cmi5 §9.2). */
  readonly actor: Agent
  readonly department: string
  /**
   * Latent ability on the item scale (standard normal): the chance of answering a question of
   * difficulty d right is 1 / (1 + e^-(1.7 (ability − d))), a Rasch model.
   */
  readonly ability: number
  /** 0..1: low motivation means early drop-off, suspended sessions and given-up retries. */
  readonly motivation: number
  /** Relative share of the simulation's statements (heavy-tailed: a few learners do a lot). */
  readonly activity: number
  /** The UTC hour a learner usually starts a session. */
  readonly preferredHour: number
  /** Learns on weekends too (otherwise mostly Monday to Friday). */
  readonly weekends: boolean
  /** Uses the mobile app, and on which platform. */
  readonly mobile: 'iOS' | 'Android' | undefined
}

/** The learner `index` of a simulation: a pure function of the seed, the index and the home page. */
export function buildLearner(seed: string, index: number, homePage: string): LearnerProfile {
  const random = createRandom(`${seed}/learner/${index}/traits`)
  const first = random.pick(FIRST_NAMES)
  const last = random.pick(LAST_NAMES)
  const ability = random.normal()
  // Motivation correlates mildly with ability (ρ ≈ 0.3), as engagement does with prior success.
  const drive = 0.3 * ability + Math.sqrt(1 - 0.09) * random.normal()
  const motivation = 1 / (1 + Math.exp(-1.2 * drive))
  return {
    index,
    // Shared by all the learner's statements: frozen, so no consumer can change them all.
    actor: deepFreeze({
      objectType: 'Agent',
      name: `${first} ${last}`,
      account: { homePage, name: `u${String(index + 1).padStart(6, '0')}` },
    }),
    department: random.pick(DEPARTMENTS),
    ability,
    motivation,
    activity: random.logNormal(1, 0.9) * (0.25 + motivation),
    preferredHour: Math.min(21, Math.max(6, random.normal(13, 3.5))),
    weekends: random.chance(0.2),
    mobile: random.chance(0.45) ? random.pick(['iOS', 'Android'] as const) : undefined,
  }
}
