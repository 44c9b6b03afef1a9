/** The statement browser: every xAPI filter in the URL, readable rows, a JSON viewer, and the live tail. */
import { useQuery } from '@tanstack/react-query'
import { useEffect, useState, type SyntheticEvent } from 'react'
import { api, apiMore, type Statement, type StatementPage } from '../api'
import type { PageProps } from '../app'
import { ErrorNote, Loading, NoStatementsYet, PageHeader } from '../components'
import { actorName, describeStatement, formatDate, objectText, safeHref, verbText } from '../format'
import { setParams } from '../router'

/** The filters of GET /statements (Communication §2.1.3) the page keeps in its URL. */
const FILTERS = [
  'agent',
  'verb',
  'activity',
  'registration',
  'related_activities',
  'related_agents',
  'order',
  'limit',
] as const

/** An email address is taken as an mbox; anything else must be an Agent's JSON. */
export function agentParameter(input: string): string {
  const text = input.trim()
  if (text === '' || text.startsWith('{')) return text
  if (/^[^@\s]+@[^@\s]+$/.test(text)) return JSON.stringify({ mbox: `mailto:${text}` })
  if (text.startsWith('mailto:')) return JSON.stringify({ mbox: text })
  return text
}

function queryString(props: PageProps): string {
  const params = new URLSearchParams()
  const p = props.location.params
  const agent = p.get('agent')
  if (agent !== null) params.set('agent', agentParameter(agent))
  for (const name of ['verb', 'activity', 'registration'] as const) {
    const value = p.get(name)
    if (value !== null && value !== '') params.set(name, value)
  }
  if (p.get('related_activities') === 'true') params.set('related_activities', 'true')
  if (p.get('related_agents') === 'true') params.set('related_agents', 'true')
  if (p.get('order') === 'oldest') params.set('ascending', 'true')
  params.set('limit', p.get('limit') ?? '25')
  if (props.window.since !== undefined) params.set('since', props.window.since)
  if (props.window.until !== undefined) params.set('until', props.window.until)
  return params.toString()
}

export function StatementsPage(props: PageProps) {
  const { store, location } = props
  const more = location.params.get('more')
  const query = queryString(props)
  const page = useQuery({
    queryKey: ['statements', store.id, query, more],
    queryFn: () =>
      more !== null && more !== ''
        ? apiMore<StatementPage>(
            `/api/stores/${store.id}/statements?more=${encodeURIComponent(more)}`,
          )
        : api<StatementPage>(`/stores/${store.id}/statements?${query}`),
  })
  const anyStatement = useQuery({
    queryKey: ['any-statement', store.id],
    queryFn: () => api<StatementPage>(`/stores/${store.id}/statements?limit=1`),
  })
  const live = location.params.get('live') === '1'

  return (
    <>
      <PageHeader title="Statements">
        <button
          type="button"
          className={live ? 'button' : 'button secondary'}
          aria-pressed={live}
          onClick={() => setParams({ live: live ? undefined : '1' })}
        >
          {live ? 'Stop live tail' : 'Live tail'}
        </button>
      </PageHeader>
      <FilterForm key={location.params.toString()} params={location.params} />
      {live ? <LiveTail storeId={store.id} /> : null}
      {anyStatement.data?.statements.length === 0 ? (
        <NoStatementsYet storeName={store.name} />
      ) : null}
      {page.error !== null ? (
        <ErrorNote error={page.error} />
      ) : page.data === undefined ? (
        <Loading what="statements" />
      ) : (
        <section className="card" aria-label="Statements found">
          <p className="muted">
            {page.data.statements.length === 0
              ? 'No statement matches these filters in this time window.'
              : `Showing ${page.data.statements.length} statements, ${location.params.get('order') === 'oldest' ? 'oldest' : 'newest'} first (${props.window.label.toLowerCase()}).`}
          </p>
          <ol className="statements">
            {page.data.statements.map((statement) => (
              <StatementRow key={statement.id} statement={statement} />
            ))}
          </ol>
          <div className="pager">
            {more !== null ? (
              <button
                type="button"
                className="button secondary"
                onClick={() => setParams({ more: undefined })}
              >
                First page
              </button>
            ) : null}
            {page.data.more !== '' ? (
              <button
                type="button"
                className="button secondary"
                onClick={() =>
                  setParams({
                    more:
                      new URL(page.data.more, window.location.origin).searchParams.get('more') ??
                      undefined,
                  })
                }
              >
                Next page
              </button>
            ) : null}
          </div>
        </section>
      )}
    </>
  )
}

