/** The learner report, question analysis, pages and objectives pages: one report of the analytics API each. */
import { useQuery } from '@tanstack/react-query'
import { useState, type ReactNode, type SyntheticEvent } from 'react'
import type { PageProps } from '../app'
import { pageHref } from '../app'
import { ChartCard, DataTable, ErrorNote, Kpis, Loading, PageHeader } from '../components'
import { CohortNote, CohortPicker, type CohortFilter } from '../cohort-picker'
import { formatDate, formatDuration, numberFormat } from '../format'
import {
  distinctShortIris,
  agentOfLearnerKey,
  freshnessText,
  learnerLabel,
  pageLabels,
  percent,
  readableResponse,
  report,
  shortIri,
  windowParams,
  type ReportEnvelope,
} from '../reports'
import { navigate, setParams } from '../router'

/** A one-field form that puts its value in the URL (`param`). */
function SubjectForm(props: { param: string; label: string; value: string; placeholder: string }) {
  const [value, setValue] = useState(props.value)
  return (
    <form
      className="card inline-form"
      onSubmit={(event: SyntheticEvent) => {
        event.preventDefault()
        setParams({ [props.param]: value.trim() })
      }}
    >
      <label className="grow">
        {props.label}
        <input
          value={value}
          onChange={(e) => setValue(e.target.value)}
          required
          placeholder={props.placeholder}
        />
      </label>
      <button type="submit" className="button">
        Show report
      </button>
    </form>
  )
}

/** Loads report `name` for the page's window plus `extra`; renders `body` with it. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- T types the report JSON `body` receives
function ReportPage<T extends ReportEnvelope>(props: {
  page: PageProps
  title: string
  name: string
  param: string
  label: string
  placeholder: string
  extra?: Record<string, string>
  optional?: boolean
  body: (report: T) => ReactNode
}) {
  const subject = props.page.location.params.get(props.param) ?? ''
  const params = windowParams(props.page.window)
  if (subject !== '') params.set(props.param, subject)
  // A cohort (People → Cohorts): the report counts only its members (the learner report
  // compares the learner with it).
  const cohort = props.page.location.params.get('cohort') ?? ''
  if (cohort !== '') params.set('cohort', cohort)
  for (const [k, v] of Object.entries(props.extra ?? {})) params.set(k, v)
  const enabled = subject !== '' || props.optional === true
  const data = useQuery({
    queryKey: ['report', props.name, props.page.store.id, params.toString()],
    queryFn: () => report<T>(props.page.store.id, props.name, params),
    enabled,
  })
  return (
    <>
      <PageHeader title={props.title}>
        <CohortPicker storeId={props.page.store.id} value={cohort} />
      </PageHeader>
      <SubjectForm
        key={subject}
        param={props.param}
        label={props.label}
        value={subject}
        placeholder={props.placeholder}
      />
      {!enabled ? (
        <p className="muted">
          Enter the {props.label.toLowerCase()} above, or follow a link from the course report.
        </p>
      ) : data.error !== null ? (
        <ErrorNote error={data.error} />
      ) : data.data === undefined ? (
        <Loading what="the report" />
      ) : (
        <>
          <p className="muted freshness" role="status">
            {props.page.window.label}. {freshnessText(data.data)}
          </p>
          <CohortNote cohort={(data.data as { cohortFilter?: CohortFilter }).cohortFilter} />
          {props.body(data.data)}
        </>
      )}
    </>
  )
}

interface LearnerReport extends ReportEnvelope {
  learner: string
  timeSpent: { formalSeconds: number; informalSeconds: number }
  sessions: {
    sessionId: string
    course: string | null
    activity: string
    start: string
    end: string
    statements: number
    durationSeconds: number
    completedAt: string | null
    success: boolean | null
    score: number | null
  }[]
  courses: {
    course: string
    progress: number | null
    completedAt: string | null
    timeSeconds: number
    lastAt: string
    lastPosition: { activity: string; at: string; progress: number | null } | null
    resume: { canResume: boolean }
    modules: {
      activity: string
      completedAt: string | null
      passedAt: string | null
      bestScore: number | null
      attempts: number
    }[]
  }[]
  objectives: {
    objective: string
    evidence: number
    correct: number
    mastery: number | null
    mastered: boolean
  }[]
  informal: { source: string; statements: number; seconds: number; lastAt: string }[]
  /** With `?cohort=`: the learner's courses against the cohort's persons (§10). */
  cohortComparison?: CohortFilter & {
    member: boolean
    courses: {
      course: string
      people: number
      suppressed: boolean
      started: number | null
      completionRate: number | null
      meanBestScore: number | null
      medianTimeSeconds: number | null
    }[]
  }
}

