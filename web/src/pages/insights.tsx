/** Informal learning (sources, kinds, trend, per person and cohort) and ineffective content (ranked signals), from the people reports. */
import { useQuery } from '@tanstack/react-query'
import type { PageProps } from '../app'
import { pageHref } from '../app'
import { barList } from '../chart-options'
import { ChartCard, DataTable, ErrorNote, Kpis, Loading, PageHeader } from '../components'
import { numberFormat } from '../format'
import {
  activityLabel,
  distinctActivityLabels,
  freshnessText,
  learnerLabel,
  report,
  windowParams,
} from '../reports'
import { navigate } from '../router'
import type { IneffectiveReport, InformalReport } from './people-api'
import { CohortPicker } from '../cohort-picker'

const hours = (h: number | null) =>
  h === null ? '—' : `${numberFormat.format(Math.round(h * 10) / 10)} h`

export function InformalPage({ store, window, location }: PageProps) {
  const cohort = location.params.get('cohort') ?? ''
  const params = windowParams(window)
  params.set('interval', 'week')
  if (cohort !== '') params.set('cohort', cohort)
  const informal = useQuery({
    queryKey: ['report', 'informal', store.id, params.toString()],
    queryFn: () => report<InformalReport>(store.id, 'informal', params),
  })
  const r = informal.data
  return (
    <>
      <PageHeader title="Informal learning">
        <CohortPicker storeId={store.id} value={cohort} />
      </PageHeader>
      {informal.error !== null ? (
        <ErrorNote error={informal.error} />
      ) : r === undefined ? (
        <Loading what="informal learning" />
      ) : (
        <>
          <p className="muted freshness" role="status">
            {window.label}. {freshnessText(r)} {r.definitions['informal']}
          </p>
          <Kpis
            items={[
              { label: 'Informal hours', value: hours(r.totals.informalHours) },
              {
                label: 'Informal statements',
                value: numberFormat.format(r.totals.informalStatements),
              },
              {
                label: 'People learning informally',
                value: `${r.totals.people} of ${r.totals.activePeople}`,
              },
              { label: 'Formal hours', value: hours(r.totals.formalHours) },
              {
                label: 'Formal : informal',
                value: r.totals.ratio === null ? '—' : `${numberFormat.format(r.totals.ratio)} : 1`,
                hint: 'hours',
              },
            ]}
          />
          <div className="grid">
            <ChartCard
              title="Formal and informal hours per week"
              csvName={`informal-trend-${store.id}`}
              table={{
                columns: ['start', 'informalHours', 'formalHours', 'informalStatements', 'ratio'],
                rows: r.trend.map((t) => [
                  t.start,
                  t.informalHours,
                  t.formalHours,
                  t.informalStatements,
                  t.ratio,
                ]),
              }}
              option={{
                tooltip: { trigger: 'axis' },
                legend: { top: 0 },
                grid: { left: 48, right: 16, top: 32, bottom: 32 },
                xAxis: { type: 'category', data: r.trend.map((t) => t.start.slice(0, 10)) },
                yAxis: { type: 'value', name: 'hours' },
                series: [
                  {
                    name: 'informal',
                    type: 'bar',
                    stack: 'h',
                    data: r.trend.map((t) => t.informalHours),
                  },
                  {
                    name: 'formal',
                    type: 'bar',
                    stack: 'h',
                    data: r.trend.map((t) => t.formalHours),
                  },
                ],
              }}
            />
            <ChartCard
              title="Informal learning by kind"
              csvName={`informal-kinds-${store.id}`}
              table={{
                columns: ['kind', 'statements', 'hours', 'people'],
                rows: r.byKind.map((k) => [k.kind, k.statements, k.hours, k.people]),
              }}
              option={{
                tooltip: { trigger: 'axis' },
                grid: { left: 110, right: 24, top: 8, bottom: 24 },
                xAxis: { type: 'value' },
                yAxis: { type: 'category', inverse: true, data: r.byKind.map((k) => k.kind) },
                series: [
                  { name: 'statements', type: 'bar', data: r.byKind.map((k) => k.statements) },
                ],
              }}
            />
            <ChartCard
              title="Informal learning by source"
              csvName={`informal-sources-${store.id}`}
              table={{
                columns: ['source', 'statements', 'hours', 'people'],
                rows: r.bySource.map((s) => [s.source, s.statements, s.hours, s.people]),
              }}
              option={{
                tooltip: { trigger: 'item' },
                series: [
                  {
                    name: 'statements',
                    type: 'pie',
                    radius: ['40%', '70%'],
                    data: r.bySource.map((s) => ({
                      name: s.source.slice(0, 40),
                      value: s.statements,
                    })),
                  },
                ],
              }}
            />
            <section className="card" aria-labelledby="informal-cohorts-title">
              <h2 id="informal-cohorts-title">By cohort</h2>
              <p className="muted">Cohorts of fewer than 5 active people are suppressed.</p>
              <DataTable
                caption="Informal learning by cohort"
                table={{
                  columns: ['cohort', 'people', 'hours per person', 'formal : informal'],
                  rows: r.byCohort.map((c) => [
                    c.name,
                    c.suppressed ? 'suppressed (n < 5)' : c.people,
                    c.informalHoursPerPerson,
                    c.ratio,
                  ]),
                }}
              />
            </section>
          </div>
          <section className="card" aria-labelledby="informal-people-title">
            <h2 id="informal-people-title">Per person</h2>
            <DataTable
              caption="Informal learning per person"
              table={{
                columns: [
                  'person',
                  'informal hours',
                  'informal statements',
                  'formal hours',
                  'sources',
                ],
                rows: r.people
                  .slice(0, 100)
                  .map((p) => [
                    p.name ?? learnerLabel(p.learner),
                    p.informalHours,
                    p.informalStatements,
                    p.formalHours,
                    p.sources,
                  ]),
              }}
              onRow={(index) =>
                navigate(pageHref('/learner', { learner: r.people[index]?.learner ?? '' }))
              }
              rowLabel={(index) =>
                `Learner report of ${r.people[index]?.name ?? r.people[index]?.learner ?? ''}`
              }
            />
          </section>
        </>
      )}
    </>
  )
}

