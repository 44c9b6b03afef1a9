/** @module The `Lrs` interface: every xAPI use case, as HTTP (and other front ends) call them. */
import type { StoreId } from '../storage/ports.js'
import type { XapiVersion } from '../xapi/versions.js'
import type { Activity, Agent, StoredStatement } from '../xapi/types.js'
import type { LrsError } from '../errors/lrs-error.js'

/** Who is calling: the authenticated credential, resolved by `authenticate`. */
export interface Principal {
  key: string
  storeId: StoreId
  /** xAPI scopes (Communication §4.2). */
  scopes: readonly string[]
  /** The identity written as `authority` on statements this credential stores. */
  authority: Agent
  /** This credential's request limits; an absent member means the server's default. */
  limits?: PrincipalLimits
}

/** Per-credential request limits, enforced by the front end (HTTP answers 429 and 413). */
export interface PrincipalLimits {
  /** Requests per minute. */
  readonly requestsPerMinute?: number
  /** The largest request body, in bytes (never above the server's own limit). */
  readonly maxBodyBytes?: number
}

/** Per-request facts every use case needs. */
export interface RequestContext {
  principal: Principal
  version: XapiVersion
}

/** An attachment part of a `multipart/mixed` request, identified by its `X-Experience-API-Hash`. */
export interface AttachmentPart {
  sha2: string
  contentType: string
  content: Uint8Array
}

export type { StatementFormat } from '../xapi/format-statement.js'

/** The raw query parameters of `GET /statements` (strings as received). */
export type StatementQueryParameters = Readonly<Record<string, string>>

/** What a statement read returns: the statements plus any attachment contents to send. */
export interface StatementsResult {
  statements: StoredStatement[]
  /** The relative IRL of the next page (Communication §2.1.3 `more`), or '' when none. */
  more: string
  /** Attachment parts, only when `attachments=true` was requested. */
  attachments: AttachmentPart[]
}

export interface SingleStatementResult {
  statement: StoredStatement
  attachments: AttachmentPart[]
}

/** The Person object of the Agents resource (Communication §2.4). */
export interface Person {
  objectType: 'Person'
  name?: string[]
  mbox?: string[]
  mbox_sha1sum?: string[]
  openid?: string[]
  account?: { homePage: string; name: string }[]
}

export interface AboutResource {
  version: string[]
  extensions?: Record<string, unknown>
}

/** A stored document as the document resources return it. */
export interface DocumentResult {
  contentType: string
  content: Uint8Array
  /** SHA-1 hex of the content, unquoted. */
  etag: string
  updated: string
}

/** The conditional-request headers of a document write (Communication §3.1). */
export interface DocumentPreconditions {
  ifMatch?: string
  ifNoneMatch?: string
}

/** The raw parameters of a document request (strings as received). */
export type DocumentParameters = Readonly<Record<string, string>>

export type DocumentResource = 'state' | 'activityProfile' | 'agentProfile'

/** How `importStatements` treats a batch. */
export interface ImportOptions {
  /**
   * Keep the `stored` and `authority` statements carry (an export being loaded); statements
   * without them get them as on POST. `stored` never goes back in insertion order: an older
   * time is raised to the store's latest.
   */
  readonly preserve: boolean
  /**
   * Store the valid, non-conflicting statements and report the others; when false, a batch with
   * any rejected statement stores nothing.
   */
  readonly partial: boolean
}

/** What one `importStatements` batch did. */
export interface ImportResult {
  /** Statements new to the store. */
  stored: number
  /** Statements already stored (or repeated in the batch) with the same content: no-ops. */
  present: number
  /** Invalid statements and conflicts (a different statement under a stored id), by batch index. */
  rejected: { index: number; error: LrsError }[]
}

export interface ExportOptions {
  /** Only statements stored after this time (exclusive), as the `since` query parameter. */
  readonly since?: string
  /** Only statements stored at or before this time, as `until`. */
  readonly until?: string
  /** Statements read per storage query. */
  readonly pageSize?: number
}

/** The use cases of the xAPI resources. */
export interface Lrs {
  /** Resolves HTTP Basic credentials; undefined when unknown, wrong or disabled. */
  authenticate(key: string, secret: string): Promise<Principal | undefined>

  about(): AboutResource

  /**
   * POST /statements: stores one statement or a batch, all or nothing; returns their ids in order.
   * `parameters` are the query parameters (none are defined; any is a 400, XAPI-00324).
   */
  storeStatements(
    ctx: RequestContext,
    parameters: StatementQueryParameters,
    body: unknown,
    attachments: readonly AttachmentPart[],
  ): Promise<string[]>

  /** PUT /statements?statementId=: stores one statement under that id (idempotent). */
  putStatement(
    ctx: RequestContext,
    parameters: StatementQueryParameters,
    body: unknown,
    attachments: readonly AttachmentPart[],
  ): Promise<void>

  /**
   * The `X-Experience-API-Consistent-Through` value: every statement stored at or before it is
   * visible. Read it before a statement query so the header is honest for that query's result.
   */
  consistentThrough(ctx: RequestContext): Promise<string>

  /** GET /statements with statementId or voidedStatementId. */
  getStatement(
    ctx: RequestContext,
    parameters: StatementQueryParameters,
    acceptLanguages: readonly string[],
  ): Promise<SingleStatementResult>

  /** GET /statements with filters (or a `more` token). */
  queryStatements(
    ctx: RequestContext,
    parameters: StatementQueryParameters,
    acceptLanguages: readonly string[],
  ): Promise<StatementsResult>

  /**
   * Bulk import (`almanac import`): validates each item on its own, then stores the batch in
   * one unit of work through the same pipeline as POST; see `ImportOptions`. Re-importing
   * stored statements is a no-op, so an import can be repeated or resumed (a statement without
   * an id gets a random one, as on POST: give it an id to make that hold).
   */
  importStatements(
    ctx: RequestContext,
    statements: readonly unknown[],
    options: ImportOptions,
  ): Promise<ImportResult>

  /**
   * Bulk export (`almanac export`): every statement of the store stored in (since, until],
   * voided ones included, exactly as stored, oldest first, read page by page.
   */
  exportStatements(ctx: RequestContext, options: ExportOptions): AsyncIterable<StoredStatement>

  /** GET /agents: the Person combining what the LRS knows of an agent. */
  getPerson(ctx: RequestContext, parameters: DocumentParameters): Promise<Person>

  /** GET /activities: the canonical Activity. */
  getActivity(ctx: RequestContext, parameters: DocumentParameters): Promise<Activity>

  /** GET of a single document, or of the id list when no stateId/profileId is given. */
  getDocument(
    ctx: RequestContext,
    resource: DocumentResource,
    parameters: DocumentParameters,
  ): Promise<DocumentResult | string[]>

  /** PUT (replace) or POST (JSON merge) of a document. */
  writeDocument(
    ctx: RequestContext,
    resource: DocumentResource,
    mode: 'put' | 'post',
    parameters: DocumentParameters,
    body: { contentType: string; content: Uint8Array },
    preconditions: DocumentPreconditions,
  ): Promise<void>

  /** DELETE of one document, or every state document in scope when no stateId is given. */
  deleteDocument(
    ctx: RequestContext,
    resource: DocumentResource,
    parameters: DocumentParameters,
    preconditions: DocumentPreconditions,
  ): Promise<void>
}