/** The learner's courses next to the cohort's figures (suppressed below 5 persons). */
function CohortComparison({ r }: { r: LearnerReport }) {
  const c = r.cohortComparison
  if (c === undefined) return null
  const mine = new Map(r.courses.map((x) => [x.course, x]))
  return (
    <section className="card" aria-labelledby="cohort-comparison-title">
      <h2 id="cohort-comparison-title">Compared with the cohort {c.name}</h2>
      <p className="muted">
        {c.rule} ({c.people} people). This learner is {c.member ? '' : 'not '}a member. Courses with
        fewer than 5 of its people are suppressed.
      </p>
      <DataTable
        caption={`The learner's courses compared with the cohort ${c.name}`}
        table={{
          columns: [
            'course',
            'learner: progress',
            'learner: completed',
            'learner: time',
            'cohort: people',
            'cohort: completion rate',
            'cohort: mean best score',
            'cohort: median time',
          ],
          rows: c.courses.map((x) => {
            const own = mine.get(x.course)
            return [
              shortIri(x.course),
              own?.progress === null || own === undefined ? '—' : percent(own.progress),
              own?.completedAt == null ? 'no' : formatDate(own.completedAt),
              own === undefined ? '—' : formatDuration(own.timeSeconds),
              x.people,
              x.suppressed ? 'suppressed' : percent(x.completionRate),
              x.suppressed || x.meanBestScore === null ? '—' : percent(x.meanBestScore),
              x.suppressed || x.medianTimeSeconds === null
                ? '—'
                : formatDuration(x.medianTimeSeconds),
            ]
          }),
        }}
      />
    </section>
  )
}

