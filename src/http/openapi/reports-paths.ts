/**
 * @module OpenAPI 3.1 path items of the report API (`/api/stores/{id}/reports/...`), for the
 * combined document (openapi-document.ts). Typed loosely: the shared types live with the combiner.
 */
import { cohortParameter, storeIdParameter } from './openapi-types.js'

const since = {
  name: 'since',
  in: 'query',
  description:
    'Start of the window, inclusive (ISO 8601). Day-bucketed reports include the UTC days starting in the window.',
  schema: { type: 'string', format: 'date-time' },
}
const until = {
  name: 'until',
  in: 'query',
  description: 'End of the window, exclusive (ISO 8601); must be later than since.',
  schema: { type: 'string', format: 'date-time' },
}
const format = {
  name: 'format',
  in: 'query',
  description:
    "`csv` returns the report's main table as CSV (also with `Accept: text/csv`), led by `# name: value` comment lines with the envelope: report, storeId, since, until, asOf, lagSeconds, caughtUp and each definition used (`# definition <name>: <text>`).",
  schema: { type: 'string', enum: ['json', 'csv'], default: 'json' },
}
const paging = [
  { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1, default: 1 } },
  {
    name: 'pageSize',
    in: 'query',
    schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  },
]
const required = (name: string, description: string) => ({
  name,
  in: 'query',
  required: true,
  description,
  schema: { type: 'string', minLength: 1 },
})

/** Restricts a report to a cohort's members (docs/people.md). */

/** What every report answers besides its own data. */
const envelope = {
  type: 'object',
  required: ['report', 'storeId', 'window', 'asOf', 'lagSeconds', 'caughtUp', 'definitions'],
  properties: {
    report: { type: 'string' },
    storeId: { type: 'integer' },
    window: {
      type: 'object',
      properties: { since: { type: ['string', 'null'] }, until: { type: ['string', 'null'] } },
    },
    asOf: {
      type: ['string', 'null'],
      description:
        'The time through which the report reflects every stored statement (the projection watermark).',
    },
    lagSeconds: {
      type: 'number',
      description: 'Age of the oldest statement not yet projected; 0 when caught up.',
    },
    caughtUp: { type: 'boolean' },
    definitions: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description:
        'The definitions (analytics-definitions.md) the measures follow, e.g. the completion denominator.',
    },
  },
}

const security = [{ adminBearer: [] }, { xapiBasic: [] }]
const errors = {
  '400': { description: 'A parameter is missing or invalid; the message names it.' },
  '401': { description: 'No admin session or credential.' },
  '403': { description: 'The credential belongs to another store or lacks scope all / all/read.' },
  '404': { description: 'Nothing to report on (unknown activity, assessment, learner or store).' },
}

function report(
  summary: string,
  description: string,
  parameters: unknown[],
  data: Record<string, unknown>,
  csv: string,
) {
  return {
    get: {
      tags: ['reports'],
      summary,
      description: `${description}\n\nCSV: ${csv}. Readers: an admin session (Bearer), or HTTP Basic credentials of the same store with scope \`all\` or \`all/read\`.`,
      security,
      parameters: [storeIdParameter, since, until, format, ...parameters],
      responses: {
        '200': {
          description: summary,
          content: {
            'application/json': {
              schema: { allOf: [envelope, { type: 'object', properties: data }] },
            },
            'text/csv': { schema: { type: 'string' } },
          },
        },
        ...errors,
      },
    },
  }
}

const array = (items: Record<string, unknown>) => ({
  type: 'array',
  items: { type: 'object', properties: items },
})
const n = { type: 'number' }
const nn = { type: ['number', 'null'] }
const s = { type: 'string' }
/** Present when the report was restricted to a cohort (`?cohort=`). */
const cohortFilter = {
  type: 'object',
  description:
    "The cohort the report counts (when `cohort` was given): id, name, rule in words, people, and how a person's IFIs are merged.",
  properties: { id: n, name: s, rule: s, people: n, definition: s },
}

