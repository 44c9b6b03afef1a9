/** @module The xAPI authorization scopes (Communication §4.2) a credential may carry. */
import { InvalidParameterError } from '../../errors/errors.js'

/** Every scope of the 1.0.3 table (Communication §4.2), the only values a credential may hold. */
export const XAPI_SCOPES = [
  'statements/write',
  'statements/read/mine',
  'statements/read',
  'state',
  'define',
  'profile',
  'all/read',
  'all',
] as const

export type XapiScope = (typeof XAPI_SCOPES)[number]

/**
 * The scopes of a credential created without any: "The LRS MUST assume a requested scope of
 * statements/write and statements/read/mine if no scope is specified" (Communication §4.2).
 */
export const DEFAULT_SCOPES: readonly XapiScope[] = ['statements/write', 'statements/read/mine']

export function isXapiScope(value: string): value is XapiScope {
  return (XAPI_SCOPES as readonly string[]).includes(value)
}

/**
 * Checks a requested list of scopes: each must be one of `XAPI_SCOPES`; duplicates are dropped
 * and the order is the table's. An empty list means `DEFAULT_SCOPES`. `field` names the input
 * in the error (`scopes`, `--scopes`).
 */
export function parseScopes(requested: readonly string[], field = 'scopes'): XapiScope[] {
  const unknown = requested.filter((scope) => !isXapiScope(scope))
  if (unknown.length > 0)
    throw InvalidParameterError(
      field,
      `unknown scope ${unknown.map((s) => `'${s}'`).join(', ')}; use ${XAPI_SCOPES.join(', ')}`,
    )
  if (requested.length === 0) return [...DEFAULT_SCOPES]
  return XAPI_SCOPES.filter((scope) => requested.includes(scope))
}
