/**
 * @module The `Insights` interface: competencies and skill gaps, at-risk learners with their
 * explanations and the models behind them, and next-step recommendations (docs/insights.md).
 * Reads the analytics projections and the insights tables in one read snapshot; learner keys
 * are grouped by person (people-directory.ts), so a merged person counts once.
 */
import { NotFoundError } from '../../errors/errors.js'
import type { StatementLogStorage, StoreId } from '../../storage/ports.js'
import type { CohortRecord } from '../../storage/people-port.js'
import { createSqlPeopleStore } from '../../storage/sql/sql-people-store.js'
import { matchesCohort } from '../people/cohort-filter.js'
import { loadPeopleDirectory, type PeopleDirectory } from '../people/people-directory.js'
import { MASTERY_THRESHOLD } from '../statement-facts.js'
import {
  buildCatalogue,
  type Catalogue,
  type Competency,
  moduleItems,
} from './competency-catalogue.js'
import { competencyDifficulty, type EloState, masteryOf, runElo, skillKey } from './elo-mastery.js'
import { type ActivityRow, type Evidence, groupBy, loadEvidence } from './evidence.js'
import {
  type AnyDb,
  type CompetencyInput,
  deleteCompetency,
  definedCompetencies,
  listTargets,
  putTargets,
  riskModels,
  saveRiskModels,
  type Target,
  upsertCompetencies,
} from './insights-store.js'
import {
  buildSequenceModel,
  MIN_ITEM_ANSWERS,
  popular,
  recommend,
  recommendQuestions,
  type QuestionFacts,
  type Recommendation,
  sequenceOf,
} from './recommender.js'
import { courseEvidence } from './risk-features.js'
import { flagLearners, type RiskFlag, type RiskModel, trainRiskModel } from './risk-model.js'
import { cohortGaps, type CohortGap, gap, type GapCell, gapScore } from './skill-gaps.js'

/** The target level of a competency nobody set one for: the mastery threshold (§8). */
export const DEFAULT_TARGET = MASTERY_THRESHOLD

/** The choices behind the insights figures (docs/insights.md), returned with each answer. */
export const INSIGHT_DEFINITIONS = {
  learner:
    'learner = person: the learner keys (canonical IFIs) of one person are grouped under the person key (docs/people.md); unknown IFIs stand alone',
  competencies:
    'competencies: activities named in contextActivities.other of formal answers (and objective activities), plus those defined via the API; an item is aligned when it or an activity above it is (§8)',
  mastery:
    'mastery: Elo (Pelánek 2016), P(correct)=σ(θ−d), K(n)=1/(1+0.05n), a competency skill starts at the learner skill; mastery = σ(θ_c − mean d of its items); first answers per item (an_items) in time order (§8, §13)',
  gap: `gap = max(0, target − mastery), no evidence = mastery 0; target: the highest of the learner's cohorts' targets, else their role's, else 'all', else ${DEFAULT_TARGET}; gap score = Σ gaps, weights 1 (§11)`,
  atRisk:
    'at-risk: not completed (course completion, cmi5 satisfied) by the usual duration (75th percentile of start→completion); logistic regression on z-scored engagement, progress and performance features against historical learners at the same point; rule scorecard with too little history (§12)',
  recommendations:
    'recommendations: unstarted modules ranked by P(next | last module) among learners who completed a course (popularity-smoothed), × (1 + 0.1·gap share + 0.05·level fit), level fit = 1 for predicted success 0.70–0.80 (§14)',
  questions: `questions at your level: questions the learner has not answered, or answered wrong at the first attempt, rated on at least ${MIN_ITEM_ANSWERS} first answers; predicted success σ(θ' − d), θ' = the mean θ_c of the question's competencies the learner has evidence on, else the global θ (Elo, §13); ranked by distance to the band 0.70–0.80 (inside first, nearest 0.75 first), then gap on its competencies (§14)`,
} as const

