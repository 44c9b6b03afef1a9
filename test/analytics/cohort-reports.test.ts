/**
 * @module The item analysis, pages, objectives and learner reports restricted to (or compared
 * with) a cohort, against brute-force references over the raw statements (reference.ts) of a
 * simulated store whose app users carry a second IFI, on every backend: only the members count,
 * a merged person counts once (their IFIs' rows merged), and an attribute change moves a person
 * in or out of a cohort's figures at once, without rebuilding the projections.
 */
import { describe, expect, it } from 'vitest'
import { createPeopleHandler } from '../../src/analytics/people/people-consumer.js'
import { createPeople } from '../../src/analytics/people/people.js'
import { parsePeopleFile } from '../../src/analytics/people/people-file.js'
import { createLogConsumer } from '../../src/core/log/log-consumer.js'
import { hrCsv } from '../../src/simulate/hr-export.js'
import { createSimulation } from '../../src/simulate/simulate-statements.js'
import { BACKENDS } from '../storage-contract/backends.js'
import { useBackend } from '../storage-contract/contract-helpers.js'
import { analyticsFixture, S } from './analytics-fixture.js'
import {
  itemsRef,
  objectivesRef,
  pagesRef,
  parentOf,
  type Raw,
  r6,
  statementSet,
  success,
} from './reference.js'
import { expectItemsAsReference, pageFigures } from './check-reports.js'

const SIMULATION = createSimulation({
  seed: 'cohort-reports',
  statements: 6000,
  learners: 48,
  courses: 2,
  appEmailShare: 0.6,
})
const STATEMENTS = [...SIMULATION.statements()]
const LEARNERS = new Set<number>()
for (const s of STATEMENTS) {
  const n = /^u(\d+)$/.exec(s.actor.account?.name ?? '')?.[1]
  if (n !== undefined) LEARNERS.add(Number(n) - 1)
}
const HR = [...LEARNERS].sort((a, b) => a - b).map((i) => SIMULATION.hrRecord(i))
const HR_ROWS = parsePeopleFile(hrCsv(HR), 'csv')

/**
 * The reference's person key of an IFI: the first of its HR record's identifiers in sorted
 * order (docs/people.md, "person key"), else the IFI itself.
 */
function hrPersons(): Map<string, string> {
  const person = new Map<string, string>()
  for (const r of HR)
    for (const ifi of r.identifiers) person.set(ifi, [...r.identifiers].sort()[0]!)
  return person
}

const ANSWERED = 'http://adlnet.gov/expapi/verbs/answered'
const EXPERIENCED = 'http://adlnet.gov/expapi/verbs/experienced'

