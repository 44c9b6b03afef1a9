/** @module OpenAPI 3.1 path items of forwarding, erasure and retention (`/api/stores/:id/…`), for the combined document. */
import { storeIdParameter } from './openapi-types.js'

const targetId = {
  name: 'target',
  in: 'path',
  required: true,
  description: 'The forwarding target id.',
  schema: { type: 'integer', minimum: 1 },
}
const bearer = [{ adminSession: [] }]
const json = (schema: Record<string, unknown>) => ({ 'application/json': { schema } })
const error = (description: string) => ({
  description,
  content: json({
    type: 'object',
    properties: { error: { type: 'string' }, message: { type: 'string' } },
  }),
})
const errors = {
  '400': error('The body breaks a rule; the message names the field.'),
  '401': error('No admin session.'),
  '404': error('No such store (or target).'),
}

const filter = {
  type: 'object',
  description:
    'Every non-empty list must match (AND across lists, OR within one); an empty or absent list is no constraint. A voiding statement matches when the statement it voids does.',
  properties: {
    verbs: { type: 'array', items: { type: 'string' } },
    activities: {
      type: 'array',
      items: { type: 'string' },
      description: 'Object or context activity ids.',
    },
    activityPrefixes: { type: 'array', items: { type: 'string' } },
    actors: {
      type: 'array',
      items: {},
      description:
        'Agents ({"mbox": …}) or canonical IFI keys; matches the actor and group members.',
    },
    platforms: { type: 'array', items: { type: 'string' } },
  },
}

const targetStatus = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    storeId: { type: 'integer' },
    name: { type: 'string' },
    kind: { enum: ['lrs', 'webhook'] },
    url: { type: 'string' },
    username: { type: ['string', 'null'] },
    xapiVersion: { type: ['string', 'null'] },
    filter,
    batchSize: { type: 'integer' },
    maxFailures: { type: 'integer' },
    state: { enum: ['active', 'paused'] },
    createdAt: { type: 'string', format: 'date-time' },
    cursor: { type: 'integer', description: 'The seq of the last statement delivered.' },
    cursorStored: { type: ['string', 'null'], format: 'date-time' },
    watermark: { type: 'integer' },
    lag: {
      type: 'object',
      properties: { seqs: { type: 'integer' }, seconds: { type: 'number' } },
    },
    lastSuccessAt: { type: ['string', 'null'], format: 'date-time' },
    lastError: { type: ['string', 'null'] },
    lastErrorAt: { type: ['string', 'null'], format: 'date-time' },
    consecutiveFailures: { type: 'integer' },
    counts: {
      type: 'object',
      properties: {
        delivered: { type: 'integer' },
        batches: { type: 'integer' },
        failures: { type: 'integer' },
      },
    },
  },
}

const newTarget = {
  type: 'object',
  required: ['name', 'kind', 'url'],
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    kind: { enum: ['lrs', 'webhook'] },
    url: { type: 'string', description: 'LRS endpoint (…/xapi) or webhook URL.' },
    username: { type: 'string', description: 'LRS targets: Basic credentials there.' },
    password: { type: 'string' },
    xapiVersion: { enum: ['1.0.3', '2.0.0'] },
    filter,
    batchSize: { type: 'integer', minimum: 1 },
    maxFailures: { type: 'integer', minimum: 1, maximum: 1000 },
    startAt: { type: 'string', description: "'now' (default), 'beginning' or an ISO 8601 time." },
  },
}

const erasure = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    requestedBy: { type: 'string' },
    requestedAt: { type: 'string', format: 'date-time' },
    ifiHashes: {
      type: 'array',
      items: { type: 'string' },
      description: 'SHA-256 of each IFI key erased.',
    },
    statementsDeleted: { type: 'integer' },
    statementsAnonymised: { type: 'integer' },
    documentsDeleted: { type: 'integer' },
    attachmentsDeleted: { type: 'integer' },
    agentsDeleted: { type: 'integer' },
  },
}

const retention = {
  type: 'object',
  properties: {
    storeId: { type: 'integer' },
    statementDays: { type: ['integer', 'null'] },
    documentDays: { type: ['integer', 'null'] },
    updatedAt: { type: ['string', 'null'], format: 'date-time' },
  },
}

const purgeReport = {
  type: 'object',
  properties: {
    dryRun: { type: 'boolean' },
    statementsBefore: { type: ['string', 'null'] },
    documentsBefore: { type: ['string', 'null'] },
    statements: { type: 'integer' },
    documents: { type: 'integer' },
    oldestStored: { type: 'string' },
    newestStored: { type: 'string' },
  },
}

const targetAction = (summary: string) => ({
  post: {
    summary,
    tags: ['forwarding'],
    security: bearer,
    parameters: [storeIdParameter, targetId],
    responses: { '200': { description: 'The target', content: json(targetStatus) }, ...errors },
  },
})

