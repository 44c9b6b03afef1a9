/** @module The index entries of a statement: which agents, activities and ids its filters match (Communication §2.1.3). */
import type { ActivityRelation, AgentRelation, StatementIndex } from '../../storage/ports.js'
import { ifiKey } from '../../xapi/ifi.js'
import {
  VOIDED_VERB_ID,
  type Activity,
  type Actor,
  type Context,
  type StoredStatement,
  type SubStatement,
} from '../../xapi/types.js'

/**
 * Computes the index entries of a stored statement (see `StatementIndex` in storage/ports.ts).
 *
 * Agents, for the `agent` filter (Communication §2.1.3):
 * - 'direct': the actor, and the object when it is an Agent or Group, plus the members of such a
 *   Group ("Groups that have members which match the specified Agent … are considered a match").
 * - 'related' (`related_agents=true`): authority, instructor, team, the xAPI 2.0 contextAgents and
 *   contextGroups, the members of every Group among them, and all of these in a SubStatement
 *   (its actor and Agent/Group object included).
 * Activities, for the `activity` filter:
 * - 'direct': the object when it is an Activity.
 * - 'related' (`related_activities=true`): contextActivities of every kind, and the object and
 *   contextActivities of a SubStatement.
 * Anonymous groups have no IFI and get no entry (their members do). Entries are deduplicated by
 * (key, relation); one agent may appear as both 'direct' and 'related'. A query with the related
 * flag matches either relation.
 *
 * UUIDs (registration, StatementRef target) are lower-cased, as statement ids are in storage, so
 * queries must lower-case the values they compare with them.
 */
export function buildStatementIndex(statement: StoredStatement): StatementIndex {
  const agents = new EntrySet<AgentRelation>()
  const activities = new EntrySet<ActivityRelation>()
  const object = statement.object

  addActor(agents, statement.actor, 'direct')
  if (object.objectType === 'Agent' || object.objectType === 'Group')
    addActor(agents, object, 'direct')
  addActor(agents, statement.authority, 'related')
  if (statement.context !== undefined) addContext(agents, activities, statement.context)
  if (object.objectType === 'SubStatement') addSubStatement(agents, activities, object)
  if (isActivity(object)) activities.add(object.id, 'direct')

  return {
    verbId: statement.verb.id,
    actorIfi: ifiKey(statement.actor),
    objectActivityId: isActivity(object) ? object.id : undefined,
    objectStatementId: object.objectType === 'StatementRef' ? object.id.toLowerCase() : undefined,
    registration: statement.context?.registration?.toLowerCase(),
    isVoiding: statement.verb.id === VOIDED_VERB_ID,
    agents: agents.entries().map(([ifi, relation]) => ({ ifi, relation })),
    activities: activities.entries().map(([activityId, relation]) => ({ activityId, relation })),
    // The identity statements/read/mine compares with (Communication §4.2).
    authorityIfi: ifiKey(statement.authority),
  }
}

/** Everything in a SubStatement is 'related' (Communication §2.1.3 related_agents/_activities). */
function addSubStatement(
  agents: EntrySet<AgentRelation>,
  activities: EntrySet<ActivityRelation>,
  sub: SubStatement,
): void {
  addActor(agents, sub.actor, 'related')
  const object = sub.object
  if (object.objectType === 'Agent' || object.objectType === 'Group')
    addActor(agents, object, 'related')
  if (isActivity(object)) activities.add(object.id, 'related')
  if (sub.context !== undefined) addContext(agents, activities, sub.context)
}

function addContext(
  agents: EntrySet<AgentRelation>,
  activities: EntrySet<ActivityRelation>,
  context: Context,
): void {
  if (context.instructor !== undefined) addActor(agents, context.instructor, 'related')
  if (context.team !== undefined) addActor(agents, context.team, 'related')
  for (const entry of context.contextAgents ?? []) addActor(agents, entry.agent, 'related')
  for (const entry of context.contextGroups ?? []) addActor(agents, entry.group, 'related')
  const kinds = context.contextActivities ?? {}
  for (const list of [kinds.parent, kinds.grouping, kinds.category, kinds.other]) {
    // Stored statements hold arrays (Data §2.4.6.2); a lone object is tolerated all the same.
    for (const activity of toArray(list)) activities.add(activity.id, 'related')
  }
}

/** An Agent or identified Group by its IFI key, and the members of a Group. */
function addActor(agents: EntrySet<AgentRelation>, actor: Actor, relation: AgentRelation): void {
  const key = ifiKey(actor)
  if (key !== undefined) agents.add(key, relation)
  if (actor.objectType === 'Group') {
    for (const member of actor.member ?? []) addActor(agents, member, relation)
  }
}

function isActivity(object: StoredStatement['object']): object is Activity {
  return object.objectType === undefined || object.objectType === 'Activity'
}

function toArray(list: Activity[] | Activity | undefined): Activity[] {
  if (list === undefined) return []
  return Array.isArray(list) ? list : [list]
}

/** Insertion-ordered (key, relation) pairs without duplicates. */
class EntrySet<R extends string> {
  private readonly seen = new Map<string, [string, R]>()

  add(key: string, relation: R): void {
    this.seen.set(`${relation}\u0000${key}`, [key, relation])
  }

  entries(): [string, R][] {
    return [...this.seen.values()]
  }
}
