/** @module Contract: `queryStatements` pages: order, limit, cursors over a snapshot. */
import { describe, expect, it } from 'vitest'
import { DEFAULT_STORE_ID } from '../../src/storage/ports.js'
import { statementRef, VERBS } from '../fixtures/storage-records.js'
import { BACKENDS } from './backends.js'
import {
  allPages,
  ids,
  newestFirst,
  q,
  storeOneByOne,
  storeStatements,
  useBackend,
} from './contract-helpers.js'

const S = DEFAULT_STORE_ID

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`queryStatements pages on ${backend.name}`, () => {
    const open = useBackend(backend)

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
          // Bounded: the snapshot's statements at 2 a page; a cursor that never ends fails here.
          for (let pages = 1; page.next !== undefined; pages++) {
            expect(pages, 'more pages than the snapshot holds').toBeLessThan(
              Math.ceil(expected.length / 2),
            )
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
