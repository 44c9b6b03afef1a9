/**
 * @module Every report measure against a brute-force reference over the raw statements of a
 * simulated store (reference.ts), on every backend: after ingest, after voiding some
 * statements, and after a rebuild (which must also leave the projection tables identical).
 */
import { describe, expect, it } from 'vitest'
import type { Statement } from '../../src/xapi/types.js'
import { BACKENDS } from '../storage-contract/backends.js'
import { useBackend } from '../storage-contract/contract-helpers.js'
import { analyticsFixture, S, simulated } from './analytics-fixture.js'
import {
  checkReports,
  learnerReturns,
  msOf,
  OBJECTIVE_WHOLE_DAYS,
  OBJECTIVE_WINDOWS,
  learnerAttempts,
  objectiveCourseTotals,
  snapshot,
} from './check-reports.js'
import { courseRef, objectivesRef, type Raw, statementSet } from './reference.js'

const STATEMENTS = simulated(6000)

function voidingStatements(set: readonly Raw[]): Statement[] {
  // Every 23rd statement of the kinds that move measures, and both of some learner's outcomes.
  const targets = set.filter(
    (r, i) =>
      i % 23 === 0 &&
      /(passed|failed|answered|experienced|terminated|completed|satisfied)$/.test(r.s.verb.id),
  )
  return targets.map((r) => ({
    actor: { objectType: 'Agent', mbox: 'mailto:admin@example.com' },
    verb: { id: 'http://adlnet.gov/expapi/verbs/voided', display: { 'en-US': 'voided' } },
    object: { objectType: 'StatementRef', id: r.s.id },
  }))
}

