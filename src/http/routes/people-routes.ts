/**
 * @module The admin API of people and cohorts (docs/people.md): persons (list, create, edit,
 * merge, split, delete), imports of HR/LMS exports (CSV or JSON, with a dry run) and cohorts.
 * Admin sessions only; mounted under `/api` before the admin routes, so an import may be larger
 * than their 64 KiB body limit.
 */
import { type Context, Hono, type MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { z } from 'zod'
import { parsePeopleFile, peopleFileFormat } from '../../analytics/people/people-file.js'
import type { People } from '../../analytics/people/people.js'
import type { Admin } from '../../core/admin/admin.js'
import {
  BadRequestError,
  InvalidParameterError,
  NotFoundError,
  PayloadTooLargeError,
} from '../../errors/errors.js'
import { adminSession, type AdminEnv } from '../middleware/admin-session.js'
import { readBody, storeId } from './admin-routes.js'

/** The largest people file an import takes (about 100 000 rows of a typical HR export). */
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024
const MAX_BODY_BYTES = 64 * 1024

const attributeValue = z.string().max(1000).nullable().optional()
const Attributes = z.strictObject({
  name: attributeValue,
  email: attributeValue,
  role: attributeValue,
  team: attributeValue,
  orgUnit: attributeValue,
  manager: attributeValue,
  location: attributeValue,
  startDate: attributeValue,
  custom: z.record(z.string(), z.string().max(1000)).optional(),
})
const NewPerson = z.strictObject({
  identifiers: z.array(z.string()).min(1).max(50),
  attributes: Attributes.optional(),
})
const Merge = z.strictObject({ from: z.array(z.number().int().positive()).min(1).max(100) })
const Split = z.strictObject({ ifi: z.string() })
const Cohort = z.strictObject({
  name: z.string(),
  description: z.string().max(2000).optional(),
  filter: z.unknown(),
})

function idParam(c: Context, name: string, what: string): number {
  const text = c.req.param(name) ?? ''
  const id = /^[1-9][0-9]{0,15}$/.test(text) ? Number(text) : NaN
  if (!Number.isSafeInteger(id)) throw NotFoundError(`no ${what} '${text}'`)
  return id
}

function intQuery(c: Context, name: string, min: number, max: number, fallback: number): number {
  const text = c.req.query(name)
  if (text === undefined || text === '') return fallback
  const value = Number(text)
  if (!Number.isInteger(value) || value < min || value > max)
    throw InvalidParameterError(name, `must be an integer from ${min} to ${max}`)
  return value
}

function defined<T extends Record<string, unknown>>(
  value: T,
): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never
}

