/**
 * @module Brute-force reference implementations of every report measure, written from
 * /work/shared/analytics-definitions.md and the choices the reports state (`definitions`),
 * reading raw statements only. Deliberately naive: loops over the whole statement list.
 */
import type { LogEntry } from '../../src/storage/ports.js'
import type { Activity, StoredStatement } from '../../src/xapi/types.js'

const V = 'http://adlnet.gov/expapi/verbs/'
const SATISFIED = 'https://w3id.org/xapi/adl/verbs/satisfied'
const ABANDONED = 'https://w3id.org/xapi/adl/verbs/abandoned'
const SESSION = 'https://w3id.org/xapi/cmi5/context/extensions/sessionid'
const CMI5 = 'https://w3id.org/xapi/cmi5/context/categories/cmi5'
const DAY = 86_400_000

export interface Raw {
  seq: number
  s: StoredStatement
  learner: string
  ms: number
}

/** §0: the statement set: neither voided nor voiding. */
export function statementSet(entries: readonly LogEntry[]): Raw[] {
  return entries
    .filter((e) => !e.voided && e.statement.verb.id !== `${V}voided`)
    .map((e) => ({
      seq: e.seq,
      s: e.statement,
      learner: learnerOf(e.statement),
      ms: Date.parse(e.statement.timestamp),
    }))
}

export function learnerOf(s: StoredStatement): string {
  const a = s.actor
  if (a.mbox !== undefined) return `mbox:${a.mbox}`
  if (a.account !== undefined) return `account:${a.account.homePage}|${a.account.name}`
  if (a.openid !== undefined) return `openid:${a.openid}`
  return `mbox_sha1sum:${a.mbox_sha1sum ?? ''}`
}

export const objectId = (s: StoredStatement) =>
  s.object.objectType === undefined || s.object.objectType === 'Activity'
    ? (s.object as Activity).id
    : undefined
export const success = (s: StoredStatement): boolean | undefined =>
  s.result?.success ??
  (s.verb.id === `${V}passed` ? true : s.verb.id === `${V}failed` ? false : undefined)
export const scaled = (s: StoredStatement): number | undefined => {
  const sc = s.result?.score
  if (sc?.scaled !== undefined) return sc.scaled
  if (sc?.raw !== undefined && sc.min !== undefined && sc.max !== undefined && sc.max > sc.min)
    return (sc.raw - sc.min) / (sc.max - sc.min)
  return undefined
}
export const completes = (s: StoredStatement) =>
  s.verb.id === `${V}completed` || s.verb.id === SATISFIED || s.result?.completion === true
export const engages = (s: StoredStatement) =>
  [`${V}launched`, `${V}initialized`, `${V}attempted`, `${V}experienced`].includes(s.verb.id)
export const formal = (s: StoredStatement) =>
  s.context?.registration !== undefined ||
  (s.context?.contextActivities?.category ?? []).some((c) => c.id === CMI5)
export const courseOf = (s: StoredStatement) =>
  formal(s) ? (s.context?.contextActivities?.grouping?.[0]?.id ?? objectId(s)) : undefined
export const sessionOf = (s: StoredStatement) =>
  s.context?.extensions?.[SESSION] as string | undefined
export const parentOf = (s: StoredStatement) => s.context?.contextActivities?.parent?.[0]?.id
export const terminal = (s: StoredStatement) =>
  s.verb.id === `${V}terminated` || s.verb.id === ABANDONED

/** Seconds of an ISO duration as the simulator writes them (PTnHnMnS). */
export function seconds(d: string | undefined): number {
  if (d === undefined) return 0
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?$/.exec(d)
  if (m === null) throw new Error(`unexpected duration ${d}`)
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)
}
/** Time in centiseconds, as reports keep it (xAPI keeps 0.01 s). */
export const centis = (d: string | undefined) => Math.round(seconds(d) * 100)

/** As the reports round (stats.ts): 0 rather than −0 for a result that rounds to zero from below. */
export const r6 = (x: number) => Math.round(x * 1e6) / 1e6 + 0
export const meanOf = (xs: number[]) =>
  xs.length === 0 ? null : r6(xs.reduce((a, b) => a + b, 0) / xs.length)
