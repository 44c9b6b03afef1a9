/**
 * @module OpenAPI 3.1 path items of the insights API (`/api/stores/{id}/insights/...`): skill
 * gaps, at-risk learners and their models, recommendations, competencies and targets
 * (docs/insights.md). Typed loosely, like the other areas; the validity test checks the whole.
 */
import { cohortParameter, storeIdParameter } from './openapi-types.js'

const format = {
  name: 'format',
  in: 'query',
  description: "`csv` returns the answer's main table as CSV (also with `Accept: text/csv`).",
  schema: { type: 'string', enum: ['json', 'csv'], default: 'json' },
}
const read = [{ adminBearer: [] }, { xapiBasic: [] }]
const admin = [{ adminSession: [] }]
const errors = {
  '400': { description: 'A parameter or the body is invalid; the message names it.' },
  '401': { description: 'No admin session (or, for reads, no credential).' },
  '403': { description: 'The credential belongs to another store or lacks scope all / all/read.' },
  '404': { description: 'Unknown course, cohort, learner or competency.' },
}
const json = (description: string, csv: boolean) => ({
  '200': {
    description,
    content: {
      'application/json': { schema: { type: 'object' } },
      ...(csv ? { 'text/csv': { schema: { type: 'string' } } } : {}),
    },
  },
  ...errors,
})
const body = (properties: Record<string, unknown>, required: string[]) => ({
  required: true,
  content: {
    'application/json': { schema: { type: 'object', required, properties } },
  },
})
const competencyIri = { type: 'string', description: 'An absolute IRI.' }