function FilterForm({ params }: { params: URLSearchParams }) {
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(FILTERS.map((name) => [name, params.get(name) ?? ''])),
  )
  const set = (name: string, value: string) => setValues((v) => ({ ...v, [name]: value }))
  const submit = (event: SyntheticEvent) => {
    event.preventDefault()
    setParams({ ...values, more: undefined })
  }
  return (
    <form className="card filter-form" onSubmit={submit} aria-label="Statement filters">
      <label>
        Agent (email or Agent JSON)
        <input
          name="agent"
          value={values['agent']}
          onChange={(e) => set('agent', e.target.value)}
          placeholder="ada@example.com"
        />
      </label>
      <label>
        Verb IRI
        <input
          name="verb"
          value={values['verb']}
          onChange={(e) => set('verb', e.target.value)}
          placeholder="http://adlnet.gov/expapi/verbs/completed"
        />
      </label>
      <label>
        Activity IRI
        <input
          name="activity"
          value={values['activity']}
          onChange={(e) => set('activity', e.target.value)}
        />
      </label>
      <label>
        Registration
        <input
          name="registration"
          value={values['registration']}
          onChange={(e) => set('registration', e.target.value)}
          placeholder="UUID"
        />
      </label>
      <label className="check">
        <input
          type="checkbox"
          name="related_activities"
          checked={values['related_activities'] === 'true'}
          onChange={(e) => set('related_activities', e.target.checked ? 'true' : '')}
        />
        Related activities too
      </label>
      <label className="check">
        <input
          type="checkbox"
          name="related_agents"
          checked={values['related_agents'] === 'true'}
          onChange={(e) => set('related_agents', e.target.checked ? 'true' : '')}
        />
        Related agents too
      </label>
      <label>
        Order
        <select name="order" value={values['order']} onChange={(e) => set('order', e.target.value)}>
          <option value="">Newest first</option>
          <option value="oldest">Oldest first</option>
        </select>
      </label>
      <label>
        Per page
        <select name="limit" value={values['limit']} onChange={(e) => set('limit', e.target.value)}>
          <option value="">25</option>
          <option value="50">50</option>
          <option value="100">100</option>
        </select>
      </label>
      <div className="form-actions">
        <button type="submit" className="button">
          Apply filters
        </button>
        <button
          type="button"
          className="button secondary"
          onClick={() =>
            setParams(Object.fromEntries([...FILTERS, 'more'].map((name) => [name, undefined])))
          }
        >
          Clear
        </button>
      </div>
    </form>
  )
}

/** One statement as a sentence; the JSON one click away. Every value is rendered as text. */
export function StatementRow({ statement }: { statement: Statement }) {
  const [open, setOpen] = useState(false)
  const activityLink = safeHref(statement.object['id'])
  return (
    <li className="statement">
      <div className="statement-line">
        <span className="sentence">{describeStatement(statement)}</span>
        <button
          type="button"
          className="link-button filter-agent"
          onClick={() => setParams({ agent: agentFilterOf(statement.actor), more: undefined })}
          title={`Only statements of ${actorName(statement.actor)}`}
        >
          only this learner
        </button>
        <button
          type="button"
          className="link-button"
          aria-expanded={open}
          onClick={() => setOpen((o) => !o)}
        >
          {open ? 'Hide JSON' : 'JSON'}
        </button>
      </div>
      <div className="muted small">
        {verbText(statement.verb)} · {objectText(statement.object)} · stored{' '}
        {formatDate(statement.stored)}
        {activityLink === undefined ? null : (
          <>
            {' · '}
            <a href={activityLink} rel="noopener noreferrer nofollow" target="_blank">
              open activity
            </a>
          </>
        )}
      </div>
      {open ? <pre className="json">{JSON.stringify(statement, null, 2)}</pre> : null}
    </li>
  )
}

/** The agent filter for an actor: its inverse functional identifier as JSON (Data §2.4.2.1). */
function agentFilterOf(actor: Record<string, unknown>): string {
  for (const ifi of ['mbox', 'mbox_sha1sum', 'openid', 'account'] as const)
    if (actor[ifi] !== undefined) return JSON.stringify({ [ifi]: actor[ifi] })
  return ''
}

/** New statements as they arrive (SSE); EventSource resumes with Last-Event-ID by itself. */
function LiveTail({ storeId }: { storeId: number }) {
  const [arrived, setArrived] = useState<Statement[]>([])
  const [status, setStatus] = useState('Connecting…')
  useEffect(() => {
    setArrived([])
    const source = new EventSource(`/api/stores/${storeId}/statements/stream`)
    source.addEventListener('ready', () =>
      setStatus('Live: new statements appear here as they arrive.'),
    )
    source.addEventListener('statement', (event) => {
      const statement = JSON.parse((event as MessageEvent<string>).data) as Statement
      setArrived((list) => [statement, ...list].slice(0, 200))
    })
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        setStatus('The live tail stopped. Checking the session…')
        // A 401 here tells the app the session ended (api.ts shows the sign-in page).
        void api('/session').catch(() => undefined)
      } else setStatus('Reconnecting… (no statement will be missed)')
    }
    return () => source.close()
  }, [storeId])
  return (
    <section className="card live" aria-label="Live tail" aria-live="polite">
      <p className="muted" role="status">
        {status}
      </p>
      <ol className="statements">
        {arrived.map((statement) => (
          <StatementRow key={statement.id} statement={statement} />
        ))}
      </ol>
    </section>
  )
}