export function medianOf(xs: number[]): number | null {
  if (xs.length === 0) return null
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return r6(s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2)
}
export function sdOf(xs: number[]): number | null {
  if (xs.length === 0) return null
  const m = xs.reduce((a, b) => a + b, 0) / xs.length
  return r6(Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length))
}
export const rate = (a: number, b: number) => (b === 0 ? null : r6(a / b))
export const dayOf = (ms: number) => Math.floor(ms / DAY)
export const by = <T>(xs: readonly T[], key: (x: T) => string) => {
  const m = new Map<string, T[]>()
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x])
  return m
}
/** Earliest by (timestamp, seq). */
export const earliest = (xs: readonly Raw[]) =>
  [...xs].sort((a, b) => a.ms - b.ms || a.seq - b.seq)[0]

// ---------------------------------------------------------------- report 1: overview

export function overviewRef(set: readonly Raw[], sinceMs: number, untilMs: number) {
  const days = set.filter((r) => dayOf(r.ms) * DAY >= sinceMs && dayOf(r.ms) * DAY < untilMs)
  const perDay = by(days, (r) => String(dayOf(r.ms)))
  const series = [...perDay]
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([day, rs]) => ({
      start: new Date(Number(day) * DAY).toISOString(),
      statements: rs.length,
      activeLearners: new Set(rs.map((r) => r.learner)).size,
      completions: rs.filter((r) => completes(r.s)).length,
      passes: rs.filter((r) => success(r.s) === true).length,
      fails: rs.filter((r) => success(r.s) === false).length,
    }))
  const count = (key: (r: Raw) => string | undefined) => {
    const m = new Map<string, number>()
    for (const r of days) {
      const k = key(r)
      if (k !== undefined) m.set(k, (m.get(k) ?? 0) + 1)
    }
    return [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
  }
  return {
    totals: {
      statements: days.length,
      activeLearners: new Set(days.map((r) => r.learner)).size,
      completions: days.filter((r) => completes(r.s)).length,
      passes: days.filter((r) => success(r.s) === true).length,
      fails: days.filter((r) => success(r.s) === false).length,
    },
    series,
    topVerbs: count((r) => r.s.verb.id)
      .slice(0, 10)
      .map(([verb, statements]) => ({ verb, statements })),
    topActivities: count((r) => objectId(r.s))
      .slice(0, 10)
      .map(([activity, statements]) => ({ activity, statements })),
    platforms: count((r) => r.s.context?.platform ?? '(none)').map(([platform, statements]) => ({
      platform,
      statements,
    })),
  }
}

/**
 * Active learners per ISO week (Mondays; epoch day 4 is one) over the days of the window, and
 * over the whole window: what the overview with `interval=week` shows.
 */
export function weeklyActiveRef(set: readonly Raw[], sinceMs: number, untilMs: number) {
  const days = set.filter((r) => dayOf(r.ms) * DAY >= sinceMs && dayOf(r.ms) * DAY < untilMs)
  const weekOf = (day: number) => Math.floor((day - 4) / 7) * 7 + 4
  const perWeek = by(days, (r) => String(weekOf(dayOf(r.ms))))
  return {
    activeLearners: new Set(days.map((r) => r.learner)).size,
    series: [...perWeek]
      .sort((a, b) => Number(a[0]) - Number(b[0]))
      .map(([week, rs]) => ({
        start: new Date(Number(week) * DAY).toISOString(),
        activeLearners: new Set(rs.map((r) => r.learner)).size,
      })),
  }
}

// ---------------------------------------------------------------- report 2: course / activity

