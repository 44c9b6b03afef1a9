/**
 * @module Same-run comparison of two versions of the report code on one store: each report is
 * called through `createAnalytics` of the baseline tree (`--base`, a checkout of an older commit)
 * and of this tree, interleaved request by request, on one read connection, so machine load
 * falls on both alike. The store must carry this tree's migrations (open it with this tree once).
 *
 *   tsx bench/reports-compare.ts --base /tmp/reports-base --sqlite /path/lrs.db | --pg URL [--n 12]
 *                                [--only 'items,pages'] (reports whose name starts with one of these)
 *                                [--course URL] (the course of the course-level reports; its
 *                                module 1 and that module's quiz too)
 */
import Database from 'better-sqlite3'
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely'
import { parseArgs } from 'node:util'
import pg from 'pg'

const { values: o } = parseArgs({
  options: {
    base: { type: 'string' },
    sqlite: { type: 'string' },
    pg: { type: 'string' },
    n: { type: 'string', default: '12' },
    only: { type: 'string', default: '' },
    course: { type: 'string', default: 'https://learn.proseware.example/courses/workplace-safety' },
  },
})
const db = new Kysely<any>({
  dialect:
    o.sqlite !== undefined
      ? new SqliteDialect({ database: new Database(o.sqlite, { readonly: true }) })
      : new PostgresDialect({ pool: new pg.Pool({ connectionString: o.pg, max: 1 }) }),
})
// The report use cases need only `read` and `position` of the statement log.
const log: any = {
  read: (fn: (c: unknown) => Promise<unknown>) => db.transaction().execute((trx) => fn(trx)),
  position: () => Promise.resolve({ cursor: 1, watermark: 1 }),
}
const here = await import('../src/analytics/analytics.js')
const there = await import(`${o.base}/src/analytics/analytics.js`)
const versions = {
  before: there.createAnalytics(log, {}),
  after: here.createAnalytics(log, {} as never),
}

const course = o.course
const module = `${course}/modules/1`
const quiz = `${module}/quiz`
const top = await db
  .selectFrom('an_learner_activity')
  .select('learner')
  .where('store_id', '=', 1)
  .where('activity_id', '=', course)
  .orderBy('statements', 'desc')
  .limit(1)
  .executeTakeFirstOrThrow()
const win = { since: '2025-02-01T00:00:00Z', until: '2025-03-01T00:00:00Z' }
const cq = { scoreOf: 'best', page: 1, pageSize: 50, sort: 'learner', order: 'asc' }
const all: [string, (a: any) => Promise<unknown>][] = [
  ['overview (day)', (a) => a.overview(1, { interval: 'day', top: 10 })],
  ['overview (week, window)', (a) => a.overview(1, { interval: 'week', top: 10, ...win })],
  ['course (largest)', (a) => a.course(1, course, cq)],
  [
    'course (largest, window, by score)',
    (a) => a.course(1, course, { ...cq, ...win, sort: 'score', order: 'desc' }),
  ],
  ['course (module)', (a) => a.course(1, module, cq)],
  ['pages (module)', (a) => a.pages(1, module, {})],
  ['pages (course)', (a) => a.pages(1, course, {})],
  ['learner', (a) => a.learner(1, top.learner, {})],
  ['items', (a) => a.items(1, quiz, {})],
  ['items (window)', (a) => a.items(1, quiz, win)],
  ['pages (course, window)', (a) => a.pages(1, course, win)],
  ['objectives (store)', (a) => a.objectives(1, { page: 1, pageSize: 50 })],
  ['objectives (course)', (a) => a.objectives(1, { course, page: 1, pageSize: 50 })],
  ['objectives (store, window)', (a) => a.objectives(1, { ...win, page: 1, pageSize: 50 })],
  [
    'objectives (course, window, page 3)',
    (a) => a.objectives(1, { course, ...win, page: 3, pageSize: 50 }),
  ],
]
const reports = all.filter(
  ([name]) => o.only === '' || o.only.split(',').some((prefix) => name.startsWith(prefix)),
)
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!
const strip = (r: any) => JSON.stringify({ ...r, asOf: null })
const N = Number(o.n)
console.log(`| report | before p50 / p95 ms | after p50 / p95 ms | same answer |`)
console.log(`| --- | --- | --- | --- |`)
for (const [name, call] of reports) {
  const t: Record<'before' | 'after', number[]> = { before: [], after: [] }
  let same = true
  for (let i = 0; i < N + 1; i++)
    for (const which of i % 2 === 0
      ? (['before', 'after'] as const)
      : (['after', 'before'] as const)) {
      const start = performance.now()
      const result = await call(versions[which])
      if (i > 0) t[which].push(performance.now() - start)
      if (i === 0 && which === 'after') same = strip(result) === strip(await call(versions.before))
    }
  const f = (xs: number[]) => `${pct(xs, 50).toFixed(0)} / ${pct(xs, 95).toFixed(0)}`
  console.log(`| ${name} | ${f(t.before)} | ${f(t.after)} | ${same ? 'yes' : 'NO'} |`)
}
await db.destroy()
