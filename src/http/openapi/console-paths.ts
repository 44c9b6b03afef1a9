/** @module OpenAPI 3.1 path items of the console's /api/ routes (issue 10), for openapi-document.ts. */
import { storeIdParameter } from './openapi-types.js'

const xapiQueryParameters = [
  'agent',
  'verb',
  'activity',
  'registration',
  'related_activities',
  'related_agents',
  'since',
  'until',
  'limit',
  'format',
  'ascending',
  'statementId',
  'voidedStatementId',
  'more',
].map((name) => ({
  name,
  in: 'query',
  required: false,
  schema: { type: 'string' },
  description: `the xAPI statement query parameter \`${name}\` (Communication §2.1.3)`,
}))

const errors = {
  '400': { description: 'a parameter is invalid; the message names it' },
  '401': { description: 'no admin session, or it expired: sign in again' },
  '404': { description: 'no such store' },
}

/**
 * The console's additions to the admin API. `POST/GET/DELETE /api/session` are the admin
 * area's; the console adds `cookie: true` to the sign-in (HttpOnly SameSite=Strict cookie plus
 * a `csrfToken` that cookie-authenticated state-changing requests send as `X-CSRF-Token`).
 */
export const consolePaths: Record<string, unknown> = {
  '/api/stores/{id}/statements': {
    get: {
      summary: "Browse a store's statements as an admin, with every xAPI filter",
      description:
        'The xAPI statement query over one store for a signed-in admin (bearer token or console cookie). Returns `{ statements, more }`, or one statement for statementId/voidedStatementId; `more` is a link under /api/. attachments=true is refused (JSON only).',
      parameters: [storeIdParameter, ...xapiQueryParameters],
      responses: {
        '200': {
          description: 'a page of statements, newest first unless ascending=true',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  statements: { type: 'array', items: { type: 'object' } },
                  more: { type: 'string' },
                },
              },
            },
          },
        },
        ...errors,
      },
    },
  },
  '/api/stores/{id}/statements/stream': {
    get: {
      summary: "The live tail of a store's statements (Server-Sent Events)",
      description:
        "Events: `ready` (data `{after}`), then one `statement` event per statement stored, whose id is its position in the store's statement log. Reconnect with `Last-Event-ID` (EventSource does) to resume after that position: nothing missed or repeated. Without a position the tail starts at the newest statement; `after` gives one on the first connection. A comment line keeps the connection alive every 15 s; the stream ends when the session does.",
      parameters: [
        storeIdParameter,
        {
          name: 'Last-Event-ID',
          in: 'header',
          required: false,
          schema: { type: 'string', pattern: '^[0-9]+$' },
        },
        {
          name: 'after',
          in: 'query',
          required: false,
          schema: { type: 'string', pattern: '^[0-9]+$' },
        },
      ],
      responses: {
        '200': { description: 'the event stream', content: { 'text/event-stream': {} } },
        ...errors,
      },
    },
  },
}
