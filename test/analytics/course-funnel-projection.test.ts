/**
 * @module The course report's funnel and exit projections (migration 0030, per day since 0040)
 * and the pages' figures per day (0040) on every backend: kept by triggers through ingest,
 * voidings (a learner's rows deleted and written again), a first course statement arriving on
 * an earlier day, and a rebuild, they equal a brute force over the `an_pages` and
 * `an_learner_activity` rows, and the migrations' backfills of a store projected without them
 * (their SQL, run on the same rows).
 */
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import type { AnyDb, AnyRow } from '../../src/analytics/reports/report-context.js'
import type { Storage } from '../../src/storage/ports.js'
import { exitsBackfill } from '../../src/storage/sql/course-funnel-migration.js'
import {
  EXIT_DAYS_BACKFILL,
  EXITS_DAY_BACKFILL,
  FUNNEL_DAYS_BACKFILL,
  PAGE_DAYS_BACKFILL,
} from '../../src/storage/sql/window-days-migration.js'
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
  exitDays: string[]
  pageDays: string[]
}

const DAY = 86_400_000
const dayOf = (ms: unknown) => Math.floor(Number(ms) / DAY)

async function projected(storage: Storage): Promise<Projected> {
  return storage.log.read(async (connection) => {
    const db = connection as AnyDb
    const rows = async (query: ReturnType<typeof sql<AnyRow>>) => (await query.execute(db)).rows
    const line = (r: AnyRow, columns: string[]) => columns.map((c) => String(r[c])).join(' ')
    return {
      funnel: (
        await rows(sql<AnyRow>`select course, day, page, reached, views from an_course_funnel_days
          where store_id = ${S}`)
      )
        .map((r) => line(r, ['course', 'day', 'page', 'reached', 'views']))
        .sort(),
      exits: (
        await rows(sql<AnyRow>`select course, learner, page, day from an_course_exits
          where store_id = ${S}`)
      )
        .map((r) => line(r, ['course', 'learner', 'page', 'day']))
        .sort(),
      exitDays: (
        await rows(sql<AnyRow>`select course, day, page, learners from an_course_exit_days
          where store_id = ${S}`)
      )
        .map((r) => line(r, ['course', 'day', 'page', 'learners']))
        .sort(),
      pageDays: (
        await rows(sql<AnyRow>`select course, module, page, day, viewers, views from an_page_days
          where store_id = ${S}`)
      )
        .map((r) => line(r, ['course', 'module', 'page', 'day', 'viewers', 'views']))
        .sort(),
    }
  })
}

/** The definitions of migrations 0030 and 0040, in JS over the projection rows. */
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
    /** The day of the learner's started course row, else undefined. */
    const startedDay = (course: string, learner: string) => {
      const r = courseRows.get(`${course}\u0000${learner}`)
      return r !== undefined && r['engaged_ms'] !== null && Number(r['first_ms']) >= 0
        ? dayOf(r['first_ms'])
        : undefined
    }
    const count = (counts: Map<string, number[]>, key: string, values: number[]) =>
      counts.set(
        key,
        values.map((v, i) => (counts.get(key)?.[i] ?? 0) + v),
      )
    const funnel = new Map<string, number[]>()
    const pageDays = new Map<string, number[]>()
    const first = new Map<string, number>()
    /** A null course or module is `''` in `an_page_days`, as in `an_page_totals`. */
    const text = (value: unknown) => (typeof value === 'string' ? value : '')
    for (const p of pages) {
      const views = Number(p['views'] ?? 0)
      count(
        pageDays,
        `${text(p['course'])} ${text(p['module'])} ${String(p['page'])} ${dayOf(p['view_ms'])}`,
        [1, views],
      )
      const course = p['course']
      if (typeof course !== 'string') continue
      const key = `${course} ${String(p['page'])}`
      first.set(key, Math.min(first.get(key) ?? Infinity, Number(p['view_ms'])))
      const day = startedDay(course, String(p['learner']))
      if (day !== undefined) count(funnel, `${course} ${day} ${String(p['page'])}`, [1, views])
    }
    // A started non-completer's exit: their page latest by (first view by anyone, page id).
    const exits = new Map<string, { page: string; first: number; day: number }>()
    for (const p of pages) {
      const course = String(p['course'])
      const learner = String(p['learner'])
      const day = p['course'] === null ? undefined : startedDay(course, learner)
      if (day === undefined) continue
      if (courseRows.get(`${course}\u0000${learner}`)?.['completed_ms'] !== null) continue
      const page = String(p['page'])
      const f = first.get(`${course} ${page}`)!
      const key = `${course} ${learner}`
      const seen = exits.get(key)
      if (seen === undefined || f > seen.first || (f === seen.first && page > seen.page))
        exits.set(key, { page, first: f, day })
    }
    const exitDays = new Map<string, number[]>()
    for (const [key, { page, day }] of exits)
      count(exitDays, `${key.slice(0, key.indexOf(' '))} ${day} ${page}`, [1])
    const lines = (counts: Map<string, number[]>) =>
      [...counts].map(([k, v]) => [k, ...v].join(' ')).sort()
    return {
      funnel: lines(funnel),
      exits: [...exits].map(([k, v]) => `${k} ${v.page} ${v.day}`).sort(),
      exitDays: lines(exitDays),
      pageDays: lines(pageDays),
    }
  })
}

