/**
 * @module The learning-data simulator's entry point: a deterministic, streaming generator of
 * realistic xAPI statements (valid under 1.0.3 and 2.0) for an organisation and its learners.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { Statement } from '../xapi/types.js'
import { appActor, type HrRecord, hrRecord, usesAppEmail } from './hr-export.js'
import { buildLearner, type LearnerProfile } from './learner.js'
import { learnerJourney } from './learner-journey.js'
import { buildOrganisation, type Organisation } from './organisation.js'

const DAY_MS = 86_400_000

export interface SimulationOptions {
  /** Same seed and options ⇒ the same statements, ids included. Default `almanac`. */
  readonly seed?: string | number
  /** Exactly how many statements to generate. Default 1000. */
  readonly statements?: number
  /** How many learners share them. Default: one per ~150 statements (at least 5). */
  readonly learners?: number
  /** How many courses the organisation offers. Default: about √learners, 3 to 40. */
  readonly courses?: number
  /** Start of the period (ISO 8601). Default `2025-01-06T00:00:00.000Z`, a Monday. */
  readonly start?: string
  /** Length of the period in days. Default 90. */
  readonly days?: number
  /**
   * Share (0..1) of the mobile-app users whose app statements carry their work email instead
   * of their LMS account: one person, two IFIs (docs/people.md). Default 0.
   */
  readonly appEmailShare?: number
}

/** The options with every default applied, as the simulation runs them. */
export interface ResolvedSimulationOptions {
  readonly seed: string
  readonly statements: number
  readonly learners: number
  readonly courses: number
  /** ISO 8601 UTC. */
  readonly start: string
  readonly days: number
  readonly appEmailShare: number
}

export interface Simulation {
  readonly options: ResolvedSimulationOptions
  readonly organisation: Organisation
  /**
   * Learner `index` (0-based) with the latent traits behind their data; their statements have
   * `actor.account.name` = `learner(index).actor.account.name`.
   */
  learner(index: number): LearnerProfile
  /**
   * Exactly `options.statements` statements, learner after learner, each learner's in
   * timestamp order within the period. Streams: memory does not grow with the count. Each call
   * starts over and yields the same sequence.
   */
  statements(): Generator<Statement, void, undefined>
  /** Learner `index` as the organisation's HR export has them (simulate/hr-export.ts). */
  hrRecord(index: number): HrRecord
}

