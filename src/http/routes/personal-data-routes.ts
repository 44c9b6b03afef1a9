/** @module The admin API of personal data: erasures (GDPR Art. 17) and retention policies of a store. */
import { Hono, type MiddlewareHandler } from 'hono'
import { z } from 'zod'
import type { Admin } from '../../core/admin/admin.js'
import { BadRequestError } from '../../errors/errors.js'
import type { PersonalData } from '../../core/personal-data/personal-data.js'
import { adminSession, type AdminEnv } from '../middleware/admin-session.js'
import { readBody, storeId } from './admin-routes.js'

// One of: an Agent (one identifier), or a person of the people directory (all their identifiers).
const ErasureBody = z.strictObject({
  agent: z.unknown().optional(),
  person: z.unknown().optional(),
})
const days = z.number().int().positive().nullable().optional()
const RetentionBody = z.strictObject({ statementDays: days, documentDays: days })
const PurgeBody = z.strictObject({ dryRun: z.boolean().optional() })

/**
 * Mounted under `/api` next to the admin routes. Every route needs an admin session (the admin
 * routes' middleware may already have resolved it for `/stores/*`; then it is not read twice).
 */
export function createPersonalDataRoutes(admin: Admin, data: PersonalData): Hono<AdminEnv> {
  const api = new Hono<AdminEnv>()
  const requireSession = adminSession(admin)
  const session: MiddlewareHandler<AdminEnv> = async (c, next) => {
    if ((c.get('session') as unknown) !== undefined) return next()
    return requireSession(c, next)
  }
  api.use('/stores/:id/erasures', session)
  api.use('/stores/:id/retention', session)
  api.use('/stores/:id/retention/*', session)
  api.use('/stores/:id/erasures', async (c, next) => {
    await next()
    c.header('Cache-Control', 'no-store')
  })
  const by = (c: { get(key: 'session'): { username: string } }) =>
    `admin:${c.get('session').username}`

  api.post('/stores/:id/erasures', async (c) => {
    const id = storeId(c)
    const body = await readBody(c, ErasureBody)
    if ((body.agent === undefined) === (body.person === undefined))
      throw BadRequestError('give exactly one of agent (an Agent object) or person (a person id)')
    if (body.person !== undefined) {
      if (typeof body.person !== 'number')
        throw BadRequestError('person: must be the positive integer id of a person')
      return c.json(await data.erasePerson(by(c), id, body.person), 201)
    }
    return c.json(await data.erase(by(c), id, body.agent), 201)
  })
  api.get('/stores/:id/erasures', async (c) =>
    c.json({ erasures: await data.listErasures(storeId(c)) }, 200),
  )
  api.get('/stores/:id/retention', async (c) => c.json(await data.getRetention(storeId(c)), 200))
  api.put('/stores/:id/retention', async (c) => {
    const id = storeId(c)
    const body = await readBody(c, RetentionBody)
    return c.json(await data.setRetention(by(c), id, body), 200)
  })
  api.post('/stores/:id/retention/purge', async (c) => {
    const id = storeId(c)
    const { dryRun } = await readBody(c, PurgeBody)
    return c.json(await data.purge(by(c), id, { dryRun: dryRun ?? false }), 200)
  })
  return api
}