export function LearnerPage(props: PageProps) {
  return (
    <ReportPage<LearnerReport>
      page={props}
      title="Learner report"
      name="learner"
      param="learner"
      label="Learner (mbox:mailto:… or account:homePage|name)"
      placeholder="mbox:mailto:ada@example.com"
      body={(r) => {
        const agent = agentOfLearnerKey(r.learner)
        const results = r.courses.flatMap((c) => c.modules.map((m) => ({ course: c.course, ...m })))
        return (
          <>
            <h2 className="subject">{learnerLabel(r.learner)}</h2>
            <CohortComparison r={r} />
            <Kpis
              items={[
                { label: 'Sessions', value: numberFormat.format(r.sessions.length) },
                { label: 'Courses', value: numberFormat.format(r.courses.length) },
                { label: 'Formal learning', value: formatDuration(r.timeSpent.formalSeconds) },
                { label: 'Informal learning', value: formatDuration(r.timeSpent.informalSeconds) },
              ]}
            />
            {agent === undefined ? null : (
              <p>
                <a
                  href={pageHref('/statements', { agent })}
                  onClick={(e) => {
                    e.preventDefault()
                    navigate(pageHref('/statements', { agent }))
                  }}
                >
                  All statements of this learner
                </a>
              </p>
            )}
            <div className="grid">
              <ChartCard
                title="Timeline: time per session"
                csvName="learner-sessions"
                table={{
                  columns: [
                    'start',
                    'course',
                    'activity',
                    'statements',
                    'durationSeconds',
                    'completedAt',
                    'success',
                    'score',
                  ],
                  rows: r.sessions.map((s) => [
                    s.start,
                    s.course,
                    s.activity,
                    s.statements,
                    s.durationSeconds,
                    s.completedAt,
                    s.success,
                    s.score,
                  ]),
                }}
                option={{
                  tooltip: { trigger: 'axis' },
                  grid: { left: 56, right: 16, top: 16, bottom: 32 },
                  xAxis: { type: 'time' },
                  yAxis: { type: 'value', name: 'minutes' },
                  series: [
                    {
                      name: 'minutes',
                      type: 'bar',
                      barMaxWidth: 12,
                      data: r.sessions.map((s) => [
                        s.start,
                        Math.round(s.durationSeconds / 6) / 10,
                      ]),
                    },
                  ],
                }}
              />
              <ChartCard
                title="Progress per course"
                csvName="learner-courses"
                table={{
                  columns: [
                    'course',
                    'progress',
                    'completedAt',
                    'timeSeconds',
                    'last position',
                    'can resume',
                  ],
                  rows: r.courses.map((c) => [
                    c.course,
                    c.progress,
                    c.completedAt,
                    c.timeSeconds,
                    c.lastPosition?.activity ?? null,
                    c.resume.canResume,
                  ]),
                }}
                option={{
                  tooltip: { trigger: 'axis' },
                  grid: { left: 200, right: 24, top: 8, bottom: 24 },
                  xAxis: { type: 'value', max: 100, name: '%' },
                  yAxis: {
                    type: 'category',
                    inverse: true,
                    data: distinctShortIris(r.courses.map((c) => c.course)),
                  },
                  series: [
                    {
                      name: 'progress %',
                      type: 'bar',
                      data: r.courses.map((c) => Math.round((c.progress ?? 0) * 100)),
                    },
                  ],
                }}
              />
              <ChartCard
                title="Score per objective"
                csvName="learner-objectives"
                table={{
                  columns: ['objective', 'evidence', 'correct', 'mastery', 'mastered'],
                  rows: r.objectives.map((o) => [
                    o.objective,
                    o.evidence,
                    o.correct,
                    o.mastery,
                    o.mastered,
                  ]),
                }}
                height={Math.max(280, r.objectives.length * 18)}
                option={{
                  tooltip: { trigger: 'axis' },
                  grid: { left: 200, right: 24, top: 8, bottom: 24 },
                  xAxis: { type: 'value', max: 100, name: '%' },
                  yAxis: {
                    type: 'category',
                    inverse: true,
                    data: distinctShortIris(r.objectives.map((o) => o.objective)),
                  },
                  series: [
                    {
                      name: 'mastery %',
                      type: 'bar',
                      data: r.objectives.map((o) => Math.round((o.mastery ?? 0) * 100)),
                    },
                  ],
                }}
              />
              <ChartCard
                title="Informal learning"
                csvName="learner-informal"
                table={{
                  columns: ['source', 'statements', 'seconds', 'lastAt'],
                  rows: r.informal.map((i) => [i.source, i.statements, i.seconds, i.lastAt]),
                }}
                option={{
                  tooltip: { trigger: 'item' },
                  series: [
                    {
                      type: 'pie',
                      radius: ['40%', '70%'],
                      name: 'statements',
                      data: r.informal.map((i) => ({
                        name: i.source.slice(0, 40),
                        value: i.statements,
                      })),
                    },
                  ],
                }}
              />
            </div>
            <section className="card" aria-labelledby="results-title">
              <h2 id="results-title">Results</h2>
              <DataTable
                caption="Results per module"
                table={{
                  columns: ['course', 'module', 'completed', 'passed', 'best score', 'attempts'],
                  rows: results.map((m) => [
                    shortIri(m.course),
                    shortIri(m.activity),
                    formatDate(m.completedAt),
                    formatDate(m.passedAt),
                    m.bestScore === null ? null : percent(m.bestScore),
                    m.attempts,
                  ]),
                }}
              />
            </section>
          </>
        )
      }}
    />
  )
}

interface ItemsReport extends ReportEnvelope {
  assessment: string
  questions: number
  respondents: number
  meanTotal: number | null
  kr20: number | null
  items: {
    question: string
    responses: number
    respondents: number
    p: number | null
    discrimination: number | null
    pointBiserial: number | null
    flags: Record<string, boolean>
    answers: {
      response: string
      correct: boolean | null
      count: number
      share: number | null
      rareAnswer: boolean
    }[]
  }[]
}

