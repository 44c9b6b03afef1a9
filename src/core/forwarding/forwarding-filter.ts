/** @module Which log entries a forwarding target receives (its filter). */
import type { ForwardingFilter, LogEntry } from '../../storage/ports.js'
import { ifiKey } from '../../xapi/ifi.js'
import type { Activity, Statement, StoredStatement, SubStatement } from '../../xapi/types.js'

function activityIds(statement: Statement | SubStatement): string[] {
  const ids: string[] = []
  const object = statement.object
  // An object without objectType is an Activity (Data §2.4.4.1: an Agent object must say so).
  if (object.objectType === undefined || object.objectType === 'Activity')
    ids.push((object as Activity).id)
  const kinds = statement.context?.contextActivities ?? {}
  for (const list of [kinds.parent, kinds.grouping, kinds.category, kinds.other]) {
    const items: Activity[] = list === undefined ? [] : Array.isArray(list) ? list : [list]
    for (const activity of items) ids.push(activity.id)
  }
  return ids
}

function actorKeys(statement: StoredStatement): string[] {
  const keys: string[] = []
  const actor = statement.actor
  const own = ifiKey(actor)
  if (own !== undefined) keys.push(own)
  if (actor.objectType === 'Group')
    for (const member of actor.member ?? []) {
      const key = ifiKey(member)
      if (key !== undefined) keys.push(key)
    }
  return keys
}

/** A list that constrains: absent and empty both mean "any" (a form sends [] for a blank field). */
function given(list: string[] | undefined): list is string[] {
  return list !== undefined && list.length > 0
}

function matchesStatement(statement: StoredStatement, filter: ForwardingFilter): boolean {
  const { verbs, activities, activityPrefixes, actors, platforms } = filter
  if (given(verbs) && !verbs.includes(statement.verb.id)) return false
  if (given(activities) || given(activityPrefixes)) {
    const ids = activityIds(statement)
    const exact = activities ?? []
    const prefixes = activityPrefixes ?? []
    if (!ids.some((id) => exact.includes(id) || prefixes.some((p) => id.startsWith(p))))
      return false
  }
  if (given(actors) && !actorKeys(statement).some((key) => actors.includes(key))) return false
  if (given(platforms)) {
    const platform = statement.context?.platform
    if (platform === undefined || !platforms.includes(platform)) return false
  }
  return true
}

/**
 * True when the target should receive the entry. Every non-empty list must match (verbs AND
 * activities AND actors AND platforms; any element of a list). A voiding statement (Data
 * §2.3.2) matches when the statement it voids does, whatever its own verb and actor: the target
 * received that statement and must learn it is voided. When the voided statement is not in the
 * store, the voiding statement is judged on its own.
 */
export function matchesFilter(entry: LogEntry, filter: ForwardingFilter): boolean {
  if (entry.target !== undefined) return matchesStatement(entry.target.statement, filter)
  return matchesStatement(entry.statement, filter)
}
