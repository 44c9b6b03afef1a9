/** @module Erasure in the console: the audit record's type, the confirmation step, the result. */
import { useId, type ReactNode } from 'react'
import { ErrorNote } from './components'

/** An erasure's audit record: who, when, how many; the IFIs only as SHA-256 hashes. */
export interface Erasure {
  id: number
  requestedBy: string
  requestedAt: string
  ifiHashes: string[]
  statementsDeleted: number
  statementsAnonymised: number
  documentsDeleted: number
  attachmentsDeleted: number
  agentsDeleted: number
}

/** What an erasure just did, as its audit record counts it; `children` follow. */
export function ErasureDone({ erasure, children }: { erasure: Erasure; children?: ReactNode }) {
  return (
    <p className="notice" role="status">
      Erasure #{erasure.id} done: {erasure.statementsDeleted} statements deleted,{' '}
      {erasure.statementsAnonymised} anonymised, {erasure.documentsDeleted} documents and{' '}
      {erasure.attachmentsDeleted} attachments deleted.{children}
    </p>
  )
}

/**
 * The second step of an erasure, which cannot be undone: what goes (`children`), "Erase
 * permanently", and Cancel with the focus, so that Enter does not erase by accident.
 */
export function ConfirmErasure({
  title,
  children,
  pending,
  error,
  onConfirm,
  onCancel,
}: {
  title: ReactNode
  children: ReactNode
  pending: boolean
  error: unknown
  onConfirm: () => void
  onCancel: () => void
}) {
  const titleId = useId()
  return (
    <div className="confirm-box" role="alertdialog" aria-labelledby={titleId}>
      <h3 id={titleId}>{title}</h3>
      {children}
      <p>
        Everything of theirs in this store is deleted for good, including from reports and exports.
        Forwarding targets keep what they already received.
      </p>
      <div className="form-actions">
        <button type="button" className="button" disabled={pending} onClick={onConfirm}>
          Erase permanently
        </button>
        <button type="button" className="button secondary" autoFocus onClick={onCancel}>
          Cancel
        </button>
      </div>
      {error === null ? null : <ErrorNote error={error} />}
    </div>
  )
}