export function courseRef(set: readonly Raw[], a: string, sinceMs: number, untilMs: number) {
  const scope = set.filter((r) => objectId(r.s) === a || courseOf(r.s) === a)
  const perLearner = by(scope, (r) => r.learner)
  const cohort = [...perLearner].filter(([, rs]) => {
    const first = Math.min(...rs.map((r) => r.ms))
    return first >= sinceMs && first < untilMs
  })
  const own = (rs: Raw[]) => rs.filter((r) => objectId(r.s) === a)
  const started = cohort.filter(([, rs]) => rs.some((r) => engages(r.s)))
  const startedSet = new Set(started.map(([l]) => l))
  // §1: the completers among the started learners; the others are counted apart.
  const completers = cohort.filter(([, rs]) => own(rs).some((r) => completes(r.s)))
  const completedSet = new Set(completers.filter(([l]) => startedSet.has(l)).map(([l]) => l))
  const completedNotStarted = completers.length - completedSet.size
  const judged = cohort
    .map(([, rs]) => earliest(own(rs).filter((r) => success(r.s) !== undefined)))
    .filter((r): r is Raw => r !== undefined)
  const eventual = cohort.filter(([, rs]) => own(rs).some((r) => success(r.s) === true))
  const best = cohort
    .map(([, rs]) =>
      own(rs)
        .map((r) => scaled(r.s))
        .filter((x): x is number => x !== undefined),
    )
    .filter((xs) => xs.length > 0)
    .map((xs) => Math.max(...xs))
  const histogram = Array.from({ length: 10 }, () => 0)
  for (const x of best) histogram[Math.min(9, Math.max(0, Math.floor(x * 10 + 1e-9)))]! += 1
  const times = cohort
    .map(([, rs]) =>
      rs.filter((r) => terminal(r.s)).reduce((t, r) => t + centis(r.s.result?.duration), 0),
    )
    .filter((c) => c > 0)
    .map((c) => c / 100)
  const attemptsOf = new Map(
    cohort.map(([learner, rs]) => [
      learner,
      new Set(rs.map((r) => sessionOf(r.s)).filter((x) => x !== undefined)).size,
    ]),
  )
  const attempts = [...attemptsOf.values()].filter((n) => n > 0)
  const distribution = new Map<number, number>()
  for (const n of attempts) distribution.set(n, (distribution.get(n) ?? 0) + 1)
  const sessions = by(
    scope.filter((r) => sessionOf(r.s) !== undefined && cohort.some(([l]) => l === r.learner)),
    (r) => sessionOf(r.s) ?? '',
  )
  const openSessions = [...sessions.values()].filter((rs) => !rs.some((r) => terminal(r.s))).length

  // Pages of the course: experienced with a parent; ordered by the earliest first view.
  const views = set.filter(
    (r) => r.s.verb.id === `${V}experienced` && parentOf(r.s) !== undefined && courseOf(r.s) === a,
  )
  const pages = by(views, (r) => objectId(r.s) ?? '')
  const order = [...pages]
    .map(([page, rs]) => ({ page, first: Math.min(...rs.map((r) => r.ms)), rs }))
    .sort((x, y) => x.first - y.first || (x.page < y.page ? -1 : 1))
  const lastPage = new Map<string, number>()
  order.forEach(({ rs }, i) => {
    for (const r of rs)
      if (startedSet.has(r.learner) && !completedSet.has(r.learner))
        lastPage.set(r.learner, Math.max(lastPage.get(r.learner) ?? -1, i))
  })
  const exits = new Map<string, number>()
  for (const i of lastPage.values()) exits.set(order[i]!.page, (exits.get(order[i]!.page) ?? 0) + 1)
  return {
    cohortLearners: new Set(cohort.map(([l]) => l)),
    cohort: cohort.length,
    started: started.length,
    completed: completedSet.size,
    completedNotStarted,
    completionRate: rate(completedSet.size, started.length),
    judged: judged.length,
    firstAttemptPassRate: rate(judged.filter((r) => success(r.s) === true).length, judged.length),
    eventualPassRate: rate(eventual.length, judged.length),
    scores: {
      n: best.length,
      mean: meanOf(best),
      median: medianOf(best),
      sd: sdOf(best),
      histogram,
    },
    attempts: {
      learners: attempts.length,
      distribution: [...distribution]
        .sort((x, y) => x[0] - y[0])
        .map(([n, learners]) => ({ attempts: n, learners })),
      openSessions,
    },
    /** Each cohort learner's sessions (§5), as the per-learner table shows them. */
    attemptsOf,
    timeSpent: { n: times.length, mean: meanOf(times), median: medianOf(times), sd: sdOf(times) },
    pages: order.map(({ page, rs }) => ({
      page,
      reached: new Set(rs.filter((r) => startedSet.has(r.learner)).map((r) => r.learner)).size,
      views: rs.filter((r) => startedSet.has(r.learner)).length,
    })),
    exitPoints: [...exits]
      .sort(
        (x, y) =>
          y[1] - x[1] ||
          order.findIndex((o) => o.page === x[0]) - order.findIndex((o) => o.page === y[0]),
      )
      .map(([page, learners]) => ({ page, learners })),
  }
}

