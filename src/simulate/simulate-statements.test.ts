import { describe, expect, it } from 'vitest'
import type { Statement } from '../xapi/types.js'
import { validateStatement } from '../xapi/validate-statement.js'
import {
  createSimulation,
  inBatches,
  resolveSimulationOptions,
  simulateStatements,
  simulateStatementsAsync,
} from './simulate-statements.js'
import { CMI5, VERBS } from './vocabulary.js'

const CMI5_CATEGORY = 'https://w3id.org/xapi/cmi5/context/categories/cmi5'
/** cmi5 §9.3: the statements the cmi5 category marks. */
const CMI5_DEFINED = new Set(
  [
    VERBS.launched,
    VERBS.initialized,
    VERBS.completed,
    VERBS.passed,
    VERBS.failed,
    VERBS.terminated,
    VERBS.abandoned,
    VERBS.satisfied,
  ].map((v) => v.id),
)

function take(count: number, options: Parameters<typeof simulateStatements>[0]): Statement[] {
  const out: Statement[] = []
  for (const statement of simulateStatements(options)) {
    out.push(statement)
    if (out.length >= count) break
  }
  return out
}

function lines(statements: Iterable<Statement>): string {
  let text = ''
  for (const statement of statements) text += JSON.stringify(statement) + '\n'
  return text
}

describe('simulateStatements: determinism', () => {
  it('gives byte-identical output, ids included, for the same seed and options', () => {
    const options = { seed: 'same', statements: 3000 }
    const first = lines(simulateStatements(options))
    expect(lines(simulateStatements(options))).toBe(first)
    // A simulation restarts from the beginning on every call.
    const simulation = createSimulation(options)
    expect(lines(simulation.statements())).toBe(first)
    expect(lines(simulation.statements())).toBe(first)
  })

  it('gives different statements for a different seed', () => {
    const a = take(500, { seed: 'one', statements: 500 })
    const b = take(500, { seed: 'two', statements: 500 })
    expect(lines(a)).not.toBe(lines(b))
    const ids = new Set(a.map((s) => s.id))
    expect(b.filter((s) => ids.has(s.id))).toEqual([])
  })

  it('accepts a numeric seed as its text', () => {
    expect(lines(simulateStatements({ seed: 42, statements: 200 }))).toBe(
      lines(simulateStatements({ seed: '42', statements: 200 })),
    )
  })
})

describe('simulateStatements: validity and size', () => {
  it('generates statements valid under xAPI 2.0.0 and 1.0.3, with unique ids', () => {
    const ids = new Set<string>()
    let count = 0
    for (const seed of ['v1', 'v2', 'v3']) {
      for (const statement of simulateStatements({ seed, statements: 2500, learners: 20 })) {
        expect(() => validateStatement(statement, '2.0.0')).not.toThrow()
        expect(() => validateStatement(statement, '1.0.3')).not.toThrow()
        ids.add(statement.id ?? '')
        count += 1
      }
    }
    expect(count).toBe(7500)
    expect(ids.size).toBe(7500)
  })

  it('generates exactly the number of statements asked for', () => {
    for (const statements of [0, 1, 7, 333, 2000]) {
      let count = 0
      for (const _ of simulateStatements({ seed: 'size', statements })) count += 1
      expect(count).toBe(statements)
    }
  })

  it('fits many statements into a short period by adding learners when needed', () => {
    let count = 0
    const actors = new Set<string>()
    for (const s of simulateStatements({ seed: 'tight', statements: 3000, learners: 2, days: 1 })) {
      count += 1
      actors.add(s.actor.account?.name ?? '')
    }
    expect(count).toBe(3000)
    expect(actors.size).toBeGreaterThan(2)
  })

  it('streams: the first of 10 million statements comes at once, and 200k iterate one by one', () => {
    const started = performance.now()
    const huge = simulateStatements({ seed: 'stream', statements: 10_000_000 })
    expect(huge.next().done).toBe(false)
    // Building 10^7 statements first would take minutes and gigabytes.
    expect(performance.now() - started).toBeLessThan(5000)
    void huge.return()

    let count = 0
    let bytes = 0
    for (const statement of simulateStatements({ seed: 'stream', statements: 200_000 })) {
      count += 1
      if (count % 1000 === 0) bytes += JSON.stringify(statement).length
    }
    expect(count).toBe(200_000)
    expect(bytes / 200).toBeGreaterThan(500)
  }, 60_000)

  it('rejects impossible options', () => {
    expect(() => resolveSimulationOptions({ statements: -1 })).toThrow(RangeError)
    expect(() => resolveSimulationOptions({ statements: 1.5 })).toThrow(RangeError)
    expect(() => resolveSimulationOptions({ learners: 0 })).toThrow(RangeError)
    expect(() => resolveSimulationOptions({ days: 0 })).toThrow(RangeError)
    expect(() => resolveSimulationOptions({ start: 'yesterday' })).toThrow(RangeError)
  })

  it('derives learners and courses from the number of statements', () => {
    const small = resolveSimulationOptions({ statements: 300 })
    expect(small.learners).toBe(5)
    const large = resolveSimulationOptions({ statements: 1_500_000 })
    expect(large.learners).toBe(10_000)
    expect(large.courses).toBe(40)
    expect(resolveSimulationOptions({ statements: 3000, learners: 7 }).learners).toBe(7)
  })
})