export function QuestionsPage(props: PageProps) {
  return (
    <ReportPage<ItemsReport>
      page={props}
      title="Question analysis"
      name="items"
      param="assessment"
      label="Assessment (the quiz activity IRI)"
      placeholder="https://example.com/courses/intro/quiz"
      body={(r) => (
        <>
          <Kpis
            items={[
              { label: 'Questions', value: numberFormat.format(r.questions) },
              { label: 'Respondents', value: numberFormat.format(r.respondents) },
              { label: 'Mean total', value: r.meanTotal === null ? '—' : r.meanTotal.toFixed(2) },
              { label: 'Reliability (KR-20)', value: r.kr20 === null ? '—' : r.kr20.toFixed(2) },
            ]}
          />
          <ChartCard
            title="Difficulty and discrimination per question"
            description="Difficulty p = share answering correctly; discrimination = p(upper group) − p(lower group)."
            csvName="questions"
            table={{
              columns: [
                'question',
                'responses',
                'respondents',
                'p',
                'discrimination',
                'pointBiserial',
                'flags',
              ],
              rows: r.items.map((i) => [
                i.question,
                i.responses,
                i.respondents,
                i.p,
                i.discrimination,
                i.pointBiserial,
                Object.entries(i.flags)
                  .filter(([, on]) => on)
                  .map(([flag]) => flag)
                  .join(' '),
              ]),
            }}
            option={{
              tooltip: { trigger: 'axis' },
              legend: { top: 0 },
              grid: { left: 48, right: 16, top: 32, bottom: 32 },
              xAxis: {
                type: 'category',
                data: distinctShortIris(r.items.map((i) => i.question)),
              },
              yAxis: { type: 'value', min: -1, max: 1 },
              series: [
                { name: 'difficulty (p)', type: 'bar', data: r.items.map((i) => i.p) },
                { name: 'discrimination', type: 'bar', data: r.items.map((i) => i.discrimination) },
              ],
            }}
          />
          {r.items.map((item) => (
            <section
              className="card"
              key={item.question}
              aria-label={`Answers to ${item.question}`}
            >
              <h2>{shortIri(item.question)}</h2>
              <p className="muted small">
                {item.question}
                {Object.entries(item.flags)
                  .filter(([, on]) => on)
                  .map(([flag]) => ` · flag: ${flag}`)
                  .join('')}
              </p>
              <DataTable
                caption={`Answers given to ${item.question}`}
                table={{
                  columns: ['answer', 'correct', 'learners', 'share', 'rare'],
                  rows: item.answers.map((a) => [
                    readableResponse(a.response),
                    a.correct === null ? '—' : a.correct ? 'yes' : 'no',
                    a.count,
                    percent(a.share),
                    a.rareAnswer ? 'rare' : '',
                  ]),
                }}
              />
            </section>
          ))}
        </>
      )}
    />
  )
}

interface PagesReport extends ReportEnvelope {
  activity: string
  pages: {
    order: number
    page: string
    module: string
    views: number
    uniqueViewers: number
    medianSeconds: number | null
    dropoff: number | null
  }[]
}

