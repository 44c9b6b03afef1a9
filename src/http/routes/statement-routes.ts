/** @module The Statement resource (Communication §2.1): PUT, POST, GET and HEAD of /statements. */
import type { Context, Hono } from 'hono'
import type { AttachmentPart, Lrs } from '../../core/lrs.js'
import type { StoredStatement } from '../../xapi/types.js'
import { parseAcceptLanguage } from '../accept-language.js'
import type { AppEnv } from '../app-env.js'
import { buildMultipartMixed } from '../multipart.js'
import { readStatementBody } from '../request-body.js'

const CONSISTENT_THROUGH = 'X-Experience-API-Consistent-Through'

/** Sends JSON, or multipart/mixed with the attachments when `attachments=true` was asked. */
function renderStatements(
  c: Context<AppEnv>,
  payload: unknown,
  attachments: readonly AttachmentPart[],
  asMultipart: boolean,
): Response {
  const json = JSON.stringify(payload)
  if (!asMultipart) return c.body(json, 200, { 'Content-Type': 'application/json; charset=utf-8' })
  const { contentType, body } = buildMultipartMixed(json, attachments)
  return c.body(body.buffer as ArrayBuffer, 200, { 'Content-Type': contentType })
}

export function registerStatementRoutes(app: Hono<AppEnv>, lrs: Lrs): void {
  app.put('/xapi/statements', async (c) => {
    const parameters = c.req.query()
    const { body, attachments } = await readStatementBody(c)
    await lrs.putStatement(c.get('ctx'), parameters, body, attachments)
    return c.body(null, 204)
  })

  app.post('/xapi/statements', async (c) => {
    const { body, attachments } = await readStatementBody(c)
    const ids = await lrs.storeStatements(c.get('ctx'), c.req.query(), body, attachments)
    return c.json(ids, 200)
  })

  app.get('/xapi/statements', async (c) => {
    const parameters = c.req.query()
    const languages = parseAcceptLanguage(c.req.header('Accept-Language'))
    const asMultipart = parameters['attachments'] === 'true'
    const ctx = c.get('ctx')
    // Set first, so that error answers (404 for an unknown id) carry it too (XAPI-00182), and
    // read before the query so that it is honest for the statements returned.
    c.header(CONSISTENT_THROUGH, await lrs.consistentThrough(ctx))
    if ('statementId' in parameters || 'voidedStatementId' in parameters) {
      const result = await lrs.getStatement(ctx, parameters, languages)
      // xAPI 2.0: a single statement carries Last-Modified = its `stored`.
      c.header('Last-Modified', new Date(result.statement.stored).toUTCString())
      return renderStatements(c, result.statement, result.attachments, asMultipart)
    }
    const result = await lrs.queryStatements(ctx, parameters, languages)
    const payload: { statements: StoredStatement[]; more: string } = {
      statements: result.statements,
      more: result.more,
    }
    return renderStatements(c, payload, result.attachments, asMultipart)
  })
}