// ---------------------------------------------------------------- report 4: item analysis

export function itemsRef(set: readonly Raw[], assessment: string, sinceMs = 0, untilMs = 8.64e15) {
  const answers = set.filter(
    (r) =>
      r.s.verb.id === `${V}answered` &&
      r.s.result?.success !== undefined &&
      parentOf(r.s) === assessment,
  )
  const questions = [...new Set(answers.map((r) => objectId(r.s) ?? ''))].sort()
  const k = questions.length
  // Each learner's first answer per question, kept when it falls in the window.
  const first = new Map<string, Map<string, Raw>>()
  const responses = new Map<string, number>()
  for (const [key, rs] of by(answers, (r) => `${r.learner}\u0000${objectId(r.s)}`)) {
    const [learner, question] = key.split('\u0000') as [string, string]
    const answer = earliest(rs)!
    if (answer.ms < sinceMs || answer.ms >= untilMs) continue
    responses.set(question, (responses.get(question) ?? 0) + 1)
    const m = first.get(learner) ?? new Map<string, Raw>()
    m.set(question, answer)
    first.set(learner, m)
  }
  const resp = [...first]
    .filter(([, m]) => m.size === k)
    .map(([learner, m]) => {
      const x = (q: string) => (m.get(q)!.s.result?.success === true ? 1 : 0)
      return { learner, x, total: questions.reduce((t, q) => t + x(q), 0), m }
    })
  const n = resp.length
  const ranked = [...resp].sort((a, b) => b.total - a.total || (a.learner < b.learner ? -1 : 1))
  const g = Math.round(0.27 * n)
  const upper = ranked.slice(0, g)
  const lower = g === 0 ? [] : ranked.slice(n - g)
  const variance = (xs: number[]) => {
    const m = xs.reduce((a, b) => a + b, 0) / xs.length
    return xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length
  }
  let pq = 0
  const items = questions.map((q) => {
    const p = resp.filter((r) => r.x(q) === 1).length / n
    pq += p * (1 - p)
    const pu = upper.filter((r) => r.x(q) === 1).length / upper.length
    const pl = lower.filter((r) => r.x(q) === 1).length / lower.length
    const right = resp.filter((r) => r.x(q) === 1).map((r) => r.total - 1)
    const wrong = resp.filter((r) => r.x(q) === 0).map((r) => r.total)
    const rest = resp.map((r) => r.total - r.x(q))
    const s = Math.sqrt(variance(rest))
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    const rpb =
      right.length === 0 || wrong.length === 0 || s === 0
        ? null
        : r6(((mean(right) - mean(wrong)) / s) * Math.sqrt((right.length * wrong.length) / (n * n)))
    const counts = new Map<string, number>()
    for (const r of resp) {
      const answer = r.m.get(q)!.s.result?.response ?? ''
      counts.set(answer, (counts.get(answer) ?? 0) + 1)
    }
    return {
      question: q,
      responses: responses.get(q) ?? 0,
      p: r6(p),
      discrimination: r6(pu - pl),
      pointBiserial: rpb,
      answers: [...counts]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .map(([response, count]) => ({ response, count })),
    }
  })
  const totals = resp.map((r) => r.total)
  const kr20 =
    k < 2 || n === 0 || variance(totals) === 0
      ? null
      : r6((k / (k - 1)) * (1 - pq / variance(totals)))
  return { questions: k, respondents: n, groupSize: g, kr20, items }
}

// ---------------------------------------------------------------- report 5: pages

/**
 * With `window`, a viewer counts on a page when their first view of it falls in the window, with
 * all their views and time on it (PAGE_RULES.window); the page order stays every learner's.
 */
