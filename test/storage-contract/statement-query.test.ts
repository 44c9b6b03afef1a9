/** @module Contract: `queryStatements` (Communication §2.1.3): filters, StatementRefs, time bounds, pages. */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  DEFAULT_STORE_ID,
  type StatementQuery,
  type StatementStore,
  type Storage,
} from '../../src/storage/ports.js'
import type { StoredStatement } from '../../src/xapi/types.js'
import {
  activity,
  activityId,
  agent,
  AUTHORITY,
  ifiOf,
  statementRef,
  VERBS,
} from '../fixtures/storage-records.js'
import { BACKENDS } from './backends.js'
import { ids, storeOneByOne, storeStatements, useBackend } from './contract-helpers.js'

const S = DEFAULT_STORE_ID

function q(filters: Partial<StatementQuery> = {}): StatementQuery {
  return {
    relatedActivities: false,
    relatedAgents: false,
    ascending: false,
    limit: 100,
    ...filters,
  }
}

/** The ids a query returns over all its pages, pages of `limit`. */
async function allPages(statements: StatementStore, query: StatementQuery): Promise<string[]> {
  const seen: string[] = []
  let page = await statements.queryStatements(query)
  seen.push(...ids(page.statements))
  while (page.next !== undefined) {
    page = await statements.queryStatements(query, page.next)
    seen.push(...ids(page.statements))
  }
  return seen
}

/** Newest first, as queries return them by default. */
function newestFirst(statements: readonly StoredStatement[]): string[] {
  return ids(statements).reverse()
}

