/** Skills gaps, at-risk learners with their explanations and models, next-step recommendations (the insights API, docs/insights.md). */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type SyntheticEvent } from 'react'
import { api } from '../api'
import type { PageProps } from '../app'
import { pageHref } from '../app'
import { ChartCard, DataTable, ErrorNote, Kpis, Loading, PageHeader } from '../components'
import { numberFormat } from '../format'
import { refreshAfterWrite } from '../refresh'
import { activityLabel, learnerLabel, percent, shortIri } from '../reports'
import { navigate, setParams } from '../router'

function insights<T>(
  storeId: number,
  path: string,
  params: Record<string, string> = {},
): Promise<T> {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '')).toString()
  return api<T>(`/stores/${storeId}/insights/${path}${query === '' ? '' : `?${query}`}`)
}

const fixed = (x: number | null | undefined, digits = 2) =>
  x === null || x === undefined ? '—' : x.toFixed(digits)

/** A learner key field that puts its value in the URL. */
function LearnerForm(props: { value: string; button: string }) {
  const [value, setValue] = useState(props.value)
  return (
    <form
      className="card inline-form"
      onSubmit={(event: SyntheticEvent) => {
        event.preventDefault()
        setParams({ learner: value.trim() })
      }}
    >
      <label className="grow">
        Learner (mbox:mailto:… or account:homePage|name)
        <input
          value={value}
          onChange={(e) => setValue(e.target.value)}
          required
          placeholder="account:https://lms.example.com|u000001"
        />
      </label>
      <button type="submit" className="button">
        {props.button}
      </button>
    </form>
  )
}

interface GapCell {
  competency: string
  name?: string
  target: number
  targetScope: string
  mastery: number | null
  evidence: number
  gap: number
  closingContent?: string[]
}

interface CohortGaps {
  learners: number
  competencies: {
    competency: string
    name: string
    learners: number
    meanGap: number | null
    belowTarget: number
    shareBelowTarget: number | null
    meanMastery: number | null
    content: string[]
  }[]
  rows: {
    learner: string
    name: string | null
    role: string | null
    gapScore: number
    largestGap: string | null
  }[]
  definitions: Record<string, string>
}

interface LearnerGaps {
  learner: string
  gapScore: number
  cells: GapCell[]
  definitions: Record<string, string>
}

export function SkillGapsPage({ store, location }: PageProps) {
  const learner = location.params.get('learner') ?? ''
  const cohort = location.params.get('cohort') ?? ''
  const data = useQuery({
    queryKey: ['insights', 'skill-gaps', store.id, learner, cohort],
    queryFn: (): Promise<CohortGaps | LearnerGaps> =>
      learner === ''
        ? insights<CohortGaps>(store.id, 'skill-gaps', { cohort, pageSize: '100' })
        : insights<LearnerGaps>(store.id, 'skill-gaps', { learner }),
  })
  return (
    <>
      <PageHeader title="Skills gaps" />
      <LearnerForm key={learner} value={learner} button="Show gaps" />
      {learner === '' ? null : (
        <p>
          <button
            type="button"
            className="button secondary small"
            onClick={() => setParams({ learner: undefined })}
          >
            Back to everyone
          </button>
        </p>
      )}
      {data.error !== null ? (
        <ErrorNote error={data.error} />
      ) : data.data === undefined ? (
        <Loading what="the skill gaps" />
      ) : 'rows' in data.data ? (
        <CohortGapsView r={data.data} />
      ) : (
        <LearnerGapsView r={data.data} />
      )}
    </>
  )
}