function integer(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, not ${value}`)
  return value
}

export function resolveSimulationOptions(
  options: SimulationOptions = {},
): ResolvedSimulationOptions {
  const statements = integer('statements', options.statements ?? 1000, 0, 1e10)
  const learners = integer(
    'learners',
    options.learners ??
      Math.max(1, Math.min(statements, Math.max(5, Math.round(statements / 150)))),
    1,
    1e7,
  )
  const courses = integer(
    'courses',
    options.courses ?? Math.min(40, Math.max(3, Math.round(Math.sqrt(learners)))),
    1,
    10_000,
  )
  const startMs = Date.parse(options.start ?? '2025-01-06T00:00:00.000Z')
  if (Number.isNaN(startMs))
    throw new RangeError(`start must be an ISO 8601 date, not ${options.start}`)
  const days = options.days ?? 90
  if (!(days > 0 && days <= 36_500)) throw new RangeError(`days must be above 0, not ${days}`)
  const appEmailShare = options.appEmailShare ?? 0
  if (!(appEmailShare >= 0 && appEmailShare <= 1))
    throw new RangeError(`appEmailShare must be from 0 to 1, not ${appEmailShare}`)
  return {
    seed: String(options.seed ?? 'almanac'),
    statements,
    learners,
    courses,
    start: new Date(startMs).toISOString(),
    days,
    appEmailShare,
  }
}

/**
 * Builds a simulation. The organisation is built at once (courses × modules × questions, small);
 * learners and their statements are generated on demand, one learner at a time.
 */
export function createSimulation(options: SimulationOptions = {}): Simulation {
  const resolved = resolveSimulationOptions(options)
  const { seed, statements: total, learners } = resolved
  const organisation = buildOrganisation(seed, resolved.courses)
  const startMs = Date.parse(resolved.start)
  const endMs = startMs + resolved.days * DAY_MS
  const endIso = new Date(endMs).toISOString()
  const learner = (index: number) => buildLearner(seed, index, organisation.homePage)
  const appPlatform = `${organisation.name} Mobile`

  /** A learner's statements up to `budget`, cut at the end of the period; returns how many. */
  function* run(profile: LearnerProfile, budget: number): Generator<Statement, number, undefined> {
    let emitted = 0
    if (budget <= 0) return 0
    const journey = learnerJourney({
      seed,
      org: organisation,
      learner: profile,
      startMs,
      endMs,
      budget,
    })
    const app = usesAppEmail(seed, profile, resolved.appEmailShare)
      ? appActor(profile, organisation)
      : undefined
    for (const made of journey) {
      // ISO 8601 UTC strings of one length compare as time.
      if ((made.timestamp ?? '') >= endIso) break
      yield app !== undefined && made.context?.platform?.startsWith(appPlatform) === true
        ? { ...made, actor: app }
        : made
      emitted += 1
      if (emitted >= budget) break
    }
    return emitted
  }

  function* statements(): Generator<Statement, void, undefined> {
    // Each learner's share of the total is proportional to their activity trait. The shares
    // are rounded by cumulative sums so that they add up to exactly `total`.
    let weightSum = 0
    for (let i = 0; i < learners; i++) weightSum += learner(i).activity
    let cumulative = 0
    let assigned = 0
    // Statements a learner could not fit before the period ended pass to the next learner.
    let carried = 0
    for (let i = 0; i < learners; i++) {
      const profile = learner(i)
      cumulative += profile.activity
      const upTo = i === learners - 1 ? total : Math.floor((total * cumulative) / weightSum)
      const budget = upTo - assigned + carried
      assigned = upTo
      carried = budget - (yield* run(profile, budget))
    }
    // Still short (the period was too short for the last learners): more learners join.
    const share = Math.max(1, Math.ceil((2 * total) / learners))
    for (let i = learners, idle = 0; carried > 0; i++) {
      const done = yield* run(learner(i), Math.min(carried, share))
      carried -= done
      idle = done === 0 ? idle + 1 : 0
      if (idle > 1000)
        throw new RangeError('the period is too short for this many statements; add days')
    }
  }

  return {
    options: resolved,
    organisation,
    learner,
    statements,
    hrRecord: (index) =>
      hrRecord(
        seed,
        learner(index),
        organisation,
        resolved.start,
        usesAppEmail(seed, learner(index), resolved.appEmailShare),
        learner,
      ),
  }
}

/** Shorthand for `createSimulation(options).statements()`. */
export function simulateStatements(
  options: SimulationOptions = {},
): Generator<Statement, void, undefined> {
  return createSimulation(options).statements()
}

/**
 * The same statements as an async iterable that lets the event loop run every `every`
 * statements, so that a server or HTTP client in the same process keeps working while a large
 * simulation is consumed (`for await`). The sync generator is faster where that does not matter.
 */
export async function* simulateStatementsAsync(
  options: SimulationOptions = {},
  every = 1000,
): AsyncGenerator<Statement, void, undefined> {
  let count = 0
  for (const statement of simulateStatements(options)) {
    yield statement
    count += 1
    if (count % every === 0) await nextTurn()
  }
}

/** Groups any iterable into arrays of `size` (the last may be shorter), e.g. POST batches. */
export function* inBatches<T>(items: Iterable<T>, size: number): Generator<T[], void, undefined> {
  let batch: T[] = []
  for (const item of items) {
    batch.push(item)
    if (batch.length >= size) {
      yield batch
      batch = []
    }
  }
  if (batch.length > 0) yield batch
}
