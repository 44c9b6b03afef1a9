/** The analytics report API (/api/stores/:id/reports/…): types of the answers the console draws. */
import { api } from './api'
import type { CohortFilter } from './cohort-picker'
import { DAY_MS, type TimeWindow } from './filters'

/** What every report carries besides its data: the window and how fresh the projections are. */
export interface ReportEnvelope {
  report: string
  window: { since: string | null; until: string | null }
  asOf: string | null
  lagSeconds: number
  caughtUp: boolean
  definitions: Record<string, string>
}

export interface OverviewReport extends ReportEnvelope {
  interval: 'day' | 'week'
  /** Set when restricted to a cohort (docs/people.md). */
  cohort?: { id: number; name: string; rule: string; people: number }
  totals: {
    statements: number
    activeLearners: number
    completions: number
    passes: number
    fails: number
  }
  series: {
    start: string
    statements: number
    activeLearners: number
    completions: number
    passes: number
    fails: number
  }[]
  topVerbs: { verb: string; statements: number }[]
  topActivities: { activity: string; statements: number }[]
  sources: {
    platforms: { platform: string; statements: number }[]
    credentials: { authority: string; statements: number }[]
  }
}

interface Summary {
  n: number
  mean: number | null
  median: number | null
  sd: number | null
}

export interface LearnerRow {
  learner: string
  firstAt: string
  lastAt: string
  started: boolean
  completedAt: string | null
  firstAttemptPassed: boolean | null
  passedAt: string | null
  score: number | null
  attempts: number
  timeSeconds: number
}

export interface CourseReport extends ReportEnvelope {
  activity: string
  /** Learners in the window's cohort (the course's learners, not a people cohort). */
  cohort: number
  /** Set when restricted to a people cohort (`?cohort=`). */
  cohortFilter?: CohortFilter
  started: number
  completed: number
  /** Completers without a started statement, left out of the rate's numerator (§1). */
  completedNotStarted: number
  completionRate: number | null
  judged: number
  firstAttemptPassRate: number | null
  eventualPassRate: number | null
  scores: Summary & { of: string; histogram: { from: number; to: number; count: number }[] }
  attempts: {
    learners: number
    mean: number | null
    distribution: { attempts: number; learners: number }[]
    openSessions: number
  }
  timeSpent: Summary & { unit: string }
  dates: { firstStart: string | null; lastActivity: string | null }
  modules: {
    order: number
    activity: string
    started: number
    completed: number
    completedNotStarted: number
    completionRate: number | null
    firstAttemptPassRate: number | null
    eventualPassRate: number | null
    bestScore: Summary
  }[]
  pages: {
    order: number
    page: string
    module: string
    reached: number
    views: number
    conversion: number | null
    dropoff: number | null
    exits: number
  }[]
  funnel: { steps: number; overall: number | null }
  exitPoints: { page: string; learners: number }[]
  learners: {
    total: number
    page: number
    pageSize: number
    sort: string
    order: string
    rows: LearnerRow[]
  }
}

/**
 * The window as report parameters (`since` inclusive, `until` exclusive on timestamps), both
 * moved up to the next 00:00 UTC: the whole UTC days the overview's day buckets take
 * (docs/analytics.md, Time windows), so every report of a page covers the same days, and the
 * course and pages reports answer from their per-day rows rather than reading a partial day's
 * rows. A preset (`now` − 30 days) starts at the next midnight, and a `to` date's end
 * (23:59:59.999) becomes the next day's start, which also keeps that day's last millisecond.
 */
export function windowParams(window: TimeWindow): URLSearchParams {
  const dayUp = (iso: string | undefined) =>
    iso === undefined
      ? undefined
      : new Date(Math.ceil(Date.parse(iso) / DAY_MS) * DAY_MS).toISOString()
  let since = dayUp(window.since)
  let until = dayUp(window.until)
  // A window within one day would come out empty: it is sent as given.
  if (since !== undefined && until !== undefined && since >= until) ({ since, until } = window)
  const params = new URLSearchParams()
  if (since !== undefined) params.set('since', since)
  if (until !== undefined) params.set('until', until)
  return params
}

export function report<T>(storeId: number, name: string, params: URLSearchParams): Promise<T> {
  return api<T>(`/stores/${storeId}/reports/${name}?${params.toString()}`)
}

/** A readable short form of an IRI: its last two path segments. */
export function shortIri(iri: string): string {
  return iriSegments(iri).slice(-2).join('/')
}