export const insightsPaths: Record<string, unknown> = {
  '/api/stores/{id}/insights/competencies': {
    get: {
      tags: ['insights'],
      summary: 'Competencies: discovered from alignments in statements, and defined',
      description:
        'Each competency with its name, source (discovered | defined), the activities aligned to it, the items (questions) that are evidence of it, and `content`: the launchable modules that carry that evidence (the content that closes a gap). CSV: one row per competency.',
      security: read,
      parameters: [storeIdParameter, format],
      responses: json('the competencies', true),
    },
    put: {
      tags: ['insights'],
      summary: 'Define or import competencies (idempotent)',
      description:
        'Upserts each competency by id; its `activities` replace the alignments defined before (alignments discovered in statements stay).',
      security: admin,
      parameters: [storeIdParameter],
      requestBody: body(
        {
          competencies: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['id', 'name'],
              properties: {
                id: competencyIri,
                name: { type: 'string', maxLength: 200 },
                description: { type: 'string', maxLength: 2000 },
                activities: { type: 'array', items: competencyIri },
              },
            },
          },
        },
        ['competencies'],
      ),
      responses: json('{created, updated}', false),
    },
    delete: {
      tags: ['insights'],
      summary: 'Delete a defined competency (its defined alignments and targets)',
      security: admin,
      parameters: [
        storeIdParameter,
        { name: 'id', in: 'query', required: true, schema: { type: 'string' } },
      ],
      responses: { '204': { description: 'Deleted.' }, ...errors },
    },
  },
  '/api/stores/{id}/insights/targets': {
    get: {
      tags: ['insights'],
      summary: 'Target levels per competency and scope',
      security: read,
      parameters: [storeIdParameter, format],
      responses: json('{targets: [{competency, scope, level}]}', true),
    },
    put: {
      tags: ['insights'],
      summary:
        "Set target levels (scope 'all', 'role:<role>' or 'cohort:<id>'; level null deletes)",
      security: admin,
      parameters: [storeIdParameter],
      requestBody: body(
        {
          targets: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['competency', 'scope', 'level'],
              properties: {
                competency: competencyIri,
                scope: { type: 'string', pattern: '^(all|role:.+|cohort:[1-9][0-9]*)$' },
                level: { type: ['number', 'null'], minimum: 0, maximum: 1 },
              },
            },
          },
        },
        ['targets'],
      ),
      responses: json('the targets now', false),
    },
  },
  '/api/stores/{id}/insights/skill-gaps': {
    get: {
      tags: ['insights'],
      summary: 'Skill gaps per person and per cohort (analytics definitions §11)',
      description:
        'Without `learner`: per competency the cohort figures (learners, meanGap, belowTarget, shareBelowTarget, meanMastery, content), the people ranked by gap score (paged) and their cells. With `learner`: that person’s cells (target and where it came from, Elo mastery, evidence, gap, the content that closes it). CSV: the cells.',
      security: read,
      parameters: [
        storeIdParameter,
        {
          name: 'learner',
          in: 'query',
          description: 'A learner key (canonical IFI).',
          schema: { type: 'string' },
        },
        cohortParameter,
        { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1, default: 1 } },
        {
          name: 'pageSize',
          in: 'query',
          schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
        },
        format,
      ],
      responses: json('the gap matrix', true),
    },
  },
  '/api/stores/{id}/insights/at-risk': {
    get: {
      tags: ['insights'],
      summary: 'Learners at risk of not completing by the usual time, each with why (§12)',
      description:
        'Learners in progress (started, not completed, usual duration not yet past), scored by the course’s model (logistic regression) or the rule scorecard. Each flag: level, probability, score = base + Σ reasons[].contribution, and the reasons in words. CSV: the flags without the reason list.',
      security: read,
      parameters: [
        storeIdParameter,
        { name: 'course', in: 'query', schema: { type: 'string' } },
        cohortParameter,
        {
          name: 'asOf',
          in: 'query',
          description:
            "Judge as of this time (default: the store's latest statement, at most now).",
          schema: { type: 'string', format: 'date-time' },
        },
        {
          name: 'level',
          in: 'query',
          schema: { type: 'string', enum: ['red', 'yellow', 'green'] },
        },
        format,
      ],
      responses: json('the flags', true),
    },
  },
  '/api/stores/{id}/insights/at-risk/models': {
    get: {
      tags: ['insights'],
      summary: 'The at-risk model of each course: kind, coefficients, measured quality',
      security: read,
      parameters: [storeIdParameter, format],
      responses: json('the models', true),
    },
  },
  '/api/stores/{id}/insights/at-risk/train': {
    post: {
      tags: ['insights'],
      summary: 'Retrain the at-risk models now (every course, or one)',
      security: admin,
      parameters: [storeIdParameter, { name: 'course', in: 'query', schema: { type: 'string' } }],
      responses: json('the models trained', false),
    },
  },
  '/api/stores/{id}/insights/recommendations': {
    get: {
      tags: ['insights'],
      summary: 'Next steps for a learner, each with its reason (§14)',
      description:
        'For an LMS or LXP: the modules to start next, ranked by what learners who completed a course did next, the learner’s skill gaps and questions at their level (predicted success 0.70–0.80); also the modules in progress. `questions`: single questions at the learner’s level (difficulty targeting, Elo §13/§14): questions not answered yet, or answered wrong at the first attempt, whose predicted success σ(θ − d) is nearest the band 0.70–0.80 (inside it first), each with its assessment, module, predicted success, `atLevel` and the reason in words ("a question at your level: predicted success 0.74"). A learner never seen gets where successful learners started. CSV: the module recommendations, or with `table=questions` the questions.',
      security: read,
      parameters: [
        storeIdParameter,
        { name: 'learner', in: 'query', required: true, schema: { type: 'string', minLength: 1 } },
        {
          name: 'limit',
          in: 'query',
          schema: { type: 'integer', minimum: 1, maximum: 50, default: 5 },
        },
        format,
        {
          name: 'table',
          in: 'query',
          description:
            'Which table the CSV holds: `modules` (the next modules) or `questions` (the questions at the learner’s level).',
          schema: { type: 'string', enum: ['modules', 'questions'], default: 'modules' },
        },
      ],
      responses: json('the recommendations', true),
    },
  },
}