/** A learner's statement about one activity (a video: completed is sent without launched). */
function about(learner: number, verb: string, minute: number): Statement {
  return {
    actor: { objectType: 'Agent', mbox: `mailto:viewer${learner}@example.com` },
    verb: { id: `http://adlnet.gov/expapi/verbs/${verb}`, display: { 'en-US': verb } },
    object: { objectType: 'Activity', id: 'https://example.com/videos/intro' },
    timestamp: new Date(Date.UTC(2025, 1, 3, 9, minute)).toISOString(),
  }
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`report correctness on ${backend.name}`, () => {
    const open = useBackend(backend)

    it('completion rate counts completers among the started learners only (§1)', async () => {
      const { storage } = open()
      const fx = analyticsFixture(storage)
      // Two started learners, one of whom completes; two more complete without starting.
      await fx.ingest([
        about(1, 'launched', 0),
        about(1, 'completed', 5),
        about(2, 'completed', 6),
        about(3, 'completed', 7),
        about(4, 'launched', 8),
      ])
      await fx.projector.catchUp(S)
      const report = await fx.analytics.course(S, 'https://example.com/videos/intro', {
        scoreOf: 'best',
        page: 1,
        pageSize: 50,
        sort: 'learner',
        order: 'asc',
      })
      const ref = courseRef(
        statementSet(await fx.raw()),
        'https://example.com/videos/intro',
        0,
        8.64e15,
      )
      expect({
        started: report.started,
        completed: report.completed,
        completedNotStarted: report.completedNotStarted,
        completionRate: report.completionRate,
      }).toEqual({
        started: ref.started,
        completed: ref.completed,
        completedNotStarted: ref.completedNotStarted,
        completionRate: ref.completionRate,
      })
      expect(report.completionRate).toBeLessThanOrEqual(1)
      expect(report.completedNotStarted).toBe(2)
      await fx.projector.stop()
    })

    it('an earlier answer arriving later moves its objective cell to the course of that answer (§8)', async () => {
      const { storage } = open()
      const fx = analyticsFixture(storage)
      const answer = (course: string, minute: number, success: boolean): Statement => ({
        actor: { objectType: 'Agent', mbox: 'mailto:mover@example.com' },
        verb: { id: 'http://adlnet.gov/expapi/verbs/answered', display: { 'en-US': 'answered' } },
        object: { objectType: 'Activity', id: `${course}/quiz/q1` },
        result: { success },
        context: {
          registration: '6f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e',
          contextActivities: {
            parent: [{ objectType: 'Activity', id: `${course}/quiz` }],
            grouping: [{ objectType: 'Activity', id: course }],
            other: [{ objectType: 'Activity', id: 'https://example.com/objectives/safety' }],
          },
        },
        timestamp: new Date(Date.UTC(2025, 1, 3, 9, minute)).toISOString(),
      })
      const [a, b] = ['https://example.com/courses/a', 'https://example.com/courses/b']
      const query = { page: 1, pageSize: 50 }
      await fx.ingest([answer(b, 30, true)])
      await fx.projector.catchUp(S)
      expect((await fx.analytics.objectives(S, { ...query, course: b })).matrix.learners).toBe(1)
      // An answer 20 minutes earlier, in course a: the cell's first evidence is now a's.
      await fx.ingest([answer(a, 10, false)])
      await fx.projector.catchUp(S)
      const inA = await fx.analytics.objectives(S, { ...query, course: a })
      const inB = await fx.analytics.objectives(S, { ...query, course: b })
      expect(inA.matrix.learners).toBe(1)
      expect(inA.objectives).toEqual([
        {
          objective: 'https://example.com/objectives/safety',
          learners: 1,
          mastered: 0,
          masteryRate: 0,
          meanMastery: 0.5,
        },
      ])
      expect(inA.matrix.cells.map((c) => [c.evidence, c.correct])).toEqual([[2, 1]])
      expect(inB.matrix.learners).toBe(0)
      expect(inB.objectives).toEqual([])
      const totals = await objectiveCourseTotals(storage)
      expect(totals.kept).toEqual(totals.recounted)
      await fx.projector.stop()
    })

    it(
      'every report equals its brute-force reference: after ingest, voiding, rebuild',
      { timeout: 240_000 },
      async () => {
        const { storage } = open()
        const fx = analyticsFixture(storage)
        // Ingested in two halves with a projection pass between: incremental batches.
        await fx.ingest(STATEMENTS.slice(0, 3500))
        await fx.projector.catchUp(S)
        await fx.ingest(STATEMENTS.slice(3500))
        await fx.projector.catchUp(S)
        const set = await checkReports(fx, 'ingested')
        // The part days of the objectives' windows hold cells, some of learners with none in
        // the whole days between, so a part left out changes the figures and the learner count.
        const whole = objectivesRef(set, msOf(OBJECTIVE_WHOLE_DAYS))
        const cut = objectivesRef(set, msOf(OBJECTIVE_WINDOWS[0]!))
        expect(cut.cells.size).toBeGreaterThan(whole.cells.size)
        expect(cut.learners.length).toBeGreaterThan(whole.learners.length)
        expect(objectivesRef(set, msOf(OBJECTIVE_WINDOWS[1]!)).cells.size).toBeGreaterThan(0)
        const returns = await learnerReturns(storage)
        expect(returns.kept.length).toBeGreaterThan(100)
        expect(returns.kept).toEqual(returns.recounted)
        const courseTotals = await objectiveCourseTotals(storage)
        expect((courseTotals.kept[0] as unknown[]).length).toBeGreaterThan(20)
        // The per-day figures (migration 0042) have rows on many days.
        expect((courseTotals.kept[2] as unknown[]).length).toBeGreaterThan(100)
        expect((courseTotals.kept[3] as unknown[]).length).toBeGreaterThan(50)
        expect(courseTotals.kept).toEqual(courseTotals.recounted)
        // The attempts kept on the learner rows (migration 0043), for courses and AUs.
        const attempts = await learnerAttempts(storage)
        expect(attempts.kept.length).toBeGreaterThan(100)
        expect(attempts.kept.some((r) => (r as number[])[3]! > 0)).toBe(true)
        expect(attempts.kept).toEqual(attempts.recounted)

        const voiding = voidingStatements(set)
        expect(voiding.length).toBeGreaterThan(50)
        await fx.ingest(voiding)
        // A statement that arrives after the statement voiding it (Data §2.3.2) never counts.
        const late = { ...STATEMENTS[10]!, id: '0b8a7c1e-7f3e-4c2a-9d55-0a1b2c3d4e5f' }
        await fx.ingest([
          {
            actor: { objectType: 'Agent', mbox: 'mailto:admin@example.com' },
            verb: { id: 'http://adlnet.gov/expapi/verbs/voided', display: { 'en-US': 'voided' } },
            object: { objectType: 'StatementRef', id: late.id },
          },
        ])
        await fx.projector.catchUp(S)
        await fx.ingest([late])
        await fx.projector.catchUp(S)
        const after = await checkReports(fx, 'voided')
        expect(after.length).toBe(set.length - voiding.length)
        const voided = await learnerReturns(storage)
        expect(voided.kept).toEqual(voided.recounted)
        const voidedTotals = await objectiveCourseTotals(storage)
        expect(voidedTotals.kept).toEqual(voidedTotals.recounted)
        const voidedAttempts = await learnerAttempts(storage)
        expect(voidedAttempts.kept).toEqual(voidedAttempts.recounted)

        const incremental = await snapshot(storage)
        const progress: number[] = []
        await fx.analytics.rebuild(S, (p) => progress.push(p.cursor))
        expect(progress.length).toBeGreaterThan(5)
        expect(await snapshot(storage)).toEqual(incremental)
        const rebuilt = await learnerReturns(storage)
        expect(rebuilt.kept).toEqual(voided.kept)
        expect(rebuilt.kept).toEqual(rebuilt.recounted)
        const rebuiltTotals = await objectiveCourseTotals(storage)
        expect(rebuiltTotals.kept).toEqual(voidedTotals.kept)
        expect(rebuiltTotals.kept).toEqual(rebuiltTotals.recounted)
        const rebuiltAttempts = await learnerAttempts(storage)
        expect(rebuiltAttempts.kept).toEqual(voidedAttempts.kept)
        expect(rebuiltAttempts.kept).toEqual(rebuiltAttempts.recounted)
        await checkReports(fx, 'rebuilt')
        await fx.projector.stop()
      },
    )
  })
}