export interface SkillGapQuery {
  learner?: string | undefined
  cohort?: number | undefined
  page: number
  pageSize: number
}

export interface AtRiskQuery {
  course?: string | undefined
  cohort?: number | undefined
  asOf?: string | undefined
  level?: 'red' | 'yellow' | 'green' | undefined
}

export interface Insights {
  /** The store's competencies: discovered and defined, with their items and the content aligned. */
  competencies(storeId: StoreId): Promise<{
    report: 'competencies'
    storeId: StoreId
    competencies: Competency[]
    definitions: Record<string, string>
  }>
  defineCompetencies(
    storeId: StoreId,
    inputs: readonly CompetencyInput[],
  ): Promise<{ created: number; updated: number }>
  /** Throws NotFound when no competency of that id was defined. */
  deleteCompetency(storeId: StoreId, id: string): Promise<void>
  targets(storeId: StoreId): Promise<Target[]>
  setTargets(
    storeId: StoreId,
    targets: readonly { competency: string; scope: string; level: number | null }[],
  ): Promise<void>
  skillGaps(storeId: StoreId, query: SkillGapQuery): Promise<Record<string, unknown>>
  /** Trains (and stores) the at-risk model of every course, or of `course`. */
  trainRisk(storeId: StoreId, course?: string): Promise<RiskModel[]>
  riskModels(storeId: StoreId): Promise<{
    report: 'at-risk-models'
    storeId: StoreId
    models: RiskModel[]
    definitions: Record<string, string>
  }>
  atRisk(storeId: StoreId, query: AtRiskQuery): Promise<Record<string, unknown>>
  recommendations(
    storeId: StoreId,
    learner: string,
    limit: number,
  ): Promise<Record<string, unknown>>
}

/** The evidence with learner keys replaced by person keys (rows of one person merged). */
export function byPerson(evidence: Evidence, directory: PeopleDirectory): Evidence {
  const key = (l: string) => directory.personKey(l)
  const activities = new Map<string, ActivityRow>()
  const minOf = (a: number | null, b: number | null) =>
    a === null ? b : b === null ? a : Math.min(a, b)
  for (const r of evidence.activities) {
    const learner = key(r.learner)
    const k = `${r.activity}\u0000${learner}`
    const old = activities.get(k)
    activities.set(
      k,
      old === undefined
        ? { ...r, learner }
        : {
            ...old,
            firstMs: Math.min(old.firstMs, r.firstMs),
            lastMs: Math.max(old.lastMs, r.lastMs),
            engagedMs: minOf(old.engagedMs, r.engagedMs),
            completedMs: minOf(old.completedMs, r.completedMs),
            passedMs: minOf(old.passedMs, r.passedMs),
          },
    )
  }
  const answers = new Map<string, Evidence['answers'][number]>()
  for (const a of evidence.answers) {
    const learner = key(a.learner)
    const k = `${a.assessment}\u0000${a.question}\u0000${learner}`
    const old = answers.get(k)
    if (old === undefined || a.ms < old.ms) answers.set(k, { ...a, learner })
  }
  return {
    activities: [...activities.values()],
    sessions: evidence.sessions.map((s) => ({ ...s, learner: key(s.learner) })),
    answers: [...answers.values()],
    pages: evidence.pages.map((p) => ({ ...p, learner: key(p.learner) })),
    links: evidence.links,
  }
}

interface Loaded {
  evidence: Evidence
  directory: PeopleDirectory
  cohorts: CohortRecord[]
  catalogue: Catalogue
  launchable: Set<string>
  questions: string[]
  elo: EloState
  difficulty: Map<string, number>
  targets: Target[]
  latestMs: number
}

