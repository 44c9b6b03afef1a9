import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from './test-app.js'

const VERB = { id: 'http://adlnet.gov/expapi/verbs/attended', display: { 'en-US': 'attended' } }

let app: TestApp
beforeAll(async () => {
  app = await createTestApp()
})
afterAll(async () => {
  await app.close()
})

async function postStatements(statements: unknown[], version = '2.0.0'): Promise<void> {
  const response = await app.request('/xapi/statements', {
    method: 'POST',
    json: statements,
    version,
  })
  expect(response.status, await response.clone().text()).toBe(200)
}

async function getJson(path: string, parameters: Record<string, unknown>, version = '2.0.0') {
  const search = Object.entries(parameters)
    .map(([k, v]) => `${k}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`)
    .join('&')
  const response = await app.request(`${path}?${search}`, { version })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

const activityUri = () => `http://www.example.com/activities/${randomUUID()}`
const mbox = () => `mailto:${randomUUID()}@example.com`

describe('Agents resource (Communication §2.4)', () => {
  it('returns a Person with the names seen in statements and the IFI as arrays (XAPI-00237…XAPI-00239, XAPI-00248)', async () => {
    const email = mbox()
    await postStatements([
      {
        actor: { objectType: 'Agent', name: 'Ada', mbox: email },
        verb: VERB,
        object: { id: activityUri() },
      },
      { actor: { name: 'Ada Lovelace', mbox: email }, verb: VERB, object: { id: activityUri() } },
    ])
    const { status, body } = await getJson('/xapi/agents', { agent: { mbox: email } })
    expect(status).toBe(200)
    expect(body['objectType']).toBe('Person')
    expect((body['name'] as string[]).sort()).toEqual(['Ada', 'Ada Lovelace'])
    expect(body['mbox']).toEqual([email])
    expect(Object.keys(body).sort()).toEqual(['mbox', 'name', 'objectType'])
  })

  it('records agents found anywhere in a statement: object, instructor, team members, context agents, SubStatements', async () => {
    const [object, instructor, member, contextAgent, inner] = [
      mbox(),
      mbox(),
      mbox(),
      mbox(),
      mbox(),
    ]
    await postStatements([
      {
        actor: { mbox: mbox() },
        verb: VERB,
        object: { objectType: 'Agent', name: 'Object', mbox: object },
        context: {
          instructor: { name: 'Instructor', mbox: instructor },
          team: { objectType: 'Group', member: [{ name: 'Member', mbox: member }] },
          contextAgents: [
            { objectType: 'contextAgent', agent: { name: 'Context', mbox: contextAgent } },
          ],
        },
      },
      {
        actor: { mbox: mbox() },
        verb: VERB,
        object: {
          objectType: 'SubStatement',
          actor: { name: 'Inner', mbox: inner },
          verb: VERB,
          object: { id: activityUri() },
        },
      },
    ])
    for (const [email, name] of [
      [object, 'Object'],
      [instructor, 'Instructor'],
      [member, 'Member'],
      [contextAgent, 'Context'],
      [inner, 'Inner'],
    ] as const) {
      const { body } = await getJson('/xapi/agents', { agent: { mbox: email } })
      expect(body['name']).toEqual([name])
    }
  })

  it('returns the requested information for an agent never seen (XAPI-00247)', async () => {
    const account = { homePage: 'http://www.example.com/agentId/1', name: randomUUID() }
    const { status, body } = await getJson('/xapi/agents', {
      agent: { objectType: 'Agent', name: 'Rick James', account },
    })
    expect(status).toBe(200)
    expect(body).toEqual({ objectType: 'Person', name: ['Rick James'], account: [account] })

    const sha = await getJson('/xapi/agents', { agent: { mbox_sha1sum: 'a'.repeat(40) } })
    expect(sha.body).toEqual({ objectType: 'Person', mbox_sha1sum: ['a'.repeat(40)] })
  })

  it('rejects a missing agent, an agent without IFI, a Group and unknown parameters (XAPI-00243, XAPI-00249)', async () => {
    expect((await app.request('/xapi/agents')).status).toBe(400)
    expect(
      (await getJson('/xapi/agents', { agent: { objectType: 'Agent', name: 'Rick James' } }))
        .status,
    ).toBe(400)
    expect(
      (await getJson('/xapi/agents', { agent: { objectType: 'Group', mbox: mbox() } })).status,
    ).toBe(400)
    expect((await getJson('/xapi/agents', { agent: { mbox: mbox() }, extra: 'x' })).status).toBe(
      400,
    )
  })

  it('answers HEAD without a body (Communication §1.1)', async () => {
    const response = await app.request(
      `/xapi/agents?agent=${encodeURIComponent(JSON.stringify({ mbox: mbox() }))}`,
      {
        method: 'HEAD',
        version: '1.0.3',
      },
    )
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('')
  })
})

describe('Activities resource (Communication §2.5)', () => {
  const definition = {
    type: 'http://adlnet.gov/expapi/activities/meeting',
    name: { 'en-GB': 'example meeting', 'en-US': 'example meeting' },
    description: { 'en-US': 'An example meeting' },
    moreInfo: 'http://virtualmeeting.example.com/345256',
    extensions: { 'http://example.com/profiles/meetings/extension/location': 'X:\\meetings' },
  }

  for (const version of ['1.0.3', '2.0.0']) {
    it(`returns the complete Activity object as sent (XAPI-00251, ${version})`, async () => {
      const activity = { objectType: 'Activity', id: activityUri(), definition }
      await postStatements([{ actor: { mbox: mbox() }, verb: VERB, object: activity }], version)
      const { status, body } = await getJson(
        '/xapi/activities',
        { activityId: activity.id },
        version,
      )
      expect(status).toBe(200)
      expect(body).toEqual(activity)
    })
  }

  it('merges the languages of every statement about the activity, batch order winning (XAPI-00254)', async () => {
    const id = activityUri()
    await postStatements([
      { actor: { mbox: mbox() }, verb: VERB, object: { id, definition } },
      {
        actor: { mbox: mbox() },
        verb: VERB,
        object: {
          id,
          definition: { ...definition, name: { 'en-GB': 'meeting (GB)', 'fr-FR': 'réunion' } },
        },
      },
    ])
    const { body } = await getJson('/xapi/activities', { activityId: id })
    expect((body['definition'] as { name: unknown }).name).toEqual({
      'en-GB': 'meeting (GB)',
      'en-US': 'example meeting',
      'fr-FR': 'réunion',
    })

    await postStatements([
      {
        actor: { mbox: mbox() },
        verb: VERB,
        object: { id, definition: { name: { 'de-DE': 'Treffen' } } },
      },
    ])
    const later = await getJson('/xapi/activities', { activityId: id })
    const merged = later.body['definition'] as Record<string, unknown>
    expect(merged['name']).toEqual({
      'en-GB': 'meeting (GB)',
      'en-US': 'example meeting',
      'fr-FR': 'réunion',
      'de-DE': 'Treffen',
    })
    expect(merged['moreInfo']).toBe(definition.moreInfo)
  })

  it('keeps definitions from context activities and SubStatements', async () => {
    const [parent, inner] = [activityUri(), activityUri()]
    await postStatements([
      {
        actor: { mbox: mbox() },
        verb: VERB,
        object: {
          objectType: 'SubStatement',
          actor: { mbox: mbox() },
          verb: VERB,
          object: { id: inner, definition: { name: { en: 'inner' } } },
        },
        context: {
          contextActivities: { parent: [{ id: parent, definition: { name: { en: 'parent' } } }] },
        },
      },
    ])
    for (const [id, name] of [
      [parent, 'parent'],
      [inner, 'inner'],
    ] as const) {
      const { body } = await getJson('/xapi/activities', { activityId: id })
      expect(body).toEqual({ objectType: 'Activity', id, definition: { name: { en: name } } })
    }
  })

  it('returns an Activity holding the id when no definition is known (xAPI 2.0)', async () => {
    const id = activityUri()
    const { status, body } = await getJson('/xapi/activities', { activityId: id })
    expect(status).toBe(200)
    expect(body).toEqual({ objectType: 'Activity', id })
  })

  it('rejects a missing or non-IRI activityId (XAPI-00250)', async () => {
    expect((await app.request('/xapi/activities')).status).toBe(400)
    expect((await getJson('/xapi/activities', { activityId: 'true' })).status).toBe(400)
  })
})
