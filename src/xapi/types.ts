/** @module The xAPI data model (Data §2.4, plus the 2.0 context additions) as TypeScript types. */

/** A language map: RFC 5646 tag → text (Data §4.2). */
export type LanguageMap = Record<string, string>

/** An extensions object: IRI → any JSON value (Data §2.4.6 Extensions). */
export type Extensions = Record<string, unknown>

export interface Account {
  homePage: string
  name: string
}

/** The inverse functional identifiers; exactly one is set on an identified Agent (Data §2.4.2.3). */
export interface Ifi {
  mbox?: string
  mbox_sha1sum?: string
  openid?: string
  account?: Account
}

export interface Agent extends Ifi {
  objectType?: 'Agent'
  name?: string
}

export interface Group extends Ifi {
  objectType: 'Group'
  name?: string
  member?: Agent[]
}

export type Actor = Agent | Group

export interface Verb {
  id: string
  display?: LanguageMap
}

export interface InteractionComponent {
  id: string
  description?: LanguageMap
}

export interface ActivityDefinition {
  name?: LanguageMap
  description?: LanguageMap
  type?: string
  moreInfo?: string
  extensions?: Extensions
  interactionType?: string
  correctResponsesPattern?: string[]
  choices?: InteractionComponent[]
  scale?: InteractionComponent[]
  source?: InteractionComponent[]
  target?: InteractionComponent[]
  steps?: InteractionComponent[]
}

export interface Activity {
  objectType?: 'Activity'
  id: string
  definition?: ActivityDefinition
}

export interface StatementRef {
  objectType: 'StatementRef'
  id: string
}

export interface Score {
  scaled?: number
  raw?: number
  min?: number
  max?: number
}

export interface Result {
  score?: Score
  success?: boolean
  completion?: boolean
  response?: string
  duration?: string
  extensions?: Extensions
}

export interface ContextActivities {
  parent?: Activity[]
  grouping?: Activity[]
  category?: Activity[]
  other?: Activity[]
}

/** xAPI 2.0: an agent relevant to the context, with optional relevance types. */
export interface ContextAgent {
  objectType: 'contextAgent'
  agent: Agent
  relevantTypes?: string[]
}

/** xAPI 2.0: a group relevant to the context, with optional relevance types. */
export interface ContextGroup {
  objectType: 'contextGroup'
  group: Group
  relevantTypes?: string[]
}

export interface Context {
  registration?: string
  instructor?: Actor
  team?: Group
  contextActivities?: ContextActivities
  contextAgents?: ContextAgent[]
  contextGroups?: ContextGroup[]
  revision?: string
  platform?: string
  language?: string
  statement?: StatementRef
  extensions?: Extensions
}

export interface Attachment {
  usageType: string
  display: LanguageMap
  description?: LanguageMap
  contentType: string
  length: number
  sha2: string
  fileUrl?: string
}

/** A statement nested as an object (Data §2.4.4.3): no id, stored, version or authority. */
export interface SubStatement {
  objectType: 'SubStatement'
  actor: Actor
  verb: Verb
  object: Activity | Agent | Group | StatementRef
  result?: Result
  context?: Context
  timestamp?: string
  attachments?: Attachment[]
}

export type StatementObject = Activity | Agent | Group | StatementRef | SubStatement

export interface Statement {
  id?: string
  actor: Actor
  verb: Verb
  object: StatementObject
  result?: Result
  context?: Context
  timestamp?: string
  stored?: string
  authority?: Actor
  version?: string
  attachments?: Attachment[]
}

/** A statement after the LRS has set every LRS-owned property (Data §2.4.7–2.4.10). */
export interface StoredStatement extends Statement {
  id: string
  timestamp: string
  stored: string
  authority: Actor
  version: string
}

/** The verb whose statements void another (Data §2.3.2). */
export const VOIDED_VERB_ID = 'http://adlnet.gov/expapi/verbs/voided'