/** Forces the next unit of work to a strictly later `stored` (the watermark guarantees it). */
async function tick(storage: Storage): Promise<void> {
  await storage.scope(S).statements.consistentThrough()
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`queryStatements on ${backend.name}`, () => {
    const open = useBackend(backend)

    describe('each filter alone', () => {
      it('agent: the actor or an Agent object; authority and instructor only with related_agents', async () => {
        const { storage } = open()
        const [asActor, asObject, asInstructor, other] = await storeOneByOne(storage, S, [
          { actor: agent('ann') },
          { actor: agent('bob'), object: agent('ann') },
          { actor: agent('bob'), instructor: agent('ann') },
          { actor: agent('bob') },
        ])
        const statements = storage.scope(S).statements
        const direct = await statements.queryStatements(q({ agentIfi: ifiOf('ann') }))
        expect(ids(direct.statements)).toEqual(newestFirst([asActor!, asObject!]))
        const related = await statements.queryStatements(
          q({ agentIfi: ifiOf('ann'), relatedAgents: true }),
        )
        expect(ids(related.statements)).toEqual(newestFirst([asActor!, asObject!, asInstructor!]))
        // The authority is on every statement, but only as a related agent.
        const authority = await statements.queryStatements(q({ agentIfi: ifiOf(AUTHORITY.name!) }))
        expect(authority.statements).toEqual([])
        const authorityRelated = await statements.queryStatements(
          q({ agentIfi: ifiOf(AUTHORITY.name!), relatedAgents: true }),
        )
        expect(ids(authorityRelated.statements)).toEqual(
          newestFirst([asActor!, asObject!, asInstructor!, other!]),
        )
      })

      it('agent: a group actor matches its members', async () => {
        const { storage } = open()
        const [byGroup] = await storeOneByOne(storage, S, [
          { actor: { objectType: 'Group', name: 'team', member: [agent('ann'), agent('cid')] } },
          { actor: agent('bob') },
        ])
        const page = await storage
          .scope(S)
          .statements.queryStatements(q({ agentIfi: ifiOf('cid') }))
        expect(ids(page.statements)).toEqual([byGroup!.id])
      })

      it('verb', async () => {
        const { storage } = open()
        const [completed, , completedToo] = await storeOneByOne(storage, S, [
          { verb: VERBS.completed },
          { verb: VERBS.attempted },
          { verb: VERBS.completed },
        ])
        const page = await storage
          .scope(S)
          .statements.queryStatements(q({ verbId: VERBS.completed }))
        expect(ids(page.statements)).toEqual(newestFirst([completed!, completedToo!]))
      })

      it('activity: the object; context activities only with related_activities', async () => {
        const { storage } = open()
        const [asObject, asParent] = await storeOneByOne(storage, S, [
          { object: activity('course') },
          { object: activity('lesson'), parents: [activity('course')] },
          { object: activity('lesson') },
        ])
        const statements = storage.scope(S).statements
        const direct = await statements.queryStatements(q({ activityId: activityId('course') }))
        expect(ids(direct.statements)).toEqual([asObject!.id])
        const related = await statements.queryStatements(
          q({ activityId: activityId('course'), relatedActivities: true }),
        )
        expect(ids(related.statements)).toEqual(newestFirst([asObject!, asParent!]))
      })

      it('registration', async () => {
        const { storage } = open()
        const registration = randomUUID()
        const [inIt] = await storeOneByOne(storage, S, [
          { registration },
          { registration: randomUUID() },
          {},
        ])
        const page = await storage.scope(S).statements.queryStatements(q({ registration }))
        expect(ids(page.statements)).toEqual([inIt!.id])
      })

      it('no filter: everything not voided, newest first; ascending: oldest first', async () => {
        const { storage } = open()
        const stored = await storeOneByOne(storage, S, [{}, {}, {}])
        const statements = storage.scope(S).statements
        expect(ids((await statements.queryStatements(q())).statements)).toEqual(newestFirst(stored))
        expect(ids((await statements.queryStatements(q({ ascending: true }))).statements)).toEqual(
          ids(stored),
        )
      })
    })

    it('combines every filter with AND', async () => {
      const { storage } = open()
      const registration = randomUUID()
      const match = {
        actor: agent('ann'),
        verb: VERBS.completed,
        object: activity('course'),
        registration,
      }
      const [hit] = await storeOneByOne(storage, S, [
        match,
        { ...match, actor: agent('bob') },
        { ...match, verb: VERBS.attempted },
        { ...match, object: activity('other') },
        { ...match, registration: randomUUID() },
      ])
      const page = await storage.scope(S).statements.queryStatements(
        q({
          agentIfi: ifiOf('ann'),
          verbId: VERBS.completed,
          activityId: activityId('course'),
          registration,
        }),
      )
      expect(ids(page.statements)).toEqual([hit!.id])
      // Two filters that each match a different statement match none.
      const none = await storage
        .scope(S)
        .statements.queryStatements(q({ agentIfi: ifiOf('bob'), verbId: VERBS.attempted }))
      expect(none.statements).toEqual([])
    })

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
        await tick(storage)
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

    describe('since and until (Communication §2.1.3)', () => {
      it('since is exclusive, until inclusive, on stored', async () => {
        const { storage } = open()
        const stored: StoredStatement[] = []
        for (let i = 0; i < 3; i++) {
          stored.push(...(await storeOneByOne(storage, S, [{}])))
          await tick(storage)
        }
        const [first, second, third] = stored
        const statements = storage.scope(S).statements
        const since = await statements.queryStatements(q({ since: first!.stored }))
        expect(ids(since.statements)).toEqual(newestFirst([second!, third!]))
        const until = await statements.queryStatements(q({ until: second!.stored }))
        expect(ids(until.statements)).toEqual(newestFirst([first!, second!]))
        const both = await statements.queryStatements(
          q({ since: first!.stored, until: second!.stored }),
        )
        expect(ids(both.statements)).toEqual([second!.id])
        expect((await statements.queryStatements(q({ since: third!.stored }))).statements).toEqual(
          [],
        )
        const beforeAll = new Date(Date.parse(first!.stored) - 1).toISOString()
        expect((await statements.queryStatements(q({ until: beforeAll }))).statements).toEqual([])
        expect(
          (await statements.queryStatements(q({ since: second!.stored, until: first!.stored })))
            .statements,
        ).toEqual([])
      })

      it('compares below the millisecond correctly', async () => {
        const { storage } = open()
        const [statement] = await storeOneByOne(storage, S, [{}])
        const statements = storage.scope(S).statements
        // stored = …123Z; since …123400Z is later than stored, until …123400Z is not earlier.
        const finer = statement!.stored.replace('Z', '400Z')
        expect((await statements.queryStatements(q({ since: finer }))).statements).toEqual([])
        expect(ids((await statements.queryStatements(q({ until: finer }))).statements)).toEqual([
          statement!.id,
        ])
      })

      it('combine with filters', async () => {
        const { storage } = open()
        const [old] = await storeOneByOne(storage, S, [{ actor: agent('ann') }])
        await tick(storage)
        const [recent] = await storeOneByOne(storage, S, [
          { actor: agent('ann') },
          { actor: agent('bob') },
        ])
        const page = await storage
          .scope(S)
          .statements.queryStatements(
            q({ agentIfi: ifiOf('ann'), since: old!.stored, ascending: true }),
          )
        expect(ids(page.statements)).toEqual([recent!.id])
      })
    })

    describe('limit and pages', () => {
      it('returns `limit` statements and a cursor while more match', async () => {
        const { storage } = open()
        const stored = await storeOneByOne(storage, S, [{}, {}, {}, {}, {}])
        const statements = storage.scope(S).statements
        const first = await statements.queryStatements(q({ limit: 2 }))
        expect(ids(first.statements)).toEqual(newestFirst(stored).slice(0, 2))
        expect(first.next).toBeDefined()
        expect(await allPages(statements, q({ limit: 2 }))).toEqual(newestFirst(stored))
        expect(await allPages(statements, q({ limit: 2, ascending: true }))).toEqual(ids(stored))
        // An exact fit leaves no cursor.
        expect((await statements.queryStatements(q({ limit: 5 }))).next).toBeUndefined()
      })

      it('pages stay stable while statements arrive: the snapshot hides newer ones', async () => {
        const { storage } = open()
        const all = ids(await storeStatements(storage, S, [{}, {}, {}, {}, {}]))
        const statements = storage.scope(S).statements
        for (const ascending of [false, true]) {
          const query = q({ limit: 2, ascending })
          const expected = ascending ? [...all] : [...all].reverse()
          const seen: string[] = []
          let page = await statements.queryStatements(query)
          seen.push(...ids(page.statements))
          while (page.next !== undefined) {
            all.push(...ids(await storeStatements(storage, S, [{}, {}])))
            page = await statements.queryStatements(query, page.next)
            seen.push(...ids(page.statements))
          }
          expect(seen).toEqual(expected)
        }
      })

      it('a statement voided between pages drops out; the others do not shift', async () => {
        const { storage } = open()
        const stored = await storeOneByOne(storage, S, [{}, {}, {}, {}])
        const statements = storage.scope(S).statements
        const first = await statements.queryStatements(q({ limit: 2 }))
        await storeStatements(storage, S, [
          { verb: VERBS.voided, object: statementRef(stored[0]!.id) },
        ])
        const second = await statements.queryStatements(q({ limit: 2 }), first.next)
        expect(ids(second.statements)).toEqual([stored[1]!.id])
        expect(second.next).toBeUndefined()
      })
    })
  })
}
