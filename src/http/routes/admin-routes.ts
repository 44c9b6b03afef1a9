/** @module The admin API under /api/ (JSON): sign-in, stores, credentials and admin accounts. */
import { Hono, type Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { z } from 'zod'
import type { Admin } from '../../core/admin/admin.js'
import {
  BadRequestError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
} from '../../errors/errors.js'
import type { OperatorStatements } from '../../core/statements/operator-statements.js'
import {
  adminSession,
  type AdminEnv,
  bearerChallenge,
  clearSessionCookie,
  csrfToken,
  setSessionCookie,
} from '../middleware/admin-session.js'
import {
  DEFAULT_TAIL_OPTIONS,
  registerConsoleStatementRoutes,
  type TailOptions,
} from './console-statement-routes.js'

/** Admin requests are small JSON documents. */
const MAX_ADMIN_BODY_BYTES = 64 * 1024

const limitValue = z.number().int().positive()

const LoginBody = z.strictObject({
  username: z.string().min(1).max(200),
  password: z.string().min(1).max(1024),
  /** The web console: the session goes in an HttpOnly cookie, never in the page. */
  cookie: z.boolean().optional(),
})
const StoreBody = z.strictObject({ name: z.string() })
const NewCredentialBody = z.strictObject({
  name: z.string(),
  scopes: z.array(z.string()).optional(),
  rateLimitPerMinute: limitValue.optional(),
  maxBodyBytes: limitValue.optional(),
})
const CredentialPatchBody = z.strictObject({
  name: z.string().optional(),
  scopes: z.array(z.string()).optional(),
  enabled: z.boolean().optional(),
  rateLimitPerMinute: limitValue.nullable().optional(),
  maxBodyBytes: limitValue.nullable().optional(),
})
const AccountBody = z.strictObject({ username: z.string(), password: z.string() })
const PasswordBody = z.strictObject({ password: z.string() })

/** The JSON body checked against `schema`; a 400 names the first offending field. */
export async function readBody<S extends z.ZodType>(
  c: Context<AdminEnv>,
  schema: S,
): Promise<z.output<S>> {
  let body: unknown
  try {
    body = await c.req.json()
  } catch (error) {
    if (PayloadTooLargeError.is(error)) throw error
    throw BadRequestError('the body must be a JSON object')
  }
  const parsed = schema.safeParse(body)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const field = issue === undefined || issue.path.length === 0 ? 'body' : issue.path.join('.')
  throw BadRequestError(`${field}: ${issue?.message ?? 'invalid'}`)
}

/** A store id from the path; anything but a positive integer names no store. */
export function storeId(c: Context<AdminEnv>): number {
  const text = c.req.param('id') ?? ''
  const id = /^[1-9][0-9]{0,15}$/.test(text) ? Number(text) : NaN
  if (!Number.isSafeInteger(id)) throw NotFoundError(`no store with id '${text}'`)
  return id
}

/** The address a sign-in comes from, for throttling; 'unknown' when not served over a socket. */
function clientAddress(c: Context<AdminEnv>): string {
  return c.env?.incoming?.socket?.remoteAddress ?? 'unknown'
}

export interface AdminRouteOptions {
  /** The console's statement reads and live tail. */
  readonly operator: OperatorStatements
  /** Mark the session cookie Secure on every response (the public URL is https). */
  readonly secureCookies?: boolean
  readonly tail?: TailOptions
}

/**
 * The admin API: JSON in and out, bearer sessions from `POST /api/session`, or for the web
 * console a cookie session with a CSRF token. Every answer is `Cache-Control: no-store`: some
 * carry secrets. Admin accounts manage every store; xAPI credentials are not accepted here.
 */
export function createAdminRoutes(admin: Admin, options: AdminRouteOptions): Hono<AdminEnv> {
  const cookieOptions = { alwaysSecure: options.secureCookies ?? false }
  const api = new Hono<AdminEnv>()
  const by = (c: Context<AdminEnv>) => `admin:${c.get('session').username}`

  api.use('*', async (c, next) => {
    await next()
    c.header('Cache-Control', 'no-store')
  })
  api.use(
    '*',
    bodyLimit({
      maxSize: MAX_ADMIN_BODY_BYTES,
      onError: () => {
        throw PayloadTooLargeError(MAX_ADMIN_BODY_BYTES)
      },
    }),
  )

  api.post('/session', async (c) => {
    const { username, password, cookie } = await readBody(c, LoginBody)
    // A cookie sign-in must be JSON: a cross-site HTML form cannot send that without a CORS
    // preflight, so no other site can sign a browser in to an account of its choosing.
    if (cookie === true && !/^application\/json\b/i.test(c.req.header('Content-Type') ?? ''))
      throw BadRequestError('a console sign-in must be sent as Content-Type: application/json')
    let issued
    try {
      issued = await admin.login(username, password, clientAddress(c))
    } catch (error) {
      if (UnauthorizedError.is(error)) bearerChallenge(c)
      throw error
    }
    if (cookie !== true) return c.json(issued, 201)
    setSessionCookie(c, issued.token, issued.expiresAt, cookieOptions)
    return c.json(
      {
        username: issued.username,
        expiresAt: issued.expiresAt,
        csrfToken: csrfToken(issued.token),
      },
      201,
    )
  })

  const requireSession = adminSession(admin)
  api.use('/stores/*', requireSession)
  api.use('/stores', requireSession)
  api.use('/credentials/*', requireSession)
  api.use('/accounts/*', requireSession)
  api.use('/accounts', requireSession)

  // The console reads its CSRF token here after a reload (the cookie outlives the page).
  api.get('/session', requireSession, (c) =>
    c.json(
      c.get('via') === 'cookie'
        ? { ...c.get('session'), csrfToken: csrfToken(c.get('token')) }
        : c.get('session'),
      200,
    ),
  )
  api.delete('/session', requireSession, async (c) => {
    await admin.logout(c.get('token'))
    if (c.get('via') === 'cookie') clearSessionCookie(c)
    return c.body(null, 204)
  })

  api.get('/stores', async (c) => c.json({ stores: await admin.listStores() }, 200))
  api.post('/stores', async (c) => {
    const body = await readBody(c, StoreBody)
    return c.json(await admin.createStore(by(c), body), 201)
  })
  api.get('/stores/:id', async (c) => c.json(await admin.getStore(storeId(c)), 200))
  api.patch('/stores/:id', async (c) => {
    const id = storeId(c)
    const body = await readBody(c, StoreBody)
    return c.json(await admin.updateStore(by(c), id, body), 200)
  })

  api.get('/stores/:id/credentials', async (c) =>
    c.json({ credentials: await admin.listCredentials(storeId(c)) }, 200),
  )
  api.post('/stores/:id/credentials', async (c) => {
    const id = storeId(c)
    const body = await readBody(c, NewCredentialBody)
    return c.json(await admin.createCredential(by(c), id, body), 201)
  })
  api.get('/credentials/:key', async (c) =>
    c.json(await admin.getCredential(c.req.param('key')), 200),
  )
  api.patch('/credentials/:key', async (c) => {
    const body = await readBody(c, CredentialPatchBody)
    return c.json(await admin.updateCredential(by(c), c.req.param('key'), body), 200)
  })
  api.post('/credentials/:key/rotate', async (c) =>
    c.json(await admin.rotateCredential(by(c), c.req.param('key')), 200),
  )

  registerConsoleStatementRoutes(
    api,
    admin,
    options.operator,
    storeId,
    options.tail ?? DEFAULT_TAIL_OPTIONS,
  )

  api.get('/accounts', async (c) => c.json({ accounts: await admin.listAccounts() }, 200))
  api.post('/accounts', async (c) => {
    const body = await readBody(c, AccountBody)
    return c.json(await admin.createAccount(by(c), body), 201)
  })
  api.put('/accounts/:username/password', async (c) => {
    const { password } = await readBody(c, PasswordBody)
    await admin.changePassword(by(c), c.req.param('username'), password)
    return c.body(null, 204)
  })
  api.delete('/accounts/:username', async (c) => {
    await admin.deleteAccount(by(c), c.req.param('username'))
    return c.body(null, 204)
  })

  return api
}