describe('simulateStatements: realistic shape', () => {
  const simulation = createSimulation({ seed: 'shape', statements: 60_000 })
  const statements = [...simulation.statements()]
  const byLearner = new Map<string, Statement[]>()
  for (const s of statements) {
    const name = s.actor.account?.name ?? ''
    const list = byLearner.get(name) ?? []
    list.push(s)
    byLearner.set(name, list)
  }
  const start = simulation.options.start
  const end = new Date(Date.parse(start) + simulation.options.days * 86_400_000).toISOString()

  it('keeps each learner in timestamp order, inside the period', () => {
    for (const list of byLearner.values()) {
      for (let i = 1; i < list.length; i++)
        expect((list[i]?.timestamp ?? '') > (list[i - 1]?.timestamp ?? '')).toBe(true)
    }
    for (const s of statements) {
      expect(s.timestamp! >= start).toBe(true)
      expect(s.timestamp! < end).toBe(true)
    }
  })

  it('opens every cmi5 session with launched and ends it at most once, with a duration', () => {
    const sessions = new Map<string, Statement[]>()
    for (const s of statements) {
      const id = s.context?.extensions?.[CMI5.sessionId]
      if (typeof id !== 'string') continue
      const list = sessions.get(id) ?? []
      list.push(s)
      sessions.set(id, list)
    }
    expect(sessions.size).toBeGreaterThan(1000)
    for (const list of sessions.values()) {
      expect(list[0]?.verb.id).toBe(VERBS.launched.id)
      const registration = list[0]?.context?.registration
      expect(list.every((s) => s.context?.registration === registration)).toBe(true)
      const ends = list.filter(
        (s) => s.verb.id === VERBS.terminated.id || s.verb.id === VERBS.abandoned.id,
      )
      expect(ends.length).toBeLessThanOrEqual(1)
      if (ends[0] !== undefined) {
        expect(ends[0].result?.duration).toMatch(/^PT/)
        // Nothing but the LMS's satisfied follows the end of a session.
        const after = list.slice(list.indexOf(ends[0]) + 1)
        expect(after.every((s) => s.verb.id === VERBS.satisfied.id)).toBe(true)
      }
    }
  })

  it('marks cmi5 defined statements with the cmi5 category, and only those', () => {
    for (const s of statements) {
      if (s.context?.extensions?.[CMI5.sessionId] === undefined) continue
      const categories = (s.context.contextActivities?.category ?? []).map((a) => a.id)
      expect(categories.includes(CMI5_CATEGORY)).toBe(CMI5_DEFINED.has(s.verb.id))
    }
  })

  it('registers before any session of a registration, and scores passed/failed against masteryScore', () => {
    const registered = new Set<string>()
    for (const s of statements) {
      const registration = s.context?.registration
      if (s.verb.id === VERBS.registered.id && registration !== undefined)
        registered.add(registration)
      else if (s.verb.id === VERBS.launched.id)
        expect(registered.has(registration ?? '')).toBe(true)
      if (s.verb.id === VERBS.passed.id || s.verb.id === VERBS.failed.id) {
        const mastery = s.context?.extensions?.[CMI5.masteryScore] as number
        const scaled = s.result?.score?.scaled ?? -1
        expect(s.result?.success).toBe(s.verb.id === VERBS.passed.id)
        expect(scaled >= mastery).toBe(s.verb.id === VERBS.passed.id)
      }
    }
  })

  it('answers quiz questions as cmi.interaction activities aligned to objectives', () => {
    const answered = statements.filter(
      (s) => s.verb.id === VERBS.answered.id && s.result?.success !== undefined,
    )
    expect(answered.length).toBeGreaterThan(1000)
    const types = new Set<string>()
    for (const s of answered) {
      if (s.object.objectType === 'SubStatement' || !('definition' in s.object)) continue
      const definition = s.object.definition
      expect(definition?.type).toBe('http://adlnet.gov/expapi/activities/cmi.interaction')
      types.add(definition?.interactionType ?? '')
      expect(definition?.correctResponsesPattern?.length).toBe(1)
      if (s.context?.platform?.endsWith('LMS') === true)
        expect(s.context.contextActivities?.other?.some((a) => a.id.includes('/objectives/'))).toBe(
          true,
        )
    }
    expect([...types].sort()).toEqual(
      ['choice', 'fill-in', 'matching', 'numeric', 'sequencing', 'true-false'].sort(),
    )
  })

  it('makes pass rates, scores and speed follow the latent ability', () => {
    const groups = {
      low: { pass: 0, fail: 0, seconds: 0, answers: 0 },
      high: { pass: 0, fail: 0, seconds: 0, answers: 0 },
    }
    for (let i = 0; i < simulation.options.learners; i++) {
      const learner = simulation.learner(i)
      if (Math.abs(learner.ability) < 0.5) continue
      const group = learner.ability < 0 ? groups.low : groups.high
      for (const s of byLearner.get(learner.actor.account?.name ?? '') ?? []) {
        if (s.verb.id === VERBS.passed.id) group.pass += 1
        if (s.verb.id === VERBS.failed.id) group.fail += 1
        if (s.verb.id === VERBS.answered.id && s.result?.duration !== undefined) {
          const match = /PT(?:(\d+)M)?([\d.]+)S/.exec(s.result.duration)
          group.seconds += Number(match?.[1] ?? 0) * 60 + Number(match?.[2] ?? 0)
          group.answers += 1
        }
      }
    }
    const passRate = (g: typeof groups.low) => g.pass / (g.pass + g.fail)
    expect(passRate(groups.high)).toBeGreaterThan(passRate(groups.low) + 0.3)
    // Struggling learners take longer per question.
    expect(groups.low.seconds / groups.low.answers).toBeGreaterThan(
      groups.high.seconds / groups.high.answers,
    )
  })

  it('drops off: many registrations are never satisfied, some are', () => {
    const registrations = statements.filter((s) => s.verb.id === VERBS.registered.id).length
    const satisfied = statements.filter((s) => s.verb.id === VERBS.satisfied.id).length
    expect(satisfied).toBeGreaterThan(0)
    expect(satisfied).toBeLessThan(registrations * 0.8)
    expect(statements.some((s) => s.verb.id === VERBS.suspended.id)).toBe(true)
    expect(statements.some((s) => s.verb.id === VERBS.resumed.id)).toBe(true)
  })

  it('includes informal learning from other platforms', () => {
    const platforms = new Set(statements.map((s) => s.context?.platform ?? ''))
    const name = simulation.organisation.name
    for (const platform of [`${name} LMS`, `${name} Video`, `${name} Community`, `${name} Live`])
      expect(platforms.has(platform)).toBe(true)
    expect([...platforms].some((p) => p.startsWith(`${name} Mobile`))).toBe(true)
    const verbs = new Set(statements.map((s) => s.verb.id))
    for (const verb of [VERBS.played, VERBS.paused, VERBS.commented, VERBS.shared, VERBS.attended])
      expect(verbs.has(verb.id)).toBe(true)
  })
})

describe('simulateStatementsAsync', () => {
  it('yields the same statements and lets timers run in between', async () => {
    let ticks = 0
    const timer = setInterval(() => (ticks += 1), 0)
    const collected: Statement[] = []
    for await (const statement of simulateStatementsAsync({ seed: 'async', statements: 3000 }, 500))
      collected.push(statement)
    clearInterval(timer)
    expect(lines(collected)).toBe(lines(simulateStatements({ seed: 'async', statements: 3000 })))
    expect(ticks).toBeGreaterThan(0)
  })
})

describe('inBatches', () => {
  it('groups statements into batches of the given size', () => {
    const sizes = [...inBatches(simulateStatements({ statements: 1201 }), 500)].map((b) => b.length)
    expect(sizes).toEqual([500, 500, 201])
  })
})
