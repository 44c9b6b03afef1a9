/**
 * Forwarding: a store's targets (another LRS, a webhook) with where each stands (cursor, lag,
 * last success and error, counts), a new target with its filter (a webhook's secret shown once),
 * pause, resume, replay from a point in time, delete. docs/forwarding.md says how delivery works.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useId, useState, type SyntheticEvent } from 'react'
import { api, type Store } from '../api'
import type { PageProps } from '../app'
import { ErrorNote, Loading, PageHeader } from '../components'
import { DAY_MS } from '../filters'
import { formatDate, formatDuration, numberFormat } from '../format'
import { refreshAfterWrite } from '../refresh'

/** A target as `GET /api/stores/:id/forwarding/targets` shows it (never a password or secret). */
export interface ForwardingTarget {
  id: number
  name: string
  kind: 'lrs' | 'webhook'
  url: string
  username: string | null
  xapiVersion: string | null
  filter: {
    verbs: string[]
    activities: string[]
    activityPrefixes: string[]
    actors: string[]
    platforms: string[]
  }
  batchSize: number
  maxFailures: number
  state: 'active' | 'paused'
  createdAt: string
  cursor: number
  cursorStored: string | null
  watermark: number
  lag: { seqs: number; seconds: number }
  lastSuccessAt: string | null
  lastError: string | null
  lastErrorAt: string | null
  consecutiveFailures: number
  counts: { delivered: number; batches: number; failures: number }
}

/** How often the list is read again: the status moves while statements flow. */
const REFRESH_MS = 2000

export function ForwardingPage({ store }: PageProps) {
  const queryClient = useQueryClient()
  const key = ['forwarding', store.id]
  const targets = useQuery({
    queryKey: key,
    queryFn: () =>
      api<{ targets: ForwardingTarget[] }>(`/stores/${store.id}/forwarding/targets`).then(
        (r) => r.targets,
      ),
    refetchInterval: REFRESH_MS,
  })
  const refresh = () => refreshAfterWrite(queryClient, { queryKey: key })
  const [secret, setSecret] = useState<{ name: string; secret: string } | undefined>(undefined)
  const [replaying, setReplaying] = useState<ForwardingTarget | undefined>(undefined)
  const action = useMutation({
    mutationFn: ({ target, verb }: { target: ForwardingTarget; verb: 'pause' | 'resume' }) =>
      api<ForwardingTarget>(`/stores/${store.id}/forwarding/targets/${target.id}/${verb}`, {
        method: 'POST',
      }),
    onSuccess: refresh,
  })
  const remove = useMutation({
    mutationFn: (target: ForwardingTarget) =>
      api(`/stores/${store.id}/forwarding/targets/${target.id}`, { method: 'DELETE' }),
    onSuccess: refresh,
  })
  return (
    <>
      <PageHeader title="Forwarding" />
      <section className="card" aria-labelledby="targets-title">
        <h2 id="targets-title">Targets of “{store.name}”</h2>
        <p className="muted">
          Every statement stored here is sent on, in stored order and at least once, to each active
          target whose filter it matches. A target that keeps failing is paused with its last error;
          resuming carries on where it stopped, nothing is lost.
        </p>
        {secret === undefined ? null : (
          <WebhookSecret {...secret} onDone={() => setSecret(undefined)} />
        )}
        {targets.error !== null ? (
          <ErrorNote error={targets.error} />
        ) : targets.data === undefined ? (
          <Loading what="forwarding targets" />
        ) : targets.data.length === 0 ? (
          <p>No targets yet: add one below.</p>
        ) : (
          <TargetTable
            targets={targets.data}
            onPause={(target) => action.mutate({ target, verb: 'pause' })}
            onResume={(target) => action.mutate({ target, verb: 'resume' })}
            onReplay={setReplaying}
            onDelete={(target) => {
              if (
                window.confirm(
                  `Delete the target “${target.name}”? Nothing more is sent to it; its position is forgotten.`,
                )
              )
                remove.mutate(target)
            }}
          />
        )}
        {action.error === null ? null : <ErrorNote error={action.error} />}
        {remove.error === null ? null : <ErrorNote error={remove.error} />}
        {replaying === undefined ? null : (
          <ReplayForm
            store={store}
            target={replaying}
            onDone={async () => {
              setReplaying(undefined)
              await refresh()
            }}
          />
        )}
      </section>
      <NewTarget
        store={store}
        onCreated={async (name, created) => {
          if (created !== undefined) setSecret({ name, secret: created })
          await refresh()
        }}
      />
    </>
  )
}