async function load(db: AnyDb, storeId: StoreId): Promise<Loaded> {
  const directory = await loadPeopleDirectory(db, storeId)
  const cohorts = await createSqlPeopleStore(db, storeId).listCohorts()
  const raw = await loadEvidence(db, storeId)
  const evidence = byPerson(raw, directory)
  const launchable = new Set(evidence.sessions.map((s) => s.activity).filter((a) => a !== ''))
  const questions = [...new Set(evidence.answers.map((a) => a.question))].sort()
  const catalogue = buildCatalogue(
    evidence.links,
    await definedCompetencies(db, storeId),
    launchable,
    questions,
  )
  const elo = runElo(evidence.answers, catalogue.alignment)
  let latestMs = 0
  for (const r of evidence.activities) latestMs = Math.max(latestMs, r.lastMs)
  return {
    evidence,
    directory,
    cohorts,
    catalogue,
    launchable,
    questions,
    elo,
    difficulty: competencyDifficulty(elo, catalogue.itemsOf),
    targets: await listTargets(db, storeId),
    latestMs,
  }
}

/** The learner's target for a competency and where it came from (§11; see DEFAULT_TARGET). */
function targetFor(
  loaded: Loaded,
  learner: string,
  competency: string,
): { level: number; scope: string } {
  const mine = loaded.targets.filter((t) => t.competency === competency)
  const attributes = loaded.directory.attributesOf(learner)
  if (attributes !== undefined) {
    const cohortTargets = loaded.cohorts
      .filter((c) => matchesCohort(attributes, c.filter))
      .map((c) => mine.find((t) => t.scope === `cohort:${c.id}`))
      .filter((t): t is Target => t !== undefined)
      .sort((a, b) => b.level - a.level)
    if (cohortTargets[0] !== undefined) return cohortTargets[0]
    const role = attributes.role?.trim().toLowerCase()
    const byRole = mine.find((t) => role !== undefined && t.scope.toLowerCase() === `role:${role}`)
    if (byRole !== undefined) return byRole
  }
  const all = mine.find((t) => t.scope === 'all')
  return all ?? { level: DEFAULT_TARGET, scope: 'default' }
}

function gapCells(loaded: Loaded, learner: string): (GapCell & { targetScope: string })[] {
  return loaded.catalogue.competencies
    .filter((c) => c.items.length > 0)
    .map((c) => {
      const target = targetFor(loaded, learner, c.id)
      const { mastery, evidence } = masteryOf(
        loaded.elo,
        learner,
        c.id,
        loaded.difficulty.get(c.id) ?? 0,
      )
      return {
        competency: c.id,
        target: target.level,
        targetScope: target.scope,
        mastery: mastery === null ? null : round(mastery),
        evidence,
        gap: round(gap(target.level, mastery)),
      }
    })
}

const round = (x: number) => Math.round(x * 1e4) / 1e4

function cohortMembers(
  loaded: Loaded,
  cohortId: number | undefined,
): ReadonlySet<string> | undefined {
  if (cohortId === undefined) return undefined
  const cohort = loaded.cohorts.find((c) => c.id === cohortId)
  if (cohort === undefined) throw NotFoundError(`no cohort ${cohortId} in this store`)
  return loaded.directory.members(cohort.filter).personKeys
}

function asOfMs(loaded: Loaded, asOf: string | undefined, nowMs: number): number {
  if (asOf !== undefined) return Date.parse(asOf)
  // The store's own clock: a store whose statements stopped arriving is judged as of its last
  // statement, not as of today (otherwise every learner would look inactive).
  return loaded.latestMs === 0 ? nowMs : Math.min(nowMs, loaded.latestMs)
}

