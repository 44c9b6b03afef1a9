/**
 * @module OpenAPI 3.1 path items of people and cohorts (`/api/stores/{id}/people|cohorts`) and
 * their reports (informal learning, ineffective content, cohort comparison), for the combined
 * document (openapi-document.ts). Typed loosely, like reports-paths.ts. See docs/people.md.
 */
import { cohortParameter, storeIdParameter } from './openapi-types.js'

const personId = {
  name: 'person',
  in: 'path',
  required: true,
  description: 'The person id.',
  schema: { type: 'integer', minimum: 1 },
}
const cohortId = {
  name: 'cohort',
  in: 'path',
  required: true,
  description: 'The cohort id.',
  schema: { type: 'integer', minimum: 1 },
}
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { $ref: `#/components/responses/${c}` }]))
const jsonBody = (schema: Record<string, unknown>) => ({
  required: true,
  content: { 'application/json': { schema } },
})
const ok = (description: string, schema: Record<string, unknown> = { type: 'object' }) => ({
  description,
  content: { 'application/json': { schema } },
})

const attribute = { type: ['string', 'null'] }
const attributes = {
  type: 'object',
  description:
    'name, email, role, team, orgUnit, manager, location, startDate (YYYY-MM-DD), custom fields; absent = unknown. In a PATCH, null or "" clears one and an absent one stays.',
  properties: {
    name: attribute,
    email: attribute,
    role: attribute,
    team: attribute,
    orgUnit: attribute,
    manager: attribute,
    location: attribute,
    startDate: attribute,
    custom: { type: 'object', additionalProperties: { type: 'string' } },
  },
}
const person = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    attributes,
    identifiers: {
      type: 'array',
      items: { type: 'string' },
      description:
        'Canonical IFI keys: mbox:mailto:…, mbox_sha1sum:…, openid:…, account:<homePage>|<name>; sorted, the first is the person key reports use.',
    },
    source: { type: 'string', enum: ['statement', 'import', 'console'] },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
}
const filter = {
  type: 'object',
  required: ['all'],
  description:
    'Every condition must hold. attribute: a standard attribute or custom.<field>; op: eq, ne, in (value a list), contains (ignoring case), gte, lte (as text; ISO dates compare right), exists, missing.',
  properties: {
    all: {
      type: 'array',
      items: {
        type: 'object',
        required: ['attribute', 'op'],
        properties: {
          attribute: { type: 'string' },
          op: {
            type: 'string',
            enum: ['eq', 'ne', 'in', 'contains', 'gte', 'lte', 'exists', 'missing'],
          },
          value: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
        },
      },
    },
  },
}
const cohortInput = {
  type: 'object',
  required: ['name', 'filter'],
  properties: { name: { type: 'string' }, description: { type: 'string' }, filter },
}
const cohort = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    description: { type: 'string' },
    filter,
    rule: { type: 'string', description: 'The filter in words.' },
    members: { type: 'integer', description: 'Persons matching it now.' },
  },
}

const tags = ['People']

const reportParams = [
  storeIdParameter,
  { name: 'since', in: 'query', schema: { type: 'string', format: 'date-time' } },
  { name: 'until', in: 'query', schema: { type: 'string', format: 'date-time' } },
  {
    name: 'format',
    in: 'query',
    description: "`csv` returns the report's main table as CSV (also with `Accept: text/csv`).",
    schema: { type: 'string', enum: ['json', 'csv'], default: 'json' },
  },
]
const reportSecurity = [{ adminBearer: [] }, { xapiBasic: [] }]
function report(summary: string, description: string, parameters: unknown[]) {
  return {
    get: {
      tags: ['reports'],
      summary,
      description: `${description}\n\nReaders: an admin session (Bearer), or HTTP Basic credentials of the same store with scope \`all\` or \`all/read\`. Every figure names its definition in \`definitions\` (and \`rules\`).`,
      security: reportSecurity,
      parameters: [...reportParams, ...parameters],
      responses: {
        '200': {
          description: summary,
          content: {
            'application/json': { schema: { type: 'object' } },
            'text/csv': { schema: { type: 'string' } },
          },
        },
        ...errors(400, 401, 403, 404),
      },
    },
  }
}

