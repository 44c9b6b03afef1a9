/**
 * @module The course report's funnel and exit projections (migration 0030) on every backend:
 * kept by triggers through ingest, voidings (a learner's rows deleted and written again) and a
 * rebuild, they equal a brute force over the `an_pages` and `an_learner_activity` rows, and the
 * migration's backfill of a store projected without them (its SQL, run on the same rows).
 */
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import type { AnyDb, AnyRow } from '../../src/analytics/reports/report-context.js'
import type { Storage } from '../../src/storage/ports.js'
import { exitsBackfill, FUNNEL_BACKFILL } from '../../src/storage/sql/course-funnel-migration.js'
import type { Statement } from '../../src/xapi/types.js'
import {
  buildActivity,
  buildAgent,
  buildStatement,
  buildVerb,
} from '../fixtures/build-statement.js'
import { BACKENDS } from '../storage-contract/backends.js'
import { useBackend } from '../storage-contract/contract-helpers.js'
import { analyticsFixture, S, simulated } from './analytics-fixture.js'

const STATEMENTS = simulated(4000)

interface Projected {
  funnel: string[]
  exits: string[]
}

async function projected(storage: Storage): Promise<Projected> {
  return storage.log.read(async (connection) => {
    const db = connection as AnyDb
    const funnel = (
      await sql<AnyRow>`select course, page, reached, views from an_course_funnel
        where store_id = ${S}`.execute(db)
    ).rows
    const exits = (
      await sql<AnyRow>`select course, learner, page from an_course_exits
        where store_id = ${S}`.execute(db)
    ).rows
    return {
      funnel: funnel
        .map(
          (r) =>
            `${String(r['course'])} ${String(r['page'])} ${Number(r['reached'])} ${Number(r['views'])}`,
        )
        .sort(),
      exits: exits
        .map((r) => `${String(r['course'])} ${String(r['learner'])} ${String(r['page'])}`)
        .sort(),
    }
  })
}

/** The definitions of migration 0030, in JS over the projection rows. */
async function bruteForce(storage: Storage): Promise<Projected> {
  return storage.log.read(async (connection) => {
    const db = connection as AnyDb
    const pages = (await db
      .selectFrom('an_pages')
      .selectAll()
      .where('store_id', '=', S)
      .execute()) as AnyRow[]
    const courseRows = new Map<string, AnyRow>()
    for (const r of (await db
      .selectFrom('an_learner_activity')
      .selectAll()
      .where('store_id', '=', S)
      .execute()) as AnyRow[])
      courseRows.set(`${String(r['activity_id'])}\u0000${String(r['learner'])}`, r)
    const started = (course: string, learner: string) => {
      const r = courseRows.get(`${course}\u0000${learner}`)
      return r !== undefined && r['engaged_ms'] !== null && Number(r['first_ms']) >= 0
    }
    const funnel = new Map<string, { reached: number; views: number }>()
    const first = new Map<string, number>()
    for (const p of pages) {
      const course = p['course']
      if (typeof course !== 'string') continue
      const key = `${course} ${String(p['page'])}`
      first.set(key, Math.min(first.get(key) ?? Infinity, Number(p['view_ms'])))
      if (!started(course, String(p['learner']))) continue
      const entry = funnel.get(key) ?? { reached: 0, views: 0 }
      entry.reached += 1
      entry.views += Number(p['views'] ?? 0)
      funnel.set(key, entry)
    }
    // A started non-completer's exit: their page latest by (first view by anyone, page id).
    const exits = new Map<string, { page: string; first: number }>()
    for (const p of pages) {
      const course = String(p['course'])
      const learner = String(p['learner'])
      if (p['course'] === null || !started(course, learner)) continue
      if (courseRows.get(`${course}\u0000${learner}`)?.['completed_ms'] !== null) continue
      const page = String(p['page'])
      const f = first.get(`${course} ${page}`)!
      const key = `${course} ${learner}`
      const seen = exits.get(key)
      if (seen === undefined || f > seen.first || (f === seen.first && page > seen.page))
        exits.set(key, { page, first: f })
    }
    return {
      funnel: [...funnel].map(([k, v]) => `${k} ${v.reached} ${v.views}`).sort(),
      exits: [...exits].map(([k, v]) => `${k} ${v.page}`).sort(),
    }
  })
}

/** Empties both tables and fills them with the migration's backfill. */
async function backfill(storage: Storage, postgres: boolean): Promise<void> {
  await storage.log.unitOfWork(S, async ({ connection }) => {
    const db = connection as AnyDb
    await sql`delete from an_course_funnel`.execute(db)
    await sql`delete from an_course_exits`.execute(db)
    await sql.raw(FUNNEL_BACKFILL).execute(db)
    await sql.raw(exitsBackfill(postgres ? ' collate "C"' : '')).execute(db)
  })
}