export function createInsights(log: StatementLogStorage, now: () => number = Date.now): Insights {
  const read = <T>(fn: (db: AnyDb) => Promise<T>) => log.read((c) => fn(c as AnyDb))
  const write = <T>(storeId: StoreId, fn: (db: AnyDb) => Promise<T>) =>
    log.unitOfWork(storeId, ({ connection }) => fn(connection as AnyDb))
  const defs = (keys: readonly (keyof typeof INSIGHT_DEFINITIONS)[]) =>
    Object.fromEntries(keys.map((k) => [k, INSIGHT_DEFINITIONS[k]]))

  return {
    competencies: (storeId) =>
      read(async (db) => {
        const loaded = await load(db, storeId)
        return {
          report: 'competencies',
          storeId,
          competencies: [...loaded.catalogue.competencies],
          definitions: defs(['competencies']),
        }
      }),
    defineCompetencies: (storeId, inputs) =>
      write(storeId, (db) => upsertCompetencies(db, storeId, inputs, now())),
    deleteCompetency: async (storeId, id) => {
      const deleted = await write(storeId, (db) => deleteCompetency(db, storeId, id))
      if (!deleted) throw NotFoundError(`no defined competency '${id}' in this store`)
    },
    targets: (storeId) => read((db) => listTargets(db, storeId)),
    setTargets: (storeId, targets) => write(storeId, (db) => putTargets(db, storeId, targets)),

    skillGaps: (storeId, query) =>
      read(async (db) => {
        const loaded = await load(db, storeId)
        const names = new Map(loaded.catalogue.competencies.map((c) => [c.id, c]))
        const members = cohortMembers(loaded, query.cohort)
        const learners = [...loaded.elo.learners.keys()]
          .filter((l) => members === undefined || members.has(l))
          .sort()
        if (query.learner !== undefined) {
          const learner = loaded.directory.personKey(query.learner)
          if (
            !loaded.elo.learners.has(learner) &&
            !loaded.evidence.activities.some((r) => r.learner === learner)
          )
            throw NotFoundError(`no evidence for learner '${query.learner}' in this store`)
          const passed = new Set(
            loaded.evidence.activities
              .filter(
                (r) => r.learner === learner && (r.passedMs !== null || r.completedMs !== null),
              )
              .map((r) => r.activity),
          )
          const cells = gapCells(loaded, learner)
            .map((cell) => ({
              ...cell,
              name: names.get(cell.competency)?.name ?? cell.competency,
              // The content that closes the gap: aligned modules the learner has not passed.
              closingContent:
                cell.gap > 0
                  ? (names.get(cell.competency)?.content ?? []).filter((a) => !passed.has(a))
                  : [],
            }))
            .sort((a, b) => b.gap - a.gap || (a.competency < b.competency ? -1 : 1))
          return {
            report: 'skill-gaps',
            storeId,
            learner,
            person: loaded.directory.person(learner) ?? null,
            gapScore: round(gapScore(cells)),
            cells,
            definitions: defs(['learner', 'competencies', 'mastery', 'gap']),
          }
        }
        const rows = learners.map((learner) => {
          const cells = gapCells(loaded, learner)
          const largest = [...cells].sort((a, b) => b.gap - a.gap)[0]
          return {
            learner,
            name: loaded.directory.person(learner)?.attributes.name ?? null,
            role: loaded.directory.attributesOf(learner)?.role ?? null,
            gapScore: round(gapScore(cells)),
            largestGap: largest === undefined || largest.gap === 0 ? null : largest.competency,
            cells,
          }
        })
        rows.sort((a, b) => b.gapScore - a.gapScore || (a.learner < b.learner ? -1 : 1))
        const start = (query.page - 1) * query.pageSize
        const pageRows = rows.slice(start, start + query.pageSize)
        const cohort: (CohortGap & { name: string; content: readonly string[] })[] = cohortGaps(
          rows.flatMap((r) => r.cells),
        ).map((g) => ({
          ...g,
          meanGap: g.meanGap === null ? null : round(g.meanGap),
          shareBelowTarget: g.shareBelowTarget === null ? null : round(g.shareBelowTarget),
          meanMastery: g.meanMastery === null ? null : round(g.meanMastery),
          name: names.get(g.competency)?.name ?? g.competency,
          content: names.get(g.competency)?.content ?? [],
        }))
        return {
          report: 'skill-gaps',
          storeId,
          cohort: query.cohort ?? null,
          learners: rows.length,
          page: query.page,
          pageSize: query.pageSize,
          competencies: cohort,
          rows: pageRows.map(({ cells, ...rest }) => ({ ...rest, competencies: cells.length })),
          cells: pageRows.flatMap((r) => r.cells.map((c) => ({ learner: r.learner, ...c }))),
          definitions: defs(['learner', 'competencies', 'mastery', 'gap']),
        }
      }),

    trainRisk: async (storeId, course) => {
      const nowMs = now()
      const models = await read(async (db) => {
        const loaded = await load(db, storeId)
        const at = asOfMs(loaded, undefined, nowMs)
        const courses = courseEvidence(loaded.evidence).filter(
          (c) => course === undefined || c.course === course,
        )
        if (course !== undefined && courses.length === 0)
          throw NotFoundError(`no course '${course}' with cmi5 sessions in this store`)
        return courses.map((c) => trainRiskModel(c, at, nowMs))
      })
      await write(storeId, (db) => saveRiskModels(db, storeId, models, nowMs))
      return models
    },
    riskModels: (storeId) =>
      read(async (db) => ({
        report: 'at-risk-models',
        storeId,
        models: await riskModels(db, storeId),
        definitions: defs(['atRisk']),
      })),

    atRisk: (storeId, query) =>
      read(async (db) => {
        const loaded = await load(db, storeId)
        const at = asOfMs(loaded, query.asOf, now())
        const models = new Map((await riskModels(db, storeId)).map((m) => [m.course, m]))
        const members = cohortMembers(loaded, query.cohort)
        const courses = courseEvidence(loaded.evidence).filter(
          (c) => query.course === undefined || c.course === query.course,
        )
        if (query.course !== undefined && courses.length === 0)
          throw NotFoundError(`no course '${query.course}' with cmi5 sessions in this store`)
        const summaries = []
        let flags: RiskFlag[] = []
        for (const course of courses) {
          // Without a stored model, the rules (the model is trained on demand or on schedule).
          const model =
            models.get(course.course) ??
            ({
              ...trainRiskModel({ ...course, enrolments: [] }, at, now()),
              fallbackReason:
                'no model trained yet for this course (train it: POST …/insights/at-risk/train)',
            } satisfies RiskModel)
          const courseFlags = flagLearners(course, model, at).filter(
            (f) => members === undefined || members.has(f.learner),
          )
          summaries.push({
            course: course.course,
            method: model.kind,
            fallbackReason: model.fallbackReason,
            trainedAt: model.trainedAt,
            usualDays: model.usualDays,
            inProgress: courseFlags.length,
            red: courseFlags.filter((f) => f.level === 'red').length,
            yellow: courseFlags.filter((f) => f.level === 'yellow').length,
            auc: model.quality?.auc ?? null,
          })
          flags = flags.concat(courseFlags)
        }
        if (query.level !== undefined) flags = flags.filter((f) => f.level === query.level)
        flags.sort((a, b) =>
          a.level === b.level
            ? (b.probability ?? b.score) - (a.probability ?? a.score)
            : a.level === 'red'
              ? -1
              : b.level === 'red'
                ? 1
                : a.level === 'yellow'
                  ? -1
                  : 1,
        )
        return {
          report: 'at-risk',
          storeId,
          asOf: new Date(at).toISOString(),
          cohort: query.cohort ?? null,
          courses: summaries,
          flags: flags.map((f) => ({
            ...f,
            score: round(f.score),
            base: round(f.base),
            name: loaded.directory.person(f.learner)?.attributes.name ?? null,
            why: f.reasons
              .filter((r) => r.contribution > 0)
              .slice(0, 3)
              .map((r) => r.text)
              .join('; '),
            reasons: f.reasons.map((r) => ({ ...r, contribution: round(r.contribution) })),
          })),
          definitions: defs(['learner', 'atRisk']),
        }
      }),

    recommendations: (storeId, learnerKey, limit) =>
      read(async (db) => {
        const loaded = await load(db, storeId)
        const learner = loaded.directory.personKey(learnerKey)
        const rowsByLearner = groupBy(loaded.evidence.activities, (r) => r.learner)
        const courses = new Set(loaded.evidence.sessions.map((s) => s.course))
        const successful = new Set(
          [...rowsByLearner]
            .filter(([, rows]) =>
              rows.some((r) => courses.has(r.activity) && r.completedMs !== null),
            )
            .map(([l]) => l),
        )
        const model = buildSequenceModel(rowsByLearner, loaded.launchable, successful)
        const modules = moduleItems(loaded.catalogue, loaded.launchable, loaded.questions)
        const names = new Map(loaded.catalogue.competencies.map((c) => [c.id, c.name]))
        const facts = {
          competencies: modules.competencies,
          difficulties: new Map(
            [...modules.items].map(([m, qs]) => [
              m,
              qs
                .map((q) => loaded.elo.items.get(q)?.value)
                .filter((d): d is number => d !== undefined),
            ]),
          ),
          competencyName: (id: string) => names.get(id) ?? id,
        }
        const rows = rowsByLearner.get(learner) ?? []
        const gaps = new Map(gapCells(loaded, learner).map((c) => [c.competency, c.gap]))
        const state = {
          sequence: sequenceOf(rows, loaded.launchable),
          theta: loaded.elo.learners.get(learner)?.value ?? 0,
          gaps,
        }
        const recommendations: Recommendation[] = recommend(model, facts, state, limit)
        const questions = recommendQuestions(
          questionFacts(loaded),
          {
            theta: state.theta,
            skills: new Map(
              loaded.catalogue.competencies.flatMap((c) => {
                const skill = loaded.elo.skills.get(skillKey(learner, c.id))
                return skill === undefined ? [] : [[c.id, skill.value] as const]
              }),
            ),
            answered: new Map(
              loaded.evidence.answers
                .filter((a) => a.learner === learner)
                .map((a) => [a.question, a.success] as const),
            ),
            gaps,
          },
          limit,
          facts.competencyName,
        )
        const inProgress = rows
          .filter(
            (r) =>
              loaded.launchable.has(r.activity) && r.passedMs === null && r.completedMs === null,
          )
          .sort((a, b) => b.lastMs - a.lastMs)
          .map((r) => ({
            activity: r.activity,
            lastAt: new Date(r.lastMs).toISOString(),
            reason: 'started, not yet completed or passed: continue where you left off',
          }))
        return {
          report: 'recommendations',
          storeId,
          learner,
          known: rows.length > 0,
          recommendations,
          questions,
          popular: popular(model, new Set(state.sequence), limit),
          inProgress,
          model: {
            modules: loaded.launchable.size,
            successfulLearners: model.successfulLearners,
            theta: round(state.theta),
          },
          definitions: defs(['learner', 'mastery', 'gap', 'recommendations', 'questions']),
        }
      }),
  }
}

/** Every rated question of the store with its assessment, module and competencies. */
function questionFacts(loaded: Loaded): QuestionFacts[] {
  const assessment = new Map<string, string>()
  for (const a of loaded.evidence.answers)
    if (!assessment.has(a.question)) assessment.set(a.question, a.assessment)
  return loaded.questions.flatMap((question) => {
    const rating = loaded.elo.items.get(question)
    if (rating === undefined) return []
    return [
      {
        question,
        assessment: assessment.get(question) ?? '',
        module: loaded.catalogue.ancestors(question).find((a) => loaded.launchable.has(a)) ?? null,
        difficulty: rating.value,
        answers: rating.n,
        competencies: loaded.catalogue.alignment(question),
      },
    ]
  })
}