function CohortGapsView({ r }: { r: CohortGaps }) {
  if (r.competencies.length === 0)
    return (
      <p className="muted">
        No competencies yet: none is aligned in the statements, and none is defined.
      </p>
    )
  return (
    <>
      <Kpis
        items={[
          { label: 'Learners with evidence', value: numberFormat.format(r.learners) },
          { label: 'Competencies', value: numberFormat.format(r.competencies.length) },
          {
            label: 'Below target (all cells)',
            value: percent(
              r.competencies.reduce((t, c) => t + c.belowTarget, 0) /
                Math.max(
                  1,
                  r.competencies.reduce((t, c) => t + c.learners, 0),
                ),
            ),
          },
        ]}
      />
      <p className="muted">{r.definitions['gap']}</p>
      <div className="grid">
        <ChartCard
          title="Cohort gap per competency"
          description="Mean gap (target − mastery) and the share of learners below target."
          csvName="skill-gaps-cohort"
          table={{
            columns: [
              'competency',
              'learners',
              'meanGap',
              'shareBelowTarget',
              'meanMastery',
              'content',
            ],
            rows: r.competencies.map((c) => [
              c.name,
              c.learners,
              c.meanGap,
              c.shareBelowTarget,
              c.meanMastery,
              c.content.map(activityLabel).join(', '),
            ]),
          }}
          option={{
            tooltip: { trigger: 'axis' },
            legend: { top: 0 },
            grid: { left: 180, right: 24, top: 32, bottom: 24 },
            xAxis: { type: 'value', max: 1 },
            yAxis: { type: 'category', inverse: true, data: r.competencies.map((c) => c.name) },
            series: [
              { name: 'mean gap', type: 'bar', data: r.competencies.map((c) => c.meanGap) },
              {
                name: 'share below target',
                type: 'bar',
                data: r.competencies.map((c) => c.shareBelowTarget),
              },
            ],
          }}
        />
        <section className="card" aria-labelledby="gap-people">
          <h2 id="gap-people">People by gap score</h2>
          <p className="muted">
            Gap score = the sum of a person’s gaps. Select a person for their gaps and the content
            that closes them.
          </p>
          <DataTable
            caption="People by gap score"
            table={{
              columns: ['learner', 'name', 'role', 'gapScore', 'largestGap'],
              rows: r.rows.map((row) => [
                row.learner,
                row.name,
                row.role,
                row.gapScore,
                row.largestGap === null ? null : shortIri(row.largestGap),
              ]),
            }}
            onRow={(i) => setParams({ learner: r.rows[i]?.learner })}
            rowLabel={(i) => `Skill gaps of ${r.rows[i]?.learner ?? ''}`}
          />
        </section>
      </div>
    </>
  )
}

function LearnerGapsView({ r }: { r: LearnerGaps }) {
  return (
    <>
      <h2 className="subject">{learnerLabel(r.learner)}</h2>
      <Kpis
        items={[
          { label: 'Gap score', value: fixed(r.gapScore) },
          {
            label: 'Competencies below target',
            value: numberFormat.format(r.cells.filter((c) => c.gap > 0).length),
          },
        ]}
      />
      <div className="grid">
        <ChartCard
          title="Mastery against target"
          csvName="skill-gaps-learner"
          table={{
            columns: [
              'competency',
              'target',
              'targetFrom',
              'mastery',
              'evidence',
              'gap',
              'closes it',
            ],
            rows: r.cells.map((c) => [
              c.name ?? c.competency,
              c.target,
              c.targetScope,
              c.mastery,
              c.evidence,
              c.gap,
              (c.closingContent ?? []).map(activityLabel).join(', '),
            ]),
          }}
          option={{
            tooltip: { trigger: 'axis' },
            legend: { top: 0 },
            grid: { left: 180, right: 24, top: 32, bottom: 24 },
            xAxis: { type: 'value', max: 1 },
            yAxis: {
              type: 'category',
              inverse: true,
              data: r.cells.map((c) => c.name ?? c.competency),
            },
            series: [
              { name: 'mastery', type: 'bar', data: r.cells.map((c) => c.mastery ?? 0) },
              { name: 'target', type: 'scatter', data: r.cells.map((c) => c.target) },
            ],
          }}
        />
        <section className="card" aria-labelledby="gap-close">
          <h2 id="gap-close">What closes each gap</h2>
          <ul className="plain">
            {r.cells
              .filter((c) => c.gap > 0)
              .map((c) => (
                <li key={c.competency}>
                  <strong>{c.name ?? c.competency}</strong>: gap {fixed(c.gap)} —{' '}
                  {(c.closingContent ?? []).length === 0
                    ? 'no aligned module left to take'
                    : (c.closingContent ?? []).map(activityLabel).join(', ')}
                </li>
              ))}
          </ul>
        </section>
      </div>
    </>
  )
}

