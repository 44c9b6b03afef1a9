/** The course report: KPIs, score histogram, completions and passes over time, drop-off funnel, exit points, time spent, modules, and the per-learner table with drill-down. */
import { useQuery } from '@tanstack/react-query'
import { CohortNote, CohortPicker } from '../cohort-picker'
import { useState, type SyntheticEvent } from 'react'
import type { PageProps } from '../app'
import { pageHref } from '../app'
import { barList } from '../chart-options'
import { ChartCard, DataTable, ErrorNote, Kpis, Loading, PageHeader } from '../components'
import { downloadCsv, type Table } from '../csv'
import { formatDate, formatDuration, numberFormat } from '../format'
import {
  activityLabel,
  distinctShortIris,
  freshnessText,
  learnerLabel,
  pageLabels,
  percent,
  report,
  shortIri,
  windowParams,
  type CourseReport,
  type LearnerRow,
} from '../reports'
import { navigate, setParams } from '../router'

const SORTS = [
  'learner',
  'firstAt',
  'lastAt',
  'completedAt',
  'passedAt',
  'score',
  'attempts',
  'timeSeconds',
] as const

/** Learners who completed / passed by each day (cumulative), from the learner rows. */
function outcomesOverTime(rows: readonly LearnerRow[]): Table {
  const days = new Map<string, { completed: number; passed: number }>()
  for (const row of rows) {
    for (const [field, key] of [
      ['completedAt', 'completed'],
      ['passedAt', 'passed'],
    ] as const) {
      const at = row[field]
      if (at === null) continue
      const day = at.slice(0, 10)
      const entry = days.get(day) ?? { completed: 0, passed: 0 }
      entry[key] += 1
      days.set(day, entry)
    }
  }
  let completed = 0
  let passed = 0
  return {
    columns: ['day', 'completed (cumulative)', 'passed (cumulative)'],
    rows: [...days.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([day, n]) => {
        completed += n.completed
        passed += n.passed
        return [day, completed, passed]
      }),
  }
}

/** The learner rows as the report API's own CSV has them: every field, in the API's order. */
function learnerTable(rows: readonly LearnerRow[]): Table {
  const columns = rows[0] === undefined ? [] : Object.keys(rows[0])
  return {
    columns,
    rows: rows.map((row) =>
      columns.map(
        (column) => (row as unknown as Record<string, string | number | boolean | null>)[column],
      ),
    ),
  }
}

export function CoursePage({ store, window, location }: PageProps) {
  const activity = location.params.get('activity') ?? ''
  if (activity === '')
    return (
      <>
        <PageHeader title="Course report" />
        <CoursePicker activity="" />
        <p className="muted">
          Choose a course (its activity IRI), or open one from the <strong>Top activities</strong>{' '}
          of the overview.
        </p>
      </>
    )
  return (
    <CourseView
      key={activity}
      store={store}
      window={window}
      location={location}
      activity={activity}
    />
  )
}

function CoursePicker({ activity }: { activity: string }) {
  const [value, setValue] = useState(activity)
  return (
    <form
      className="card inline-form"
      onSubmit={(event: SyntheticEvent) => {
        event.preventDefault()
        setParams({ activity: value.trim(), page: undefined })
      }}
    >
      <label className="grow">
        Course (activity IRI)
        <input
          value={value}
          onChange={(e) => setValue(e.target.value)}
          required
          placeholder="https://example.com/courses/intro"
        />
      </label>
      <button type="submit" className="button">
        Show report
      </button>
    </form>
  )
}