const SIGNAL_LABELS: Record<string, string> = {
  lowCompletion: 'completion rate',
  funnelDrop: 'drop after page',
  poorDiscrimination: 'discrimination D',
  timeWithoutGain: 'r(time, score)',
  noAssessmentLink: 'r(time on page, course score)',
}

export function IneffectivePage({ store, window, location }: PageProps) {
  const cohort = location.params.get('cohort') ?? ''
  const params = windowParams(window)
  params.set('limit', '100')
  if (cohort !== '') params.set('cohort', cohort)
  const ineffective = useQuery({
    queryKey: ['report', 'ineffective', store.id, params.toString()],
    queryFn: () => report<IneffectiveReport>(store.id, 'ineffective', params),
  })
  const r = ineffective.data
  const flagged = r?.activities.filter((a) => a.flags > 0) ?? []
  return (
    <>
      <PageHeader title="Ineffective content">
        <CohortPicker storeId={store.id} value={cohort} />
      </PageHeader>
      {ineffective.error !== null ? (
        <ErrorNote error={ineffective.error} />
      ) : r === undefined ? (
        <Loading what="ineffective content" />
      ) : (
        <>
          <p className="muted freshness" role="status">
            {window.label}. {freshnessText(r)} {numberFormat.format(r.flagged)} of{' '}
            {numberFormat.format(r.evaluated)} activities show at least one signal.
          </p>
          <ChartCard
            title="Flagged activities"
            description="Each bar counts the signals that say the activity does not work; the numbers behind them are in the table below."
            csvName={`ineffective-${store.id}`}
            height={Math.max(200, 28 * Math.min(flagged.length, 20) + 40)}
            table={{
              columns: ['activity', 'flags', 'kind', 'course'],
              rows: flagged.slice(0, 20).map((a) => [a.activity, a.flags, a.kind, a.course]),
            }}
            option={barList(
              distinctActivityLabels(flagged.slice(0, 20).map((a) => a.activity)),
              { name: 'signals', data: flagged.slice(0, 20).map((a) => a.flags) },
              240,
            )}
            rowAction={{
              label: (index) => `Course report of ${flagged[index]?.activity ?? ''}`,
              run: (index) =>
                navigate(
                  pageHref('/course', {
                    activity: flagged[index]?.course ?? flagged[index]?.activity ?? '',
                  }),
                ),
            }}
          />
          <section className="card" aria-labelledby="signals-title">
            <h2 id="signals-title">The evidence</h2>
            <DataTable
              caption="Signals per activity"
              table={{
                columns: [
                  'rank',
                  'activity',
                  'kind',
                  'signal',
                  'value',
                  'threshold',
                  'n',
                  'flagged',
                ],
                rows: r.activities.flatMap((a) =>
                  a.signals.map((s) => [
                    a.rank,
                    activityLabel(a.activity),
                    a.kind,
                    SIGNAL_LABELS[s.signal] ?? s.signal,
                    s.value,
                    s.threshold,
                    s.n,
                    s.flagged ? 'yes' : 'no',
                  ]),
                ),
              }}
            />
          </section>
          <section className="card" aria-labelledby="definitions-title">
            <h2 id="definitions-title">Definitions used</h2>
            <dl>
              {Object.entries(r.rules).map(([name, rule]) => (
                <div key={name}>
                  <dt>{SIGNAL_LABELS[name] ?? name}</dt>
                  <dd>
                    {typeof rule === 'string'
                      ? rule
                      : `${rule.definition} (at least ${rule.minimumN} people)`}
                  </dd>
                </div>
              ))}
            </dl>
          </section>
        </>
      )}
    </>
  )
}