export function pagesRef(
  set: readonly Raw[],
  module: string,
  window?: { sinceMs: number; untilMs: number },
) {
  const views = set.filter((r) => r.s.verb.id === `${V}experienced` && parentOf(r.s) === module)
  let previous: number | undefined
  return [...by(views, (r) => objectId(r.s) ?? '')]
    .map(([page, rs]) => ({ page, first: Math.min(...rs.map((r) => r.ms)), rs }))
    .sort((a, b) => a.first - b.first || (a.page < b.page ? -1 : 1))
    .map(({ page, rs }, i) => {
      const counted = [...by(rs, (r) => r.learner).values()].filter((vs) => {
        const first = Math.min(...vs.map((r) => r.ms))
        return window === undefined || (first >= window.sinceMs && first < window.untilMs)
      })
      const perViewer = counted.map(
        (vs) => vs.reduce((t, r) => t + centis(r.s.result?.duration), 0) / 100,
      )
      const viewers = perViewer.length
      const dropoff =
        previous === undefined || previous === 0 ? null : r6(1 - r6(viewers / previous))
      previous = viewers
      return {
        order: i + 1,
        page,
        views: counted.reduce((n, vs) => n + vs.length, 0),
        uniqueViewers: viewers,
        medianSeconds: medianOf(perViewer),
        dropoff,
      }
    })
}

// ---------------------------------------------------------------- report 6: objectives

/**
 * With `scope`, the report over a course and a window: a cell is the course's when its first
 * evidence (by timestamp, then stored order) is about the course, and in the window when its
 * latest evidence is.
 */
export function objectivesRef(
  set: readonly Raw[],
  scope?: { course?: string; sinceMs: number; untilMs: number },
) {
  const evidence = set.filter(
    (r) =>
      r.s.verb.id === `${V}answered` &&
      formal(r.s) &&
      parentOf(r.s) !== undefined &&
      success(r.s) !== undefined,
  )
  const all = new Map<string, { evidence: number; correct: number; first: Raw; lastMs: number }>()
  for (const r of evidence)
    for (const o of r.s.context?.contextActivities?.other ?? []) {
      if (o.id === courseOf(r.s)) continue
      const key = `${r.learner}\u0000${o.id}`
      const c = all.get(key) ?? { evidence: 0, correct: 0, first: r, lastMs: r.ms }
      c.evidence += 1
      if (success(r.s) === true) c.correct += 1
      if (r.ms < c.first.ms || (r.ms === c.first.ms && r.seq < c.first.seq)) c.first = r
      c.lastMs = Math.max(c.lastMs, r.ms)
      all.set(key, c)
    }
  const cells = new Map<string, { evidence: number; correct: number }>()
  for (const [key, c] of all)
    if (
      scope === undefined ||
      ((scope.course === undefined || courseOf(c.first.s) === scope.course) &&
        c.lastMs >= scope.sinceMs &&
        c.lastMs < scope.untilMs)
    )
      cells.set(key, { evidence: c.evidence, correct: c.correct })
  const perObjective = new Map<string, { learners: number; mastered: number }>()
  const shareSums = new Map<string, number>()
  for (const [key, c] of cells) {
    const objective = key.split('\u0000')[1]!
    const o = perObjective.get(objective) ?? { learners: 0, mastered: 0 }
    o.learners += 1
    if (c.correct / c.evidence >= 0.8) o.mastered += 1
    perObjective.set(objective, o)
    shareSums.set(objective, (shareSums.get(objective) ?? 0) + c.correct / c.evidence)
  }
  /** The mean mastery per objective (mean over its learners of correct / evidence), rounded. */
  const meanMastery = new Map(
    [...perObjective].map(([o, { learners }]) => [o, r6(shareSums.get(o)! / learners)]),
  )
  /** Every learner with evidence, in key order: the matrix's rows. */
  const learners = [...new Set([...cells.keys()].map((k) => k.split('\u0000')[0]!))].sort()
  return { cells, perObjective, meanMastery, learners }
}

// ---------------------------------------------------------------- report 3: learner