interface Reason {
  feature: string
  value: number | null
  peers: number | null
  contribution: number
  text: string
}
interface Flag {
  learner: string
  name: string | null
  course: string
  level: 'red' | 'yellow' | 'green'
  method: 'logistic' | 'rules'
  probability: number | null
  score: number
  base: number
  progressOfTime: number | null
  why: string
  reasons: Reason[]
}
interface AtRisk {
  asOf: string
  courses: {
    course: string
    method: string
    fallbackReason: string | null
    usualDays: number | null
    inProgress: number
    red: number
    yellow: number
    auc: number | null
  }[]
  flags: Flag[]
  definitions: Record<string, string>
}
interface Model {
  course: string
  kind: 'logistic' | 'rules'
  trainedAt: string
  usualDays: number | null
  knownOutcomes: number
  atRiskOutcomes: number
  fallbackReason: string | null
  intercept: number
  coefficients: Record<string, number>
  quality: {
    method: string
    testLearners: number
    auc: number | null
    baselineAuc: number | null
    precisionAtTop10: number | null
    baselinePrecisionAtTop10: number | null
  } | null
}

export function AtRiskPage({ store, location }: PageProps) {
  const course = location.params.get('course') ?? ''
  const queryClient = useQueryClient()
  const [selected, setSelected] = useState<number | undefined>(undefined)
  const flags = useQuery({
    queryKey: ['insights', 'at-risk', store.id, course],
    queryFn: () => insights<AtRisk>(store.id, 'at-risk', { course }),
  })
  const models = useQuery({
    queryKey: ['insights', 'models', store.id],
    queryFn: () => insights<{ models: Model[] }>(store.id, 'at-risk/models'),
  })
  const train = useMutation({
    mutationFn: () => api(`/stores/${store.id}/insights/at-risk/train`, { method: 'POST' }),
    onSuccess: () => refreshAfterWrite(queryClient, { queryKey: ['insights'] }),
  })
  const r = flags.data
  const flagged = r?.flags.filter((f) => f.level !== 'green') ?? []
  const chosen = selected === undefined ? undefined : flagged[selected]
  return (
    <>
      <PageHeader title="At-risk learners">
        <button
          type="button"
          className="button"
          disabled={train.isPending}
          onClick={() => train.mutate()}
        >
          {train.isPending ? 'Retraining…' : 'Retrain models'}
        </button>
      </PageHeader>
      {train.error === null ? null : <ErrorNote error={train.error} />}
      {train.isSuccess ? (
        <p role="status" className="muted">
          Models retrained.
        </p>
      ) : null}
      {flags.error !== null ? (
        <ErrorNote error={flags.error} />
      ) : r === undefined ? (
        <Loading what="the at-risk learners" />
      ) : (
        <>
          <p className="muted freshness">
            As of {r.asOf.slice(0, 16).replace('T', ' ')} UTC (the store’s latest statement).{' '}
            {r.definitions['atRisk']}
          </p>
          <Kpis
            items={[
              { label: 'In progress', value: numberFormat.format(r.flags.length) },
              {
                label: 'Red',
                value: numberFormat.format(r.flags.filter((f) => f.level === 'red').length),
              },
              {
                label: 'Yellow',
                value: numberFormat.format(r.flags.filter((f) => f.level === 'yellow').length),
              },
            ]}
          />
          <section className="card" aria-labelledby="risk-flags">
            <h2 id="risk-flags">Flagged learners</h2>
            <p className="muted">
              Select a learner to see why: each reason’s contribution, which add up to the score.
            </p>
            <DataTable
              caption="Flagged learners"
              table={{
                columns: ['learner', 'course', 'level', 'probability', 'why'],
                rows: flagged.map((f) => [
                  f.name ?? f.learner,
                  activityLabel(f.course),
                  f.level,
                  f.probability,
                  f.why,
                ]),
              }}
              onRow={setSelected}
              rowLabel={(i) =>
                `Why ${flagged[i]?.learner ?? ''} is flagged in ${flagged[i]?.course ?? ''}`
              }
            />
          </section>
          {chosen === undefined ? null : <Explanation flag={chosen} />}
          <section className="card" aria-labelledby="risk-courses">
            <h2 id="risk-courses">Courses</h2>
            <DataTable
              caption="Courses"
              table={{
                columns: [
                  'course',
                  'method',
                  'usual days',
                  'in progress',
                  'red',
                  'yellow',
                  'holdout AUC',
                  'note',
                ],
                rows: r.courses.map((c) => [
                  activityLabel(c.course),
                  c.method,
                  c.usualDays,
                  c.inProgress,
                  c.red,
                  c.yellow,
                  c.auc,
                  c.fallbackReason,
                ]),
              }}
              onRow={(i) => setParams({ course: r.courses[i]?.course })}
              rowLabel={(i) => `Only ${r.courses[i]?.course ?? ''}`}
            />
          </section>
        </>
      )}
      {models.data === undefined ? null : <ModelsCard models={models.data.models} />}
    </>
  )
}

