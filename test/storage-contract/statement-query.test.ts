/** @module Contract: the filters of `queryStatements` (Communication §2.1.3), alone, combined, and in time. */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { DEFAULT_STORE_ID } from '../../src/storage/ports.js'
import type { StoredStatement } from '../../src/xapi/types.js'
import {
  activity,
  activityId,
  agent,
  AUTHORITY,
  ifiOf,
  VERBS,
} from '../fixtures/storage-records.js'
import { BACKENDS } from './backends.js'
import { ids, newestFirst, q, storeOneByOne, tick, useBackend } from './contract-helpers.js'

const S = DEFAULT_STORE_ID

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`queryStatements filters on ${backend.name}`, () => {
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

    describe('since and until (Communication §2.1.3)', () => {
      it('since is exclusive, until inclusive, on stored', async () => {
        const { storage } = open()
        const stored: StoredStatement[] = []
        for (let i = 0; i < 3; i++) {
          stored.push(...(await storeOneByOne(storage, S, [{}])))
          await tick(storage, S)
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
        await tick(storage, S)
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
  })
}
