/** @module The admin API of forwarding: a store's targets, their status, pause, resume and replay. */
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import { z } from 'zod'
import type { Admin } from '../../core/admin/admin.js'
import type { Forwarding } from '../../core/forwarding/forwarding.js'
import { NotFoundError } from '../../errors/errors.js'
import { adminSession, type AdminEnv } from '../middleware/admin-session.js'
import { readBody, storeId } from './admin-routes.js'

const strings = z.array(z.string()).optional()
const Filter = z.strictObject({
  verbs: strings,
  activities: strings,
  activityPrefixes: strings,
  actors: z.array(z.unknown()).optional(),
  platforms: strings,
})
const NewTarget = z.strictObject({
  name: z.string(),
  kind: z.enum(['lrs', 'webhook']),
  url: z.string(),
  username: z.string().optional(),
  password: z.string().optional(),
  xapiVersion: z.string().optional(),
  filter: Filter.optional(),
  batchSize: z.number().int().optional(),
  maxFailures: z.number().int().optional(),
  startAt: z.string().optional(),
})
const TargetPatch = z.strictObject({
  name: z.string().optional(),
  url: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  xapiVersion: z.string().optional(),
  filter: Filter.optional(),
  batchSize: z.number().int().optional(),
  maxFailures: z.number().int().optional(),
})
const Replay = z.strictObject({ from: z.string() })

function targetId(c: Context<AdminEnv>): number {
  const text = c.req.param('target') ?? ''
  const id = /^[1-9][0-9]{0,15}$/.test(text) ? Number(text) : NaN
  if (!Number.isSafeInteger(id)) throw NotFoundError(`no forwarding target '${text}'`)
  return id
}

/** Mounted under `/api`; every route needs an admin session. */
export function createForwardingRoutes(admin: Admin, forwarding: Forwarding): Hono<AdminEnv> {
  const api = new Hono<AdminEnv>()
  const requireSession = adminSession(admin)
  const session: MiddlewareHandler<AdminEnv> = async (c, next) => {
    if ((c.get('session') as unknown) !== undefined) return next()
    return requireSession(c, next)
  }
  api.use('/stores/:id/forwarding/*', session)
  api.use('/stores/:id/forwarding/*', async (c, next) => {
    await next()
    c.header('Cache-Control', 'no-store')
  })
  const by = (c: Context<AdminEnv>) => `admin:${c.get('session').username}`
  const base = '/stores/:id/forwarding/targets'

  api.get(base, async (c) => c.json({ targets: await forwarding.listTargets(storeId(c)) }, 200))
  api.post(base, async (c) => {
    const id = storeId(c)
    const body = await readBody(c, NewTarget)
    return c.json(await forwarding.createTarget(by(c), id, body), 201)
  })
  api.get(`${base}/:target`, async (c) =>
    c.json(await forwarding.getTarget(storeId(c), targetId(c)), 200),
  )
  api.patch(`${base}/:target`, async (c) => {
    const [id, target] = [storeId(c), targetId(c)]
    const body = await readBody(c, TargetPatch)
    return c.json(await forwarding.updateTarget(by(c), id, target, body), 200)
  })
  api.delete(`${base}/:target`, async (c) => {
    await forwarding.deleteTarget(by(c), storeId(c), targetId(c))
    return c.body(null, 204)
  })
  api.post(`${base}/:target/pause`, async (c) =>
    c.json(await forwarding.pause(by(c), storeId(c), targetId(c)), 200),
  )
  api.post(`${base}/:target/resume`, async (c) =>
    c.json(await forwarding.resume(by(c), storeId(c), targetId(c)), 200),
  )
  api.post(`${base}/:target/replay`, async (c) => {
    const [id, target] = [storeId(c), targetId(c)]
    const { from } = await readBody(c, Replay)
    return c.json(await forwarding.replay(by(c), id, target, from), 200)
  })
  return api
}
