/** Cohorts: saved attribute filters (create, delete) and the comparison of one cohort with another or with everyone else. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type SyntheticEvent } from 'react'
import { api } from '../api'
import type { PageProps } from '../app'
import { Link, pageHref } from '../app'
import { ChartCard, DataTable, ErrorNote, Loading, PageHeader } from '../components'
import { refreshAfterWrite } from '../refresh'
import { freshnessText, report, windowParams } from '../reports'
import { setParams } from '../router'
import { ATTRIBUTES, type Cohort, type CompareReport, type Condition } from './people-api'

const OPS: [string, string][] = [
  ['eq', 'is'],
  ['ne', 'is not'],
  ['in', 'is one of (comma-separated)'],
  ['contains', 'contains'],
  ['gte', 'is at least'],
  ['lte', 'is at most'],
  ['exists', 'is known'],
  ['missing', 'is unknown'],
]

export function CohortsPage({ store, window, location }: PageProps) {
  const queryClient = useQueryClient()
  const cohorts = useQuery({
    queryKey: ['cohorts', store.id],
    queryFn: () => api<{ cohorts: Cohort[] }>(`/stores/${store.id}/cohorts`).then((r) => r.cohorts),
  })
  const remove = useMutation({
    mutationFn: (id: number) => api(`/stores/${store.id}/cohorts/${id}`, { method: 'DELETE' }),
    onSuccess: () => refreshAfterWrite(queryClient, { queryKey: ['cohorts', store.id] }),
  })
  return (
    <>
      <PageHeader title="Cohorts" />
      <p className="muted">
        A cohort is a saved filter over people’s attributes; reports can be restricted to one (the
        overview, the course report and its learner list, informal learning) or compare two.
      </p>
      <div className="grid">
        <section className="card" aria-labelledby="cohort-list-title">
          <h2 id="cohort-list-title">Saved cohorts</h2>
          {cohorts.error !== null ? (
            <ErrorNote error={cohorts.error} />
          ) : cohorts.data === undefined ? (
            <Loading what="cohorts" />
          ) : cohorts.data.length === 0 ? (
            <p className="muted">No cohorts yet.</p>
          ) : (
            <ul className="plain">
              {cohorts.data.map((c) => (
                <li key={c.id}>
                  <strong>{c.name}</strong> — {c.rule} · {c.members} people ·{' '}
                  <Link href={pageHref('/people', { cohort: String(c.id) })}>members</Link> ·{' '}
                  <Link href={pageHref('/', { cohort: String(c.id) })}>overview</Link>{' '}
                  <button
                    type="button"
                    className="button secondary small"
                    onClick={() => remove.mutate(c.id)}
                    aria-label={`Delete cohort ${c.name}`}
                  >
                    Delete
                  </button>
                </li>
              ))}
            </ul>
          )}
          {remove.error === null ? null : <ErrorNote error={remove.error} />}
        </section>
        <NewCohort storeId={store.id} />
      </div>
      {cohorts.data !== undefined && cohorts.data.length > 0 ? (
        <Compare
          storeId={store.id}
          cohorts={cohorts.data}
          params={location.params}
          windowParams={windowParams(window)}
        />
      ) : null}
    </>
  )
}

function NewCohort({ storeId }: { storeId: number }) {
  const queryClient = useQueryClient()
  const [name, setName] = useState('')
  const [conditions, setConditions] = useState<{ attribute: string; op: string; value: string }[]>([
    { attribute: 'team', op: 'eq', value: '' },
  ])
  const create = useMutation({
    mutationFn: () =>
      api<Cohort>(`/stores/${storeId}/cohorts`, {
        method: 'POST',
        json: {
          name,
          filter: {
            all: conditions.map((c): Condition => {
              if (c.op === 'exists' || c.op === 'missing')
                return { attribute: c.attribute, op: c.op }
              if (c.op === 'in')
                return {
                  attribute: c.attribute,
                  op: c.op,
                  value: c.value
                    .split(',')
                    .map((v) => v.trim())
                    .filter((v) => v !== ''),
                }
              return { attribute: c.attribute, op: c.op, value: c.value }
            }),
          },
        },
      }),
    onSuccess: async () => {
      setName('')
      await refreshAfterWrite(queryClient, { queryKey: ['cohorts', storeId] })
    },
  })
  const update = (i: number, change: Partial<{ attribute: string; op: string; value: string }>) =>
    setConditions(conditions.map((c, j) => (j === i ? { ...c, ...change } : c)))
  return (
    <section className="card" aria-labelledby="new-cohort-title">
      <h2 id="new-cohort-title">New cohort</h2>
      <form
        onSubmit={(event: SyntheticEvent) => {
          event.preventDefault()
          create.mutate()
        }}
      >
        <label className="block">
          Cohort name
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        {conditions.map((c, i) => (
          <fieldset key={i} className="inline-form">
            <legend className="sr-only">Condition {i + 1}</legend>
            <label>
              Attribute {i + 1}
              <select
                value={c.attribute}
                onChange={(e) => update(i, { attribute: e.target.value })}
              >
                {ATTRIBUTES.map(([k, label]) => (
                  <option key={k} value={k}>
                    {label}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Operator {i + 1}
              <select value={c.op} onChange={(e) => update(i, { op: e.target.value })}>
                {OPS.map(([op, label]) => (
                  <option key={op} value={op}>
                    {label}
                  </option>
                ))}
              </select>
            </label>
            {c.op === 'exists' || c.op === 'missing' ? null : (
              <label>
                Value {i + 1}
                <input value={c.value} onChange={(e) => update(i, { value: e.target.value })} />
              </label>
            )}
            {conditions.length > 1 ? (
              <button
                type="button"
                className="button secondary small"
                onClick={() => setConditions(conditions.filter((_, j) => j !== i))}
              >
                Remove
              </button>
            ) : null}
          </fieldset>
        ))}
        <div className="form-actions">
          <button
            type="button"
            className="button secondary"
            onClick={() =>
              setConditions([...conditions, { attribute: 'role', op: 'eq', value: '' }])
            }
          >
            Add condition (AND)
          </button>
          <button type="submit" className="button" disabled={create.isPending}>
            Save cohort
          </button>
        </div>
      </form>
      {create.error === null ? null : <ErrorNote error={create.error} />}
    </section>
  )
}

function Compare(props: {
  storeId: number
  cohorts: Cohort[]
  params: URLSearchParams
  windowParams: URLSearchParams
}) {
  const first = props.params.get('compare') ?? String(props.cohorts[0]?.id ?? '')
  const versus = props.params.get('versus') ?? 'rest'
  const activity = props.params.get('activity') ?? ''
  const [course, setCourse] = useState(activity)
  const query = new URLSearchParams(props.windowParams)
  query.set('cohort', first)
  query.set('versus', versus)
  if (activity !== '') query.set('activity', activity)
  const compare = useQuery({
    queryKey: ['report', 'compare', props.storeId, query.toString()],
    queryFn: () => report<CompareReport>(props.storeId, 'compare', query),
    enabled: first !== '',
  })
  const r = compare.data
  return (
    <section className="card" aria-labelledby="compare-title">
      <h2 id="compare-title">Compare</h2>
      <form
        className="inline-form"
        onSubmit={(event: SyntheticEvent) => {
          event.preventDefault()
          setParams({ activity: course })
        }}
      >
        <label>
          Cohort
          <select value={first} onChange={(e) => setParams({ compare: e.target.value })}>
            {props.cohorts.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Versus
          <select value={versus} onChange={(e) => setParams({ versus: e.target.value })}>
            <option value="rest">everyone else</option>
            {props.cohorts.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label className="grow">
          Course (optional)
          <input
            value={course}
            onChange={(e) => setCourse(e.target.value)}
            placeholder="course activity id"
          />
        </label>
        <button type="submit" className="button secondary">
          Compare
        </button>
      </form>
      {compare.error !== null ? (
        <ErrorNote error={compare.error} />
      ) : r === undefined ? (
        <Loading what="the comparison" />
      ) : (
        <>
          <p className="muted">
            {r.groups
              .map(
                (g) =>
                  `${g.label}: ${g.suppressed ? `fewer than ${r.minimumGroup} people (suppressed)` : `${g.people ?? 0} people`}`,
              )
              .join(' · ')}
            . {freshnessText(r)}
          </p>
          <ChartCard
            title="Cohort comparison"
            csvName={`compare-${props.storeId}`}
            table={{
              columns: ['measure', ...r.groups.map((g) => g.label), 'test', 'p'],
              rows: r.measures.map((m) => [
                m.measure,
                ...m.groups.map((g) => (g.suppressed ? 'suppressed' : g.value)),
                m.test?.test ?? null,
                m.test?.p ?? null,
              ]),
            }}
            option={{
              tooltip: { trigger: 'axis' },
              legend: { top: 0 },
              grid: { left: 180, right: 24, top: 32, bottom: 24 },
              xAxis: { type: 'value' },
              yAxis: { type: 'category', inverse: true, data: r.measures.map((m) => m.measure) },
              series: r.groups.map((g, i) => ({
                name: g.label,
                type: 'bar',
                data: r.measures.map((m) => m.groups[i]?.value ?? null),
              })),
            }}
          />
          <DataTable
            caption="Significance"
            table={{
              columns: ['measure', 'n', 'test', 'statistic', 'p', '95% interval'],
              rows: r.measures.map((m) => [
                m.measure,
                m.groups.map((g) => (g.n === null ? 'suppressed' : String(g.n))).join(' vs '),
                m.test?.test ?? 'withheld',
                m.test?.statistic ?? null,
                m.test?.p ?? null,
                m.test?.ci == null ? null : `${m.test.ci[0]} … ${m.test.ci[1]}`,
              ]),
            }}
          />
        </>
      )}
    </section>
  )
}
