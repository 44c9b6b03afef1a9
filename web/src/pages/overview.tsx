/** The overview dashboard: statements, active learners, completions and passes over time; sources; top activities. */
import { useQuery } from '@tanstack/react-query'
import { api, apiMore, type Statement, type StatementPage } from '../api'
import type { PageProps } from '../app'
import { ChartCard, ErrorNote, Kpis, Loading, NoStatementsYet, PageHeader } from '../components'
import type { Table } from '../csv'
import { actorName, numberFormat, objectText } from '../format'

/** The most statements the overview reads through the statements API (10 pages of 500). */
const MAX_STATEMENTS = 5000

const COMPLETED = 'http://adlnet.gov/expapi/verbs/completed'
const PASSED = 'http://adlnet.gov/expapi/verbs/passed'

async function readWindow(storeId: number, since: string | undefined, until: string | undefined) {
  const params = new URLSearchParams({ limit: '500' })
  if (since !== undefined) params.set('since', since)
  if (until !== undefined) params.set('until', until)
  let page = await api<StatementPage>(`/stores/${storeId}/statements?${params.toString()}`)
  const statements = [...page.statements]
  while (page.more !== '' && statements.length < MAX_STATEMENTS) {
    page = await apiMore<StatementPage>(page.more)
    statements.push(...page.statements)
  }
  return { statements, truncated: page.more !== '' }
}

function actorKey(actor: Record<string, unknown>): string {
  for (const ifi of ['mbox', 'mbox_sha1sum', 'openid'] as const) {
    const value = actor[ifi]
    if (typeof value === 'string') return value
  }
  const account = actor['account'] as { homePage?: unknown; name?: unknown } | undefined
  if (account !== undefined) return `${String(account.homePage)}|${String(account.name)}`
  return actorName(actor)
}

/** Per-day counts, learners, top activities and sources of a set of statements. */
export function summarise(statements: readonly Statement[]) {
  const days = new Map<
    string,
    { statements: number; learners: Set<string>; completions: number; passes: number }
  >()
  const activities = new Map<string, { name: string; count: number }>()
  const sources = new Map<string, number>()
  const learners = new Set<string>()
  let completions = 0
  let passes = 0
  for (const s of statements) {
    const day = (s.timestamp ?? s.stored ?? '').slice(0, 10)
    const bucket = days.get(day) ?? {
      statements: 0,
      learners: new Set<string>(),
      completions: 0,
      passes: 0,
    }
    const learner = actorKey(s.actor)
    bucket.statements += 1
    bucket.learners.add(learner)
    learners.add(learner)
    if (s.verb.id === COMPLETED || s.result?.['completion'] === true) {
      bucket.completions += 1
      completions += 1
    }
    if (s.verb.id === PASSED) {
      bucket.passes += 1
      passes += 1
    }
    days.set(day, bucket)
    if (s.object['objectType'] === undefined || s.object['objectType'] === 'Activity') {
      const id = String(s.object['id'])
      const entry = activities.get(id) ?? { name: objectText(s.object), count: 0 }
      entry.count += 1
      activities.set(id, entry)
    }
    const source = s.authority === undefined ? 'unknown' : actorName(s.authority)
    sources.set(source, (sources.get(source) ?? 0) + 1)
  }
  const daily: Table = {
    columns: ['day', 'statements', 'active learners', 'completions', 'passes'],
    rows: [...days.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([day, b]) => [day, b.statements, b.learners.size, b.completions, b.passes]),
  }
  const top: Table = {
    columns: ['activity', 'statements', 'activity id'],
    rows: [...activities.entries()]
      .sort((a, b) => b[1].count - a[1].count)
      .slice(0, 10)
      .map(([id, a]) => [a.name, a.count, id]),
  }
  const bySource: Table = {
    columns: ['source (credential)', 'statements'],
    rows: [...sources.entries()].sort((a, b) => b[1] - a[1]).map(([name, count]) => [name, count]),
  }
  return { daily, top, bySource, learners: learners.size, completions, passes }
}

