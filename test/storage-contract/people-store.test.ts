/**
 * @module Contract: the people port (migration 0014) on every backend — persons and their IFIs,
 * the idempotent creation from actors, moving IFIs (a merge), cohorts, and the directory
 * reports resolve learner keys with.
 */
import { describe, expect, it } from 'vitest'
import {
  peopleDirectory,
  loadPeopleDirectory,
} from '../../src/analytics/people/people-directory.js'
import { DEFAULT_STORE_ID, type Storage } from '../../src/storage/ports.js'
import { createSqlPeopleStore } from '../../src/storage/sql/sql-people-store.js'
import type { PeopleStore } from '../../src/storage/people-port.js'
import { BACKENDS } from './backends.js'
import { useBackend } from './contract-helpers.js'

const S = DEFAULT_STORE_ID

function inUnit<T>(storage: Storage, fn: (people: PeopleStore) => Promise<T>, store = S) {
  return storage.log.unitOfWork(store, ({ connection }) =>
    fn(createSqlPeopleStore(connection, store)),
  )
}

const ADA_MAIL = 'mbox:mailto:ada@example.com'
const ADA_LMS = 'account:https://lms.example.com|ada'
const BOB = 'mbox:mailto:bob@example.com'

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`people store on ${backend.name}`, () => {
    const open = useBackend(backend)

    it('creates one person per unknown actor IFI, idempotently, with name and email', async () => {
      const { storage } = open()
      const first = await inUnit(storage, (p) =>
        p.ensurePeople(
          [
            { ifi: ADA_MAIL, name: 'Ada' },
            { ifi: ADA_MAIL, name: undefined },
            { ifi: ADA_LMS, name: 'Ada L.' },
          ],
          1000,
        ),
      )
      expect(first).toBe(2)
      const again = await inUnit(storage, (p) =>
        p.ensurePeople(
          [
            { ifi: ADA_MAIL, name: 'Other' },
            { ifi: BOB, name: undefined },
          ],
          2000,
        ),
      )
      expect(again).toBe(1)
      const all = await inUnit(storage, (p) => p.allPeople())
      expect(all.map((p) => p.identifiers)).toEqual([[ADA_MAIL], [ADA_LMS], [BOB]])
      expect(all[0]!.attributes).toEqual({ name: 'Ada', email: 'ada@example.com' })
      expect(all[2]!.attributes).toEqual({ email: 'bob@example.com' })
      expect(all[0]!.source).toBe('statement')
    })

    it('moves IFIs between persons (a merge) and the directory resolves both to one key', async () => {
      const { storage } = open()
      await inUnit(storage, (p) =>
        p.ensurePeople(
          [
            { ifi: ADA_MAIL, name: 'Ada' },
            { ifi: ADA_LMS, name: 'Ada' },
            { ifi: BOB, name: 'Bob' },
          ],
          1000,
        ),
      )
      const ids = await inUnit(storage, (p) => p.personIdsOf([ADA_MAIL, ADA_LMS, 'mbox:nobody']))
      expect(ids.size).toBe(2)
      const keep = ids.get(ADA_MAIL)!
      const drop = ids.get(ADA_LMS)!
      await inUnit(storage, async (p) => {
        await p.assignIdentifiers(keep, [ADA_LMS], 3000)
        await p.deletePeople([drop])
        await p.updatePerson(
          keep,
          { name: 'Ada Lovelace', role: 'Analyst', custom: { shift: 'early' } },
          3000,
        )
      })
      const directory = await storage.log.read((connection) => loadPeopleDirectory(connection, S))
      expect(directory.people).toHaveLength(2)
      expect(directory.personKey(ADA_MAIL)).toBe(directory.personKey(ADA_LMS))
      expect(directory.personId(ADA_LMS)).toBe(keep)
      expect(directory.learnersOf(ADA_MAIL)).toEqual([ADA_LMS, ADA_MAIL].sort())
      expect(directory.attributesOf(ADA_LMS)).toEqual({
        name: 'Ada Lovelace',
        role: 'Analyst',
        custom: { shift: 'early' },
      })
      expect(directory.personKey('mbox:mailto:unknown@x')).toBe('mbox:mailto:unknown@x')
      const analysts = directory.members({
        all: [{ attribute: 'role', op: 'eq', value: 'analyst' }],
      })
      expect([...analysts.learners].sort()).toEqual([ADA_LMS, ADA_MAIL].sort())
      expect([...analysts.people]).toEqual([keep])
      const early = directory.members({
        all: [{ attribute: 'custom.shift', op: 'eq', value: 'early' }],
      })
      expect(early.people.size).toBe(1)
    })

    it('lists and searches people, and keeps stores apart', async () => {
      const { storage } = open()
      const other = (await storage.admin.insertStore('other', new Date().toISOString())).id
      await inUnit(storage, (p) =>
        p.insertPerson(
          { name: 'Grace Hopper', team: 'EMEA' },
          ['mbox:mailto:grace@navy.mil'],
          'import',
          1,
        ),
      )
      await inUnit(storage, (p) => p.ensurePeople([{ ifi: BOB, name: 'Bob' }], 1))
      await inUnit(storage, (p) => p.ensurePeople([{ ifi: BOB, name: 'Bob elsewhere' }], 1), other)
      const page = await inUnit(storage, (p) =>
        p.listPeople({ search: 'NAVY', limit: 10, offset: 0 }),
      )
      expect(page.total).toBe(1)
      expect(page.people[0]!.attributes.name).toBe('Grace Hopper')
      expect(
        (await inUnit(storage, (p) => p.listPeople({ limit: 1, offset: 1 }))).people,
      ).toHaveLength(1)
      const elsewhere = await inUnit(storage, (p) => p.allPeople(), other)
      expect(elsewhere.map((p) => p.attributes.name)).toEqual(['Bob elsewhere'])
    })

    it('keeps cohorts: insert, list by name, update, delete', async () => {
      const { storage } = open()
      const filter = { all: [{ attribute: 'team', op: 'eq' as const, value: 'EMEA' }] }
      const made = await inUnit(storage, (p) =>
        p.insertCohort({ name: 'EMEA', description: 'Europe', filter }, 10),
      )
      expect(made.filter).toEqual(filter)
      expect(
        await inUnit(storage, (p) =>
          p.updateCohort(made.id, { name: 'EMEA all', description: '', filter: { all: [] } }, 20),
        ),
      ).toBe(true)
      expect((await inUnit(storage, (p) => p.findCohort(made.id)))?.name).toBe('EMEA all')
      expect((await inUnit(storage, (p) => p.listCohorts())).map((c) => c.name)).toEqual([
        'EMEA all',
      ])
      expect(await inUnit(storage, (p) => p.deleteCohort(made.id))).toBe(true)
      expect(await inUnit(storage, (p) => p.deleteCohort(made.id))).toBe(false)
    })
  })
}

describe('people directory (pure)', () => {
  it('treats an IFI without a person as its own person', () => {
    const directory = peopleDirectory([])
    expect(directory.personKey('mbox:mailto:x@y')).toBe('mbox:mailto:x@y')
    expect(directory.learnersOf('mbox:mailto:x@y')).toEqual(['mbox:mailto:x@y'])
    expect(directory.members({ all: [] }).people.size).toBe(0)
  })
})
