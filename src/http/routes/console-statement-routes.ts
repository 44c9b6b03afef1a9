/** @module The console's statement routes under /api/stores/:id: the xAPI query as an admin, and the live tail (SSE). */
import type { Context, Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import type { Admin } from '../../core/admin/admin.js'
import type { OperatorStatements } from '../../core/statements/operator-statements.js'
import { BadRequestError } from '../../errors/errors.js'
import { parseAcceptLanguage } from '../accept-language.js'
import type { AdminEnv } from '../middleware/admin-session.js'

/** Statements one read of the tail sends at most; the loop reads again at once when full. */
const TAIL_BATCH = 200

export interface TailOptions {
  /** How often an idle tail looks for new statements (ms). */
  readonly pollMs: number
  /** How often an idle tail sends a keep-alive comment and re-checks the session (ms). */
  readonly heartbeatMs: number
  /** Aborted when the server shuts down: every tail ends so the server can close. */
  readonly shutdown?: AbortSignal | undefined
}

export const DEFAULT_TAIL_OPTIONS: TailOptions = { pollMs: 1000, heartbeatMs: 15_000 }

/** A position in a store's statement log, as sent in `Last-Event-ID` or `?after=`. */
function parsePosition(text: string, name: string): number {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text.trim()))
    throw BadRequestError(`${name} must be a statement log position (a whole number ≥ 0)`)
  return Number(text.trim())
}

export function registerConsoleStatementRoutes(
  api: Hono<AdminEnv>,
  admin: Admin,
  operator: OperatorStatements,
  storeId: (c: Context<AdminEnv>) => number,
  tail: TailOptions,
): void {
  /*
   * Every filter of GET /xapi/statements (Communication §2.1.3), with `more` paging, over one
   * store, for a signed-in admin: admins manage every store (docs/security.md).
   */
  api.get('/stores/:id/statements', async (c) => {
    const id = storeId(c)
    await admin.getStore(id)
    const parameters = c.req.query()
    if (parameters['attachments'] === 'true')
      throw BadRequestError(
        'attachments: the console API answers JSON only; read attachments through /xapi/statements',
      )
    const languages = parseAcceptLanguage(c.req.header('Accept-Language'))
    if ('statementId' in parameters || 'voidedStatementId' in parameters) {
      const { statement } = await operator.getStatement(id, parameters, languages)
      return c.json(statement, 200)
    }
    const { statements, more } = await operator.queryStatements(id, parameters, languages)
    return c.json({ statements, more }, 200)
  })

  /*
   * The live tail, as Server-Sent Events (HTML Living Standard §9.2). Each statement is an
   * event `statement` whose id is its position (`seq`) in the store's log. A client that
   * reconnects sends the last id it saw as `Last-Event-ID` (EventSource does so by itself) and
   * gets exactly the statements after it, in order: units of work of a store commit in seq
   * order, so nothing is missed or repeated. Without a position the tail starts at the newest
   * statement; `?after=` gives a position on the first connection.
   */
  api.get('/stores/:id/statements/stream', async (c) => {
    const id = storeId(c)
    await admin.getStore(id)
    const lastEventId = c.req.header('Last-Event-ID')
    const after = c.req.query('after')
    let position =
      lastEventId !== undefined && lastEventId !== ''
        ? parsePosition(lastEventId, 'Last-Event-ID')
        : after !== undefined
          ? parsePosition(after, 'after')
          : await operator.lastSeq(id)
    const token = c.get('token')
    c.header('Cache-Control', 'no-store')
    // Reverse proxies (nginx) would otherwise buffer the stream.
    c.header('X-Accel-Buffering', 'no')
    return streamSSE(c, async (stream) => {
      let open = true
      const stop = () => {
        open = false
      }
      stream.onAbort(stop)
      tail.shutdown?.addEventListener('abort', stop, { once: true })
      try {
        // The starting position as an id, so a reconnect before any statement resumes here.
        await stream.writeSSE({
          event: 'ready',
          id: String(position),
          data: JSON.stringify({ after: position }),
          retry: 2000,
        })
        let idleMs = 0
        while (open) {
          const batch = await operator.readAfter(id, position, TAIL_BATCH)
          for (const item of batch) {
            await stream.writeSSE({
              event: 'statement',
              id: String(item.seq),
              data: JSON.stringify(item.statement),
            })
            position = item.seq
          }
          if (batch.length === TAIL_BATCH) continue
          if (batch.length > 0) idleMs = 0
          await stream.sleep(tail.pollMs)
          idleMs += tail.pollMs
          if (idleMs >= tail.heartbeatMs) {
            idleMs = 0
            // A sign-out or expiry ends the tail; the client's reconnect then gets a 401.
            if ((await admin.session(token)) === undefined) break
            await stream.write(': keep-alive\n\n')
          }
        }
      } finally {
        tail.shutdown?.removeEventListener('abort', stop)
      }
    })
  })
}
