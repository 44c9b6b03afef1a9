/** @module Contract: the authority filter of statements/read/mine (Communication §4.2). */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { DEFAULT_STORE_ID, type Storage, type StoreId } from '../../src/storage/ports.js'
import type { Agent, StoredStatement } from '../../src/xapi/types.js'
import {
  activity,
  activityId,
  agent,
  buildStatement,
  indexOf,
  statementRef,
  VERBS,
  type StatementSpec,
} from '../fixtures/storage-records.js'
import { BACKENDS } from './backends.js'
import { allPages, ids, q, useBackend } from './contract-helpers.js'

const S = DEFAULT_STORE_ID
const OTHER_STORE = 2

/** A credential's authority, as core writes it, and its IFI key. */
function authority(key: string): { agent: Agent; ifi: string } {
  const homePage = 'https://lrs.example.com'
  return {
    agent: { objectType: 'Agent', name: key, account: { homePage, name: key } },
    ifi: `account:${homePage}|${key}`,
  }
}

const MINE = authority('mine')
const THEIRS = authority('theirs')

/** Stores statements written by `by`, with `authorityIfi` in their index, as core does. */
async function storeAs(
  storage: Storage,
  storeId: StoreId,
  by: { agent: Agent; ifi: string },
  specs: readonly StatementSpec[],
): Promise<StoredStatement[]> {
  return storage.transaction(storeId, async (scope) => {
    const stored = await scope.statements.allocateStored()
    const statements = specs.map((spec) => ({
      ...buildStatement(spec, stored),
      authority: by.agent,
    }))
    await scope.statements.insertStatements(
      statements.map((statement) => ({
        statement,
        index: { ...indexOf(statement), authorityIfi: by.ifi },
      })),
    )
    return statements
  })
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`statements/read/mine on ${backend.name}`, () => {
    const open = useBackend(backend)

    it('findStatement with an authority finds only that authority’s statements', async () => {
      const { storage } = open()
      const [mine] = await storeAs(storage, S, MINE, [{}])
      const [theirs] = await storeAs(storage, S, THEIRS, [{}])
      const statements = storage.scope(S).statements
      expect(await statements.findStatement(mine!.id, false, MINE.ifi)).toEqual(mine)
      expect(await statements.findStatement(theirs!.id, false, MINE.ifi)).toBeUndefined()
      expect(await statements.findStatement(theirs!.id, false)).toEqual(theirs)
      // The same authority in another store sees nothing here.
      expect(
        await storage.scope(OTHER_STORE).statements.findStatement(mine!.id, false, MINE.ifi),
      ).toBeUndefined()
    })

    it('applies to voided statements too', async () => {
      const { storage } = open()
      const [mine] = await storeAs(storage, S, MINE, [{}])
      await storeAs(storage, S, THEIRS, [{ verb: VERBS.voided, object: statementRef(mine!.id) }])
      await storage.transaction(S, (scope) => scope.statements.markVoided([mine!.id]))
      const statements = storage.scope(S).statements
      expect(await statements.findStatement(mine!.id, true, MINE.ifi)).toEqual(mine)
      expect(await statements.findStatement(mine!.id, true, THEIRS.ifi)).toBeUndefined()
    })

    it('queries return only the authority’s statements, with every filter and across pages', async () => {
      const { storage } = open()
      const registration = randomUUID()
      const mine = await storeAs(storage, S, MINE, [
        { actor: agent('ann'), object: activity('course'), registration },
        { actor: agent('ann'), verb: VERBS.attempted },
        { actor: agent('bob') },
      ])
      await storeAs(storage, S, THEIRS, [
        { actor: agent('ann'), object: activity('course'), registration },
        { actor: agent('ann'), verb: VERBS.attempted },
      ])
      await storeAs(storage, OTHER_STORE, MINE, [{ actor: agent('ann') }])
      const statements = storage.scope(S).statements
      const mineIds = new Set(ids(mine))

      expect(await allPages(statements, q({ authorityIfi: MINE.ifi, limit: 1 }))).toEqual(
        ids(mine).reverse(),
      )
      for (const filters of [
        { agentIfi: `mbox:mailto:ann@example.com` },
        { verbId: VERBS.attempted },
        { activityId: activityId('course') },
        { registration },
        { since: '2000-01-01T00:00:00.000Z', until: '2100-01-01T00:00:00.000Z' },
      ]) {
        const all = await allPages(statements, q(filters))
        const only = await allPages(statements, q({ ...filters, authorityIfi: MINE.ifi }))
        expect(only.length, JSON.stringify(filters)).toBeGreaterThan(0)
        expect(only.length, JSON.stringify(filters)).toBeLessThan(all.length)
        expect(
          only.every((id) => mineIds.has(id)),
          JSON.stringify(filters),
        ).toBe(true)
      }
      expect(await allPages(statements, q({ authorityIfi: authority('nobody').ifi }))).toEqual([])
    })

    it('a referrer of mine matches through a target of theirs, not the target itself', async () => {
      const { storage } = open()
      const [target] = await storeAs(storage, S, THEIRS, [{ object: activity('quiz') }])
      const [referrer] = await storeAs(storage, S, MINE, [
        { verb: VERBS.confirmed, object: statementRef(target!.id) },
      ])
      const statements = storage.scope(S).statements
      for (const query of [
        q({ activityId: activityId('quiz'), authorityIfi: MINE.ifi }),
        q({
          activityId: activityId('quiz'),
          authorityIfi: MINE.ifi,
          since: '2000-01-01T00:00:00Z',
        }),
      ])
        expect(await allPages(statements, query)).toEqual([referrer!.id])
      expect(
        await allPages(statements, q({ activityId: activityId('quiz'), authorityIfi: THEIRS.ifi })),
      ).toEqual([target!.id])
    })
  })
}
