/** @module Contract: erasure of an agent and retention purges leave no index row, document or agent behind. */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { eraseAgent } from '../../src/core/personal-data/erase-agent.js'
import { purgeStore } from '../../src/core/personal-data/retention.js'
import { buildStatementIndex } from '../../src/core/statements/statement-index.js'
import { DEFAULT_STORE_ID, type Storage } from '../../src/storage/ports.js'
import { ERASED_HOME_PAGE } from '../../src/xapi/anonymise-agent.js'
import type { StoredStatement } from '../../src/xapi/types.js'
import {
  activity,
  activityId,
  agent,
  buildDocument,
  buildStatement,
  ifiOf,
  statementRef,
  type StatementSpec,
  VERBS,
} from '../fixtures/storage-records.js'
import { BACKENDS } from './backends.js'
import { allPages, q, useBackend } from './contract-helpers.js'

const S = DEFAULT_STORE_ID
const DAY = 24 * 60 * 60 * 1000

/** Stores statements in order with the `stored` times given, each in its own unit of work. */
async function insertAt(
  storage: Storage,
  entries: readonly { spec: StatementSpec; stored: string }[],
): Promise<StoredStatement[]> {
  const out: StoredStatement[] = []
  for (const { spec, stored } of entries)
    await storage.transaction(S, async (scope) => {
      const statement = buildStatement(spec, stored)
      await scope.statements.insertStatements([
        { statement, index: buildStatementIndex(statement) },
      ])
      if (statement.verb.id === VERBS.voided && statement.object.objectType === 'StatementRef')
        await scope.statements.markVoided([statement.object.id])
      out.push(statement)
    })
  return out
}

function at(i: number): string {
  return new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString()
}

