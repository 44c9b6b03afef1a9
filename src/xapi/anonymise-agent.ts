/** @module Replacing an agent inside a statement by a pseudonym: the anonymisation rule of an erasure (GDPR Art. 17). */
import { createHash } from 'node:crypto'
import { ifiKey } from './ifi.js'
import type { Agent, Ifi } from './types.js'

/**
 * The homePage of pseudonymous accounts. `.invalid` is reserved (RFC 2606), so it can never name
 * a real system, and an account IFI keeps the statement valid (Data §2.4.2.3).
 */
export const ERASED_HOME_PAGE = 'https://erased.almanac.invalid'

/**
 * Every IFI key under which an agent given by `agent` may appear in statements: its own, and for
 * an mbox also its `mbox_sha1sum` (Data §2.4.2.3: the SHA-1 of the mailto IRI), since clients
 * may send either. An agent known only by its SHA-1 cannot be matched to its mbox form.
 */
export function erasableIfis(agent: Ifi): string[] {
  const key = ifiKey(agent)
  if (key === undefined) return []
  if (agent.mbox === undefined) return [key]
  const sha1 = createHash('sha1').update(agent.mbox).digest('hex')
  return [key, `mbox_sha1sum:${sha1}`]
}

/** The pseudonymous agent standing for an erased one: an account, no name, no other IFI. */
export function pseudonym(name: string): Agent {
  return { objectType: 'Agent', account: { homePage: ERASED_HOME_PAGE, name } }
}

function hasIfi(value: Record<string, unknown>): boolean {
  return 'mbox' in value || 'mbox_sha1sum' in value || 'openid' in value || 'account' in value
}

/**
 * A copy of `value` (a statement) where every Agent or Group object whose IFI key is in `ifis`
 * is replaced by `pseudonym(name)`, wherever it is: actor, object, authority, instructor, team,
 * group members, context agents and groups, SubStatements, extensions. An erased Group keeps its
 * members (other people, each judged on their own). Returns the copy and how many were replaced.
 */
export function anonymiseAgents<T>(
  value: T,
  ifis: ReadonlySet<string>,
  name: string,
): { value: T; replaced: number } {
  let replaced = 0
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit)
    if (typeof node !== 'object' || node === null) return node
    const record = node as Record<string, unknown>
    if (hasIfi(record)) {
      const key = ifiKey(record)
      if (key !== undefined && ifis.has(key)) {
        replaced += 1
        const stand: Record<string, unknown> = { ...pseudonym(name) }
        if (record.objectType === 'Group') {
          stand.objectType = 'Group'
          if (Array.isArray(record.member)) stand.member = record.member.map(visit)
        } else if (record.objectType === undefined) delete stand.objectType
        return stand
      }
    }
    const copy: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(record)) copy[k] = visit(v)
    return copy
  }
  return { value: visit(value) as T, replaced }
}
