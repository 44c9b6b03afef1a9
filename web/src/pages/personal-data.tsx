/**
 * Personal data: erasing a learner (GDPR Art. 17) after a confirmation step, the audit records of
 * past erasures, and the store's retention policy with a dry run of what it would purge.
 * docs/personal-data.md has the rules (what is deleted, what is anonymised and why).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useId, useState, type SyntheticEvent } from 'react'
import { api, type Store } from '../api'
import type { PageProps } from '../app'
import { ErrorNote, Loading, PageHeader } from '../components'
import { ConfirmErasure, type Erasure, ErasureDone } from '../erasure'
import { formatDate, numberFormat } from '../format'
import { refreshAfterWrite } from '../refresh'

export interface Retention {
  storeId: number
  statementDays: number | null
  documentDays: number | null
  updatedAt: string | null
}

export interface PurgeReport {
  dryRun: boolean
  statements: number
  documents: number
  oldestStored?: string
  newestStored?: string
  statementsBefore: string | null
  documentsBefore: string | null
}

export function PersonalDataPage({ store }: PageProps) {
  return (
    <>
      <PageHeader title="Personal data" />
      <EraseLearner store={store} />
      <RetentionPolicy store={store} />
    </>
  )
}

/** The agent as typed, or why it cannot be sent. */
function parseAgent(text: string): { agent: unknown } | { problem: string } {
  let agent: unknown
  try {
    agent = JSON.parse(text)
  } catch {
    return { problem: 'This is not JSON. Example: {"mbox": "mailto:learner@example.com"}' }
  }
  if (typeof agent !== 'object' || agent === null || Array.isArray(agent))
    return { problem: 'An Agent is a JSON object with one identifier (mbox, account, …).' }
  return { agent }
}