/**
 * The AUs launched under a course by anyone (its cmi5 sessions' activities, §5): the modules
 * the learner report's progress counts, and the course report's modules besides its pages'.
 */
export function sessionModulesRef(set: readonly Raw[], course: string): string[] {
  const launches = set.filter(
    (r) =>
      sessionOf(r.s) !== undefined &&
      courseOf(r.s) === course &&
      [`${V}launched`, `${V}initialized`].includes(r.s.verb.id),
  )
  return [...new Set(launches.map((r) => objectId(r.s)))]
    .filter((id): id is string => id !== undefined && id !== course)
    .sort()
}

export function learnerRef(set: readonly Raw[], learner: string) {
  const mine = set.filter((r) => r.learner === learner)
  const sessions = by(
    mine.filter((r) => sessionOf(r.s) !== undefined),
    (r) => sessionOf(r.s) ?? '',
  )
  const informal = by(
    mine.filter((r) => !formal(r.s)),
    (r) => r.s.context?.platform ?? '(none)',
  )
  return {
    sessions: [...sessions]
      .map(([id, rs]) => ({
        sessionId: id,
        start: Math.min(...rs.map((r) => r.ms)),
        statements: rs.length,
        durationSeconds:
          rs.filter((r) => terminal(r.s)).reduce((t, r) => t + centis(r.s.result?.duration), 0) /
          100,
        ended: rs.some((r) => terminal(r.s)),
      }))
      .sort((a, b) => a.start - b.start || (a.sessionId < b.sessionId ? -1 : 1)),
    informal: [...informal]
      .map(([source, rs]) => ({
        source,
        statements: rs.length,
        seconds:
          rs.filter((r) => terminal(r.s)).reduce((t, r) => t + centis(r.s.result?.duration), 0) /
          100,
      }))
      .sort((a, b) => (a.source < b.source ? -1 : 1)),
    courses: [
      ...new Set(mine.map((r) => courseOf(r.s)).filter((c): c is string => c !== undefined)),
    ].sort(),
    /** Per course: its modules, and the share of them the learner completed (§1). */
    progress: (course: string) => {
      const modules = sessionModulesRef(set, course)
      const completed = modules.filter((m) =>
        mine.some((r) => objectId(r.s) === m && completes(r.s)),
      )
      return { course, modules, progress: rate(completed.length, modules.length) }
    },
  }
}

/**
 * The course report's module order: by each module's first statement by anyone (its own or one
 * grouped under it, the scope of `courseRef`), then by id.
 */
export function moduleOrderRef(set: readonly Raw[], modules: readonly string[]): string[] {
  const first = (m: string) =>
    Math.min(...set.filter((r) => objectId(r.s) === m || courseOf(r.s) === m).map((r) => r.ms))
  return [...modules]
    .map((m) => ({ m, first: first(m) }))
    .sort((x, y) => x.first - y.first || (x.m < y.m ? -1 : 1))
    .map(({ m }) => m)
}

/** A module's outcome measures over the course cohort's learners (§1, §2), on the module itself. */
export function moduleRef(set: readonly Raw[], module: string, cohort: ReadonlySet<string>) {
  const mine = by(
    set.filter((r) => objectId(r.s) === module && cohort.has(r.learner)),
    (r) => r.learner,
  )
  const rows = [...mine.values()]
  const started = rows.filter((rs) => rs.some((r) => engages(r.s)))
  const completed = started.filter((rs) => rs.some((r) => completes(r.s))).length
  const judged = rows
    .map((rs) => ({ rs, first: earliest(rs.filter((r) => success(r.s) !== undefined)) }))
    .filter((x) => x.first !== undefined)
  return {
    activity: module,
    started: started.length,
    completed,
    completedNotStarted: rows.filter((rs) => rs.some((r) => completes(r.s))).length - completed,
    completionRate: rate(completed, started.length),
    judged: judged.length,
    firstAttemptPassRate: rate(
      judged.filter((x) => success(x.first!.s) === true).length,
      judged.length,
    ),
    eventualPassRate: rate(
      judged.filter((x) => x.rs.some((r) => success(r.s) === true)).length,
      judged.length,
    ),
  }
}