function Explanation({ flag }: { flag: Flag }) {
  const reasons = [...flag.reasons].sort((a, b) => b.contribution - a.contribution)
  return (
    <ChartCard
      title={`Why: ${flag.name ?? learnerLabel(flag.learner)}`}
      description={`${flag.method === 'logistic' ? 'Log-odds' : 'Points'}: base ${fixed(flag.base)} + reasons ${fixed(flag.score - flag.base)} = score ${fixed(flag.score)}${flag.probability === null ? '' : ` (probability ${fixed(flag.probability)})`}.`}
      csvName="at-risk-explanation"
      table={{
        columns: ['reason', 'value', 'peers who completed', 'contribution'],
        rows: reasons.map((x) => [x.text, x.value, x.peers, x.contribution]),
      }}
      option={{
        tooltip: { trigger: 'axis' },
        grid: { left: 280, right: 24, top: 8, bottom: 24 },
        xAxis: { type: 'value' },
        yAxis: { type: 'category', inverse: true, data: reasons.map((x) => x.text.slice(0, 48)) },
        series: [
          {
            name: 'contribution',
            type: 'bar',
            data: reasons.map((x) => ({
              value: x.contribution,
              itemStyle: { color: x.contribution > 0 ? '#dc2626' : '#16a34a' },
            })),
          },
        ],
      }}
    />
  )
}

function ModelsCard({ models }: { models: Model[] }) {
  const features = [...new Set(models.flatMap((m) => Object.keys(m.coefficients)))]
  return (
    <section className="card" aria-labelledby="risk-models">
      <h2 id="risk-models">Models and their measured quality</h2>
      {models.length === 0 ? (
        <p className="muted">No model trained yet: flags use the rules until you retrain.</p>
      ) : (
        <>
          <p className="muted">{models.find((m) => m.quality !== null)?.quality?.method ?? ''}</p>
          <DataTable
            caption="Models and their measured quality"
            table={{
              columns: [
                'course',
                'kind',
                'trained',
                'known outcomes',
                'AUC',
                'baseline AUC',
                'P@10%',
                'baseline P@10%',
                'why the rules',
              ],
              rows: models.map((m) => [
                activityLabel(m.course),
                m.kind === 'rules' ? 'rules' : 'logistic regression',
                m.trainedAt.slice(0, 16).replace('T', ' '),
                m.knownOutcomes,
                m.quality?.auc ?? null,
                m.quality?.baselineAuc ?? null,
                m.quality?.precisionAtTop10 ?? null,
                m.quality?.baselinePrecisionAtTop10 ?? null,
                m.fallbackReason,
              ]),
            }}
          />
          {/* Coefficients apart: one column per course keeps the table narrow enough to read. */}
          <h3>Coefficients (log-odds per standardised feature)</h3>
          <DataTable
            caption="Model coefficients"
            table={{
              columns: ['feature', ...models.map((m) => activityLabel(m.course))],
              rows: [
                ['intercept', ...models.map((m) => m.intercept)],
                ...features.map((f) => [f, ...models.map((m) => m.coefficients[f] ?? null)]),
              ],
            }}
          />
        </>
      )}
    </section>
  )
}

interface Recommendations {
  learner: string
  known: boolean
  recommendations: {
    activity: string
    score: number
    reason: string
    reasons: string[]
    signals: { sequence: number; gap: number; level: number; predictedSuccess: number | null }
  }[]
  /** Single questions at the learner's level (difficulty targeting, §14). */
  questions: {
    question: string
    assessment: string
    module: string | null
    predictedSuccess: number
    atLevel: boolean
    status: 'unanswered' | 'retry'
    reason: string
    reasons: string[]
  }[]
  inProgress: { activity: string; lastAt: string; reason: string }[]
  model: { modules: number; successfulLearners: number; theta: number }
  definitions: Record<string, string>
}