function CourseView({ store, window, location, activity }: PageProps & { activity: string }) {
  const params = windowParams(window)
  params.set('activity', activity)
  const sort = location.params.get('sort') ?? 'learner'
  const order = location.params.get('order') === 'desc' ? 'desc' : 'asc'
  const scoreOf = location.params.get('scoreOf') ?? 'best'
  params.set('scoreOf', scoreOf)
  // All learners at once (up to 500) so the over-time chart and the table agree; paged below.
  params.set('pageSize', '500')
  params.set('sort', SORTS.includes(sort as (typeof SORTS)[number]) ? sort : 'learner')
  params.set('order', order)
  // A cohort (People → Cohorts, or ?cohort= in the URL): only its members count.
  const cohort = location.params.get('cohort') ?? ''
  if (cohort !== '') params.set('cohort', cohort)
  const picker = <CohortPicker storeId={store.id} value={cohort} />
  const course = useQuery({
    queryKey: ['report', 'course', store.id, params.toString()],
    queryFn: () => report<CourseReport>(store.id, 'course', params),
  })
  const page = Math.max(1, Number(location.params.get('page') ?? '1') || 1)
  if (course.error !== null)
    return (
      <>
        <PageHeader title="Course report">{picker}</PageHeader>
        <CoursePicker activity={activity} />
        <ErrorNote error={course.error} />
      </>
    )
  if (course.data === undefined) return <Loading what="the course report" />
  const r = course.data
  const learners = r.learners.rows
  const pageSize = 25
  const shown = learners.slice((page - 1) * pageSize, page * pageSize)
  const overTime = outcomesOverTime(learners)
  const pageNames = pageLabels(r.pages)
  const histogram: Table = {
    columns: ['from', 'to', 'learners'],
    rows: r.scores.histogram.map((b) => [b.from, b.to, b.count]),
  }
  const times = learners.map((l) => l.timeSeconds / 60)
  const timeBins = [0, 5, 10, 20, 30, 45, 60, 90, 120, Infinity]
  const timeTable: Table = {
    columns: ['minutes from', 'minutes to', 'learners'],
    rows: timeBins.slice(0, -1).map((from, i) => {
      const to = timeBins[i + 1] ?? Infinity
      return [
        from,
        Number.isFinite(to) ? to : null,
        times.filter((t) => t >= from && t < to).length,
      ]
    }),
  }
  const drill = (index: number) => {
    const row = shown[index]
    if (row !== undefined) navigate(pageHref('/learner', { learner: row.learner }))
  }
  return (
    <>
      <PageHeader title={`Course report: ${activityLabel(activity)}`}>{picker}</PageHeader>
      <CoursePicker activity={activity} />
      <p>
        More on this course:{' '}
        <a
          href={pageHref('/pages', { activity })}
          onClick={(e) => {
            e.preventDefault()
            navigate(pageHref('/pages', { activity }))
          }}
        >
          pages
        </a>
        {' · '}
        <a
          href={pageHref('/objectives', { course: activity })}
          onClick={(e) => {
            e.preventDefault()
            navigate(pageHref('/objectives', { course: activity }))
          }}
        >
          objectives
        </a>
      </p>
      <p className="muted freshness" role="status">
        {window.label}. {freshnessText(r)} First start {formatDate(r.dates.firstStart)}, last
        activity {formatDate(r.dates.lastActivity)}.
      </p>
      <CohortNote cohort={r.cohortFilter} />
      {r.cohort === 0 ? (
        <p className="card">
          Nobody has started this course in {window.label.toLowerCase()}. Check the IRI, or widen
          the time window.
        </p>
      ) : null}
      <Kpis
        items={[
          { label: 'Learners', value: numberFormat.format(r.cohort) },
          { label: 'Started', value: numberFormat.format(r.started) },
          {
            label: 'Completion rate',
            value: percent(r.completionRate),
            hint:
              r.completedNotStarted > 0
                ? `${r.completed} completed; ${r.completedNotStarted} more completed without a start statement (not counted, §1)`
                : `${r.completed} completed`,
          },
          {
            label: 'First-attempt pass rate',
            value: percent(r.firstAttemptPassRate),
            hint: `${r.judged} judged`,
          },
          { label: 'Eventual pass rate', value: percent(r.eventualPassRate) },
          {
            label: `Mean score (${r.scores.of})`,
            value: r.scores.mean === null ? '—' : percent(r.scores.mean),
            hint: `n = ${r.scores.n}`,
          },
          {
            label: 'Median time spent',
            value: r.timeSpent.median === null ? '—' : formatDuration(r.timeSpent.median),
          },
          {
            label: 'Mean attempts',
            value: r.attempts.mean === null ? '—' : r.attempts.mean.toFixed(1),
          },
        ]}
      />
      <div className="grid">
        <ChartCard
          title="Score distribution"
          description={
            r.scores.n === 0
              ? 'No scores were recorded on the course itself; see the modules below.'
              : `Scores (${r.scores.of} per learner) in tenths.`
          }
          csvName={`course-scores-${store.id}`}
          table={histogram}
          option={{
            tooltip: { trigger: 'axis' },
            grid: { left: 48, right: 16, top: 16, bottom: 32 },
            xAxis: {
              type: 'category',
              data: r.scores.histogram.map(
                (b) => `${Math.round(b.from * 100)}–${Math.round(b.to * 100)}%`,
              ),
            },
            yAxis: { type: 'value', minInterval: 1 },
            series: [
              { name: 'learners', type: 'bar', data: r.scores.histogram.map((b) => b.count) },
            ],
          }}
        />
        <ChartCard
          title="Completions and passes over time"
          csvName={`course-outcomes-${store.id}`}
          table={overTime}
          option={{
            tooltip: { trigger: 'axis' },
            legend: { top: 0 },
            grid: { left: 48, right: 16, top: 32, bottom: 32 },
            xAxis: { type: 'category', data: overTime.rows.map((row) => row[0]) },
            yAxis: { type: 'value', minInterval: 1 },
            series: [
              {
                name: 'completed',
                type: 'line',
                step: 'end',
                data: overTime.rows.map((row) => row[1]),
              },
              {
                name: 'passed',
                type: 'line',
                step: 'end',
                data: overTime.rows.map((row) => row[2]),
              },
            ],
          }}
        />
        <ChartCard
          title="Drop-off funnel"
          description={`Learners reaching each page, in course order; ${percent(r.funnel.overall)} reach the last.`}
          csvName={`course-funnel-${store.id}`}
          table={{
            columns: ['order', 'page', 'reached', 'views', 'dropoff', 'exits'],
            rows: r.pages.map((p) => [p.order, p.page, p.reached, p.views, p.dropoff, p.exits]),
          }}
          height={Math.max(280, r.pages.length * 20)}
          option={
            r.pages.length <= 10
              ? {
                  tooltip: { trigger: 'item' },
                  series: [
                    {
                      name: 'learners reaching',
                      type: 'funnel',
                      sort: 'none',
                      left: '5%',
                      width: '60%',
                      label: { position: 'right' },
                      data: r.pages.map((p, i) => ({
                        name: pageNames[i] ?? p.page,
                        value: p.reached,
                      })),
                    },
                  ],
                }
              : // Many steps read better as bars in course order than as a funnel's slices.
                barList(pageNames, {
                  name: 'learners reaching',
                  data: r.pages.map((p) => p.reached),
                })
          }
        />
        <ChartCard
          title="Exit points"
          description="The page each learner who left without completing was last on."
          csvName={`course-exits-${store.id}`}
          table={{
            columns: ['page', 'learners'],
            rows: r.exitPoints.map((e) => [e.page, e.learners]),
          }}
          option={{
            tooltip: { trigger: 'axis' },
            grid: { left: 200, right: 24, top: 8, bottom: 24 },
            xAxis: { type: 'value', minInterval: 1 },
            yAxis: {
              type: 'category',
              inverse: true,
              data: distinctShortIris(r.exitPoints.map((e) => e.page)),
            },
            series: [{ name: 'learners', type: 'bar', data: r.exitPoints.map((e) => e.learners) }],
          }}
        />
        <ChartCard
          title="Time spent"
          description={`Per learner, in minutes (mean ${r.timeSpent.mean === null ? '—' : formatDuration(r.timeSpent.mean)}).`}
          csvName={`course-time-${store.id}`}
          table={timeTable}
          option={{
            tooltip: { trigger: 'axis' },
            grid: { left: 48, right: 16, top: 16, bottom: 32 },
            xAxis: {
              type: 'category',
              data: timeTable.rows.map((row) =>
                row[1] === null ? `${String(row[0])}+` : `${String(row[0])}–${String(row[1])}`,
              ),
            },
            yAxis: { type: 'value', minInterval: 1 },
            series: [{ name: 'learners', type: 'bar', data: timeTable.rows.map((row) => row[2]) }],
          }}
        />
        <ChartCard
          title="Attempts per learner"
          csvName={`course-attempts-${store.id}`}
          table={{
            columns: ['attempts', 'learners'],
            rows: r.attempts.distribution.map((d) => [d.attempts, d.learners]),
          }}
          option={{
            tooltip: { trigger: 'axis' },
            grid: { left: 48, right: 16, top: 16, bottom: 32 },
            xAxis: {
              type: 'category',
              data: r.attempts.distribution.map((d) => String(d.attempts)),
            },
            yAxis: { type: 'value', minInterval: 1 },
            series: [
              {
                name: 'learners',
                type: 'bar',
                data: r.attempts.distribution.map((d) => d.learners),
              },
            ],
          }}
        />
      </div>
      <section className="card" aria-labelledby="modules-title">
        <h2 id="modules-title">Modules</h2>
        <DataTable
          caption="Modules"
          table={{
            columns: [
              'module',
              'started',
              'completed',
              'completed without a start',
              'completion rate',
              'first-attempt pass rate',
              'eventual pass rate',
              'mean best score',
            ],
            rows: r.modules.map((m) => [
              shortIri(m.activity),
              m.started,
              m.completed,
              m.completedNotStarted,
              percent(m.completionRate),
              percent(m.firstAttemptPassRate),
              percent(m.eventualPassRate),
              m.bestScore.mean === null ? null : percent(m.bestScore.mean),
            ]),
          }}
          onRow={(index) => {
            const module = r.modules[index]
            if (module !== undefined) setParams({ activity: module.activity, page: undefined })
          }}
          rowLabel={(index) => `Report of module ${r.modules[index]?.activity ?? ''}`}
        />
      </section>
      <section className="card" aria-labelledby="learners-title">
        <header className="card-head">
          <h2 id="learners-title">Learners ({numberFormat.format(r.learners.total)})</h2>
          <div className="card-actions">
            <label>
              Sort by
              <select
                value={sort}
                onChange={(e) => setParams({ sort: e.target.value, page: undefined })}
              >
                {SORTS.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Order
              <select
                value={order}
                onChange={(e) => setParams({ order: e.target.value, page: undefined })}
              >
                <option value="asc">ascending</option>
                <option value="desc">descending</option>
              </select>
            </label>
            <button
              type="button"
              className="link-button"
              onClick={() => downloadCsv(learnerTable(learners), `course-learners-${store.id}`)}
            >
              Download CSV
            </button>
          </div>
        </header>
        <p className="muted">Select a learner for their learner report.</p>
        <DataTable
          caption="Learners of the course"
          table={{
            columns: [
              'learner',
              'first seen',
              'last seen',
              'completed',
              'passed',
              'score',
              'attempts',
              'time spent',
            ],
            rows: shown.map((l) => [
              learnerLabel(l.learner),
              formatDate(l.firstAt),
              formatDate(l.lastAt),
              l.completedAt === null ? 'no' : formatDate(l.completedAt),
              l.passedAt === null
                ? l.firstAttemptPassed === false
                  ? 'failed'
                  : 'no'
                : formatDate(l.passedAt),
              l.score === null ? null : percent(l.score),
              l.attempts,
              formatDuration(l.timeSeconds),
            ]),
          }}
          onRow={drill}
          rowLabel={(index) => `Learner report of ${learnerLabel(shown[index]?.learner ?? '')}`}
        />
        <div className="pager">
          {page > 1 ? (
            <button
              type="button"
              className="button secondary"
              onClick={() => setParams({ page: String(page - 1) })}
            >
              Previous
            </button>
          ) : null}
          {page * pageSize < learners.length ? (
            <button
              type="button"
              className="button secondary"
              onClick={() => setParams({ page: String(page + 1) })}
            >
              Next
            </button>
          ) : null}
        </div>
      </section>
    </>
  )
}
