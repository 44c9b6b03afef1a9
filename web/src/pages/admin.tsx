/** Administration: stores, their credentials (create with scopes, shown-once secret, rotate, disable), admin accounts. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type SyntheticEvent } from 'react'
import { api, type Account, type Credential, type IssuedCredential, type Store } from '../api'
import type { PageProps } from '../app'
import { ErrorNote, Loading, PageHeader } from '../components'
import { formatDate } from '../format'
import { refreshAfterWrite } from '../refresh'
import { setParams } from '../router'

/** The xAPI scopes (Communication §4.2), as docs/security.md explains them. */
const SCOPES = [
  ['statements/write', 'send statements'],
  ['statements/read', 'read every statement of the store'],
  ['statements/read/mine', 'read only its own statements'],
  ['state', 'State resource'],
  ['profile', 'Activity and Agent Profile resources'],
  ['define', 'define activities and agents'],
  ['all/read', 'every read'],
  ['all', 'everything'],
] as const

export function AdminPage({ store }: PageProps) {
  return (
    <>
      <PageHeader title="Administration" />
      <div className="grid admin-grid">
        <Stores current={store} />
        <Accounts />
      </div>
      <Credentials store={store} />
    </>
  )
}

function Stores({ current }: { current: Store }) {
  const queryClient = useQueryClient()
  const stores = useQuery({
    queryKey: ['stores'],
    queryFn: () => api<{ stores: Store[] }>('/stores').then((r) => r.stores),
  })
  const [name, setName] = useState('')
  const create = useMutation({
    mutationFn: (storeName: string) =>
      api<Store>('/stores', { method: 'POST', json: { name: storeName } }),
    onSuccess: async (made) => {
      setName('')
      await refreshAfterWrite(queryClient, { queryKey: ['stores'] })
      setParams({ store: String(made.id) })
    },
  })
  return (
    <section className="card" aria-labelledby="stores-title">
      <h2 id="stores-title">Stores</h2>
      <p className="muted">
        Each organisation's records live in their own store; credentials belong to one store.
      </p>
      {stores.data === undefined ? (
        <Loading what="stores" />
      ) : (
        <ul className="plain">
          {stores.data.map((s) => (
            <li key={s.id}>
              <button
                type="button"
                className="link-button"
                aria-current={s.id === current.id}
                onClick={() => setParams({ store: String(s.id) })}
              >
                {s.name}
              </button>{' '}
              <span className="muted small">
                #{s.id}, created {formatDate(s.createdAt)}
              </span>
            </li>
          ))}
        </ul>
      )}
      <form
        className="inline-form"
        onSubmit={(event: SyntheticEvent) => {
          event.preventDefault()
          create.mutate(name)
        }}
      >
        <label>
          New store name
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <button type="submit" className="button" disabled={create.isPending}>
          Create store
        </button>
      </form>
      {create.error === null ? null : <ErrorNote error={create.error} />}
    </section>
  )
}