export function OverviewPage({ store, window }: PageProps) {
  const data = useQuery({
    queryKey: ['overview-statements', store.id, window.since, window.until],
    queryFn: () => readWindow(store.id, window.since, window.until),
  })
  if (data.error !== null) return <ErrorNote error={data.error} />
  if (data.data === undefined) return <Loading what="the overview" />
  const { statements, truncated } = data.data
  if (statements.length === 0)
    return (
      <>
        <PageHeader title="Overview" />
        <NoStatementsYet storeName={store.name} />
        <p className="muted">
          Or choose a wider time window above: nothing was stored in {window.label.toLowerCase()}.
        </p>
      </>
    )
  const summary = summarise(statements)
  const days = summary.daily.rows.map((r) => r[0])
  return (
    <>
      <PageHeader title="Overview" />
      <p className="muted">
        {window.label}.{' '}
        {truncated
          ? `Computed from the ${numberFormat.format(statements.length)} most recent statements of the window.`
          : 'Computed from every statement of the window.'}
      </p>
      <Kpis
        items={[
          { label: 'Statements', value: numberFormat.format(statements.length) },
          { label: 'Active learners', value: numberFormat.format(summary.learners) },
          { label: 'Completions', value: numberFormat.format(summary.completions) },
          { label: 'Passes', value: numberFormat.format(summary.passes) },
        ]}
      />
      <div className="grid">
        <ChartCard
          title="Statements and active learners per day"
          csvName={`overview-activity-${store.id}`}
          table={summary.daily}
          option={{
            legend: { top: 0 },
            tooltip: { trigger: 'axis' },
            grid: { left: 48, right: 16, top: 32, bottom: 32 },
            xAxis: { type: 'category', data: days },
            yAxis: { type: 'value' },
            series: [
              {
                name: 'statements',
                type: 'line',
                showSymbol: false,
                data: summary.daily.rows.map((r) => r[1]),
              },
              {
                name: 'active learners',
                type: 'line',
                showSymbol: false,
                data: summary.daily.rows.map((r) => r[2]),
              },
            ],
          }}
        />
        <ChartCard
          title="Completions and passes per day"
          csvName={`overview-completions-${store.id}`}
          table={{
            columns: ['day', 'completions', 'passes'],
            rows: summary.daily.rows.map((r) => [r[0], r[3], r[4]]),
          }}
          option={{
            legend: { top: 0 },
            tooltip: { trigger: 'axis' },
            grid: { left: 48, right: 16, top: 32, bottom: 32 },
            xAxis: { type: 'category', data: days },
            yAxis: { type: 'value' },
            series: [
              { name: 'completions', type: 'bar', data: summary.daily.rows.map((r) => r[3]) },
              { name: 'passes', type: 'bar', data: summary.daily.rows.map((r) => r[4]) },
            ],
          }}
        />
        <ChartCard
          title="Top activities"
          csvName={`overview-top-activities-${store.id}`}
          table={summary.top}
          option={{
            tooltip: { trigger: 'axis' },
            grid: { left: 160, right: 24, top: 8, bottom: 24 },
            xAxis: { type: 'value' },
            yAxis: {
              type: 'category',
              inverse: true,
              data: summary.top.rows.map((r) => String(r[0]).slice(0, 28)),
            },
            series: [{ name: 'statements', type: 'bar', data: summary.top.rows.map((r) => r[1]) }],
          }}
        />
        <ChartCard
          title="Sources"
          description="Statements per credential that sent them (the statement's authority)."
          csvName={`overview-sources-${store.id}`}
          table={summary.bySource}
          option={{
            tooltip: { trigger: 'item' },
            series: [
              {
                name: 'statements',
                type: 'pie',
                radius: ['40%', '70%'],
                data: summary.bySource.rows.map((r) => ({
                  name: String(r[0]).slice(0, 40),
                  value: r[1],
                })),
              },
            ],
          }}
        />
      </div>
    </>
  )
}