export function PagesPage(props: PageProps) {
  return (
    <ReportPage<PagesReport>
      page={props}
      title="Pages"
      name="pages"
      param="activity"
      label="Course or module (activity IRI)"
      placeholder="https://example.com/courses/intro"
      body={(r) => {
        const labels = pageLabels(r.pages)
        const height = Math.max(280, r.pages.length * 18)
        const bars = (name: string, data: (number | null)[]) => ({
          tooltip: { trigger: 'axis' },
          grid: { left: 160, right: 24, top: 8, bottom: 24 },
          xAxis: { type: 'value' },
          yAxis: { type: 'category', inverse: true, data: labels },
          series: [{ name, type: 'bar', data }],
        })
        return (
          <div className="grid">
            <ChartCard
              title="Time per page"
              description="Median minutes per viewer."
              csvName="pages-time"
              height={height}
              table={{
                columns: ['order', 'page', 'views', 'uniqueViewers', 'medianSeconds'],
                rows: r.pages.map((p) => [
                  p.order,
                  p.page,
                  p.views,
                  p.uniqueViewers,
                  p.medianSeconds,
                ]),
              }}
              option={bars(
                'median minutes',
                r.pages.map((p) =>
                  p.medianSeconds === null ? null : Math.round(p.medianSeconds / 6) / 10,
                ),
              )}
            />
            <ChartCard
              title="Drop-off per page"
              description="Share of the previous page's viewers who did not view this one."
              csvName="pages-dropoff"
              height={height}
              table={{
                columns: ['order', 'page', 'uniqueViewers', 'dropoff'],
                rows: r.pages.map((p) => [p.order, p.page, p.uniqueViewers, p.dropoff]),
              }}
              option={bars(
                'drop-off %',
                r.pages.map((p) => (p.dropoff === null ? null : Math.round(p.dropoff * 1000) / 10)),
              )}
            />
          </div>
        )
      }}
    />
  )
}

interface ObjectivesReport extends ReportEnvelope {
  threshold: number
  objectives: {
    objective: string
    learners: number
    mastered: number
    masteryRate: number | null
    meanMastery: number | null
  }[]
  matrix: {
    learners: number
    page: number
    pageSize: number
    columns: string[]
    cells: {
      learner: string
      objective: string
      evidence: number
      correct: number
      mastery: number | null
      mastered: boolean
    }[]
  }
}

export function ObjectivesPage(props: PageProps) {
  return (
    <ReportPage<ObjectivesReport>
      page={props}
      title="Objectives"
      name="objectives"
      param="course"
      label="Course (activity IRI; empty = every objective)"
      placeholder="https://example.com/courses/intro"
      optional
      extra={{ pageSize: '100' }}
      body={(r) => {
        const learners = [...new Set(r.matrix.cells.map((c) => c.learner))]
        const objectives = r.matrix.columns
        return (
          <>
            <ChartCard
              title="Mastery heatmap: learner × objective"
              description={`Mastery = share of correct evidence; mastered at ${percent(r.threshold)} or more. Empty cells: no evidence.`}
              csvName="objectives-matrix"
              height={Math.max(320, learners.length * 22 + 120)}
              table={{
                columns: ['learner', 'objective', 'evidence', 'correct', 'mastery', 'mastered'],
                rows: r.matrix.cells.map((c) => [
                  c.learner,
                  c.objective,
                  c.evidence,
                  c.correct,
                  c.mastery,
                  c.mastered,
                ]),
              }}
              option={{
                tooltip: { trigger: 'item' },
                grid: { left: 110, right: 24, top: 8, bottom: 110 },
                xAxis: {
                  type: 'category',
                  data: distinctShortIris(objectives),
                  axisLabel: { rotate: 35 },
                },
                yAxis: { type: 'category', data: learners.map(learnerLabel) },
                visualMap: {
                  min: 0,
                  max: 100,
                  calculable: true,
                  orient: 'horizontal',
                  left: 'center',
                  bottom: 0,
                  inRange: { color: ['#fee2e2', '#fde68a', '#16a34a'] },
                },
                series: [
                  {
                    name: 'mastery %',
                    type: 'heatmap',
                    data: r.matrix.cells
                      .filter((c) => c.mastery !== null)
                      .map((c) => [
                        objectives.indexOf(c.objective),
                        learners.indexOf(c.learner),
                        Math.round((c.mastery ?? 0) * 100),
                      ]),
                  },
                ],
              }}
            />
            <section className="card" aria-labelledby="objectives-title">
              <h2 id="objectives-title">Objectives</h2>
              <DataTable
                caption="Objectives"
                table={{
                  columns: ['objective', 'learners', 'mastered', 'mastery rate', 'mean mastery'],
                  rows: r.objectives.map((o) => [
                    o.objective,
                    o.learners,
                    o.mastered,
                    percent(o.masteryRate),
                    percent(o.meanMastery),
                  ]),
                }}
              />
            </section>
          </>
        )
      }}
    />
  )
}
