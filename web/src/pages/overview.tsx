/** The overview dashboard (analytics overview report): statements, active learners, completions and passes over time; sources; top activities. */
import { useQuery } from '@tanstack/react-query'
import { CohortPicker } from '../cohort-picker'
import type { PageProps } from '../app'
import { pageHref } from '../app'
import { barList } from '../chart-options'
import {
  ChartCard,
  DataTable,
  ErrorNote,
  Kpis,
  Loading,
  NoStatementsYet,
  PageHeader,
} from '../components'
import { numberFormat } from '../format'
import {
  distinctActivityLabels,
  freshnessText,
  report,
  shortIri,
  windowParams,
  type OverviewReport,
} from '../reports'
import { navigate } from '../router'

const axis = {
  grid: { left: 48, right: 16, top: 32, bottom: 32 },
  tooltip: { trigger: 'axis' },
  legend: { top: 0 },
}

export function OverviewPage({ store, window, location }: PageProps) {
  const params = windowParams(window)
  params.set('top', '10')
  // A cohort (People → Cohorts): only its members count.
  const cohort = location.params.get('cohort') ?? ''
  if (cohort !== '') params.set('cohort', cohort)
  const header = (
    <PageHeader title="Overview">
      <CohortPicker storeId={store.id} value={cohort} />
    </PageHeader>
  )
  const overview = useQuery({
    queryKey: ['report', 'overview', store.id, params.toString()],
    queryFn: () => report<OverviewReport>(store.id, 'overview', params),
  })
  if (overview.error !== null)
    return (
      <>
        {header}
        <ErrorNote error={overview.error} />
      </>
    )
  if (overview.data === undefined) return <Loading what="the overview" />
  const r = overview.data
  const platforms = [...r.sources.platforms].sort((a, b) => b.statements - a.statements)
  if (r.totals.statements === 0)
    return (
      <>
        {header}
        <p className="muted">{freshnessText(r)}</p>
        <NoStatementsYet storeName={store.name} />
        <p className="muted">
          Or choose a wider time window above: no learning happened in {window.label.toLowerCase()}.
        </p>
      </>
    )
  const days = r.series.map((s) => s.start.slice(0, 10))
  return (
    <>
      {header}
      <p className="muted freshness" role="status">
        {window.label}. {freshnessText(r)}
        {r.cohort === undefined ? null : ` Cohort ${r.cohort.name}: ${r.cohort.rule}.`}
      </p>
      <Kpis
        items={[
          { label: 'Statements', value: numberFormat.format(r.totals.statements) },
          { label: 'Active learners', value: numberFormat.format(r.totals.activeLearners) },
          { label: 'Completions', value: numberFormat.format(r.totals.completions) },
          { label: 'Passes', value: numberFormat.format(r.totals.passes) },
          { label: 'Fails', value: numberFormat.format(r.totals.fails) },
        ]}
      />
      <div className="grid">
        <ChartCard
          title="Statements and active learners per day"
          csvName={`overview-activity-${store.id}`}
          table={{
            columns: ['start', 'statements', 'activeLearners'],
            rows: r.series.map((s) => [s.start, s.statements, s.activeLearners]),
          }}
          option={{
            ...axis,
            xAxis: { type: 'category', data: days },
            yAxis: [
              { type: 'value', name: 'statements' },
              { type: 'value', name: 'learners', splitLine: { show: false } },
            ],
            series: [
              { name: 'statements', type: 'bar', data: r.series.map((s) => s.statements) },
              {
                name: 'active learners',
                type: 'line',
                yAxisIndex: 1,
                showSymbol: r.series.length < 32,
                data: r.series.map((s) => s.activeLearners),
              },
            ],
          }}
        />
        <ChartCard
          title="Completions, passes and fails per day"
          csvName={`overview-outcomes-${store.id}`}
          table={{
            columns: ['start', 'completions', 'passes', 'fails'],
            rows: r.series.map((s) => [s.start, s.completions, s.passes, s.fails]),
          }}
          option={{
            ...axis,
            xAxis: { type: 'category', data: days },
            yAxis: { type: 'value' },
            series: [
              {
                name: 'completions',
                type: 'line',
                showSymbol: r.series.length < 32,
                data: r.series.map((s) => s.completions),
              },
              {
                name: 'passes',
                type: 'line',
                showSymbol: r.series.length < 32,
                data: r.series.map((s) => s.passes),
              },
              {
                name: 'fails',
                type: 'line',
                showSymbol: r.series.length < 32,
                data: r.series.map((s) => s.fails),
              },
            ],
          }}
        />
        <ChartCard
          title="Top activities"
          description="Select an activity in the table (Show numbers) to open its course report."
          csvName={`overview-top-activities-${store.id}`}
          table={{
            columns: ['activity', 'statements'],
            rows: r.topActivities.map((a) => [a.activity, a.statements]),
          }}
          option={{
            tooltip: { trigger: 'axis' },
            grid: { left: 220, right: 24, top: 8, bottom: 24 },
            xAxis: { type: 'value' },
            yAxis: {
              type: 'category',
              inverse: true,
              data: distinctActivityLabels(r.topActivities.map((a) => a.activity)),
            },
            series: [
              { name: 'statements', type: 'bar', data: r.topActivities.map((a) => a.statements) },
            ],
          }}
          rowAction={{
            label: (index) => `Course report of ${r.topActivities[index]?.activity ?? ''}`,
            run: (index) =>
              navigate(pageHref('/course', { activity: r.topActivities[index]?.activity ?? '' })),
          }}
        />
        <ChartCard
          title="Sources: platforms"
          csvName={`overview-platforms-${store.id}`}
          table={{
            columns: ['platform', 'statements'],
            rows: platforms.map((p) => [p.platform, p.statements]),
          }}
          // Bars, largest first: a pie of a dozen platforms, most of them small, drew its labels
          // over one another.
          option={barList(
            platforms.map((p) => p.platform.slice(0, 40)),
            { name: 'statements', data: platforms.map((p) => p.statements) },
          )}
        />
        <ChartCard
          title="Top verbs"
          csvName={`overview-verbs-${store.id}`}
          table={{
            columns: ['verb', 'statements'],
            rows: r.topVerbs.map((v) => [v.verb, v.statements]),
          }}
          option={{
            tooltip: { trigger: 'axis' },
            grid: { left: 160, right: 24, top: 8, bottom: 24 },
            xAxis: { type: 'value' },
            yAxis: {
              type: 'category',
              inverse: true,
              data: r.topVerbs.map((v) => shortIri(v.verb)),
            },
            series: [
              { name: 'statements', type: 'bar', data: r.topVerbs.map((v) => v.statements) },
            ],
          }}
        />
        <section className="card" aria-labelledby="credentials-title">
          <h2 id="credentials-title">Sources: credentials</h2>
          <p className="muted">
            Statements per credential that sent them (the statement's authority).
          </p>
          <DataTable
            caption="Statements per credential"
            table={{
              columns: ['credential', 'statements'],
              rows: r.sources.credentials.map((c) => [c.authority, c.statements]),
            }}
          />
        </section>
      </div>
    </>
  )
}