const results: unknown[] = []

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`cohort-filtered reports on ${backend.name}`, () => {
    const open = useBackend(backend)

    it(
      'count only the members, by person, as the references do; an attribute change shows at once',
      { timeout: 240_000 },
      async () => {
        const { storage } = open()
        const fx = analyticsFixture(storage)
        const consumer = createLogConsumer({
          log: storage.log,
          stores: () => Promise.resolve([S]),
          handler: createPeopleHandler(),
          batchSize: 700,
        })
        const people = createPeople(storage.log)
        await fx.ingest(STATEMENTS)
        await fx.projector.catchUp(S)
        await consumer.catchUp(S)
        const imported = await people.import(S, HR_ROWS, { dryRun: false })
        expect(imported.summary.merge).toBeGreaterThan(3)
        // Fresh per backend: the test merges two persons and moves one to another team.
        const PERSON = hrPersons()
        const personOf = (ifi: string) => PERSON.get(ifi) ?? ifi
        /** The statement set of the cohort's members, keyed by person. */
        const membersOf = (set: readonly Raw[], inCohort: (person: string) => boolean): Raw[] =>
          set
            .map((r) => ({ ...r, learner: personOf(r.learner) }))
            .filter((r) => inCohort(r.learner))
        const team = new Map(HR.map((r) => [personOf(r.identifiers[0]!), r.team]))
        const emea = await people.createCohort(S, {
          name: 'EMEA',
          filter: { all: [{ attribute: 'team', op: 'eq', value: 'EMEA' }] },
        })
        const set = statementSet(await fx.raw())
        const inEmea = (p: string) => team.get(p) === 'EMEA'
        // Merged persons among the members: the by-person merge is exercised, not only the filter.
        const merged = HR.filter((r) => r.team === 'EMEA' && r.identifiers.length === 2)
        expect(merged.length).toBeGreaterThan(1)

        const check = async (label: string) => {
          const members = membersOf(set, inEmea)
          const memberCount = new Set(members.map((r) => r.learner)).size
          expect(memberCount, label).toBeGreaterThan(4)

          // Item analysis: every assessment, all time and in a window.
          const assessments = [
            ...new Set(
              set
                .filter(
                  (r) =>
                    r.s.verb.id === ANSWERED &&
                    r.s.result?.success !== undefined &&
                    parentOf(r.s) !== undefined,
                )
                .map((r) => parentOf(r.s)!),
            ),
          ].sort()
          expect(assessments.length, label).toBeGreaterThan(0)
          const times = set.map((r) => r.ms).sort((a, b) => a - b)
          const middle = {
            since: new Date(times[Math.floor(times.length / 4)]!).toISOString(),
            until: new Date(times[Math.floor((3 * times.length) / 4)]!).toISOString(),
          }
          let analysed = 0
          for (const assessment of assessments)
            for (const window of [undefined, middle]) {
              const report = await fx.analytics.items(S, assessment, {
                ...(window ?? {}),
                cohort: emea.id,
              })
              const ref =
                window !== undefined
                  ? itemsRef(
                      members,
                      assessment,
                      Date.parse(window.since),
                      Date.parse(window.until),
                    )
                  : itemsRef(members, assessment)
              const what = `${label} items ${assessment} ${JSON.stringify(window)}`
              expect(report.cohortFilter?.id, what).toBe(emea.id)
              if (expectItemsAsReference(report, ref, what)) analysed += 1
            }
          expect(analysed, label).toBeGreaterThan(0)

          // Pages of every module: the members' views by person, in the content's page order
          // (every learner's first views), so the drop-off follows that order.
          const modules = [
            ...new Set(
              set
                .filter((r) => r.s.verb.id === EXPERIENCED && parentOf(r.s) !== undefined)
                .map((r) => parentOf(r.s)!),
            ),
          ].sort()
          expect(modules.length, label).toBeGreaterThan(0)
          for (const module of modules) {
            const report = await fx.analytics.pages(S, module, { cohort: emea.id })
            const order = pagesRef(set, module).map((p) => p.page)
            const ref = new Map(pagesRef(members, module).map((p) => [p.page, p]))
            let previous: number | undefined
            const expected = order.map((page, i) => {
              const p = ref.get(page)
              const viewers = p?.uniqueViewers ?? 0
              const dropoff =
                previous === undefined || previous === 0 ? null : r6(1 - r6(viewers / previous))
              previous = viewers
              return {
                order: i + 1,
                page,
                views: p?.views ?? 0,
                uniqueViewers: viewers,
                medianSeconds: p?.medianSeconds ?? null,
                dropoff,
              }
            })
            expect(pageFigures(report), `${label} pages ${module}`).toEqual(expected)
          }

          // Objectives: per objective and every cell, a person's evidence over all their IFIs.
          const objectives = await fx.analytics.objectives(S, {
            page: 1,
            pageSize: 500,
            cohort: emea.id,
          })
          const oref = objectivesRef(members)
          expect(oref.perObjective.size, label).toBeGreaterThan(0)
          expect(
            Object.fromEntries(
              objectives.objectives.map((o) => [
                o.objective,
                { learners: o.learners, mastered: o.mastered },
              ]),
            ),
            `${label} objectives`,
          ).toEqual(Object.fromEntries([...oref.perObjective].sort()))
          expect(objectives.matrix.cells.length, label).toBe(oref.cells.size)
          expect(objectives.matrix.learners, label).toBe(
            new Set([...oref.cells.keys()].map((k) => k.split('\u0000')[0])).size,
          )
          for (const cell of objectives.matrix.cells)
            expect({ evidence: cell.evidence, correct: cell.correct }, label).toEqual(
              oref.cells.get(`${cell.learner}\u0000${cell.objective}`),
            )
          // A page of the matrix holds the page's persons only.
          const second = await fx.analytics.objectives(S, { page: 2, pageSize: 3, cohort: emea.id })
          const persons = [...new Set([...oref.cells.keys()].map((k) => k.split('\u0000')[0]!))]
            .sort()
            .slice(3, 6)
          expect([...new Set(second.matrix.cells.map((c) => c.learner))], label).toEqual(persons)

          // The learner report compared with the cohort: per course, the members' completion.
          const member = [...new Set(members.map((r) => r.learner))].sort()[0]!
          const learner = await fx.analytics.learner(S, member, { cohort: emea.id })
          expect(learner.cohortComparison?.member, label).toBe(true)
          for (const c of learner.cohortComparison?.courses ?? []) {
            const course = await fx.analytics.course(S, c.course, {
              scoreOf: 'best',
              page: 1,
              pageSize: 1,
              sort: 'learner',
              order: 'asc',
              cohort: emea.id,
            })
            expect(c.people, label).toBe(course.cohort)
            expect(c.completionRate, label).toBe(c.suppressed ? null : course.completionRate)
          }
          expect(learner.cohortComparison?.courses.length, label).toBe(learner.courses.length)
          return { members: memberCount, analysed }
        }

        const before = await check('EMEA')

        // A merge: two members who both answered formally become one person. The reports count
        // them once at once (no projector run, no rebuild): their first answers, views and
        // objective evidence merge over both IFIs, as the references do with the new key.
        const all = (await people.list(S, { limit: 1000, offset: 0 })).people
        const answeredBy = new Set(
          set
            .filter((r) => r.s.verb.id === ANSWERED && parentOf(r.s) !== undefined)
            .map((r) => r.learner),
        )
        const [a, b] = all.filter(
          (p) =>
            inEmea(personOf(p.identifiers[0]!)) && p.identifiers.some((i) => answeredBy.has(i)),
        )
        expect(b).toBeDefined()
        await people.merge(S, a!.id, [b!.id])
        const union = [...a!.identifiers, ...b!.identifiers].sort()
        for (const ifi of union) PERSON.set(ifi, union[0]!)
        const afterMerge = await check('EMEA after a merge')
        expect(afterMerge.members).toBe(before.members - 1)

        // An attribute change: a member moves to another team; the reports follow at once and
        // match the references with the new membership.
        const moving = merged.find((r) => !union.includes(r.identifiers[0]!))!
        const person = all.find((p) => p.identifiers.includes(moving.identifiers[0]!))!
        await people.update(S, person.id, { team: 'APAC' })
        team.set(personOf(moving.identifiers[0]!), 'APAC')
        const after = await check('EMEA after a team change')
        expect(after.members).toBe(afterMerge.members - 1)

        // A person whose answers are not in the cohort is not a member.
        const outsider = [...new Set(set.map((r) => personOf(r.learner)))]
          .sort()
          .find((p) => !inEmea(p))!
        const compared = await fx.analytics.learner(S, outsider, { cohort: emea.id })
        expect(compared.cohortComparison?.member).toBe(false)

        const items = await fx.analytics.items(
          S,
          parentOf(set.find((r) => r.s.verb.id === ANSWERED && success(r.s) !== undefined)!.s)!,
          { cohort: emea.id },
        )
        results.push({ before, afterMerge, after, items: items.items })
        await consumer.stop()
      },
    )

    it('answer the same on every backend', () => {
      for (const result of results) expect(result).toEqual(results[0])
    })
  })
}