export function createPeopleRoutes(admin: Admin, people: People): Hono<AdminEnv> {
  const api = new Hono<AdminEnv>()
  const requireSession = adminSession(admin)
  const session: MiddlewareHandler<AdminEnv> = async (c, next) => {
    if ((c.get('session') as unknown) !== undefined) return next()
    return requireSession(c, next)
  }
  const limit = (bytes: number): MiddlewareHandler<AdminEnv> =>
    bodyLimit({
      maxSize: bytes,
      onError: () => {
        throw PayloadTooLargeError(bytes)
      },
    })
  // A store that does not exist answers 404 rather than an empty list.
  const store: MiddlewareHandler<AdminEnv> = async (c, next) => {
    await admin.getStore(storeId(c))
    return next()
  }
  // `/x/*` also matches `/x`.
  for (const path of ['/stores/:id/people/*', '/stores/:id/cohorts/*']) {
    api.use(path, async (c, next) => {
      await next()
      c.header('Cache-Control', 'no-store')
    })
    api.use(path, session)
    api.use(path, store)
  }
  // Registered before the routes: the import's larger limit first, the others' after it.
  api.use('/stores/:id/people/import', limit(MAX_IMPORT_BYTES))
  api.use('/stores/:id/people/:person{[0-9]+}', limit(MAX_BODY_BYTES))
  api.use('/stores/:id/people/:person{[0-9]+}/*', limit(MAX_BODY_BYTES))
  api.post('/stores/:id/people', limit(MAX_BODY_BYTES))
  api.use('/stores/:id/cohorts/*', limit(MAX_BODY_BYTES))

  const person = (c: Context) => idParam(c, 'person', 'person')
  const cohort = (c: Context) => idParam(c, 'cohort', 'cohort')

  api.get('/stores/:id/people', async (c) => {
    const pageSize = intQuery(c, 'pageSize', 1, 500, 50)
    const page = intQuery(c, 'page', 1, 1_000_000, 1)
    const cohortText = c.req.query('cohort')
    const result = await people.list(storeId(c), {
      ...(c.req.query('search') === undefined ? {} : { search: c.req.query('search') ?? '' }),
      limit: pageSize,
      offset: (page - 1) * pageSize,
      ...(cohortText === undefined || cohortText === ''
        ? {}
        : { cohort: intQuery(c, 'cohort', 1, Number.MAX_SAFE_INTEGER, 0) }),
    })
    return c.json({ page, pageSize, ...result }, 200)
  })
  api.post('/stores/:id/people', async (c) => {
    const body = await readBody(c, NewPerson)
    const made = await people.create(storeId(c), {
      identifiers: body.identifiers,
      attributes: defined(body.attributes ?? {}) as Record<string, string>,
    })
    return c.json(made, 201)
  })
  // Before /people/:person: "import" is not a person id.
  api.post('/stores/:id/people/import', async (c) => {
    const dry = c.req.query('dryRun')
    if (dry !== undefined && dry !== 'true' && dry !== 'false')
      throw InvalidParameterError('dryRun', 'must be true or false')
    const format = c.req.query('format')
    if (format !== undefined && format !== 'csv' && format !== 'json')
      throw InvalidParameterError('format', 'must be csv or json')
    const text = await c.req.text()
    if (text.trim() === '') throw BadRequestError('the body is empty: send the CSV or JSON file')
    const rows = parsePeopleFile(
      text,
      format ?? peopleFileFormat(text, c.req.header('Content-Type')),
    )
    return c.json(await people.import(storeId(c), rows, { dryRun: dry === 'true' }), 200)
  })
  api.get('/stores/:id/people/:person', async (c) =>
    c.json(await people.get(storeId(c), person(c)), 200),
  )
  api.patch('/stores/:id/people/:person', async (c) => {
    const [id, p] = [storeId(c), person(c)]
    const body = defined(await readBody(c, Attributes))
    return c.json(await people.update(id, p, body), 200)
  })
  api.delete('/stores/:id/people/:person', async (c) => {
    await people.delete(storeId(c), person(c))
    return c.body(null, 204)
  })
  api.post('/stores/:id/people/:person/merge', async (c) => {
    const [id, p] = [storeId(c), person(c)]
    const { from } = await readBody(c, Merge)
    return c.json(await people.merge(id, p, from), 200)
  })
  api.post('/stores/:id/people/:person/split', async (c) => {
    const [id, p] = [storeId(c), person(c)]
    const { ifi } = await readBody(c, Split)
    return c.json(await people.split(id, p, ifi), 200)
  })

  api.get('/stores/:id/cohorts', async (c) =>
    c.json({ cohorts: await people.listCohorts(storeId(c)) }, 200),
  )
  api.post('/stores/:id/cohorts', async (c) => {
    const id = storeId(c)
    const body = await readBody(c, Cohort)
    return c.json(await people.createCohort(id, defined(body)), 201)
  })
  api.get('/stores/:id/cohorts/:cohort', async (c) =>
    c.json(await people.getCohort(storeId(c), cohort(c)), 200),
  )
  api.put('/stores/:id/cohorts/:cohort', async (c) => {
    const [id, k] = [storeId(c), cohort(c)]
    const body = await readBody(c, Cohort)
    return c.json(await people.updateCohort(id, k, defined(body)), 200)
  })
  api.delete('/stores/:id/cohorts/:cohort', async (c) => {
    await people.deleteCohort(storeId(c), cohort(c))
    return c.body(null, 204)
  })
  return api
}