const ada = agent('ada')
const bob = agent('bob')
const ian = agent('ian')

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`personal data on ${backend.name}`, () => {
    const open = useBackend(backend)

    it('erases an agent: own statements and their referrers deleted, mentions anonymised', async () => {
      const { storage } = open()
      const own = randomUUID()
      const [, , , , , bobOwn] = await insertAt(storage, [
        { spec: { id: own, actor: ada, object: activity('a'), instructor: ian }, stored: at(1) },
        { spec: { actor: ada, verb: VERBS.attempted, object: activity('b') }, stored: at(2) },
        { spec: { actor: ian, verb: VERBS.voided, object: statementRef(own) }, stored: at(3) },
        { spec: { actor: ian, object: ada }, stored: at(4) },
        {
          spec: { actor: { objectType: 'Group', name: 'T', member: [ada, bob] } },
          stored: at(5),
        },
        { spec: { actor: bob, instructor: ian, parents: [activity('p')] }, stored: at(6) },
        { spec: { actor: bob, instructor: ada }, stored: at(7) },
      ])
      const scope = storage.scope(S)
      await scope.documents.upsertDocument(
        buildDocument(
          {
            kind: 'state',
            activityId: activityId('a'),
            agentIfi: ifiOf('ada'),
            registration: undefined,
            documentId: 's',
          },
          '{}',
          at(8),
        ),
      )
      await scope.documents.upsertDocument(
        buildDocument(
          {
            kind: 'agentProfile',
            activityId: undefined,
            agentIfi: ifiOf('bob'),
            registration: undefined,
            documentId: 'p',
          },
          '{}',
          at(8),
        ),
      )
      await scope.actorsActivities.upsertAgents([
        { ifi: ifiOf('ada'), agent: ada },
        { ifi: ifiOf('bob'), agent: bob },
      ])
      const bobBefore = await allPages(
        scope.statements,
        q({ agentIfi: ifiOf('bob'), relatedAgents: true }),
      )

      const record = await eraseAgent(storage, S, ada, 'test', () => Date.UTC(2025, 1, 1))
      expect(record).toMatchObject({
        requestedBy: 'test',
        requestedAt: '2025-02-01T00:00:00.000Z',
        statementsDeleted: 3,
        statementsAnonymised: 3,
        documentsDeleted: 1,
        agentsDeleted: 1,
      })
      expect(record.ifiHashes).toHaveLength(2)
      expect(await scope.personalData.listErasures()).toEqual([record])

      // No filter finds Ada any more, in any relation.
      expect(await allPages(scope.statements, q({ agentIfi: ifiOf('ada') }))).toEqual([])
      expect(
        await allPages(scope.statements, q({ agentIfi: ifiOf('ada'), relatedAgents: true })),
      ).toEqual([])
      expect(await allPages(scope.statements, q({ activityId: activityId('b') }))).toEqual([])
      expect(await scope.statements.findStatement(own, true)).toBeUndefined()
      expect(await scope.actorsActivities.findAgents(ifiOf('ada'))).toEqual([])
      expect(await scope.actorsActivities.findAgents(ifiOf('bob'))).toHaveLength(1)

      // Everything left holds no trace of Ada; the anonymised ones carry one pseudonym.
      const all = await allPages(scope.statements, q({ ascending: true }))
      expect(all).toHaveLength(4)
      const rows = await scope.statements.findStatementsByIds(all)
      const text = JSON.stringify([...rows.values()])
      expect(text).not.toContain('ada@example.com')
      expect(text).not.toContain('"ada"')
      const pseudonyms = new Set(
        [...text.matchAll(/"homePage":"https:\/\/erased\.almanac\.invalid","name":"([^"]+)"/g)].map(
          (m) => m[1],
        ),
      )
      expect(pseudonyms.size).toBe(1)
      const [name] = [...pseudonyms]
      const pseudoIfi = `account:${ERASED_HOME_PAGE}|${name ?? ''}`
      // Re-indexed: the pseudonym is found where Ada was (object, member, instructor).
      expect(
        await allPages(scope.statements, q({ agentIfi: pseudoIfi, relatedAgents: true })),
      ).toHaveLength(3)
      // Bob keeps every statement he had, except none (his own ones stay, anonymised or not).
      expect(
        (
          await allPages(scope.statements, q({ agentIfi: ifiOf('bob'), relatedAgents: true }))
        ).sort(),
      ).toEqual([...bobBefore].sort())
      // A statement that never mentioned Ada is byte for byte the same.
      expect((await scope.statements.findStatementsByIds([bobOwn!.id])).get(bobOwn!.id)).toEqual({
        statement: bobOwn,
        voided: false,
      })
      expect(
        await scope.documents.listDocumentIds({
          kind: 'agentProfile',
          activityId: undefined,
          agentIfi: ifiOf('bob'),
          registration: undefined,
        }),
      ).toEqual(['p'])
    })

    it('deletes attachment contents only when no remaining statement owns them (issue 15)', async () => {
      const { storage } = open()
      const shared = 'a'.repeat(64)
      const only = 'b'.repeat(64)
      const attach = (sha2: string) => ({
        usageType: 'http://example.com/u',
        display: { en: 'x' },
        contentType: 'text/plain',
        length: 1,
        sha2,
      })
      const mine = buildStatement({ actor: ada }, at(1))
      mine.attachments = [attach(shared), attach(only)]
      const theirs = buildStatement({ actor: bob }, at(1))
      theirs.attachments = [attach(shared)]
      await storage.transaction(S, async (scope) => {
        await scope.statements.insertStatements(
          [mine, theirs].map((statement) => ({ statement, index: buildStatementIndex(statement) })),
        )
        // Each statement was sent with the contents it declares (issue 15: it owns them).
        await scope.statements.insertAttachments(
          [shared, only].map((sha2) => ({
            sha2,
            contentType: 'text/plain',
            content: new Uint8Array([1]),
          })),
          [
            { statementId: mine.id ?? '', sha2: shared },
            { statementId: mine.id ?? '', sha2: only },
            { statementId: theirs.id ?? '', sha2: shared },
          ],
        )
      })
      const record = await eraseAgent(storage, S, ada, 'test', () => 0)
      expect(record.attachmentsDeleted).toBe(1)
      const left = await storage.scope(S).statements.findStatementAttachments([theirs.id ?? ''])
      expect([...left.keys()]).toEqual([shared])
    })

    it('retention keeps exactly the last N days of a store spread over more than a year', async () => {
      const { storage } = open()
      const now = Date.UTC(2026, 0, 1)
      // One statement every 5 days over 400 days, learners alternating; oldest first.
      const entries = Array.from({ length: 81 }, (_, i) => ({
        spec: { actor: agent(`learner${i % 3}`), object: activity(`a${i}`) },
        stored: new Date(now - (400 - i * 5) * DAY - 1).toISOString(),
      }))
      // Only learner9 appears in the oldest statement; it must leave the Agents resource too.
      entries[0]!.spec.actor = agent('learner9')
      const statements = await insertAt(storage, entries)
      const scope = storage.scope(S)
      await scope.actorsActivities.upsertAgents(
        [0, 1, 2, 9].map((i) => ({ ifi: ifiOf(`learner${i}`), agent: agent(`learner${i}`) })),
      )
      for (const [documentId, ageDays] of [
        ['old', 200],
        ['new', 10],
      ] as const)
        await scope.documents.upsertDocument(
          buildDocument(
            {
              kind: 'activityProfile',
              activityId: activityId('a'),
              agentIfi: undefined,
              registration: undefined,
              documentId,
            },
            '{}',
            new Date(now - ageDays * DAY).toISOString(),
          ),
        )
      const policy = { statementDays: 90, documentDays: 30, updatedAt: new Date(now).toISOString() }
      await scope.personalData.saveRetention(policy)
      expect(await scope.personalData.findRetention()).toEqual(policy)

      const keep = statements.filter((s) => Date.parse(s.stored) >= now - 90 * DAY)
      const expectedGone = statements.length - keep.length
      expect(keep.length).toBeGreaterThan(10)

      const dry = await purgeStore(storage, S, policy, { dryRun: true, now, batchSize: 7 })
      expect(dry).toMatchObject({ dryRun: true, statements: expectedGone, documents: 1 })
      expect(dry.oldestStored).toBe(statements[0]!.stored)
      expect(await allPages(scope.statements, q())).toHaveLength(statements.length)

      // Small batches: several units of work.
      const done = await purgeStore(storage, S, policy, { dryRun: false, now, batchSize: 7 })
      expect(done).toMatchObject({ dryRun: false, statements: expectedGone, documents: 1 })
      expect(await allPages(scope.statements, q({ ascending: true }))).toEqual(
        keep.map((s) => s.id),
      )
      // Every filter agrees: the old activities and the learner only seen long ago are gone.
      expect(await allPages(scope.statements, q({ activityId: activityId('a0') }))).toEqual([])
      expect(await allPages(scope.statements, q({ agentIfi: ifiOf('learner9') }))).toEqual([])
      expect(await scope.actorsActivities.findAgents(ifiOf('learner9'))).toEqual([])
      expect(await scope.actorsActivities.findAgents(ifiOf('learner1'))).toHaveLength(1)
      expect(
        await scope.documents.listDocumentIds({
          kind: 'activityProfile',
          activityId: activityId('a'),
          agentIfi: undefined,
          registration: undefined,
        }),
      ).toEqual(['new'])
      // A second run finds nothing left.
      expect(
        await purgeStore(storage, S, policy, { dryRun: false, now, batchSize: 7 }),
      ).toMatchObject({ statements: 0, documents: 0 })
    })
  })
}
