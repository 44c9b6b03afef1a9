import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp, type TestRequest } from './test-app.js'

const AGENT = { objectType: 'Agent', mbox: 'mailto:concurrency@example.com' }
const ACTIVITY_ID = 'http://www.example.com/activities/concurrency'

/** The three document resources with parameters for a fresh document of each. */
const RESOURCES = [
  {
    name: 'State',
    path: '/xapi/activities/state',
    fresh: () => ({ activityId: ACTIVITY_ID, agent: AGENT, stateId: randomUUID() }),
  },
  {
    name: 'Activity Profile',
    path: '/xapi/activities/profile',
    fresh: () => ({ activityId: ACTIVITY_ID, profileId: randomUUID() }),
  },
  {
    name: 'Agent Profile',
    path: '/xapi/agents/profile',
    fresh: () => ({ agent: AGENT, profileId: randomUUID() }),
  },
] as const

let app: TestApp
beforeAll(async () => {
  app = await createTestApp()
})
afterAll(async () => {
  await app.close()
})

function url(path: string, parameters: Record<string, unknown>): string {
  const search = Object.entries(parameters)
    .map(([k, v]) => `${k}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`)
    .join('&')
  return `${path}?${search}`
}

function send(method: string, target: string, init: TestRequest = {}) {
  return app.request(target, { ...init, method })
}

async function etagOf(target: string, version: string): Promise<string> {
  const response = await send('GET', target, { version })
  expect(response.status).toBe(200)
  const etag = response.headers.get('ETag')
  expect(etag).toMatch(/^"[0-9a-f]{40}"$/)
  return etag ?? ''
}

describe('Concurrency (Communication §3.1, XAPI-00322)', () => {
  for (const version of ['1.0.3', '2.0.0']) {
    for (const resource of RESOURCES) {
      describe(`${resource.name}, xAPI ${version}`, () => {
        it('applies PUT, POST and DELETE with the current ETag and refuses a stale one with 412', async () => {
          const target = url(resource.path, resource.fresh())
          const created = await send('PUT', target, {
            json: { v: 1 },
            headers: { 'If-None-Match': '*' },
            version,
          })
          expect(created.status).toBe(204)
          const etag = await etagOf(target, version)

          for (const method of ['PUT', 'POST']) {
            const stale = await send(method, target, {
              json: { v: 2 },
              headers: { 'If-Match': '"1234"' },
              version,
            })
            expect(stale.status).toBe(412)
          }
          const staleDelete = await send('DELETE', target, {
            headers: { 'If-Match': '"1234"' },
            version,
          })
          expect(staleDelete.status).toBe(412)
          expect(await (await send('GET', target, { version })).json()).toEqual({ v: 1 })

          const put = await send('PUT', target, {
            json: { v: 2 },
            headers: { 'If-Match': etag },
            version,
          })
          expect(put.status).toBe(204)
          // The old ETag no longer matches once the document changed.
          expect(
            (await send('POST', target, { json: { w: 3 }, headers: { 'If-Match': etag }, version }))
              .status,
          ).toBe(412)
          const post = await send('POST', target, {
            json: { w: 3 },
            headers: { 'If-Match': await etagOf(target, version) },
            version,
          })
          expect(post.status).toBe(204)
          expect(await (await send('GET', target, { version })).json()).toEqual({ v: 2, w: 3 })

          const remove = await send('DELETE', target, {
            headers: { 'If-Match': await etagOf(target, version) },
            version,
          })
          expect(remove.status).toBe(204)
          expect((await send('GET', target, { version })).status).toBe(404)
        })

        it('refuses If-None-Match: * when the document exists, and If-Match when it does not (412)', async () => {
          const target = url(resource.path, resource.fresh())
          const missing = await send('PUT', target, {
            json: { v: 1 },
            headers: { 'If-Match': '"abc"' },
            version,
          })
          expect(missing.status).toBe(412)
          expect((await send('GET', target, { version })).status).toBe(404)

          await send('POST', target, { json: { v: 1 }, version })
          for (const method of ['PUT', 'POST']) {
            const again = await send(method, target, {
              json: { v: 2 },
              headers: { 'If-None-Match': '*' },
              version,
            })
            expect(again.status).toBe(412)
          }
          expect(await (await send('GET', target, { version })).json()).toEqual({ v: 1 })
        })

        const stateIn103 = resource.name === 'State' && version === '1.0.3'
        it(
          stateIn103
            ? 'lets a PUT without precondition headers replace a 1.0.3 State document'
            : 'answers a PUT without precondition headers on an existing document with 409 and an explanation',
          async () => {
            const target = url(resource.path, resource.fresh())
            await send('POST', target, { json: { v: 1 }, version })
            const put = await send('PUT', target, { json: { v: 2 }, version })
            if (stateIn103) {
              expect(put.status).toBe(204)
              expect(await (await send('GET', target, { version })).json()).toEqual({ v: 2 })
              return
            }
            expect(put.status).toBe(409)
            expect(((await put.json()) as { message: string }).message).toMatch(/If-Match/)
            expect(await (await send('GET', target, { version })).json()).toEqual({ v: 1 })
          },
        )

        // 1.0.3 profiles: "fails without ETag header" (ADL suite); 2.0 and State: the PUT creates.
        const createStatus = resource.name !== 'State' && version === '1.0.3' ? 400 : 204
        it(`answers a PUT without precondition headers to a new document with ${createStatus}`, async () => {
          const target = url(resource.path, resource.fresh())
          const put = await send('PUT', target, { json: { v: 1 }, version })
          expect(put.status).toBe(createStatus)
          expect((await send('GET', target, { version })).status).toBe(
            createStatus === 204 ? 200 : 404,
          )
        })

        it('lets DELETE and POST go without precondition headers', async () => {
          const target = url(resource.path, resource.fresh())
          expect((await send('POST', target, { json: { v: 1 }, version })).status).toBe(204)
          expect((await send('POST', target, { json: { w: 2 }, version })).status).toBe(204)
          expect((await send('DELETE', target, { version })).status).toBe(204)
          expect((await send('GET', target, { version })).status).toBe(404)
        })
      })
    }
  }

  it('loses no update when 64 writers read-modify-write one document with If-Match', async () => {
    const target = url(RESOURCES[0].path, RESOURCES[0].fresh())
    expect((await send('PUT', target, { json: {} })).status).toBe(204)
    const writers = 64

    async function writer(index: number): Promise<number> {
      for (let attempt = 1; ; attempt++) {
        const read = await send('GET', target)
        const etag = read.headers.get('ETag') ?? ''
        const current = (await read.json()) as Record<string, number>
        const write = await send(attempt % 2 === 0 ? 'PUT' : 'POST', target, {
          json: { ...current, [`writer-${index}`]: index },
          headers: { 'If-Match': etag },
        })
        if (write.status === 204) return attempt
        expect(write.status).toBe(412)
      }
    }

    const attempts = await Promise.all(Array.from({ length: writers }, (_, index) => writer(index)))
    const final = (await (await send('GET', target)).json()) as Record<string, number>
    expect(Object.keys(final)).toHaveLength(writers)
    for (let index = 0; index < writers; index++) expect(final[`writer-${index}`]).toBe(index)
    // With 64 writers racing, some must have been refused and retried.
    expect(attempts.some((count) => count > 1)).toBe(true)
  }, 60_000)
})
