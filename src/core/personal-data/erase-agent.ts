/** @module Erasure of one agent from a store (GDPR Art. 17): what is deleted, what is anonymised, and the audit record. */
import { createHash, randomUUID } from 'node:crypto'
import { BadRequestError, NotFoundError } from '../../errors/errors.js'
import type {
  ErasureRecord,
  PersonalDataStore,
  StatementMention,
  StoreId,
  Storage,
} from '../../storage/ports.js'
import { anonymiseAgents, erasableIfis } from '../../xapi/anonymise-agent.js'
import { parseAgentParameter } from '../../xapi/parse-agent-parameter.js'
import type { Agent, Group, StoredStatement } from '../../xapi/types.js'
import { buildStatementIndex } from '../statements/statement-index.js'

/** A validated Agent (or identified Group) from a request body. */
export function parseErasedAgent(value: unknown): Agent | Group {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw BadRequestError(
      'agent: must be an Agent object with one IFI (mbox, mbox_sha1sum, openid or account)',
    )
  try {
    return parseAgentParameter(JSON.stringify(value), 'agent', '2.0.0')
  } catch (error) {
    if (error instanceof Error) throw BadRequestError(error.message)
    throw error
  }
}

/**
 * Erases `agent` from store `storeId` in one unit of work (all or nothing) and records the
 * erasure. The rule:
 *
 * - **Deleted**: the statements whose actor is the agent (their own learning records, voided or
 *   not), and every statement whose StatementRef chain reaches a deleted one (a voiding
 *   statement, a comment on it: they are about the erased record and would keep its id alive).
 *   With them go their index rows, their ref closures and the attachments no remaining
 *   statement uses.
 * - **Anonymised**: every other statement that mentions the agent — as object, instructor, team,
 *   member of a group, context agent or group, in a SubStatement, as authority. It is someone
 *   else's record (the instructor's, the team's) and must stay for them, so the agent is
 *   replaced by one random pseudonymous account (`anonymise-agent.ts`), the same in all of them,
 *   and the statement is re-indexed. The id and `stored` stay, so a redelivery of the original
 *   statement is a conflict, not a resurrection.
 * - **Deleted**: the agent's State and Agent Profile documents, the agent in the Agents
 *   resource, and its identifier in the people directory, with the person when that was their
 *   only identifier (a person with other identifiers keeps those and their attributes).
 *
 * Rows are deleted, and `seq` is never reused, so `more` links issued before, exports and any
 * reader of the statement log (forwarding replays included) no longer meet them.
 */
export function eraseAgent(
  storage: Storage,
  storeId: StoreId,
  agent: Agent | Group,
  by: string,
  now: () => number,
): Promise<ErasureRecord> {
  const ifis = erasableIfis(agent)
  return storage.transaction(storeId, (scope) => eraseIfis(scope.personalData, ifis, by, now))
}

/**
 * Erases a person of the people directory (docs/people.md): every identifier they have, by the
 * rule of `eraseAgent`, in one unit of work; the person goes with their last identifier. 404
 * when there is no such person.
 */
export function erasePerson(
  storage: Storage,
  storeId: StoreId,
  personId: number,
  by: string,
  now: () => number,
): Promise<ErasureRecord> {
  return storage.transaction(storeId, async (scope) => {
    const ifis = await scope.personalData.identifiersOfPerson(personId)
    if (ifis === undefined) throw NotFoundError(`no person with id ${personId} in this store`)
    return eraseIfis(scope.personalData, ifis, by, now)
  })
}

async function eraseIfis(
  data: PersonalDataStore,
  ifis: readonly string[],
  by: string,
  now: () => number,
): Promise<ErasureRecord> {
  const erased = new Set(ifis)
  const mentions = await data.findStatementsMentioning(ifis)
  const deleted = new Map<number, StatementMention>()
  for (const m of mentions)
    if (m.actorIfi !== undefined && erased.has(m.actorIfi)) deleted.set(m.seq, m)
  // Referrers of deleted statements, to a fixed point (the closure table skips voided ones).
  let frontier = [...deleted.values()].map((m) => m.statement.id)
  while (frontier.length > 0) {
    const next: string[] = []
    for (const referrer of await data.findReferrers(frontier))
      if (!deleted.has(referrer.seq)) {
        deleted.set(referrer.seq, referrer)
        next.push(referrer.statement.id)
      }
    frontier = next
  }

  const name = randomUUID()
  const rewritten = mentions
    .filter((m) => !deleted.has(m.seq))
    .map((m) => {
      const statement = anonymiseAgents<StoredStatement>(m.statement, erased, name).value
      return { seq: m.seq, record: { statement, index: buildStatementIndex(statement) } }
    })
  await data.rewriteStatements(rewritten)
  const { attachments } = await data.deleteStatements([...deleted.keys()])
  const documents = await data.deleteAgentDocuments(ifis)
  const agents = await data.deleteAgents(ifis)
  // The people directory's person for these IFIs: its attributes (name, email, role…) are
  // personal data too. A person who also has other identifiers keeps them and stays.
  await data.forgetPeople(ifis)
  return data.insertErasure({
    requestedBy: by,
    requestedAt: new Date(now()).toISOString(),
    ifiHashes: ifis.map((ifi) => createHash('sha256').update(ifi).digest('hex')),
    statementsDeleted: deleted.size,
    statementsAnonymised: rewritten.length,
    documentsDeleted: documents,
    attachmentsDeleted: attachments,
    agentsDeleted: agents,
  })
}
