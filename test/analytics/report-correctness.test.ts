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
import { checkReports, snapshot } from './check-reports.js'
import type { Raw } from './reference.js'

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

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`report correctness on ${backend.name}`, () => {
    const open = useBackend(backend)

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

        const incremental = await snapshot(storage)
        const progress: number[] = []
        await fx.analytics.rebuild(S, (p) => progress.push(p.cursor))
        expect(progress.length).toBeGreaterThan(5)
        expect(await snapshot(storage)).toEqual(incremental)
        await checkReports(fx, 'rebuilt')
        await fx.projector.stop()
      },
    )
  })
}