function voiding(statements: readonly Statement[]): Statement[] {
  // Engagements, completions and page views of some learners: started and exits move.
  return statements
    .filter(
      (s, i) => i % 17 === 0 && /(launched|initialized|completed|experienced)$/.test(s.verb.id),
    )
    .map((s) => ({
      actor: { objectType: 'Agent', mbox: 'mailto:admin@example.com' },
      verb: { id: 'http://adlnet.gov/expapi/verbs/voided', display: { 'en-US': 'voided' } },
      object: { objectType: 'StatementRef', id: s.id! },
    }))
}

const EXPERIENCED = buildVerb({
  id: 'http://adlnet.gov/expapi/verbs/experienced',
  display: { 'en-US': 'experienced' },
})
const MODULE = 'http://example.com/modules/shared'

/** `learner` viewed `page` of the shared module within course `course` at `timestamp`. */
function view(learner: string, course: string, page: string, timestamp: string): Statement {
  return buildStatement({
    actor: buildAgent({ name: learner, mbox: `mailto:${learner}@example.com` }),
    verb: EXPERIENCED,
    object: buildActivity({ id: page, definition: { name: { 'en-US': page } } }),
    timestamp,
    context: {
      registration: '1b0e1c38-5f3a-4c9e-9b0a-6d2f0c6a7e11',
      contextActivities: {
        parent: [buildActivity({ id: MODULE, definition: { name: { 'en-US': 'Shared' } } })],
        grouping: [buildActivity({ id: course })],
      },
    },
  })
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`course funnel projection on ${backend.name}`, () => {
    const open = useBackend(backend)

    it(
      'equals the brute force, the backfill and a rebuild, through voidings',
      { timeout: 240_000 },
      async () => {
        const { storage } = open()
        const fx = analyticsFixture(storage)
        await fx.ingest(STATEMENTS.slice(0, 2000))
        await fx.projector.catchUp(S)
        await fx.ingest(STATEMENTS.slice(2000))
        await fx.projector.catchUp(S)
        const ingested = await projected(storage)
        expect(ingested.funnel.length).toBeGreaterThan(5)
        expect(ingested.exits.length).toBeGreaterThan(5)
        expect(ingested).toEqual(await bruteForce(storage))

        const voids = voiding(STATEMENTS)
        expect(voids.length).toBeGreaterThan(20)
        await fx.ingest(voids)
        await fx.projector.catchUp(S)
        const voided = await projected(storage)
        expect(voided).not.toEqual(ingested)
        expect(voided).toEqual(await bruteForce(storage))

        await backfill(storage, backend.name.includes('postgres'))
        expect(await projected(storage)).toEqual(voided)

        await fx.analytics.rebuild(S, () => undefined)
        expect(await projected(storage)).toEqual(voided)
        await fx.projector.stop()
      },
    )

    it('moves an exit with a page row whose first view turns out to name another course', async () => {
      // A page row's course is its first view's (§6). A view in course A dated before the one
      // in course B moves ada's row of page p from B to A: her exit in B goes and her exit in A
      // becomes p, which bob viewed in A before her, so p's place in A's page order (after q)
      // does not change and only the moved row itself can tell.
      const { storage } = open()
      const fx = analyticsFixture(storage)
      const [a, b, p, q] = ['http://example.com/a', 'http://example.com/b', 'urn:p', 'urn:q']
      const [ada, bob] = ['mbox:mailto:ada@example.com', 'mbox:mailto:bob@example.com']
      await fx.ingest([
        view('ada', a, q, '2026-01-01T09:00:00Z'),
        view('bob', a, q, '2026-01-01T09:30:00Z'),
        view('bob', a, p, '2026-01-01T10:00:00Z'),
        view('ada', b, p, '2026-01-03T09:00:00Z'),
      ])
      await fx.projector.catchUp(S)
      const before = await projected(storage)
      expect(before.exits).toEqual([`${a} ${ada} ${q}`, `${a} ${bob} ${p}`, `${b} ${ada} ${p}`])
      await fx.ingest([view('ada', a, p, '2026-01-02T09:00:00Z')])
      await fx.projector.catchUp(S)
      const moved = await projected(storage)
      expect(moved.exits).toEqual([`${a} ${ada} ${p}`, `${a} ${bob} ${p}`])
      expect(moved).toEqual(await bruteForce(storage))

      // A page row deleted on its own (the triggers' invariant holds for any change of a row).
      await storage.log.unitOfWork(S, async ({ connection }) => {
        await sql`delete from an_pages where store_id = ${S} and page = ${p}
          and learner = ${ada}`.execute(connection as AnyDb)
      })
      const deleted = await projected(storage)
      expect(deleted.exits).toEqual([`${a} ${ada} ${q}`, `${a} ${bob} ${p}`])
      expect(deleted).toEqual(await bruteForce(storage))
      await fx.projector.stop()
    })
  })
}