function Credentials({ store }: { store: Store }) {
  const queryClient = useQueryClient()
  const key = ['credentials', store.id]
  const credentials = useQuery({
    queryKey: key,
    queryFn: () =>
      api<{ credentials: Credential[] }>(`/stores/${store.id}/credentials`).then(
        (r) => r.credentials,
      ),
  })
  const [issued, setIssued] = useState<{ what: string; credential: IssuedCredential } | undefined>(
    undefined,
  )
  const refresh = () => refreshAfterWrite(queryClient, { queryKey: key })
  const rotate = useMutation({
    mutationFn: (k: string) =>
      api<IssuedCredential>(`/credentials/${encodeURIComponent(k)}/rotate`, { method: 'POST' }),
    onSuccess: async (result) => {
      setIssued({ what: 'rotated: the old secret no longer works', credential: result })
      await refresh()
    },
  })
  const toggle = useMutation({
    mutationFn: (c: Credential) =>
      api<Credential>(`/credentials/${encodeURIComponent(c.key)}`, {
        method: 'PATCH',
        json: { enabled: !c.enabled },
      }),
    onSuccess: refresh,
  })
  return (
    <section className="card" aria-labelledby="credentials-title">
      <h2 id="credentials-title">Credentials of “{store.name}”</h2>
      <p className="muted">
        An xAPI client (LMS, course, app) signs its requests to{' '}
        <code>{window.location.origin}/xapi/</code> with a credential's key and secret (HTTP Basic).
        Secrets are shown once, when created or rotated.
      </p>
      {issued === undefined ? null : (
        <IssuedSecret issued={issued} onDone={() => setIssued(undefined)} />
      )}
      {credentials.error !== null ? (
        <ErrorNote error={credentials.error} />
      ) : credentials.data === undefined ? (
        <Loading what="credentials" />
      ) : credentials.data.length === 0 ? (
        <p>No credentials yet: create one below.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">Credentials</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Scopes</th>
                <th scope="col">Status</th>
                <th scope="col">Last used</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {credentials.data.map((c) => (
                <tr key={c.key} data-key={c.key}>
                  <td>{c.name}</td>
                  <td>
                    <code>{c.key}</code>
                  </td>
                  <td>{c.scopes.join(', ')}</td>
                  <td>{c.enabled ? 'enabled' : <span className="warn">disabled</span>}</td>
                  <td>{formatDate(c.lastUsedAt)}</td>
                  <td className="actions">
                    <button
                      type="button"
                      className="button secondary small"
                      onClick={() => {
                        if (
                          window.confirm(
                            `Rotate the secret of “${c.name}”? The current secret stops working at once.`,
                          )
                        )
                          rotate.mutate(c.key)
                      }}
                    >
                      Rotate secret
                    </button>
                    <button
                      type="button"
                      className="button secondary small"
                      onClick={() => toggle.mutate(c)}
                    >
                      {c.enabled ? 'Disable' : 'Enable'}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {rotate.error === null ? null : <ErrorNote error={rotate.error} />}
      {toggle.error === null ? null : <ErrorNote error={toggle.error} />}
      <NewCredential
        storeId={store.id}
        onCreated={async (result) => {
          setIssued({ what: 'created', credential: result })
          await refresh()
        }}
      />
    </section>
  )
}

function NewCredential({
  storeId,
  onCreated,
}: {
  storeId: number
  onCreated: (issued: IssuedCredential) => Promise<void>
}) {
  const [name, setName] = useState('')
  const [scopes, setScopes] = useState<string[]>(['statements/write', 'statements/read/mine'])
  const create = useMutation({
    mutationFn: () =>
      api<IssuedCredential>(`/stores/${storeId}/credentials`, {
        method: 'POST',
        json: { name, scopes },
      }),
    onSuccess: async (result) => {
      setName('')
      await onCreated(result)
    },
  })
  return (
    <form
      className="new-credential"
      aria-labelledby="new-credential-title"
      onSubmit={(event: SyntheticEvent) => {
        event.preventDefault()
        create.mutate()
      }}
    >
      <h3 id="new-credential-title">New credential</h3>
      <label>
        Name
        <input
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          placeholder="e.g. Moodle production"
        />
      </label>
      <fieldset>
        <legend>Scopes</legend>
        {SCOPES.map(([scope, meaning]) => (
          <label key={scope} className="check">
            <input
              type="checkbox"
              value={scope}
              checked={scopes.includes(scope)}
              onChange={(e) =>
                setScopes((s) => (e.target.checked ? [...s, scope] : s.filter((x) => x !== scope)))
              }
            />
            <code>{scope}</code> <span className="muted small">{meaning}</span>
          </label>
        ))}
      </fieldset>
      <button type="submit" className="button" disabled={create.isPending}>
        Create credential
      </button>
      {create.error === null ? null : <ErrorNote error={create.error} />}
    </form>
  )
}

/** The secret, shown this once; copying is one click, and it is gone from the page when dismissed. */
function IssuedSecret({
  issued,
  onDone,
}: {
  issued: { what: string; credential: IssuedCredential }
  onDone: () => void
}) {
  const [copied, setCopied] = useState(false)
  const { credential, secret } = issued.credential
  return (
    <div className="secret-box" role="region" aria-label="New secret">
      <p>
        <strong>
          Credential “{credential.name}” {issued.what}.
        </strong>{' '}
        Copy the secret now: it is not shown again.
      </p>
      <dl>
        <dt>Key</dt>
        <dd>
          <code data-testid="issued-key">{credential.key}</code>
        </dd>
        <dt>Secret</dt>
        <dd>
          <code data-testid="issued-secret">{secret}</code>{' '}
          <button
            type="button"
            className="button secondary small"
            onClick={() => {
              void navigator.clipboard?.writeText(secret).then(
                () => setCopied(true),
                () => setCopied(false),
              )
            }}
          >
            {copied ? 'Copied' : 'Copy secret'}
          </button>
        </dd>
      </dl>
      <button type="button" className="button" onClick={onDone}>
        I have stored it
      </button>
    </div>
  )
}

function Accounts() {
  const queryClient = useQueryClient()
  const accounts = useQuery({
    queryKey: ['accounts'],
    queryFn: () => api<{ accounts: Account[] }>('/accounts').then((r) => r.accounts),
  })
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const create = useMutation({
    mutationFn: () => api<Account>('/accounts', { method: 'POST', json: { username, password } }),
    onSuccess: async () => {
      setUsername('')
      setPassword('')
      await refreshAfterWrite(queryClient, { queryKey: ['accounts'] })
    },
  })
  return (
    <section className="card" aria-labelledby="accounts-title">
      <h2 id="accounts-title">Admin accounts</h2>
      <p className="muted">People who can sign in here. Admin accounts manage every store.</p>
      {accounts.data === undefined ? (
        <Loading what="accounts" />
      ) : (
        <ul className="plain">
          {accounts.data.map((a) => (
            <li key={a.username}>
              {a.username}{' '}
              <span className="muted small">last sign-in {formatDate(a.lastLoginAt)}</span>
            </li>
          ))}
        </ul>
      )}
      <form
        className="inline-form"
        onSubmit={(event: SyntheticEvent) => {
          event.preventDefault()
          create.mutate()
        }}
      >
        <label>
          Username
          <input
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            required
            autoComplete="off"
          />
        </label>
        <label>
          Password (12+ characters)
          <input
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
            minLength={12}
            autoComplete="new-password"
          />
        </label>
        <button type="submit" className="button" disabled={create.isPending}>
          Add account
        </button>
      </form>
      {create.error === null ? null : <ErrorNote error={create.error} />}
    </section>
  )
}
