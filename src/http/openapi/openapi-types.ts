/** @module The parts of the OpenAPI 3.1 object model the Almanac document uses, as plain types. */

/** A JSON Schema (2020-12, the dialect of OpenAPI 3.1) or a `$ref` to one in `components`. */
export type SchemaObject = Readonly<Record<string, unknown>>

export interface ParameterObject {
  readonly name: string
  readonly in: 'path' | 'query' | 'header' | 'cookie'
  readonly description?: string
  readonly required?: boolean
  readonly schema: SchemaObject
}

export interface MediaTypeObject {
  readonly schema?: SchemaObject
  readonly example?: unknown
}

export interface ResponseObject {
  readonly description: string
  readonly headers?: Readonly<
    Record<string, { readonly description?: string; readonly schema: SchemaObject }>
  >
  readonly content?: Readonly<Record<string, MediaTypeObject>>
}

export interface OperationObject {
  readonly operationId: string
  readonly summary: string
  readonly description?: string
  readonly tags: readonly string[]
  /** Omitted: the document's default (an admin session). `[]`: no authentication. */
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[]
  readonly parameters?: readonly ParameterObject[]
  readonly requestBody?: {
    readonly required?: boolean
    readonly content: Readonly<Record<string, MediaTypeObject>>
  }
  readonly responses: Readonly<Record<string, ResponseObject | { readonly $ref: string }>>
}

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch' | 'head' | 'options'

export type PathItemObject = Readonly<Partial<Record<HttpMethod, OperationObject>>> & {
  readonly summary?: string
  readonly parameters?: readonly ParameterObject[]
}

/**
 * One area's paths (`src/http/openapi/<area>-paths.ts`), keyed by the OpenAPI path template
 * (`/api/stores/{id}`, the Hono route `/api/stores/:id`).
 */
export type PathsObject = Readonly<Record<string, PathItemObject>>

/** A JSON body of `schema` (a `$ref` or an inline schema). */
export function json(schema: SchemaObject): Readonly<Record<string, MediaTypeObject>> {
  return { 'application/json': { schema } }
}

/** A `$ref` to `#/components/schemas/<name>`. */
export function ref(name: string): SchemaObject {
  return { $ref: `#/components/schemas/${name}` }
}

/** The shared error responses (`#/components/responses/<status>`). */
export function errors(
  ...statuses: readonly (400 | 401 | 403 | 404 | 409 | 413 | 429 | 503)[]
): Readonly<Record<string, { readonly $ref: string }>> {
  return Object.fromEntries(
    statuses.map((status) => [String(status), { $ref: `#/components/responses/${status}` }]),
  )
}

/** The `{id}` path parameter of every store-scoped route (`/api/stores/{id}/…`). */
export const storeIdParameter: ParameterObject = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The store (tenant) id: a positive integer; store 1 is the default store.',
  schema: { type: 'integer', minimum: 1 },
}

/** The `cohort` query parameter of every report that can be restricted to a cohort. */
export const cohortParameter: ParameterObject = {
  name: 'cohort',
  in: 'query',
  description:
    'A cohort id (docs/people.md): only its members count; learners are counted by person.',
  schema: { type: 'integer', minimum: 1 },
}