export const peoplePaths: Record<string, unknown> = {
  '/api/stores/{id}/people': {
    get: {
      tags,
      summary: 'People of a store',
      description:
        'Paged; `search` matches name, email or an identifier (ignoring case); `cohort` keeps its members.',
      parameters: [
        storeIdParameter,
        { name: 'search', in: 'query', schema: { type: 'string' } },
        cohortParameter,
        { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1, default: 1 } },
        {
          name: 'pageSize',
          in: 'query',
          schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
        },
      ],
      responses: {
        '200': ok('A page of people', {
          type: 'object',
          properties: {
            total: { type: 'integer' },
            page: { type: 'integer' },
            pageSize: { type: 'integer' },
            people: { type: 'array', items: person },
          },
        }),
        ...errors(400, 401, 404),
      },
    },
    post: {
      tags,
      summary: 'Create a person',
      description: 'The identifiers must belong to nobody yet (merge instead).',
      parameters: [storeIdParameter],
      requestBody: jsonBody({
        type: 'object',
        required: ['identifiers'],
        properties: { identifiers: { type: 'array', items: { type: 'string' } }, attributes },
      }),
      responses: { '201': ok('The person', person), ...errors(400, 401, 404) },
    },
  },
  '/api/stores/{id}/people/import': {
    post: {
      tags,
      summary: 'Import people from an HR or LMS export (CSV or JSON)',
      description:
        'CSV with a header line, or JSON (an array of objects, or {"people": [...]}). Columns: identifiers (IFI keys or emails, `;`-separated; JSON: also xAPI agent objects), email (also an identifier), account_homepage + account_name, name, role, team, org_unit (or department), manager, location, start_date (YYYY-MM-DD); any other column is a custom field. A row lands on the person owning one of its identifiers (several: merged into the oldest) or a new person; non-empty values replace attributes, empty ones leave them. Idempotent. `dryRun=true` answers the same changes without writing. Rows without an identifier or with a bad date are skipped and listed.',
      parameters: [
        storeIdParameter,
        { name: 'dryRun', in: 'query', schema: { type: 'string', enum: ['true', 'false'] } },
        { name: 'format', in: 'query', schema: { type: 'string', enum: ['csv', 'json'] } },
      ],
      requestBody: {
        required: true,
        content: {
          'text/csv': { schema: { type: 'string' } },
          'application/json': { schema: { type: 'array', items: { type: 'object' } } },
        },
      },
      responses: {
        '200': ok('What changed (or would change), row by row', {
          type: 'object',
          properties: {
            dryRun: { type: 'boolean' },
            summary: {
              type: 'object',
              properties: {
                create: { type: 'integer' },
                update: { type: 'integer' },
                merge: { type: 'integer' },
                unchanged: { type: 'integer' },
                skip: { type: 'integer' },
              },
            },
            changes: { type: 'array', items: { type: 'object' } },
          },
        }),
        ...errors(400, 401, 404, 413),
      },
    },
  },
  '/api/stores/{id}/people/{person}': {
    get: {
      tags,
      summary: 'A person',
      parameters: [storeIdParameter, personId],
      responses: { '200': ok('The person', person), ...errors(401, 404) },
    },
    patch: {
      tags,
      summary: 'Edit a person’s attributes',
      parameters: [storeIdParameter, personId],
      requestBody: jsonBody(attributes),
      responses: { '200': ok('The person', person), ...errors(400, 401, 404) },
    },
    delete: {
      tags,
      summary: 'Delete a person (their IFIs count as persons of their own again)',
      parameters: [storeIdParameter, personId],
      responses: { '204': { description: 'Deleted' }, ...errors(401, 404) },
    },
  },
  '/api/stores/{id}/people/{person}/merge': {
    post: {
      tags,
      summary: 'Merge persons into this one',
      description:
        'Their IFIs move here, attributes this person lacks are taken from them, and they are deleted. Every report counts the result once at once.',
      parameters: [storeIdParameter, personId],
      requestBody: jsonBody({
        type: 'object',
        required: ['from'],
        properties: { from: { type: 'array', items: { type: 'integer' } } },
      }),
      responses: { '200': ok('The merged person', person), ...errors(400, 401, 404) },
    },
  },
  '/api/stores/{id}/people/{person}/split': {
    post: {
      tags,
      summary: 'Move one IFI of this person to a new person',
      parameters: [storeIdParameter, personId],
      requestBody: jsonBody({
        type: 'object',
        required: ['ifi'],
        properties: { ifi: { type: 'string' } },
      }),
      responses: {
        '200': ok('Both persons', {
          type: 'object',
          properties: { from: person, to: person },
        }),
        ...errors(400, 401, 404),
      },
    },
  },
  '/api/stores/{id}/cohorts': {
    get: {
      tags,
      summary: 'Cohorts of a store',
      parameters: [storeIdParameter],
      responses: {
        '200': ok('The cohorts, by name', {
          type: 'object',
          properties: { cohorts: { type: 'array', items: cohort } },
        }),
        ...errors(401, 404),
      },
    },
    post: {
      tags,
      summary: 'Create a cohort (a saved filter over person attributes)',
      parameters: [storeIdParameter],
      requestBody: jsonBody(cohortInput),
      responses: { '201': ok('The cohort', cohort), ...errors(400, 401, 404) },
    },
  },
  '/api/stores/{id}/cohorts/{cohort}': {
    get: {
      tags,
      summary: 'A cohort',
      parameters: [storeIdParameter, cohortId],
      responses: { '200': ok('The cohort', cohort), ...errors(401, 404) },
    },
    put: {
      tags,
      summary: 'Replace a cohort',
      parameters: [storeIdParameter, cohortId],
      requestBody: jsonBody(cohortInput),
      responses: { '200': ok('The cohort', cohort), ...errors(400, 401, 404) },
    },
    delete: {
      tags,
      summary: 'Delete a cohort',
      parameters: [storeIdParameter, cohortId],
      responses: { '204': { description: 'Deleted' }, ...errors(401, 404) },
    },
  },
  '/api/stores/{id}/reports/informal': report(
    'Informal learning',
    'Learning outside courses (§15) by source (context.platform), credential and kind (video, article, forum, social, live session, practice, other), in statements and hours; per person (the CSV table) and per cohort (n < 5 suppressed); the formal:informal hours ratio; the trend per day or week.',
    [
      cohortParameter,
      {
        name: 'interval',
        in: 'query',
        schema: { type: 'string', enum: ['day', 'week'], default: 'week' },
      },
    ],
  ),
  '/api/stores/{id}/reports/ineffective': report(
    'Ineffective content',
    'Activities ranked by the evidence that they do not work (§15): low completion, a steep funnel drop after a page, questions with poor discrimination, time without score gain, time on a page without a better course score; each signal with its value, n, threshold and whether it is flagged. CSV: one row per activity.',
    [
      cohortParameter,
      {
        name: 'limit',
        in: 'query',
        schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
      },
    ],
  ),
  '/api/stores/{id}/reports/compare': report(
    'Cohort comparison',
    'A cohort against another cohort or everyone else (§10): statements, active days and informal hours per person and, for a course (`activity`), completion rate, first-attempt pass rate, best score and hours, with n, a two-proportion z-test or Welch t-test and a 95% interval. A group of fewer than 5 persons is suppressed. CSV: one row per measure and group.',
    [
      { ...cohortParameter, required: true },
      {
        name: 'versus',
        in: 'query',
        description: 'Another cohort id, or `rest` (default).',
        schema: {
          oneOf: [
            { type: 'integer', minimum: 1 },
            { type: 'string', enum: ['rest'] },
          ],
        },
      },
      {
        name: 'activity',
        in: 'query',
        description: 'A course: adds its outcome measures.',
        schema: { type: 'string' },
      },
    ],
  ),
}
