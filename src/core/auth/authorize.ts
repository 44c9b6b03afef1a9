/** @module Scope enforcement (Communication §4.2): what each scope lets a credential do, checked before every use case. */
import { InsufficientScopeError } from '../../errors/errors.js'
import { ifiKey } from '../../xapi/ifi.js'
import type { DocumentResource, Lrs, Principal } from '../lrs.js'
import type { XapiScope } from './scopes.js'

/** The things a use case may need permission for. */
export type Permission =
  | 'statements/write'
  | 'statements/read'
  | 'statements/read/mine'
  | 'state/read'
  | 'state/write'
  | 'profile/read'
  | 'profile/write'
  | 'activities-agents/read'
  | 'define'
  | 'import'

/**
 * Which scopes grant each permission. From the scope table of Communication §4.2:
 * - `all` grants everything; `all/read` every read ("unrestricted read access");
 * - `statements/read` includes `statements/read/mine`;
 * - `state` is the State resource, `profile` the Activity and Agent Profile resources, read and
 *   write. The spec's "limited to Activities and Actors associated with the current token" is
 *   not determinable for Basic credentials, so these scopes cover the whole store.
 * Almanac's decisions where the table says nothing:
 * - GET /activities and GET /agents return the canonical definitions and the names seen in any
 *   credential's statements, so they need an unrestricted statement read (`statements/read`,
 *   `all/read`, `all`) or `define` (who may define them may read them); `statements/read/mine`
 *   is not enough, since they would show other credentials' data.
 * - `define`: statements stored without it do not update the canonical Activity definitions
 *   or the agents recorded for the Agents resource (the projection step is skipped; the ids are
 *   kept in the statements themselves), as §4.2 says of a write without `define`.
 * - bulk import keeps the `authority` and `stored` an export carries, so only `all` may use it.
 */
const GRANTED_BY: Readonly<Record<Permission, readonly XapiScope[]>> = {
  'statements/write': ['all', 'statements/write'],
  'statements/read': ['all', 'all/read', 'statements/read'],
  'statements/read/mine': ['all', 'all/read', 'statements/read', 'statements/read/mine'],
  'state/read': ['all', 'all/read', 'state'],
  'state/write': ['all', 'state'],
  'profile/read': ['all', 'all/read', 'profile'],
  'profile/write': ['all', 'profile'],
  'activities-agents/read': ['all', 'all/read', 'statements/read', 'define'],
  define: ['all', 'define'],
  import: ['all'],
}

/** True when one of the principal's scopes grants `permission`. */
export function grants(principal: Principal, permission: Permission): boolean {
  return GRANTED_BY[permission].some((scope) => principal.scopes.includes(scope))
}

/** Throws a Forbidden error naming the scopes that would allow `action`. */
export function requirePermission(
  principal: Principal,
  permission: Permission,
  action: string,
): void {
  if (!grants(principal, permission)) throw InsufficientScopeError(action, GRANTED_BY[permission])
}

/** True when statements this principal stores may (re)define activities and agents. */
export function mayDefine(principal: Principal): boolean {
  return grants(principal, 'define')
}

/** Matches no stored authority: a restricted principal without an IFI reads nothing. */
const NO_AUTHORITY = '\u0000none'

/**
 * The authority IFI key a principal's statement reads are restricted to, or undefined when it
 * may read every statement of its store. With only `statements/read/mine`, it reads the
 * statements "with an authority matching what the LRS would assign if writing a Statement with
 * the current token" (Communication §4.2): its own authority.
 */
export function ownStatementsFilter(principal: Principal): string | undefined {
  if (grants(principal, 'statements/read')) return undefined
  return ifiKey(principal.authority) ?? NO_AUTHORITY
}

function documentPermission(resource: DocumentResource, mode: 'read' | 'write'): Permission {
  return resource === 'state' ? `state/${mode}` : `profile/${mode}`
}

function documentNoun(resource: DocumentResource): string {
  return resource === 'state' ? 'state documents' : 'profile documents'
}

/**
 * The `Lrs` that checks the caller's scopes before each use case and answers 403 when they do
 * not cover it. Every method is listed, so a new use case does not compile until its
 * permission is decided here.
 */
export function authorize(lrs: Lrs): Lrs {
  return {
    authenticate: (key, secret) => lrs.authenticate(key, secret),
    about: () => lrs.about(),

    storeStatements(ctx, parameters, body, attachments) {
      requirePermission(ctx.principal, 'statements/write', 'write statements')
      return lrs.storeStatements(ctx, parameters, body, attachments)
    },
    putStatement(ctx, parameters, body, attachments) {
      requirePermission(ctx.principal, 'statements/write', 'write statements')
      return lrs.putStatement(ctx, parameters, body, attachments)
    },
    consistentThrough(ctx) {
      requirePermission(ctx.principal, 'statements/read/mine', 'read statements')
      return lrs.consistentThrough(ctx)
    },
    getStatement(ctx, parameters, languages) {
      requirePermission(ctx.principal, 'statements/read/mine', 'read statements')
      return lrs.getStatement(ctx, parameters, languages)
    },
    queryStatements(ctx, parameters, languages) {
      requirePermission(ctx.principal, 'statements/read/mine', 'read statements')
      return lrs.queryStatements(ctx, parameters, languages)
    },
    importStatements(ctx, statements, options) {
      requirePermission(ctx.principal, 'import', 'import statements')
      return lrs.importStatements(ctx, statements, options)
    },
    exportStatements(ctx, options) {
      requirePermission(ctx.principal, 'statements/read', 'export statements')
      return lrs.exportStatements(ctx, options)
    },

    getPerson(ctx, parameters) {
      requirePermission(ctx.principal, 'activities-agents/read', 'read the Agents resource')
      return lrs.getPerson(ctx, parameters)
    },
    getActivity(ctx, parameters) {
      requirePermission(ctx.principal, 'activities-agents/read', 'read the Activities resource')
      return lrs.getActivity(ctx, parameters)
    },
    getDocument(ctx, resource, parameters) {
      requirePermission(
        ctx.principal,
        documentPermission(resource, 'read'),
        `read ${documentNoun(resource)}`,
      )
      return lrs.getDocument(ctx, resource, parameters)
    },
    writeDocument(ctx, resource, mode, parameters, body, preconditions) {
      requirePermission(
        ctx.principal,
        documentPermission(resource, 'write'),
        `write ${documentNoun(resource)}`,
      )
      return lrs.writeDocument(ctx, resource, mode, parameters, body, preconditions)
    },
    deleteDocument(ctx, resource, parameters, preconditions) {
      requirePermission(
        ctx.principal,
        documentPermission(resource, 'write'),
        `delete ${documentNoun(resource)}`,
      )
      return lrs.deleteDocument(ctx, resource, parameters, preconditions)
    },
  }
}
