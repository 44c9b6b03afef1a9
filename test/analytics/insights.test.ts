/**
 * @module The insights on every backend: the links projector and the insights tables (migration
 * 0015) over the same simulated store give the same competencies, gaps, models, flags and
 * recommendations on SQLite and PostgreSQL; reasons add up to scores; gaps follow targets.
 */
import { describe, expect, it } from 'vitest'
import { createInsights } from '../../src/analytics/insights/insights.js'
import { createLinksProjector } from '../../src/analytics/insights/links-projector.js'
import { createLogConsumer } from '../../src/core/log/log-consumer.js'
import { createSimulation } from '../../src/simulate/simulate-statements.js'
import { BACKENDS } from '../storage-contract/backends.js'
import { useBackend } from '../storage-contract/contract-helpers.js'
import { analyticsFixture, S } from './analytics-fixture.js'
import { objectId, parentOf, statementSet } from './reference.js'

const STATEMENTS = [
  ...createSimulation({
    seed: 'insights-test',
    statements: 9000,
    learners: 45,
    courses: 2,
    days: 120,
  }).statements(),
]
const results = new Map<string, unknown>()
// A fixed clock: trainedAt is part of what must be equal across backends.
const NOW = Date.parse('2026-01-01T00:00:00Z')

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`insights on ${backend.name}`, () => {
    const open = useBackend(backend)

    it(
      'competencies, gaps, at-risk and recommendations from the projections',
      { timeout: 240_000 },
      async () => {
        const { storage } = open()
        const fx = analyticsFixture(storage)
        const links = createLogConsumer({
          log: storage.log,
          stores: () => Promise.resolve([S]),
          handler: createLinksProjector(),
        })
        await fx.ingest(STATEMENTS.slice(0, 5000))
        await links.catchUp(S)
        await fx.ingest(STATEMENTS.slice(5000))
        await fx.projector.catchUp(S)
        await links.catchUp(S)
        const insights = createInsights(storage.log, () => NOW)

        const { competencies } = await insights.competencies(S)
        const discovered = competencies.filter((c) => c.id.includes('/competencies/'))
        expect(discovered.length).toBeGreaterThan(0)
        for (const c of discovered) expect(c.content.length).toBeGreaterThan(0)

        // Targets: a cohort-free store uses 'all', else the default (the mastery threshold).
        const target = discovered[0]?.id ?? ''
        await insights.setTargets(S, [{ competency: target, scope: 'all', level: 0.9 }])
        const gaps = (await insights.skillGaps(S, { page: 1, pageSize: 500 })) as any
        for (const cell of gaps.cells) {
          const expected = cell.competency === target ? 0.9 : 0.8
          expect(cell.target).toBe(expected)
          expect(cell.gap).toBeCloseTo(Math.max(0, expected - (cell.mastery ?? 0)), 4)
        }
        for (const row of gaps.competencies) {
          const cells = gaps.cells.filter((c: any) => c.competency === row.competency)
          if (gaps.learners <= 500) {
            expect(row.learners).toBe(cells.length)
            const mean = cells.reduce((t: number, c: any) => t + Number(c.gap), 0) / cells.length
            expect(row.meanGap).toBeCloseTo(mean, 3)
          }
        }

        const models = await insights.trainRisk(S)
        expect(models.length).toBe(2)
        const atRisk = (await insights.atRisk(S, {})) as any
        for (const flag of atRisk.flags) {
          const sum =
            Number(flag.base) +
            (flag.reasons as { contribution: number }[]).reduce((t, r) => t + r.contribution, 0)
          expect(sum).toBeCloseTo(flag.score, 3)
        }
        const learner = gaps.rows[0].learner as string
        const recs = (await insights.recommendations(S, learner, 5)) as any
        expect(recs.recommendations.length).toBeGreaterThan(0)

        // "A question at your level" (§14): for every learner, the questions offered are ones
        // they have not answered or answered wrong first (from the raw statements), in the band
        // 0.70–0.80 before any outside it, each with its predicted success in words.
        const raw = statementSet(await fx.raw())
        let atLevel = 0
        for (const row of gaps.rows as { learner: string }[]) {
          const answer = new Map<string, boolean>()
          for (const r of raw
            .filter(
              (r) =>
                r.learner === row.learner &&
                r.s.verb.id === 'http://adlnet.gov/expapi/verbs/answered' &&
                parentOf(r.s) !== undefined &&
                r.s.result?.success !== undefined,
            )
            .sort((a, b) => a.ms - b.ms || a.seq - b.seq))
            if (!answer.has(objectId(r.s)!)) answer.set(objectId(r.s)!, r.s.result!.success!)
          const offered = ((await insights.recommendations(S, row.learner, 5)) as any)
            .questions as {
            question: string
            predictedSuccess: number
            atLevel: boolean
            distance: number
            status: string
            reason: string
          }[]
          expect(offered.length).toBeGreaterThan(0)
          let outside = false
          for (const q of offered) {
            expect(answer.get(q.question)).not.toBe(true)
            expect(q.status).toBe(answer.has(q.question) ? 'retry' : 'unanswered')
            if (q.atLevel) {
              atLevel += 1
              expect(outside).toBe(false)
              expect(q.predictedSuccess).toBeGreaterThanOrEqual(0.7)
              expect(q.predictedSuccess).toBeLessThanOrEqual(0.8)
              expect(q.reason).toBe(
                `a question at your level: predicted success ${q.predictedSuccess.toFixed(2)}`,
              )
            } else {
              outside = true
              expect(q.distance).toBeGreaterThan(0)
              expect(q.reason).toMatch(/^the nearest to your level: predicted success 0\.\d\d/)
            }
          }
          const distances = offered.map((q) => q.distance)
          expect(distances).toEqual([...distances].sort((a, b) => a - b))
        }
        expect(atLevel).toBeGreaterThan(0)
        results.set(backend.name, {
          competencies,
          gaps,
          models,
          atRisk: { ...atRisk, asOf: null },
          recs,
        })
      },
    )
  })
}

describe('insights across backends', () => {
  it('every backend that ran gives the same answers', () => {
    const [first, ...rest] = [...results.values()]
    for (const other of rest) expect(other).toEqual(first)
  })
})
