/** @module What every session generator shares: the learner's clock and the statement constructor. */
import type { Activity, Context, Result, Statement, Verb } from '../xapi/types.js'
import type { LearnerProfile } from './learner.js'
import type { Organisation } from './organisation.js'
import type { Random } from './random.js'

/** A learner's own time line: statements are stamped with `now`, which only moves forward. */
export interface Clock {
  /** Epoch milliseconds. */
  now: number
}

/** The state one learner's session generators share. */
export interface Journey {
  readonly org: Organisation
  readonly learner: LearnerProfile
  /** The learner's journey stream: every draw about this learner comes from it. */
  readonly random: Random
  readonly clock: Clock
}

/** Moves the learner's clock forward by `ms` (at least 1 ms, so timestamps strictly increase). */
export function advance(journey: Journey, ms: number): void {
  journey.clock.now += Math.max(1, Math.round(ms))
}

/**
 * A statement by the learner at the current time. The id comes from the learner's stream, so a
 * re-run produces the same ids (and re-sending them to an LRS is a no-op).
 */
export function statement(
  journey: Journey,
  verb: Verb,
  object: Activity,
  context: Context,
  result?: Result,
): Statement {
  const made: Statement = {
    id: journey.random.uuid(),
    timestamp: new Date(journey.clock.now).toISOString(),
    actor: journey.learner.actor,
    verb,
    object,
  }
  if (result !== undefined) made.result = result
  made.context = context
  advance(journey, 1)
  return made
}
