/** @module Contract: statement writes and reads, voiding, attachments, `stored` and the watermark. */
import { randomUUID } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { DEFAULT_STORE_ID, type StatementQuery } from '../../src/storage/ports.js'
import { activity, buildRecord, statementRef, VERBS } from '../fixtures/storage-records.js'
import { BACKENDS } from './backends.js'
import { ids, storeStatements, useBackend } from './contract-helpers.js'

const S = DEFAULT_STORE_ID

const ALL: StatementQuery = {
  relatedActivities: false,
  relatedAgents: false,
  ascending: false,
  limit: 100,
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`statements on ${backend.name}`, () => {
    const open = useBackend(backend)

    it('finds inserted statements by id, exactly as inserted', async () => {
      const { storage } = open()
      const [a, b] = await storeStatements(storage, S, [{}, { object: activity('second') }])
      const found = await storage
        .scope(S)
        .statements.findStatementsByIds([a!.id, b!.id, randomUUID()])
      expect(found.size).toBe(2)
      expect(found.get(a!.id)).toEqual({ statement: a, voided: false })
      expect(found.get(b!.id)?.statement).toEqual(b)
      expect(await storage.scope(S).statements.findStatement(a!.id, false)).toEqual(a)
      expect(await storage.scope(S).statements.findStatement(a!.id, true)).toBeUndefined()
    })

    it('keeps the text of every statement of a batch exactly: quotes, escapes, separators, astral and lone surrogates', async () => {
      const { storage } = open()
      const odd = [
        'say "hi" \\ back\\slash',
        'nul \u0000 bell \u0007 tab \t newline \n',
        'separators \u2028 \u2029, é, 😀 and a lone \ud800',
        ' ',
        '[1, {"a": "}"}]',
      ]
      const specs = odd.map((name, i) => ({
        object: { ...activity(`odd-${i}`), definition: { name: { 'en-US': name } } },
      }))
      const stored = await storeStatements(storage, S, specs)
      const found = await storage.scope(S).statements.findStatementsByIds(ids(stored))
      // The stored text itself, as the log hands it to consumers: the very text written.
      const texts = await storage.log.read(async (connection) => {
        const { rows } = await sql<{ id: string; payload: string }>`select id, payload
          from statements where store_id = ${S}`.execute(connection as Kysely<unknown>)
        return new Map(rows.map((r) => [r.id, r.payload]))
      })
      for (const [i, statement] of stored.entries()) {
        const back = found.get(statement.id)?.statement
        expect(back).toEqual(statement)
        expect(texts.get(statement.id)).toBe(JSON.stringify(statement))
        const object = back?.object as { definition?: { name?: Record<string, string> } }
        expect(object.definition?.name?.['en-US']).toBe(odd[i])
      }
    })

    it('inserts a batch larger than one multi-row INSERT', async () => {
      const { storage } = open()
      const specs = Array.from({ length: 1_234 }, (_, i) => ({ object: activity(`bulk-${i % 7}`) }))
      const stored = await storeStatements(storage, S, specs)
      const found = await storage.scope(S).statements.findStatementsByIds(ids(stored))
      expect(found.size).toBe(1_234)
      const page = await storage.scope(S).statements.queryStatements({
        ...ALL,
        activityId: 'http://example.com/activities/bulk-3',
        limit: 1_000,
      })
      expect(page.statements).toHaveLength(specs.filter((_, i) => i % 7 === 3).length)
    })

    it('voids statements: findStatement by voided flag, findStatementsByIds reports it', async () => {
      const { storage } = open()
      const [target] = await storeStatements(storage, S, [{}])
      const [voiding] = await storeStatements(storage, S, [
        { verb: VERBS.voided, object: statementRef(target!.id) },
      ])
      const statements = storage.scope(S).statements
      expect(await statements.findStatement(target!.id, false)).toBeUndefined()
      expect(await statements.findStatement(target!.id, true)).toEqual(target)
      expect(await statements.findStatement(voiding!.id, false)).toEqual(voiding)
      expect((await statements.findStatementsByIds([target!.id])).get(target!.id)?.voided).toBe(
        true,
      )
      // Voided statements are never returned by a query (Communication §2.1.3).
      const page = await statements.queryStatements(ALL)
      expect(ids(page.statements)).toEqual([voiding!.id])
    })

    it('markVoided ignores unknown ids', async () => {
      const { storage } = open()
      const [a] = await storeStatements(storage, S, [{}])
      await storage.scope(S).statements.markVoided([randomUUID(), a!.id])
      expect(await storage.scope(S).statements.findStatement(a!.id, true)).toEqual(a)
    })

    it('findVoidedTargets finds the targets of stored voiding statements, known or not yet', async () => {
      const { storage } = open()
      const early = randomUUID()
      const unrelated = randomUUID()
      // Data §2.3.2: the voiding statement may arrive before its target.
      await storeStatements(storage, S, [{ verb: VERBS.voided, object: statementRef(early) }])
      // A plain StatementRef is not a voiding.
      await storeStatements(storage, S, [
        { verb: VERBS.confirmed, object: statementRef(unrelated) },
      ])
      const targets = await storage
        .scope(S)
        .statements.findVoidedTargets([early, unrelated, randomUUID()])
      expect([...targets]).toEqual([early])
    })

    it('stores attachments once per SHA-2 and returns them only with the statements that brought them', async () => {
      const { storage } = open()
      const bytes = new Uint8Array([0, 1, 2, 255])
      const [a, b, c, d] = ids(await storeStatements(storage, S, [{}, {}, {}, {}]))
      const statements = storage.scope(S).statements
      await statements.insertAttachments(
        [
          { sha2: 'aa', contentType: 'application/octet-stream', content: bytes },
          { sha2: 'aa', contentType: 'application/octet-stream', content: bytes },
        ],
        [
          { statementId: a!, sha2: 'aa' },
          { statementId: a!, sha2: 'aa' },
        ],
      )
      // A later duplicate content is ignored, even with other bytes; its statement still owns it.
      await statements.insertAttachments(
        [{ sha2: 'aa', contentType: 'text/plain', content: new Uint8Array([9]) }],
        [{ statementId: b!, sha2: 'aa' }],
      )
      await statements.insertAttachments(
        [{ sha2: 'bb', contentType: 'text/plain', content: new TextEncoder().encode('hi') }],
        [{ statementId: b!, sha2: 'bb' }],
      )
      const stored = { sha2: 'aa', contentType: 'application/octet-stream', content: bytes }
      expect([...(await statements.findStatementAttachments([a!])).values()]).toEqual([stored])
      const ofB = await statements.findStatementAttachments([b!])
      expect([...ofB.keys()].sort()).toEqual(['aa', 'bb'])
      expect(ofB.get('aa')).toEqual(stored)
      expect(new TextDecoder().decode(ofB.get('bb')!.content)).toBe('hi')
      // Statements that own nothing get nothing, whatever hashes exist in the store.
      expect((await statements.findStatementAttachments([c!, d!, randomUUID()])).size).toBe(0)
    })

    it('allocateStored never goes back within a unit of work and never reaches a returned watermark', async () => {
      const { storage } = open()
      const statements = storage.scope(S).statements
      let previousWatermark = ''
      for (let i = 0; i < 20; i++) {
        const watermark = await statements.consistentThrough()
        expect(watermark >= previousWatermark).toBe(true)
        previousWatermark = watermark
        const [first, second] = await storage.transaction(S, async (scope) => [
          await scope.statements.allocateStored(),
          await scope.statements.allocateStored(),
        ])
        expect(first > watermark).toBe(true)
        expect(second >= first).toBe(true)
      }
    })

    it('allocateStored is not earlier than a committed stored time, and the watermark covers it', async () => {
      const { storage } = open()
      // A statement committed with a `stored` in the future of the clock (e.g. a clock step back).
      const future = new Date(Date.now() + 60_000).toISOString()
      await storage.transaction(S, (scope) =>
        scope.statements.insertStatements([buildRecord({}, future)]),
      )
      const allocated = await storage.transaction(S, (scope) => scope.statements.allocateStored())
      expect(allocated >= future).toBe(true)
      expect(await storage.scope(S).statements.consistentThrough()).toMatch(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
      )
      expect((await storage.scope(S).statements.consistentThrough()) >= future).toBe(true)
    })

    it('a consumer paging with since = the watermark sees every statement exactly once', async () => {
      const { storage } = open()
      const statements = storage.scope(S).statements
      const seen: string[] = []
      const written: string[] = []
      let since: string | undefined
      for (let round = 0; round < 10; round++) {
        const batch = await storeStatements(storage, S, [{}, {}])
        written.push(...ids(batch))
        const watermark = await statements.consistentThrough()
        const query: StatementQuery = { ...ALL, ascending: true, until: watermark }
        if (since !== undefined) query.since = since
        const page = await statements.queryStatements(query)
        seen.push(...ids(page.statements))
        since = watermark
      }
      expect(seen).toEqual(written)
    })
  })
}