function EraseLearner({ store }: { store: Store }) {
  const queryClient = useQueryClient()
  const key = ['erasures', store.id]
  const erasures = useQuery({
    queryKey: key,
    queryFn: () =>
      api<{ erasures: Erasure[] }>(`/stores/${store.id}/erasures`).then((r) => r.erasures),
  })
  const agentId = useId()
  const hintId = useId()
  const [text, setText] = useState('')
  const [problem, setProblem] = useState<string | undefined>(undefined)
  /** The agent awaiting confirmation: nothing is erased before the second click. */
  const [pending, setPending] = useState<{ agent: unknown; text: string } | undefined>(undefined)
  const erase = useMutation({
    mutationFn: (agent: unknown) =>
      api<Erasure>(`/stores/${store.id}/erasures`, { method: 'POST', json: { agent } }),
    onSuccess: async () => {
      setPending(undefined)
      setText('')
      await refreshAfterWrite(queryClient, { queryKey: key })
      // Reports and statements changed too.
      await refreshAfterWrite(queryClient)
    },
  })
  useEffect(() => {
    // Switching store abandons a pending confirmation.
    setPending(undefined)
  }, [store.id])
  return (
    <section className="card" aria-labelledby="erasure-title">
      <h2 id="erasure-title">Erase a learner</h2>
      <p className="muted">
        Removes the learner's statements (and statements about them), their State and Agent Profile
        documents and attachments no other statement uses, from “{store.name}”. Statements of others
        that mention them stay, with the learner replaced by an anonymous agent. This cannot be
        undone; an audit record keeps who, when and how many, not who was erased.
      </p>
      {pending === undefined ? (
        <form
          className="form-stack"
          onSubmit={(event: SyntheticEvent) => {
            event.preventDefault()
            const parsed = parseAgent(text)
            if ('problem' in parsed) {
              setProblem(parsed.problem)
              return
            }
            setProblem(undefined)
            erase.reset()
            setPending({ agent: parsed.agent, text })
          }}
        >
          <label htmlFor={agentId}>Agent (JSON)</label>
          <textarea
            id={agentId}
            rows={3}
            cols={60}
            value={text}
            onChange={(e) => setText(e.target.value)}
            required
            aria-describedby={hintId}
            aria-invalid={problem !== undefined}
            placeholder='{"mbox": "mailto:learner@example.com"}'
          />
          <span id={hintId} className="muted small">
            As in a statement's actor: mbox, mbox_sha1sum, openid or account.
          </span>
          {problem === undefined ? null : (
            <p className="error" role="alert">
              {problem}
            </p>
          )}
          <button type="submit" className="button">
            Review erasure…
          </button>
        </form>
      ) : (
        <ConfirmErasure
          title={<>Erase this learner from “{store.name}”?</>}
          pending={erase.isPending}
          error={erase.error}
          onConfirm={() => erase.mutate(pending.agent)}
          onCancel={() => {
            setText(pending.text)
            setPending(undefined)
          }}
        >
          <pre className="code">{JSON.stringify(pending.agent, null, 2)}</pre>
        </ConfirmErasure>
      )}
      {erase.data === undefined ? null : <ErasureDone erasure={erase.data} />}
      <h3>Audit records</h3>
      {erasures.error !== null ? (
        <ErrorNote error={erasures.error} />
      ) : erasures.data === undefined ? (
        <Loading what="erasures" />
      ) : erasures.data.length === 0 ? (
        <p>No erasures in this store.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">Erasure audit records</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Requested</th>
                <th scope="col">By</th>
                <th scope="col">Statements deleted</th>
                <th scope="col">Anonymised</th>
                <th scope="col">Documents</th>
                <th scope="col">Attachments</th>
                <th scope="col">Agent records</th>
                <th scope="col">Identifier hashes (SHA-256)</th>
              </tr>
            </thead>
            <tbody>
              {erasures.data.map((e) => (
                <tr key={e.id} data-erasure={e.id}>
                  <td className="num">{e.id}</td>
                  <td>{formatDate(e.requestedAt)}</td>
                  <td>{e.requestedBy}</td>
                  <td className="num">{numberFormat.format(e.statementsDeleted)}</td>
                  <td className="num">{numberFormat.format(e.statementsAnonymised)}</td>
                  <td className="num">{numberFormat.format(e.documentsDeleted)}</td>
                  <td className="num">{numberFormat.format(e.attachmentsDeleted)}</td>
                  <td className="num">{numberFormat.format(e.agentsDeleted)}</td>
                  <td>
                    {e.ifiHashes.map((hash) => (
                      <code key={hash} className="small" title={hash}>
                        {hash.slice(0, 16)}…{' '}
                      </code>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

/** A days field: empty means "keep for ever". */
function daysOf(text: string): number | null {
  return text.trim() === '' ? null : Number(text)
}

function keepText(days: number | null): string {
  return days === null ? 'for ever' : `${numberFormat.format(days)} days`
}

function RetentionPolicy({ store }: { store: Store }) {
  const queryClient = useQueryClient()
  const key = ['retention', store.id]
  const policy = useQuery({
    queryKey: key,
    queryFn: () => api<Retention>(`/stores/${store.id}/retention`),
  })
  const [statementDays, setStatementDays] = useState('')
  const [documentDays, setDocumentDays] = useState('')
  useEffect(() => {
    if (policy.data === undefined) return
    setStatementDays(policy.data.statementDays === null ? '' : String(policy.data.statementDays))
    setDocumentDays(policy.data.documentDays === null ? '' : String(policy.data.documentDays))
  }, [policy.data])
  const save = useMutation({
    mutationFn: () =>
      api<Retention>(`/stores/${store.id}/retention`, {
        method: 'PUT',
        json: { statementDays: daysOf(statementDays), documentDays: daysOf(documentDays) },
      }),
    onSuccess: (saved) => {
      queryClient.setQueryData(key, saved)
      purge.reset()
    },
  })
  const purge = useMutation({
    mutationFn: (dryRun: boolean) =>
      api<PurgeReport>(`/stores/${store.id}/retention/purge`, {
        method: 'POST',
        json: { dryRun },
      }),
    onSuccess: async (report) => {
      if (!report.dryRun) await refreshAfterWrite(queryClient)
    },
  })
  return (
    <section className="card" aria-labelledby="retention-title">
      <h2 id="retention-title">Retention</h2>
      <p className="muted">
        Statements older than the policy (by when they were stored) and documents not changed for
        longer are purged by a background job, in small batches; reports follow. Leave a field empty
        to keep for ever.
      </p>
      {policy.error !== null ? (
        <ErrorNote error={policy.error} />
      ) : policy.data === undefined ? (
        <Loading what="the retention policy" />
      ) : (
        <p data-testid="retention-policy">
          Now: statements kept <strong>{keepText(policy.data.statementDays)}</strong>, documents
          kept <strong>{keepText(policy.data.documentDays)}</strong>
          {policy.data.updatedAt === null ? null : (
            <span className="muted small"> (set {formatDate(policy.data.updatedAt)})</span>
          )}
          .
        </p>
      )}
      <form
        className="inline-form"
        onSubmit={(event: SyntheticEvent) => {
          event.preventDefault()
          save.mutate()
        }}
      >
        <label>
          Keep statements (days)
          <input
            type="number"
            min={1}
            step={1}
            inputMode="numeric"
            value={statementDays}
            onChange={(e) => setStatementDays(e.target.value)}
            placeholder="for ever"
          />
        </label>
        <label>
          Keep documents (days)
          <input
            type="number"
            min={1}
            step={1}
            inputMode="numeric"
            value={documentDays}
            onChange={(e) => setDocumentDays(e.target.value)}
            placeholder="for ever"
          />
        </label>
        <button type="submit" className="button" disabled={save.isPending}>
          Save policy
        </button>
        <button
          type="button"
          className="button secondary"
          disabled={purge.isPending}
          onClick={() => purge.mutate(true)}
        >
          Dry run
        </button>
        <button
          type="button"
          className="button secondary"
          disabled={purge.isPending}
          onClick={() => {
            if (
              window.confirm(
                `Purge now what the saved policy of “${store.name}” says should go? This cannot be undone.`,
              )
            )
              purge.mutate(false)
          }}
        >
          Purge now
        </button>
      </form>
      {save.error === null ? null : <ErrorNote error={save.error} />}
      {purge.error === null ? null : <ErrorNote error={purge.error} />}
      {purge.data === undefined ? null : <PurgeResult report={purge.data} />}
    </section>
  )
}

function PurgeResult({ report }: { report: PurgeReport }) {
  const verb = report.dryRun ? 'would go' : 'went'
  return (
    <div className="notice" role="status" data-testid="purge-result">
      <p>
        <strong>{report.dryRun ? 'Dry run' : 'Purged'}:</strong>{' '}
        {numberFormat.format(report.statements)} statements {verb}
        {report.oldestStored === undefined ? null : (
          <>
            {' '}
            (stored {formatDate(report.oldestStored)} to {formatDate(report.newestStored)})
          </>
        )}
        , and {numberFormat.format(report.documents)} documents.
      </p>
      <p className="muted small">
        {report.statementsBefore === null
          ? 'No statement policy: statements are kept for ever.'
          : `Statements stored before ${formatDate(report.statementsBefore)}.`}{' '}
        {report.documentsBefore === null
          ? 'No document policy: documents are kept for ever.'
          : `Documents last changed before ${formatDate(report.documentsBefore)}.`}
        {report.dryRun ? ' Nothing was removed.' : ''}
      </p>
    </div>
  )
}