/** The age of the oldest undelivered statement; days once it is more than two. */
function lagTime(seconds: number): string {
  return seconds > 2 * 86_400
    ? `${numberFormat.format(Math.round(seconds / 86_400))} days`
    : formatDuration(seconds)
}

function filterText(filter: ForwardingTarget['filter']): string {
  const parts = [
    ['verbs', filter.verbs],
    ['activities', filter.activities],
    ['activity prefixes', filter.activityPrefixes],
    ['actors', filter.actors],
    ['platforms', filter.platforms],
  ] as const
  const given = parts.filter(([, list]) => list.length > 0)
  if (given.length === 0) return 'everything'
  return given.map(([name, list]) => `${name}: ${list.join(', ')}`).join('; ')
}

function TargetTable(props: {
  targets: ForwardingTarget[]
  onPause: (target: ForwardingTarget) => void
  onResume: (target: ForwardingTarget) => void
  onReplay: (target: ForwardingTarget) => void
  onDelete: (target: ForwardingTarget) => void
}) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="sr-only">Forwarding targets</caption>
        <thead>
          <tr>
            <th scope="col">Target</th>
            <th scope="col">Status</th>
            <th scope="col">Cursor</th>
            <th scope="col">Lag</th>
            <th scope="col">Last success</th>
            <th scope="col">Last error</th>
            <th scope="col">Delivered</th>
            <th scope="col">Batches</th>
            <th scope="col">Failed attempts</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {props.targets.map((t) => (
            <tr key={t.id} data-target={t.id}>
              <td>
                <strong>{t.name}</strong>{' '}
                <span className="muted small">
                  #{t.id}, {t.kind === 'lrs' ? `LRS (xAPI ${t.xapiVersion ?? ''})` : 'webhook'}
                </span>
                <br />
                <code className="small">{t.url}</code>
                <br />
                <span className="muted small">forwards {filterText(t.filter)}</span>
              </td>
              <td data-field="state">
                {t.state === 'paused' ? <span className="warn">paused</span> : 'active'}
                {t.consecutiveFailures > 0 ? (
                  <span className="muted small"> ({t.consecutiveFailures} failures in a row)</span>
                ) : null}
              </td>
              <td className="num" data-field="cursor">
                {numberFormat.format(t.cursor)} of {numberFormat.format(t.watermark)}
                {t.cursorStored === null ? null : (
                  <span className="muted small">
                    <br />
                    stored {formatDate(t.cursorStored)}
                  </span>
                )}
              </td>
              <td className="num" data-field="lag">
                {t.lag.seqs === 0
                  ? 'up to date'
                  : `${numberFormat.format(t.lag.seqs)} behind, ${lagTime(t.lag.seconds)}`}
              </td>
              <td data-field="last-success">{formatDate(t.lastSuccessAt)}</td>
              <td data-field="last-error">
                {t.lastError === null ? (
                  '—'
                ) : (
                  <>
                    <span className="error">{t.lastError}</span>
                    <br />
                    <span className="muted small">{formatDate(t.lastErrorAt)}</span>
                  </>
                )}
              </td>
              <td className="num" data-field="delivered">
                {numberFormat.format(t.counts.delivered)}
              </td>
              <td className="num">{numberFormat.format(t.counts.batches)}</td>
              <td className="num">{numberFormat.format(t.counts.failures)}</td>
              <td className="actions">
                {t.state === 'active' ? (
                  <button
                    type="button"
                    className="button secondary small"
                    aria-label={`Pause ${t.name}`}
                    onClick={() => props.onPause(t)}
                  >
                    Pause
                  </button>
                ) : (
                  <button
                    type="button"
                    className="button secondary small"
                    aria-label={`Resume ${t.name}`}
                    onClick={() => props.onResume(t)}
                  >
                    Resume
                  </button>
                )}
                <button
                  type="button"
                  className="button secondary small"
                  aria-label={`Replay ${t.name}`}
                  onClick={() => props.onReplay(t)}
                >
                  Replay…
                </button>
                <button
                  type="button"
                  className="button secondary small"
                  aria-label={`Delete ${t.name}`}
                  onClick={() => props.onDelete(t)}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** `datetime-local` input text (local time) as ISO 8601 UTC. */
function isoOf(local: string): string {
  return new Date(local).toISOString()
}

function localNow(offsetMs = 0): string {
  const date = new Date(Date.now() + offsetMs)
  date.setMinutes(date.getMinutes() - date.getTimezoneOffset())
  return date.toISOString().slice(0, 16)
}

function ReplayForm(props: {
  store: Store
  target: ForwardingTarget
  onDone: () => Promise<void>
}) {
  const [from, setFrom] = useState(localNow(-DAY_MS))
  const replay = useMutation({
    mutationFn: () =>
      api<ForwardingTarget>(
        `/stores/${props.store.id}/forwarding/targets/${props.target.id}/replay`,
        { method: 'POST', json: { from: isoOf(from) } },
      ),
    onSuccess: props.onDone,
  })
  return (
    <form
      className="inline-form"
      aria-labelledby="replay-title"
      onSubmit={(event: SyntheticEvent) => {
        event.preventDefault()
        replay.mutate()
      }}
    >
      <h3 id="replay-title">Replay “{props.target.name}”</h3>
      <p className="muted small">
        Every statement stored at or after this time is sent again, in order, as the store holds it
        now (erased statements stay gone).
      </p>
      <label>
        Replay from (your local time)
        {/* Focus moves here when the form opens, so a keyboard user need not look for it. */}
        <input
          type="datetime-local"
          value={from}
          onChange={(e) => setFrom(e.target.value)}
          required
          autoFocus
        />
      </label>
      <button type="submit" className="button" disabled={replay.isPending}>
        Replay from this time
      </button>
      <button type="button" className="button secondary" onClick={() => void props.onDone()}>
        Cancel
      </button>
      {replay.error === null ? null : <ErrorNote error={replay.error} />}
    </form>
  )
}

/** One entry per line (blank lines ignored). */
function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
}

/**
 * Actors as typed: an e-mail address or `mailto:` IRI is an mbox, a line starting with `{` an
 * Agent as JSON; anything else is sent as it is, for the server to accept or refuse.
 */
function actorOf(line: string): unknown {
  if (line.startsWith('{')) {
    try {
      return JSON.parse(line) as unknown
    } catch {
      return line
    }
  }
  if (line.startsWith('mailto:')) return { mbox: line }
  if (/^[^\s@]+@[^\s@]+$/.test(line)) return { mbox: `mailto:${line}` }
  return line
}

function NewTarget(props: {
  store: Store
  onCreated: (name: string, secret: string | undefined) => Promise<void>
}) {
  const hintId = useId()
  const [kind, setKind] = useState<'lrs' | 'webhook'>('lrs')
  const [name, setName] = useState('')
  const [url, setUrl] = useState('')
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [xapiVersion, setXapiVersion] = useState('2.0.0')
  const [verbs, setVerbs] = useState('')
  const [activities, setActivities] = useState('')
  const [prefixes, setPrefixes] = useState('')
  const [actors, setActors] = useState('')
  const [platforms, setPlatforms] = useState('')
  const [startAt, setStartAt] = useState<'now' | 'beginning' | 'time'>('now')
  const [startTime, setStartTime] = useState(localNow(-DAY_MS))
  const create = useMutation({
    mutationFn: () => {
      const filter = {
        verbs: lines(verbs),
        activities: lines(activities),
        activityPrefixes: lines(prefixes),
        actors: lines(actors).map(actorOf),
        platforms: lines(platforms),
      }
      return api<{ target: ForwardingTarget; secret?: string }>(
        `/stores/${props.store.id}/forwarding/targets`,
        {
          method: 'POST',
          json: {
            name,
            kind,
            url,
            ...(kind === 'lrs' ? { username, password, xapiVersion } : {}),
            filter,
            startAt: startAt === 'time' ? isoOf(startTime) : startAt,
          },
        },
      )
    },
    onSuccess: async (created) => {
      // A blank form for the next target (the kind stays).
      for (const clear of [setName, setUrl, setUsername, setPassword, setVerbs, setActivities])
        clear('')
      for (const clear of [setPrefixes, setActors, setPlatforms]) clear('')
      setStartAt('now')
      await props.onCreated(created.target.name, created.secret)
    },
  })
  return (
    <section className="card" aria-labelledby="new-target-title">
      <h2 id="new-target-title">New target</h2>
      <form
        onSubmit={(event: SyntheticEvent) => {
          event.preventDefault()
          create.mutate()
        }}
      >
        <div className="filter-form">
          <label>
            Kind
            <select value={kind} onChange={(e) => setKind(e.target.value as 'lrs' | 'webhook')}>
              <option value="lrs">Another xAPI LRS</option>
              <option value="webhook">Webhook</option>
            </select>
          </label>
          <label>
            Name
            <input value={name} onChange={(e) => setName(e.target.value)} required />
          </label>
          <label>
            {kind === 'lrs' ? 'LRS endpoint' : 'Webhook URL'}
            <input
              type="url"
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              required
              placeholder={kind === 'lrs' ? 'https://lrs.example.com/xapi' : 'https://hooks…'}
            />
          </label>
          {kind === 'lrs' ? (
            <>
              <label>
                Username (key)
                <input
                  value={username}
                  onChange={(e) => setUsername(e.target.value)}
                  autoComplete="off"
                />
              </label>
              <label>
                Password (secret)
                <input
                  type="password"
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                  autoComplete="new-password"
                />
              </label>
              <label>
                xAPI version
                <select value={xapiVersion} onChange={(e) => setXapiVersion(e.target.value)}>
                  <option value="2.0.0">2.0.0</option>
                  <option value="1.0.3">1.0.3</option>
                </select>
              </label>
            </>
          ) : null}
          <label>
            Start
            <select
              value={startAt}
              onChange={(e) => setStartAt(e.target.value as 'now' | 'beginning' | 'time')}
            >
              <option value="now">with new statements</option>
              <option value="beginning">from the first statement</option>
              <option value="time">from a point in time</option>
            </select>
          </label>
          {startAt === 'time' ? (
            <label>
              Start from (your local time)
              <input
                type="datetime-local"
                value={startTime}
                onChange={(e) => setStartTime(e.target.value)}
                required
              />
            </label>
          ) : null}
        </div>
        <fieldset className="filter-fieldset" aria-describedby={hintId}>
          <legend>Filter</legend>
          <p id={hintId} className="muted small">
            One entry per line. Leave a list empty to forward everything; every list you fill must
            match. Actors: an e-mail address, or an Agent as JSON.
          </p>
          <div className="filter-form">
            <label>
              Verbs (IRIs)
              <textarea rows={3} value={verbs} onChange={(e) => setVerbs(e.target.value)} />
            </label>
            <label>
              Activities (IRIs)
              <textarea
                rows={3}
                value={activities}
                onChange={(e) => setActivities(e.target.value)}
              />
            </label>
            <label>
              Activity prefixes
              <textarea rows={3} value={prefixes} onChange={(e) => setPrefixes(e.target.value)} />
            </label>
            <label>
              Actors
              <textarea rows={3} value={actors} onChange={(e) => setActors(e.target.value)} />
            </label>
            <label>
              Platforms
              <textarea rows={3} value={platforms} onChange={(e) => setPlatforms(e.target.value)} />
            </label>
          </div>
        </fieldset>
        <div className="form-actions">
          <button type="submit" className="button" disabled={create.isPending}>
            Add target
          </button>
        </div>
        {create.error === null ? null : <ErrorNote error={create.error} />}
      </form>
    </section>
  )
}

/** A webhook's signing secret, shown this once (docs/forwarding.md: verifying signatures). */
function WebhookSecret(props: { name: string; secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false)
  return (
    <div className="secret-box" role="region" aria-label="Webhook secret">
      <p>
        <strong>Webhook “{props.name}” added.</strong> Copy its signing secret now: it is not shown
        again. Each request carries{' '}
        <code>X-Almanac-Signature: sha256=HMAC-SHA256(secret, body)</code>.
      </p>
      <p>
        <code data-testid="webhook-secret">{props.secret}</code>{' '}
        <button
          type="button"
          className="button secondary small"
          onClick={() => {
            void navigator.clipboard?.writeText(props.secret).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }}
        >
          {copied ? 'Copied' : 'Copy secret'}
        </button>
      </p>
      <button type="button" className="button" onClick={props.onDone}>
        I have stored it
      </button>
    </div>
  )
}
