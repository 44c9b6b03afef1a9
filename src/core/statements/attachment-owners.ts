/** @module Which statements of an ingest were stored together with which attachment contents (issue 15). */
import type { AttachmentOwner } from '../../storage/ports.js'
import type { Attachment, Statement } from '../../xapi/types.js'

/** The attachments a statement declares: its own and its SubStatement's (Data §2.4.11). */
export function declaredAttachments(statement: Statement): Attachment[] {
  const own = statement.attachments ?? []
  return statement.object.objectType === 'SubStatement'
    ? [...own, ...(statement.object.attachments ?? [])]
    : [...own]
}

/**
 * Every (statement, SHA-2) of `statements` whose content came with them (`contents`, the parts
 * of their own request). A statement returns an attachment content only through such a link,
 * so one that declares a hash it never sent (a fileUrl naming another credential's file) reads
 * nothing, although the content is kept once per hash and store.
 */
export function attachmentOwners(
  statements: readonly (Statement & { id: string })[],
  contents: readonly { sha2: string }[],
): AttachmentOwner[] {
  const sent = new Set(contents.map((c) => c.sha2))
  if (sent.size === 0) return []
  return statements.flatMap((statement) =>
    declaredAttachments(statement)
      .filter((attachment) => sent.has(attachment.sha2))
      .map((attachment) => ({ statementId: statement.id, sha2: attachment.sha2 })),
  )
}