/** The path segments of an IRI (its host when it has no path); the IRI itself when not a URL. */
function iriSegments(iri: string): string[] {
  try {
    const url = new URL(iri)
    const parts = url.pathname.split('/').filter((p) => p !== '')
    return parts.length === 0 ? [url.host] : parts
  } catch {
    return [iri]
  }
}

/**
 * Short forms of IRIs shown side by side (one chart's categories), each as long as it must be
 * to tell them apart: the last two path segments, or more where two IRIs share those (pages of
 * different modules both ending in `pages/1` read `modules/1/pages/1`, `modules/2/pages/1`).
 * Two segments at a time: IRI paths pair a collection with an id, and `1/pages/1` reads badly.
 */
export function distinctShortIris(iris: readonly string[]): string[] {
  const segments = iris.map(iriSegments)
  const longest = Math.max(2, ...segments.map((s) => s.length))
  for (let n = 2; ; n += 2) {
    const labels = segments.map((s) => s.slice(-n).join('/'))
    const distinct = new Set(labels).size === new Set(iris).size
    if (distinct || n >= longest) return labels
  }
}

/**
 * A learner's response (`result.response`) as a person reads it. The xAPI response patterns
 * (Data §2.4.4.1.3.4, "Response Patterns") delimit items with `[,]`, a matching pair's source
 * and target or a performance step and its answer with `[.]`, a numeric range with `[:]`:
 * `1[.]a[,]2[.]b` reads `1 → a, 2 → b`; `[:]4` reads `≤ 4`. Other text is left as it is.
 */
export function readableResponse(response: string): string {
  if (response === '') return '(no response)'
  const part = (text: string): string => {
    const range = /^(-?[\d.]*)\[:\](-?[\d.]*)$/.exec(text)
    if (range === null) return text
    const [, min = '', max = ''] = range
    if (min === '') return max === '' ? 'any number' : `≤ ${max}`
    return max === '' ? `≥ ${min}` : `${min}–${max}`
  }
  return response
    .split('[,]')
    .map((item) => item.split('[.]').map(part).join(' → '))
    .join(', ')
}

/** A short IRI with its slug's dashes and underscores read as spaces. */
function spaced(label: string): string {
  return label.replace(/[-_]/g, ' ')
}

/** "Leadership foundations · modules/1" from an IRI path. */
export function activityLabel(iri: string): string {
  return spaced(shortIri(iri))
}

/** `activityLabel`s of activities shown side by side, as long as they must be to tell them apart. */
export function distinctActivityLabels(iris: readonly string[]): string[] {
  return distinctShortIris(iris).map(spaced)
}

/** A course's pages as chart labels: "3. modules/1/pages/3", in course order, told apart. */
export function pageLabels(pages: readonly { order: number; page: string }[]): string[] {
  const short = distinctShortIris(pages.map((p) => p.page))
  return pages.map((p, i) => `${p.order}. ${short[i] ?? p.page}`)
}

/**
 * A learner key of the reports (the canonical IFI: `mbox:mailto:…`, `account:homePage|name`,
 * `openid:…`, `mbox_sha1sum:…`) as the xAPI `agent` filter JSON; undefined when not one.
 */
export function agentOfLearnerKey(key: string): string | undefined {
  const colon = key.indexOf(':')
  if (colon < 0) return undefined
  const kind = key.slice(0, colon)
  const value = key.slice(colon + 1)
  if (kind === 'account') {
    const bar = value.lastIndexOf('|')
    if (bar < 0) return undefined
    return JSON.stringify({
      account: { homePage: value.slice(0, bar), name: value.slice(bar + 1) },
    })
  }
  if (kind === 'mbox' || kind === 'mbox_sha1sum' || kind === 'openid')
    return JSON.stringify({ [kind]: value })
  return undefined
}

/** A learner key as a short readable label. */
export function learnerLabel(key: string): string {
  if (key.startsWith('account:')) return key.slice(key.lastIndexOf('|') + 1)
  if (key.startsWith('mbox:')) return key.slice('mbox:mailto:'.length)
  return key
}

export const percent = (value: number | null): string =>
  value === null ? '—' : `${Math.round(value * 1000) / 10}%`

/** "As of 10:41 (up to date)" / "(3 min behind)". */
export function freshnessText(r: ReportEnvelope): string {
  if (r.asOf === null) return 'No statements processed yet.'
  const time = new Date(r.asOf).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' })
  return r.caughtUp
    ? `Figures as of ${time} (up to date).`
    : `Figures as of ${time}; the newest statements are still being processed (${Math.round(r.lagSeconds)} s behind).`
}
