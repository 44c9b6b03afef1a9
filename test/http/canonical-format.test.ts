/** GET /statements?format=canonical over HTTP (issue 16): the Activities resource's definition, by Accept-Language. */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStoreCredential, createTestApp, type TestApp } from './test-app.js'

let app: TestApp
beforeAll(async () => {
  app = await createTestApp()
})
afterAll(async () => {
  await app.close()
})

describe('format=canonical (Communication §2.1.3)', () => {
  it('returns what GET /activities returns, filtered by Accept-Language, also to a credential without define', async () => {
    const { storeId, ...definer } = await createStoreCredential(app, {
      scopes: ['statements/write', 'statements/read', 'define'],
    })
    const plain = await createStoreCredential(app, {
      storeId,
      scopes: ['statements/write', 'statements/read'],
    })
    const activityId = `http://example.com/activities/${randomUUID()}`
    const put = async (auth: { key: string; secret: string }, definition: unknown) => {
      const id = randomUUID()
      const response = await app.request(`/xapi/statements?statementId=${id}`, {
        method: 'PUT',
        auth,
        json: {
          actor: { mbox: 'mailto:ann@example.com' },
          verb: { id: 'http://adlnet.gov/expapi/verbs/completed', display: { 'en-US': 'done' } },
          object: { id: activityId, definition },
        },
      })
      expect(response.status).toBe(204)
      return id
    }
    const first = await put(definer, { name: { 'en-US': 'Old name' } })
    await put(definer, {
      name: { 'en-US': 'New name', 'fr-FR': 'Nouveau nom' },
      description: { 'en-US': 'Described', 'fr-FR': 'Décrit' },
    })
    const fromPlain = await put(plain, { name: { 'en-US': 'Plain name' } })

    const activity = await app.request(
      `/xapi/activities?activityId=${encodeURIComponent(activityId)}`,
      { auth: definer },
    )
    expect(((await activity.json()) as { definition: unknown }).definition).toEqual({
      name: { 'en-US': 'New name', 'fr-FR': 'Nouveau nom' },
      description: { 'en-US': 'Described', 'fr-FR': 'Décrit' },
    })
    for (const [id, auth] of [
      [first, definer],
      [fromPlain, plain],
    ] as const) {
      const response = await app.request(`/xapi/statements?statementId=${id}&format=canonical`, {
        auth,
        headers: { 'Accept-Language': 'fr;q=0.9, de' },
      })
      expect(response.status).toBe(200)
      const body = (await response.json()) as { object: unknown }
      expect(body.object).toEqual({
        id: activityId,
        definition: { name: { 'fr-FR': 'Nouveau nom' }, description: { 'fr-FR': 'Décrit' } },
      })
    }
  })
})