export const reportsPaths: Record<string, unknown> = {
  '/api/stores/{id}/reports/freshness': {
    get: {
      tags: ['reports'],
      summary: 'How far the analytics projector is behind',
      security,
      parameters: [storeIdParameter],
      responses: {
        '200': {
          description: 'asOf, lagSeconds, caughtUp, cursor and watermark (seqs)',
          content: { 'application/json': { schema: { type: 'object' } } },
        },
        ...errors,
      },
    },
  },
  '/api/stores/{id}/reports/overview': report(
    'Store overview',
    'Statements, active learners, completion and outcome statements per day or week; top verbs and activities; sources (platform, credential) over time.',
    [
      cohortParameter,
      {
        name: 'interval',
        in: 'query',
        schema: { type: 'string', enum: ['day', 'week'], default: 'day' },
      },
      {
        name: 'top',
        in: 'query',
        schema: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
      },
    ],
    {
      totals: {
        type: 'object',
        properties: { statements: n, activeLearners: n, completions: n, passes: n, fails: n },
      },
      series: array({
        start: s,
        statements: n,
        activeLearners: n,
        completions: n,
        passes: n,
        fails: n,
      }),
      topVerbs: array({ verb: s, statements: n }),
      topActivities: array({ activity: s, statements: n }),
      sources: { type: 'object' },
    },
    'the series',
  ),
  '/api/stores/{id}/reports/course': report(
    'Course / activity',
    'Learners started and completed, completion rate, first-attempt and eventual pass rate, score distribution (best, first or last per learner), attempts, time spent, the modules and pages in order with the drop-off funnel and exit points, and a paged, sortable per-learner table. The cohort: learners whose first statement about the activity falls in the window.',
    [
      required('activity', 'The activity (course, module, any activity) id.'),
      cohortParameter,
      {
        name: 'scoreOf',
        in: 'query',
        schema: { type: 'string', enum: ['best', 'first', 'last'], default: 'best' },
      },
      ...paging,
      {
        name: 'sort',
        in: 'query',
        schema: {
          type: 'string',
          enum: ['learner', 'firstAt', 'lastAt', 'completedAt', 'score', 'attempts', 'timeSeconds'],
          default: 'learner',
        },
      },
      {
        name: 'order',
        in: 'query',
        schema: { type: 'string', enum: ['asc', 'desc'], default: 'asc' },
      },
    ],
    {
      activity: s,
      cohort: n,
      started: n,
      completed: n,
      completedNotStarted: n,
      completionRate: nn,
      judged: n,
      firstAttemptPassRate: nn,
      eventualPassRate: nn,
      scores: {
        type: 'object',
        properties: {
          of: s,
          n,
          mean: nn,
          median: nn,
          sd: nn,
          histogram: array({ from: n, to: n, count: n }),
        },
      },
      attempts: { type: 'object' },
      timeSpent: { type: 'object' },
      dates: { type: 'object' },
      modules: array({
        order: n,
        activity: s,
        started: n,
        completed: n,
        completedNotStarted: n,
        completionRate: nn,
        firstAttemptPassRate: nn,
        eventualPassRate: nn,
      }),
      pages: array({
        order: n,
        page: s,
        module: s,
        reached: n,
        views: n,
        conversion: nn,
        dropoff: nn,
        exits: n,
      }),
      funnel: { type: 'object' },
      exitPoints: array({ page: s, learners: n }),
      learners: {
        type: 'object',
        properties: { total: n, page: n, pageSize: n, rows: { type: 'array' } },
      },
    },
    'the per-learner table (the requested page)',
  ),
  '/api/stores/{id}/reports/learner': report(
    'One learner',
    'Journey timeline (cmi5 sessions with their key facts), per-course progress, last position and the State API documents to resume from, results per module, score per objective, time spent, informal learning by source.',
    [
      required(
        'learner',
        'The canonical IFI key: mbox:mailto:…, mbox_sha1sum:…, openid:…, account:<homePage>|<name>.',
      ),
      {
        ...cohortParameter,
        description:
          "A cohort id (docs/people.md) to compare the learner with: `cohortComparison` gives, per course of the learner, the cohort's persons, completion rate, mean best score and median time; fewer than 5 persons are suppressed (§10).",
      },
    ],
    {
      learner: s,
      cohortComparison: {
        type: 'object',
        description: 'Present with `cohort`.',
        properties: {
          id: n,
          name: s,
          rule: s,
          people: n,
          member: { type: 'boolean' },
          definition: s,
          courses: array({
            course: s,
            people: n,
            suppressed: { type: 'boolean' },
            started: nn,
            completionRate: nn,
            meanBestScore: nn,
            medianTimeSeconds: nn,
          }),
        },
      },
      timeSpent: { type: 'object' },
      sessions: { type: 'array' },
      courses: { type: 'array' },
      objectives: { type: 'array' },
      informal: { type: 'array' },
    },
    'the sessions',
  ),
  '/api/stores/{id}/reports/items': report(
    'Question item analysis',
    'Per question of an assessment: difficulty p, discrimination D (upper/lower 27%, ties split by learner key), corrected point-biserial, the answers given by group, flags; and the assessment KR-20. First attempts only.',
    [
      required(
        'assessment',
        'The assessment: the contextActivities.parent of the answered statements.',
      ),
      cohortParameter,
    ],
    {
      assessment: s,
      cohortFilter,
      questions: n,
      respondents: n,
      groupSize: n,
      kr20: nn,
      items: array({
        question: s,
        p: nn,
        discrimination: nn,
        pointBiserial: nn,
        flags: { type: 'object' },
        answers: { type: 'array' },
      }),
    },
    'one row per question',
  ),
  '/api/stores/{id}/reports/pages': report(
    'Pages',
    'Per page under a module (or a course): views, unique viewers, median time per viewer, order and drop-off.',
    [required('activity', 'The module/lesson (parent of the pages) or course.'), cohortParameter],
    {
      activity: s,
      cohortFilter,
      pages: array({
        order: n,
        page: s,
        module: s,
        views: n,
        uniqueViewers: n,
        medianSeconds: nn,
        dropoff: nn,
      }),
    },
    'one row per page',
  ),
  '/api/stores/{id}/reports/objectives': report(
    'Objectives',
    'Learner × objective mastery matrix (paged by learner) and cohort mastery per objective.',
    [{ name: 'course', in: 'query', schema: { type: 'string' } }, cohortParameter, ...paging],
    {
      threshold: n,
      cohortFilter,
      objectives: array({
        objective: s,
        learners: n,
        mastered: n,
        masteryRate: nn,
        meanMastery: nn,
      }),
      matrix: { type: 'object' },
    },
    'the matrix cells of the requested page',
  ),
}

/** The security schemes the report paths name, for the combined document's components. */
export const reportsSecuritySchemes: Record<string, unknown> = {
  adminBearer: { type: 'http', scheme: 'bearer', description: 'A token from POST /api/session.' },
  xapiBasic: {
    type: 'http',
    scheme: 'basic',
    description: 'An xAPI credential of the store with scope all or all/read.',
  },
}
