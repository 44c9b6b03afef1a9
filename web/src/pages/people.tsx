/** People: the list (search, cohort), a person's attributes and IFIs (edit, merge, split, erase), and imports of HR exports with a dry run. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type SyntheticEvent } from 'react'
import { api } from '../api'
import type { PageProps } from '../app'
import { Link, pageHref } from '../app'
import { DataTable, ErrorNote, Loading, PageHeader } from '../components'
import { ConfirmErasure, type Erasure, ErasureDone } from '../erasure'
import { numberFormat } from '../format'
import { refreshAfterWrite } from '../refresh'
import { learnerLabel } from '../reports'
import { setParams } from '../router'
import {
  ATTRIBUTES,
  type Cohort,
  type ImportResult,
  type Person,
  type PeoplePage as PeopleList,
} from './people-api'

export function PeoplePage({ store, location }: PageProps) {
  const personId = location.params.get('person')
  if (personId !== null) return <PersonDetail storeId={store.id} id={Number(personId)} />
  return <PeopleListPage storeId={store.id} params={location.params} />
}

function PeopleListPage({ storeId, params }: { storeId: number; params: URLSearchParams }) {
  const search = params.get('search') ?? ''
  const cohort = params.get('cohort') ?? ''
  const page = Number(params.get('page') ?? '1')
  const [text, setText] = useState(search)
  const query = new URLSearchParams({ page: String(page), pageSize: '50' })
  if (search !== '') query.set('search', search)
  if (cohort !== '') query.set('cohort', cohort)
  const people = useQuery({
    queryKey: ['people', storeId, query.toString()],
    queryFn: () => api<PeopleList>(`/stores/${storeId}/people?${query.toString()}`),
  })
  const cohorts = useQuery({
    queryKey: ['cohorts', storeId],
    queryFn: () => api<{ cohorts: Cohort[] }>(`/stores/${storeId}/cohorts`).then((r) => r.cohorts),
  })
  return (
    <>
      <PageHeader title="People" />
      <p className="muted">
        A person has one or more identifiers (IFIs) and attributes. People appear from statements on
        their own; import an HR or LMS export to add roles, teams and managers, and to merge the
        IFIs of one person (every report then counts them once).
      </p>
      <form
        className="inline-form"
        role="search"
        onSubmit={(event: SyntheticEvent) => {
          event.preventDefault()
          setParams({ search: text, page: undefined })
        }}
      >
        <label className="grow">
          Search people
          <input
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder="name, email or IFI"
          />
        </label>
        <label>
          Cohort
          <select
            value={cohort}
            onChange={(e) => setParams({ cohort: e.target.value, page: undefined })}
          >
            <option value="">everyone</option>
            {(cohorts.data ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="button">
          Search
        </button>
      </form>
      {people.error !== null ? (
        <ErrorNote error={people.error} />
      ) : people.data === undefined ? (
        <Loading what="people" />
      ) : (
        <section className="card" aria-label="People list">
          <p className="muted">
            {numberFormat.format(people.data.total)} people
            {people.data.total > people.data.pageSize ? `, page ${page}` : ''}
          </p>
          <DataTable
            caption="People"
            table={{
              columns: ['name', 'role', 'team', 'org unit', 'identifiers'],
              rows: people.data.people.map((p) => [
                p.attributes.name ?? `#${p.id}`,
                p.attributes.role ?? null,
                p.attributes.team ?? null,
                p.attributes.orgUnit ?? null,
                p.identifiers.map(learnerLabel).join(', '),
              ]),
            }}
            onRow={(index) => setParams({ person: String(people.data.people[index]?.id ?? '') })}
            rowLabel={(index) => `Open ${people.data.people[index]?.attributes.name ?? 'person'}`}
          />
          <div className="form-actions">
            {page > 1 ? (
              <button
                type="button"
                className="button secondary"
                onClick={() => setParams({ page: String(page - 1) })}
              >
                Previous
              </button>
            ) : null}
            {page * people.data.pageSize < people.data.total ? (
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
      )}
      <ImportCard storeId={storeId} />
    </>
  )
}

async function importFile(storeId: number, text: string, dryRun: boolean): Promise<ImportResult> {
  // The import takes the file as it is (CSV or JSON), not a JSON envelope.
  const token = (await api<{ csrfToken: string }>('/session')).csrfToken
  const response = await fetch(`/api/stores/${storeId}/people/import?dryRun=${String(dryRun)}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: {
      'Content-Type':
        text.trimStart().startsWith('[') || text.trimStart().startsWith('{')
          ? 'application/json'
          : 'text/csv',
      'X-CSRF-Token': token,
      Accept: 'application/json',
    },
    body: text,
  })
  const body = (await response.json()) as ImportResult & { message?: string }
  if (!response.ok) throw new Error(body.message ?? `import failed (${response.status})`)
  return body
}

function ImportCard({ storeId }: { storeId: number }) {
  const queryClient = useQueryClient()
  const [text, setText] = useState('')
  const run = useMutation({
    mutationFn: ({ dryRun }: { dryRun: boolean }) => importFile(storeId, text, dryRun),
    onSuccess: async (result) => {
      if (!result.dryRun) await refreshAfterWrite(queryClient, { queryKey: ['people', storeId] })
    },
  })
  const result = run.data
  return (
    <section className="card" aria-labelledby="import-title">
      <h2 id="import-title">Import people</h2>
      <p className="muted">
        Paste a CSV (header: identifiers, email, name, role, team, org_unit, manager, location,
        start_date; other columns become custom fields) or JSON. Preview shows what would change;
        importing twice changes nothing the second time.
      </p>
      <label className="block">
        People file
        <textarea
          rows={6}
          value={text}
          onChange={(e) => setText(e.target.value)}
          spellCheck={false}
        />
      </label>
      <label className="block">
        Or choose a file
        <input
          type="file"
          accept=".csv,.json,text/csv,application/json"
          onChange={(e) => {
            const file = e.target.files?.[0]
            if (file !== undefined) void file.text().then(setText)
          }}
        />
      </label>
      <div className="form-actions">
        <button
          type="button"
          className="button secondary"
          disabled={text.trim() === '' || run.isPending}
          onClick={() => run.mutate({ dryRun: true })}
        >
          Preview (dry run)
        </button>
        <button
          type="button"
          className="button"
          disabled={text.trim() === '' || run.isPending}
          onClick={() => run.mutate({ dryRun: false })}
        >
          Import
        </button>
      </div>
      {run.error === null ? null : <ErrorNote error={run.error} />}
      {result === undefined ? null : (
        <div role="status" aria-label="Import result">
          <p>
            {result.dryRun ? 'Dry run — nothing was written. Would ' : 'Imported: '}
            create {result.summary.create}, update {result.summary.update}, merge{' '}
            {result.summary.merge}; {result.summary.unchanged} unchanged, {result.summary.skip}{' '}
            skipped.
          </p>
          <DataTable
            caption="Import changes"
            table={{
              columns: ['row', 'action', 'person', 'changes', 'reason'],
              rows: result.changes
                .filter((c) => c.action !== 'unchanged')
                .slice(0, 200)
                .map((c) => [
                  c.row,
                  c.action,
                  c.person ?? null,
                  [
                    ...Object.entries(c.changes).map(
                      ([k, v]) => `${k}: ${v.from ?? '∅'} → ${v.to ?? '∅'}`,
                    ),
                    ...c.linked.map((i) => `+ ${i}`),
                  ].join('; '),
                  c.reason ?? null,
                ]),
            }}
          />
        </div>
      )}
    </section>
  )
}

function PersonDetail({ storeId, id }: { storeId: number; id: number }) {
  const queryClient = useQueryClient()
  const key = ['person', storeId, id]
  /** True while the erasure awaits its confirmation: nothing is erased before the second click. */
  const [confirming, setConfirming] = useState(false)
  const erase = useMutation({
    mutationFn: () =>
      api<Erasure>(`/stores/${storeId}/erasures`, { method: 'POST', json: { person: id } }),
    onSuccess: async () => {
      setConfirming(false)
      // Their statements and every report changed. This person is not asked again (it would
      // answer 404): its query is disabled once the erasure is done, and left out here.
      await refreshAfterWrite(queryClient, {
        predicate: (q) => q.queryKey[0] !== 'person' || q.queryKey[2] !== id,
      })
    },
  })
  const person = useQuery({
    queryKey: key,
    queryFn: () => api<Person>(`/stores/${storeId}/people/${id}`),
    // Once erased, asking for the person again would only answer 404.
    enabled: erase.data === undefined,
  })
  const refresh = async (changed?: Person) => {
    if (changed !== undefined) queryClient.setQueryData(key, changed)
    await refreshAfterWrite(queryClient, { queryKey: ['people', storeId] })
    await refreshAfterWrite(queryClient, { queryKey: ['report'] })
  }
  const [draft, setDraft] = useState<Record<string, string> | undefined>(undefined)
  const [mergeIds, setMergeIds] = useState('')
  const save = useMutation({
    mutationFn: (changes: Record<string, string | null>) =>
      api<Person>(`/stores/${storeId}/people/${id}`, { method: 'PATCH', json: changes }),
    onSuccess: async (p) => {
      setDraft(undefined)
      await refresh(p)
    },
  })
  const merge = useMutation({
    mutationFn: (from: number[]) =>
      api<Person>(`/stores/${storeId}/people/${id}/merge`, { method: 'POST', json: { from } }),
    onSuccess: async (p) => {
      setMergeIds('')
      await refresh(p)
    },
  })
  const split = useMutation({
    mutationFn: (ifi: string) =>
      api<{ from: Person }>(`/stores/${storeId}/people/${id}/split`, {
        method: 'POST',
        json: { ifi },
      }),
    onSuccess: async (r) => refresh(r.from),
  })
  if (erase.data !== undefined)
    return (
      <>
        <PageHeader title={`Person #${id} erased`}>
          <Link href={pageHref('/people')}>All people</Link>
        </PageHeader>
        <ErasureDone erasure={erase.data}>
          {' '}
          The audit record is on the Personal data page.
        </ErasureDone>
      </>
    )
  if (person.error !== null) return <ErrorNote error={person.error} />
  if (person.data === undefined) return <Loading what="the person" />
  const p = person.data
  const values: Record<string, string> = draft ?? {
    ...Object.fromEntries(
      ATTRIBUTES.map(([k]) => [k, (p.attributes as Record<string, string | undefined>)[k] ?? '']),
    ),
  }
  return (
    <>
      <PageHeader title={p.attributes.name ?? `Person #${p.id}`}>
        <Link href={pageHref('/people')}>All people</Link>
      </PageHeader>
      <div className="grid">
        <section className="card" aria-labelledby="attributes-title">
          <h2 id="attributes-title">Attributes</h2>
          <form
            className="filter-form"
            onSubmit={(event: SyntheticEvent) => {
              event.preventDefault()
              save.mutate(
                Object.fromEntries(
                  Object.entries(values).map(([k, v]) => [k, v.trim() === '' ? null : v]),
                ),
              )
            }}
          >
            {ATTRIBUTES.map(([k, label]) => (
              <label key={k}>
                {label}
                <input
                  value={values[k] ?? ''}
                  type={k === 'startDate' ? 'date' : 'text'}
                  onChange={(e) => setDraft({ ...values, [k]: e.target.value })}
                />
              </label>
            ))}
            <div className="form-actions">
              <button
                type="submit"
                className="button"
                disabled={draft === undefined || save.isPending}
              >
                Save attributes
              </button>
            </div>
          </form>
          {Object.keys(p.attributes.custom ?? {}).length === 0 ? null : (
            <DataTable
              caption="Custom fields"
              table={{
                columns: ['field', 'value'],
                rows: Object.entries(p.attributes.custom ?? {}),
              }}
            />
          )}
          {save.error === null ? null : <ErrorNote error={save.error} />}
        </section>
        <section className="card" aria-labelledby="identifiers-title">
          <h2 id="identifiers-title">Identifiers</h2>
          <p className="muted">
            Every statement by one of these IFIs counts as this person in the reports. The xAPI
            resources still answer per IFI.
          </p>
          <ul className="plain">
            {p.identifiers.map((ifi) => (
              <li key={ifi}>
                <code>{ifi}</code>{' '}
                <Link href={pageHref('/learner', { learner: ifi })}>learner report</Link>{' '}
                {p.identifiers.length > 1 ? (
                  <button
                    type="button"
                    className="button secondary small"
                    onClick={() => split.mutate(ifi)}
                  >
                    Split off
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
          <form
            className="inline-form"
            onSubmit={(event: SyntheticEvent) => {
              event.preventDefault()
              merge.mutate(
                mergeIds
                  .split(/[\s,]+/)
                  .filter((s) => s !== '')
                  .map(Number),
              )
            }}
          >
            <label>
              Merge people into this one (ids)
              <input
                value={mergeIds}
                onChange={(e) => setMergeIds(e.target.value)}
                inputMode="numeric"
              />
            </label>
            <button
              type="submit"
              className="button"
              disabled={mergeIds.trim() === '' || merge.isPending}
            >
              Merge
            </button>
          </form>
          {merge.error === null ? null : <ErrorNote error={merge.error} />}
          {split.error === null ? null : <ErrorNote error={split.error} />}
          <p className="muted small">
            Person #{p.id}, from {p.source}, updated {new Date(p.updatedAt).toLocaleString('en-GB')}
            .
          </p>
        </section>
        <section className="card" aria-labelledby="erase-person-title">
          <h2 id="erase-person-title">Erase this person</h2>
          <p className="muted">
            Erases every identifier above as the Personal data page erases a learner: their
            statements, documents and attachments go, statements of others that mention them keep an
            anonymous agent, and the person goes with their last identifier. This cannot be undone.
          </p>
          {confirming ? (
            <ConfirmErasure
              title={
                <>
                  Erase {p.attributes.name ?? `person #${p.id}`} and their {p.identifiers.length}{' '}
                  {p.identifiers.length === 1 ? 'identifier' : 'identifiers'}?
                </>
              }
              pending={erase.isPending}
              error={erase.error}
              onConfirm={() => erase.mutate()}
              onCancel={() => setConfirming(false)}
            >
              <ul className="plain">
                {p.identifiers.map((ifi) => (
                  <li key={ifi}>
                    <code>{ifi}</code>
                  </li>
                ))}
              </ul>
            </ConfirmErasure>
          ) : (
            <button
              type="button"
              className="button"
              onClick={() => {
                erase.reset()
                setConfirming(true)
              }}
            >
              Review erasure…
            </button>
          )}
        </section>
      </div>
    </>
  )
}
