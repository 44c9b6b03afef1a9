/** @module The Agents resource (Communication §2.4) and the agents the LRS records from statements. */
import { InvalidParameterError } from '../errors/errors.js'
import { ifiKey } from '../xapi/ifi.js'
import { parseAgentParameter } from '../xapi/parse-agent-parameter.js'
import type { Actor, Agent, Context, Group, Statement, SubStatement } from '../xapi/types.js'
import type { ActorActivityStore } from '../storage/ports.js'
import type { CoreDeps } from './core-deps.js'
import { rejectUnknownParameters, requireParameter } from './documents/document-parameters.js'
import type { DocumentParameters, Person, RequestContext } from './lrs.js'

/** An identified agent or group as recorded for the Agents resource. */
export interface SeenAgent {
  ifi: string
  agent: Agent | Group
}

/** Only what a Person is built from: objectType, name and the IFI (members are recorded on their own). */
function identity(actor: Actor, ifi: string): SeenAgent {
  const agent: Agent | Group =
    actor.objectType === 'Group' ? { objectType: 'Group' } : { objectType: 'Agent' }
  if (actor.name !== undefined) agent.name = actor.name
  if (actor.mbox !== undefined) agent.mbox = actor.mbox
  else if (actor.mbox_sha1sum !== undefined) agent.mbox_sha1sum = actor.mbox_sha1sum
  else if (actor.openid !== undefined) agent.openid = actor.openid
  else if (actor.account !== undefined)
    agent.account = { homePage: actor.account.homePage, name: actor.account.name }
  return { ifi, agent }
}

/** Collects identified agents/groups, one per (IFI, name): the shape `findAgents` returns. */
class AgentCollector {
  readonly seen = new Map<string, SeenAgent>()

  add(actor: Actor | undefined): void {
    if (actor === undefined) return
    const ifi = ifiKey(actor)
    if (ifi !== undefined) {
      const key = `${ifi}\u0000${actor.name ?? ''}`
      if (!this.seen.has(key)) this.seen.set(key, identity(actor, ifi))
    }
    if (actor.objectType === 'Group') for (const member of actor.member ?? []) this.add(member)
  }

  addContext(context: Context | undefined): void {
    if (context === undefined) return
    this.add(context.instructor)
    this.add(context.team)
    for (const contextAgent of context.contextAgents ?? []) this.add(contextAgent.agent)
    for (const contextGroup of context.contextGroups ?? []) this.add(contextGroup.group)
  }

  addStatement(statement: Statement | SubStatement): void {
    this.add(statement.actor)
    const object = statement.object
    if (object.objectType === 'Agent' || object.objectType === 'Group') this.add(object)
    else if (object.objectType === 'SubStatement') this.addStatement(object)
    this.addContext(statement.context)
    if ('authority' in statement) this.add(statement.authority)
  }
}

/**
 * Every identified agent and group a batch mentions — actor, object, authority, instructor,
 * team, group members, context agents and groups, and the same inside SubStatements —
 * deduplicated by IFI and name, so a large batch costs one upsert.
 */
export function collectAgents(statements: readonly Statement[]): SeenAgent[] {
  const collector = new AgentCollector()
  for (const statement of statements) collector.addStatement(statement)
  return [...collector.seen.values()]
}

/** Records the agents of a batch for the Agents resource; called inside the ingest unit of work. */
export async function recordAgents(
  store: ActorActivityStore,
  statements: readonly Statement[],
): Promise<void> {
  const agents = collectAgents(statements)
  if (agents.length > 0) await store.upsertAgents(agents)
}

/** The Person's IFI arrays for the requested agent (it always carries the one it was asked with). */
function personIdentifiers(agent: Agent): Omit<Person, 'objectType' | 'name'> {
  if (agent.mbox !== undefined) return { mbox: [agent.mbox] }
  if (agent.mbox_sha1sum !== undefined) return { mbox_sha1sum: [agent.mbox_sha1sum] }
  if (agent.openid !== undefined) return { openid: [agent.openid] }
  if (agent.account !== undefined)
    return { account: [{ homePage: agent.account.homePage, name: agent.account.name }] }
  return {}
}

/**
 * GET /agents: the Person combining what the LRS knows of an agent (Communication §2.4). The
 * LRS has no directory of linked identities, so the Person holds the agent's one IFI and every
 * name seen with it; for an agent never seen it holds only the request's own information
 * (XAPI-00247, XAPI-00248). The parameter is an Agent, "not a Group" (§2.4); a missing or
 * malformed one is a 400 (XAPI-00243, XAPI-00249).
 */
export async function getPerson(
  deps: CoreDeps,
  ctx: RequestContext,
  parameters: DocumentParameters,
): Promise<Person> {
  rejectUnknownParameters(parameters, ['agent'])
  const agent = parseAgentParameter(requireParameter(parameters, 'agent'), 'agent', ctx.version)
  if (agent.objectType === 'Group')
    throw InvalidParameterError('agent', 'must be an Agent, not a Group (Communication §2.4)')
  const ifi = ifiKey(agent)
  if (ifi === undefined)
    throw InvalidParameterError('agent', 'must identify an Agent by exactly one IFI')

  const known = await deps.storage.scope(ctx.principal.storeId).actorsActivities.findAgents(ifi)
  const names = new Set<string>()
  for (const seen of known) if (seen.name !== undefined) names.add(seen.name)
  if (agent.name !== undefined) names.add(agent.name)
  const person: Person = { objectType: 'Person' }
  if (names.size > 0) person.name = [...names]
  return { ...person, ...personIdentifiers(agent) }
}
