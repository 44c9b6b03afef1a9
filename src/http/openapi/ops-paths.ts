/** @module OpenAPI paths of the operations endpoints (/healthz, /readyz, /metrics) and of the API reference itself. */
import { errors, json, type PathsObject, ref } from './openapi-types.js'

const TAGS = ['Operations']

export const opsSchemas = {
  Readiness: {
    type: 'object',
    required: ['status', 'checks'],
    properties: {
      status: { enum: ['ready', 'not ready'] },
      checks: {
        type: 'object',
        description: 'database (reachable), migrations (all applied), shutdown (not draining).',
        additionalProperties: {
          type: 'object',
          required: ['ok'],
          properties: { ok: { type: 'boolean' }, detail: { type: 'string' } },
        },
      },
    },
  },
} as const

export const paths: PathsObject = {
  '/healthz': {
    get: {
      operationId: 'liveness',
      summary: 'Liveness: the process is running',
      description:
        'Never touches the database; a liveness probe restarts the process when this fails.',
      tags: TAGS,
      security: [],
      responses: {
        '200': {
          description: 'Alive.',
          content: json({
            type: 'object',
            required: ['status'],
            properties: { status: { const: 'alive' } },
          }),
        },
      },
    },
  },
  '/readyz': {
    get: {
      operationId: 'readiness',
      summary: 'Readiness: database reachable, migrations applied, not shutting down',
      description: 'A readiness probe sends no traffic while this answers 503.',
      tags: TAGS,
      security: [],
      responses: {
        '200': { description: 'Ready.', content: json(ref('Readiness')) },
        '503': { description: 'Not ready; `checks` says why.', content: json(ref('Readiness')) },
      },
    },
  },
  '/metrics': {
    get: {
      operationId: 'metrics',
      summary: 'Prometheus metrics (text exposition format 0.0.4)',
      description:
        'Requests by route pattern and status with latency histograms, statements and documents written, batch sizes, rejections by error code, database pool use, background consumer lag and process metrics. Needs `Authorization: Bearer <ALMANAC_METRICS_TOKEN>` when that is set.',
      tags: TAGS,
      security: [{}, { metricsToken: [] }],
      responses: {
        '200': {
          description: 'The metrics.',
          content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: { type: 'string' } } },
        },
        ...errors(401),
      },
    },
  },
  '/api/openapi.json': {
    get: {
      operationId: 'openApiDocument',
      summary: 'This OpenAPI 3.1 document',
      tags: TAGS,
      security: [],
      responses: {
        '200': { description: 'The document.', content: json({ type: 'object' }) },
      },
    },
  },
  '/api/docs': {
    get: {
      operationId: 'apiReference',
      summary: 'The interactive API reference (Swagger UI) of this document',
      tags: TAGS,
      security: [],
      responses: {
        '200': {
          description: 'An HTML page.',
          content: { 'text/html': { schema: { type: 'string' } } },
        },
      },
    },
  },
  '/api/docs/assets/{file}': {
    get: {
      operationId: 'apiReferenceAsset',
      summary: 'A static file of the API reference page (scripts, styles, icons)',
      tags: TAGS,
      security: [],
      parameters: [{ name: 'file', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        '200': { description: 'The file.' },
        ...errors(404),
      },
    },
  },
}