/** Empties the derived tables and fills them with the migrations' backfills. */
async function backfill(storage: Storage, postgres: boolean): Promise<void> {
  await storage.log.unitOfWork(S, async ({ connection }) => {
    const db = connection as AnyDb
    await sql`delete from an_course_funnel_days`.execute(db)
    await sql`delete from an_course_exits`.execute(db)
    await sql.raw(FUNNEL_DAYS_BACKFILL).execute(db)
    await sql.raw(exitsBackfill(postgres ? ' collate "C"' : '')).execute(db)
    // The exits' triggers set their days and counted them: set and counted again by the
    // backfills from the rows alone.
    await sql`update an_course_exits set day = null`.execute(db)
    await sql.raw(EXITS_DAY_BACKFILL).execute(db)
    await sql`delete from an_course_exit_days`.execute(db)
    await sql.raw(EXIT_DAYS_BACKFILL).execute(db)
    await sql`delete from an_page_days`.execute(db)
    await sql.raw(PAGE_DAYS_BACKFILL).execute(db)
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
        expect(ingested.exitDays.length).toBeGreaterThan(5)
        expect(ingested.pageDays.length).toBeGreaterThan(5)
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
      expect(before.exits).toEqual([
        `${a} ${ada} ${q} 20454`,
        `${a} ${bob} ${p} 20454`,
        `${b} ${ada} ${p} 20456`,
      ])
      await fx.ingest([view('ada', a, p, '2026-01-02T09:00:00Z')])
      await fx.projector.catchUp(S)
      const moved = await projected(storage)
      expect(moved.exits).toEqual([`${a} ${ada} ${p} 20454`, `${a} ${bob} ${p} 20454`])
      expect(moved).toEqual(await bruteForce(storage))

      // A page row deleted on its own (the triggers' invariant holds for any change of a row).
      await storage.log.unitOfWork(S, async ({ connection }) => {
        await sql`delete from an_pages where store_id = ${S} and page = ${p}
          and learner = ${ada}`.execute(connection as AnyDb)
      })
      const deleted = await projected(storage)
      expect(deleted.exits).toEqual([`${a} ${ada} ${q} 20454`, `${a} ${bob} ${p} 20454`])
      expect(deleted).toEqual(await bruteForce(storage))
      await fx.projector.stop()
    })

    it('moves a learner to the day of a first course statement that arrives later', async () => {
      // cy's first statement about course a is on 5 January, then one dated 3 January arrives:
      // her page rows leave the funnel's 5 January and join its 3 January, and so does her exit.
      const { storage } = open()
      const fx = analyticsFixture(storage)
      const [a, p, q] = ['http://example.com/a', 'urn:p', 'urn:q']
      const cy = 'mbox:mailto:cy@example.com'
      const [jan3, jan5] = [Date.UTC(2026, 0, 3), Date.UTC(2026, 0, 5)].map((t) => t / DAY)
      await fx.ingest([
        view('cy', a, q, '2026-01-05T09:00:00Z'),
        view('cy', a, p, '2026-01-05T10:00:00Z'),
        view('dan', a, q, '2026-01-05T11:00:00Z'),
      ])
      await fx.projector.catchUp(S)
      const before = await projected(storage)
      expect(before.funnel).toEqual([`${a} ${jan5} ${p} 1 1`, `${a} ${jan5} ${q} 2 2`])
      expect(before.exits).toContain(`${a} ${cy} ${p} ${jan5}`)
      expect(before).toEqual(await bruteForce(storage))
      await fx.ingest([view('cy', a, q, '2026-01-03T23:59:00Z')])
      await fx.projector.catchUp(S)
      const after = await projected(storage)
      expect(after.funnel).toEqual([
        `${a} ${jan3} ${p} 1 1`,
        `${a} ${jan3} ${q} 1 2`,
        `${a} ${jan5} ${q} 1 1`,
      ])
      expect(after.exits).toContain(`${a} ${cy} ${p} ${jan3}`)
      expect(after.exitDays).toEqual([`${a} ${jan3} ${p} 1`, `${a} ${jan5} ${q} 1`])
      expect(after).toEqual(await bruteForce(storage))
      await fx.projector.stop()
    })
  })
}