export function RecommendationsPage({ store, location }: PageProps) {
  const learner = location.params.get('learner') ?? ''
  const data = useQuery({
    queryKey: ['insights', 'recommendations', store.id, learner],
    queryFn: () => insights<Recommendations>(store.id, 'recommendations', { learner, limit: '5' }),
    enabled: learner !== '',
  })
  const r = data.data
  return (
    <>
      <PageHeader title="Recommendations" />
      <LearnerForm key={learner} value={learner} button="Recommend" />
      {learner === '' ? (
        <p className="muted">Enter a learner above, or pick one on the Skills gaps page.</p>
      ) : data.error !== null ? (
        <ErrorNote error={data.error} />
      ) : r === undefined ? (
        <Loading what="the recommendations" />
      ) : (
        <>
          <h2 className="subject">{learnerLabel(r.learner)}</h2>
          <p className="muted">{r.definitions['recommendations']}</p>
          {r.known ? null : (
            <p className="muted">
              No history for this learner yet: where learners who completed a course started.
            </p>
          )}
          <section className="card" aria-labelledby="next-steps">
            <h2 id="next-steps">Next steps</h2>
            <ol className="recommendations">
              {r.recommendations.map((x) => (
                <li key={x.activity}>
                  <strong>{activityLabel(x.activity)}</strong> — {x.reason}
                  {x.reasons.length > 1 ? (
                    <span className="muted small">
                      {' '}
                      (also: {x.reasons.filter((t) => t !== x.reason).join('; ')})
                    </span>
                  ) : null}
                </li>
              ))}
            </ol>
          </section>
          <section className="card" aria-labelledby="questions-at-level">
            <h2 id="questions-at-level">Questions at your level</h2>
            <p className="muted small">{r.definitions['questions']}</p>
            {r.questions.length === 0 ? (
              <p className="muted">
                No question left to offer: every rated question is answered right.
              </p>
            ) : (
              <DataTable
                caption="Questions at the learner's level"
                table={{
                  columns: ['question', 'module', 'predicted success', 'status', 'why'],
                  rows: r.questions.map((q) => [
                    shortIri(q.question),
                    shortIri(q.module ?? q.assessment),
                    q.predictedSuccess.toFixed(2),
                    q.status === 'retry' ? 'answered wrong first' : 'not answered',
                    q.reasons.join('; '),
                  ]),
                }}
              />
            )}
          </section>
          <div className="grid">
            <ChartCard
              title="Why each: the signals"
              csvName="recommendations"
              table={{
                columns: ['activity', 'score', 'sequence', 'gap', 'level', 'predicted success'],
                rows: r.recommendations.map((x) => [
                  x.activity,
                  x.score,
                  x.signals.sequence,
                  x.signals.gap,
                  x.signals.level,
                  x.signals.predictedSuccess,
                ]),
              }}
              option={{
                tooltip: { trigger: 'axis' },
                legend: { top: 0 },
                grid: { left: 200, right: 24, top: 32, bottom: 24 },
                xAxis: { type: 'value' },
                yAxis: {
                  type: 'category',
                  inverse: true,
                  data: r.recommendations.map((x) => activityLabel(x.activity)),
                },
                series: [
                  {
                    name: 'sequence',
                    type: 'bar',
                    stack: 's',
                    data: r.recommendations.map((x) => x.signals.sequence),
                  },
                  {
                    name: 'gap share',
                    type: 'bar',
                    stack: 'g',
                    data: r.recommendations.map((x) => x.signals.gap),
                  },
                  {
                    name: 'level fit',
                    type: 'bar',
                    stack: 'l',
                    data: r.recommendations.map((x) => x.signals.level),
                  },
                ],
              }}
            />
            <section className="card" aria-labelledby="in-progress">
              <h2 id="in-progress">In progress</h2>
              {r.inProgress.length === 0 ? (
                <p className="muted">Nothing started and left unfinished.</p>
              ) : (
                <DataTable
                  caption="In progress"
                  table={{
                    columns: ['module', 'last', 'why'],
                    rows: r.inProgress.map((x) => [activityLabel(x.activity), x.lastAt, x.reason]),
                  }}
                />
              )}
              <p>
                <a
                  href={pageHref('/skill-gaps', { learner: r.learner })}
                  onClick={(e) => {
                    e.preventDefault()
                    navigate(pageHref('/skill-gaps', { learner: r.learner }))
                  }}
                >
                  Skill gaps of this learner
                </a>
              </p>
            </section>
          </div>
        </>
      )}
    </>
  )
}
