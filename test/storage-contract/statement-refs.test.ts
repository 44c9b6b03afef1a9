/** @module Contract: `queryStatements` and StatementRefs (Communication §2.1.3 "Filter Conditions for StatementRefs"). */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { DEFAULT_STORE_ID } from '../../src/storage/ports.js'
import type { StoredStatement } from '../../src/xapi/types.js'
import {
  activity,
  activityId,
  agent,
  ifiOf,
  statementRef,
  VERBS,
} from '../fixtures/storage-records.js'
import { BACKENDS } from './backends.js'
import {
  allPages,
  ids,
  newestFirst,
  q,
  storeOneByOne,
  storeStatements,
  tick,
  useBackend,
} from './contract-helpers.js'

const S = DEFAULT_STORE_ID

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`queryStatements through StatementRefs on ${backend.name}`, () => {
    const open = useBackend(backend)

    describe('StatementRefs (Communication §2.1.3 "Filter Conditions for StatementRefs")', () => {
      it('a statement targeting a matching statement matches, recursively a → b → c', async () => {
        const { storage } = open()
        const registration = randomUUID()
        const [c] = await storeOneByOne(storage, S, [
          {
            actor: agent('ben'),
            verb: VERBS.completed,
            object: activity('explosives'),
            registration,
          },
        ])
        const [b] = await storeOneByOne(storage, S, [
          { actor: agent('andrew'), verb: VERBS.confirmed, object: statementRef(c!.id) },
        ])
        const [a] = await storeOneByOne(storage, S, [
          { actor: agent('carol'), verb: VERBS.confirmed, object: statementRef(b!.id) },
          { actor: agent('dave'), verb: VERBS.attempted },
        ])
        const statements = storage.scope(S).statements
        const chain = newestFirst([c!, b!, a!])
        for (const filters of [
          { agentIfi: ifiOf('ben') },
          { verbId: VERBS.completed },
          { activityId: activityId('explosives') },
          { registration },
          { agentIfi: ifiOf('ben'), verbId: VERBS.completed, activityId: activityId('explosives') },
        ]) {
          expect(ids((await statements.queryStatements(q(filters))).statements)).toEqual(chain)
        }
        // A referrer that matches by itself is returned once.
        expect(
          ids((await statements.queryStatements(q({ verbId: VERBS.confirmed }))).statements),
        ).toEqual(newestFirst([b!, a!]))
        // The whole filter set must hold on one statement of the chain: b's actor with c's verb
        // is neither b nor c.
        expect(
          (
            await statements.queryStatements(
              q({ agentIfi: ifiOf('andrew'), verbId: VERBS.completed }),
            )
          ).statements,
        ).toEqual([])
      })

      it('refs that arrive before their targets match once the chain is complete', async () => {
        const { storage } = open()
        const [bId, cId] = [randomUUID(), randomUUID()]
        const [a] = await storeOneByOne(storage, S, [
          { verb: VERBS.confirmed, object: statementRef(bId) },
        ])
        const [b] = await storeOneByOne(storage, S, [
          { id: bId, verb: VERBS.confirmed, object: statementRef(cId) },
        ])
        const statements = storage.scope(S).statements
        expect(
          (await statements.queryStatements(q({ verbId: VERBS.completed }))).statements,
        ).toEqual([])
        const [c] = await storeOneByOne(storage, S, [{ id: cId, verb: VERBS.completed }])
        expect(
          ids((await statements.queryStatements(q({ verbId: VERBS.completed }))).statements),
        ).toEqual(newestFirst([a!, b!, c!]))
      })

      it('a chain stored in one batch, targets last, matches', async () => {
        const { storage } = open()
        const [bId, cId] = [randomUUID(), randomUUID()]
        const batch = await storeStatements(storage, S, [
          { verb: VERBS.confirmed, object: statementRef(bId) },
          { id: bId, verb: VERBS.confirmed, object: statementRef(cId) },
          { id: cId, verb: VERBS.completed, actor: agent('ben') },
        ])
        const page = await storage
          .scope(S)
          .statements.queryStatements(q({ agentIfi: ifiOf('ben') }))
        expect(ids(page.statements)).toEqual(newestFirst(batch))
      })

      it('related filters apply to the target too', async () => {
        const { storage } = open()
        const [c] = await storeOneByOne(storage, S, [
          { instructor: agent('ivy'), object: activity('lesson'), parents: [activity('course')] },
        ])
        const [ref] = await storeOneByOne(storage, S, [
          { verb: VERBS.confirmed, object: statementRef(c!.id) },
        ])
        const statements = storage.scope(S).statements
        const byInstructor = await statements.queryStatements(
          q({ agentIfi: ifiOf('ivy'), relatedAgents: true }),
        )
        expect(ids(byInstructor.statements)).toEqual(newestFirst([c!, ref!]))
        expect(
          (await statements.queryStatements(q({ agentIfi: ifiOf('ivy') }))).statements,
        ).toEqual([])
        const byParent = await statements.queryStatements(
          q({ activityId: activityId('course'), relatedActivities: true }),
        )
        expect(ids(byParent.statements)).toEqual(newestFirst([c!, ref!]))
      })

      it('statements targeting a voided statement are returned, the voided one is not (XAPI-00162)', async () => {
        const { storage } = open()
        const verb = `http://example.com/verbs/${randomUUID()}`
        const [voided] = await storeOneByOne(storage, S, [{ verb }])
        const [voiding] = await storeOneByOne(storage, S, [
          { verb: VERBS.voided, object: statementRef(voided!.id) },
        ])
        const [ref] = await storeOneByOne(storage, S, [{ verb, object: statementRef(voided!.id) }])
        const page = await storage.scope(S).statements.queryStatements(q({ verbId: verb }))
        expect(ids(page.statements)).toEqual(newestFirst([voiding!, ref!]))
      })

      it('since/until apply to the referring statement, not its target', async () => {
        const { storage } = open()
        const [target] = await storeOneByOne(storage, S, [{ verb: VERBS.completed }])
        await tick(storage, S)
        const between = await storage.scope(S).statements.consistentThrough()
        const [ref] = await storeOneByOne(storage, S, [
          { verb: VERBS.confirmed, object: statementRef(target!.id) },
        ])
        const statements = storage.scope(S).statements
        const after = await statements.queryStatements(
          q({ verbId: VERBS.completed, since: between }),
        )
        expect(ids(after.statements)).toEqual([ref!.id])
        const before = await statements.queryStatements(
          q({ verbId: VERBS.completed, until: between }),
        )
        expect(ids(before.statements)).toEqual([target!.id])
      })

      it('a voided referrer is not returned', async () => {
        const { storage } = open()
        const [target] = await storeOneByOne(storage, S, [{ verb: VERBS.completed }])
        const [ref] = await storeOneByOne(storage, S, [
          { verb: VERBS.confirmed, object: statementRef(target!.id) },
        ])
        const [voiding] = await storeOneByOne(storage, S, [
          { verb: VERBS.voided, object: statementRef(ref!.id) },
        ])
        const page = await storage
          .scope(S)
          .statements.queryStatements(q({ verbId: VERBS.completed }))
        // The voiding statement targets ref, which targets target: it matches through the chain.
        expect(ids(page.statements)).toEqual(newestFirst([target!, voiding!]))
      })

      it('a cycle of refs ends', async () => {
        const { storage } = open()
        const aId = randomUUID()
        const bId = randomUUID()
        await storeOneByOne(storage, S, [
          { id: aId, verb: VERBS.confirmed, object: statementRef(bId) },
          { id: bId, verb: VERBS.attempted, object: statementRef(aId) },
        ])
        const page = await storage
          .scope(S)
          .statements.queryStatements(q({ verbId: VERBS.attempted }))
        expect(ids(page.statements).sort()).toEqual([aId, bId].sort())
      })

      it('pages through direct and ref matches in one order without repeats', async () => {
        const { storage } = open()
        const expected: StoredStatement[] = []
        for (let i = 0; i < 6; i++) {
          const [direct] = await storeOneByOne(storage, S, [{ verb: VERBS.completed }])
          const [ref] = await storeOneByOne(storage, S, [
            { verb: VERBS.confirmed, object: statementRef(direct!.id) },
          ])
          await storeOneByOne(storage, S, [{ verb: VERBS.attempted }])
          expected.push(direct!, ref!)
        }
        const statements = storage.scope(S).statements
        expect(await allPages(statements, q({ verbId: VERBS.completed, limit: 3 }))).toEqual(
          newestFirst(expected),
        )
        expect(
          await allPages(statements, q({ verbId: VERBS.completed, limit: 3, ascending: true })),
        ).toEqual(ids(expected))
      })
    })
  })
}