/** The path items, keyed as OpenAPI writes paths. Loosely typed until the shared type lands. */
export const forwardingPaths: Record<string, unknown> = {
  '/api/stores/{id}/forwarding/targets': {
    get: {
      summary: "The store's forwarding targets with their status",
      tags: ['forwarding'],
      security: bearer,
      parameters: [storeIdParameter],
      responses: {
        '200': {
          description: 'The targets',
          content: json({
            type: 'object',
            properties: { targets: { type: 'array', items: targetStatus } },
          }),
        },
        ...errors,
      },
    },
    post: {
      summary: 'Add a target: another xAPI LRS or a webhook (its HMAC secret is shown only here)',
      tags: ['forwarding'],
      security: bearer,
      parameters: [storeIdParameter],
      requestBody: { required: true, content: json(newTarget) },
      responses: {
        '201': {
          description: 'Created',
          content: json({
            type: 'object',
            properties: { target: targetStatus, secret: { type: 'string' } },
          }),
        },
        ...errors,
      },
    },
  },
  '/api/stores/{id}/forwarding/targets/{target}': {
    get: {
      summary: 'One target: cursor, lag, last success, last error, counts',
      tags: ['forwarding'],
      security: bearer,
      parameters: [storeIdParameter, targetId],
      responses: { '200': { description: 'The target', content: json(targetStatus) }, ...errors },
    },
    patch: {
      summary:
        'Change a target (name, url, credentials, version, filter, batch size, max failures)',
      tags: ['forwarding'],
      security: bearer,
      parameters: [storeIdParameter, targetId],
      requestBody: { required: true, content: json({ type: 'object' }) },
      responses: { '200': { description: 'The target', content: json(targetStatus) }, ...errors },
    },
    delete: {
      summary: 'Remove a target',
      tags: ['forwarding'],
      security: bearer,
      parameters: [storeIdParameter, targetId],
      responses: { '204': { description: 'Deleted' }, ...errors },
    },
  },
  '/api/stores/{id}/forwarding/targets/{target}/pause': targetAction('Pause delivery'),
  '/api/stores/{id}/forwarding/targets/{target}/resume': targetAction(
    'Resume delivery from the cursor, failures reset',
  ),
  '/api/stores/{id}/forwarding/targets/{target}/replay': {
    post: {
      summary: 'Deliver again every statement stored at or after a time',
      tags: ['forwarding'],
      security: bearer,
      parameters: [storeIdParameter, targetId],
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          required: ['from'],
          properties: { from: { type: 'string', format: 'date-time' } },
        }),
      },
      responses: { '200': { description: 'The target', content: json(targetStatus) }, ...errors },
    },
  },
  '/api/stores/{id}/erasures': {
    get: {
      summary: "The store's erasures (audit records), newest first",
      tags: ['personal data'],
      security: bearer,
      parameters: [storeIdParameter],
      responses: {
        '200': {
          description: 'The erasures',
          content: json({
            type: 'object',
            properties: { erasures: { type: 'array', items: erasure } },
          }),
        },
        ...errors,
      },
    },
    post: {
      summary: "Erase an agent's or a person's personal data from the store (GDPR Art. 17)",
      tags: ['personal data'],
      security: bearer,
      parameters: [storeIdParameter],
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          description: 'Exactly one of agent or person.',
          properties: {
            agent: { type: 'object', description: 'An Agent with one IFI.' },
            person: {
              type: 'integer',
              minimum: 1,
              description: 'A person of the people directory: every identifier of theirs.',
            },
          },
        }),
      },
      responses: {
        '201': { description: 'The erasure record', content: json(erasure) },
        ...errors,
      },
    },
  },
  '/api/stores/{id}/retention': {
    get: {
      summary: "The store's retention policy",
      tags: ['personal data'],
      security: bearer,
      parameters: [storeIdParameter],
      responses: { '200': { description: 'The policy', content: json(retention) }, ...errors },
    },
    put: {
      summary: 'Set how many days statements and documents are kept (null: for ever)',
      tags: ['personal data'],
      security: bearer,
      parameters: [storeIdParameter],
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          properties: {
            statementDays: { type: ['integer', 'null'], minimum: 1 },
            documentDays: { type: ['integer', 'null'], minimum: 1 },
          },
        }),
      },
      responses: { '200': { description: 'The policy', content: json(retention) }, ...errors },
    },
  },
  '/api/stores/{id}/retention/purge': {
    post: {
      summary: 'Apply the retention policy now, or (dryRun) say what would go',
      tags: ['personal data'],
      security: bearer,
      parameters: [storeIdParameter],
      requestBody: {
        content: json({ type: 'object', properties: { dryRun: { type: 'boolean' } } }),
      },
      responses: { '200': { description: 'What went', content: json(purgeReport) }, ...errors },
    },
  },
}
