/** @module The OpenAPI 3.1 document of every non-xAPI endpoint, combined from the per-area path files. */
import { adminSchemas, paths as adminPaths } from './admin-paths.js'
import type { PathsObject, SchemaObject } from './openapi-types.js'
import { consolePaths } from './console-paths.js'
import { forwardingPaths } from './forwarding-paths.js'
import { insightsPaths } from './insights-paths.js'
import { opsSchemas, paths as opsPaths } from './ops-paths.js'
import { peoplePaths } from './people-paths.js'
import { reportsPaths, reportsSecuritySchemes } from './reports-paths.js'

/**
 * Each area of the API keeps its paths in its own `<area>-paths.ts`; add a new area's here.
 * The test `test/http/openapi.test.ts` fails when a route under /api/ (or an ops endpoint) is
 * missing from the document, or the document names a route the app does not have.
 */
const AREAS: readonly {
  readonly paths: PathsObject
  readonly schemas?: Readonly<Record<string, SchemaObject>>
}[] = [
  { paths: opsPaths, schemas: opsSchemas },
  { paths: adminPaths, schemas: adminSchemas },
  // Written loosely typed on their own branches; the validity test checks them as a whole.
  { paths: consolePaths as PathsObject },
  { paths: reportsPaths as PathsObject },
  { paths: forwardingPaths as PathsObject },
  { paths: insightsPaths as PathsObject },
  { paths: peoplePaths as PathsObject },
]

const ERROR_DESCRIPTIONS = {
  400: 'The request is malformed; `message` says what is wrong.',
  401: 'No or invalid credentials (a bearer token from POST /api/session).',
  403: 'Authenticated, but not allowed.',
  404: 'No such resource.',
  409: 'Conflicts with the current state.',
  413: 'The body is too large.',
  429: 'Too many requests; see Retry-After.',
  503: 'Not available now.',
} as const

export interface OpenApiOptions {
  readonly version: string
  /** The server's public URL (ALMANAC_PUBLIC_URL). */
  readonly serverUrl: string
}

/** The document: pure data, built once at start. */
export function buildOpenApiDocument(options: OpenApiOptions): Record<string, unknown> {
  const paths: Record<string, unknown> = {}
  const schemas: Record<string, SchemaObject> = {
    Error: {
      type: 'object',
      required: ['error', 'message'],
      properties: {
        error: { type: 'string', description: 'A stable code for programs, e.g. NOT_FOUND.' },
        message: { type: 'string', description: 'What is wrong, for people.' },
        requestId: { type: 'string', description: 'The X-Request-Id of the request, as logged.' },
      },
    },
  }
  for (const area of AREAS) {
    for (const [path, item] of Object.entries(area.paths)) {
      if (path in paths) throw new Error(`OpenAPI: ${path} is described by two areas`)
      paths[path] = item
    }
    Object.assign(schemas, area.schemas)
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Almanac operations and admin API',
      version: options.version,
      description:
        'Every endpoint outside the xAPI resources (`/xapi/`, specified by xAPI 1.0.3 and 2.0 and not repeated here): the admin API under `/api/` and the operations endpoints. Errors are JSON `{ error, message, requestId }`; every answer carries `X-Request-Id`.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: options.serverUrl }],
    security: [{ adminSession: [] }],
    tags: [
      { name: 'Session', description: 'Admin sign-in: bearer tokens.' },
      { name: 'Stores', description: 'Stores (tenants).' },
      { name: 'Credentials', description: 'xAPI credentials of a store.' },
      { name: 'Accounts', description: 'Admin accounts.' },
      { name: 'Operations', description: 'Health, readiness, metrics and this reference.' },
      { name: 'Console', description: "The web console's statement browser and live tail." },
      { name: 'Reports', description: 'Analytics reports over the projections.' },
      { name: 'Forwarding', description: 'Statement forwarding targets and webhooks.' },
      { name: 'Personal data', description: 'Erasure and retention.' },
      { name: 'People', description: 'Persons (several IFIs, attributes) and cohorts.' },
    ],
    paths,
    components: {
      securitySchemes: {
        adminSession: {
          type: 'http',
          scheme: 'bearer',
          description: 'The token of POST /api/session.',
        },
        metricsToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'ALMANAC_METRICS_TOKEN, when set.',
        },
        ...reportsSecuritySchemes,
      },
      schemas,
      responses: Object.fromEntries(
        Object.entries(ERROR_DESCRIPTIONS).map(([status, description]) => [
          status,
          {
            description,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        ]),
      ),
    },
  }
}
