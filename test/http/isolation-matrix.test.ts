/**
 * The isolation matrix: every xAPI and admin route and method, called by a credential of store A
 * with each scope (and by callers that must be refused), against store A's own data and store
 * B's. Each cell asserts the exact status, that no marker of B's data appears in the response
 * unless the caller sent it itself, and, per route, that B's data is unchanged.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { multipartRequest, readMultipartResponse, sha256 } from '../fixtures/multipart.js'
import { basicAuth, createStoreCredential, createTestApp, type TestApp } from './test-app.js'

/** Unique to this run, in every piece of B's content: a response holding it leaked B's data. */
const MARK = `bmark${randomUUID().replaceAll('-', '').slice(0, 12)}`
/** In B's document ids, which callers send when addressing B's documents. */
const ID_MARK = `bdoc${randomUUID().replaceAll('-', '').slice(0, 12)}`

const VERB = { id: 'http://adlnet.gov/expapi/verbs/experienced', display: { 'en-US': 'saw' } }
const VOIDED = { id: 'http://adlnet.gov/expapi/verbs/voided', display: { 'en-US': 'voided' } }

/** What each store holds: identifiers a caller may send, and content it must never see for B. */
interface StoreData {
  storeId: number
  /** A credential with scope `all` (seeding, cleanup, snapshots). */
  all: { key: string; secret: string }
  /** A credential with the default scopes (statements/write + statements/read/mine). */
  own: { key: string; secret: string }
  activityId: string
  agent: { objectType: 'Agent'; mbox: string }
  /** A second agent whose state documents the delete-all requests address. */
  spareAgent: { objectType: 'Agent'; mbox: string }
  statementId: string
  /** Stored by `own`, for statements/read/mine. */
  ownStatementId: string
  voidedStatementId: string
  /** A statement the write cells send under the same id (with other content). */
  writeTargetId: string
  stateId: string
  profileId: string
  agentProfileId: string
  /** Strings that only B's data contains (content, names, document ids, B's keys). */
  markers: string[]
}

interface Caller {
  label: string
  /** The Authorization header, or undefined for none. */
  authorization: string | undefined
  scopes: readonly string[]
  /** Authenticates on the xAPI routes. */
  xapiValid: boolean
  /** Used on the admin routes too (a valid admin token is not: it is meant to pass there). */
  onAdminRoutes: boolean
  key?: string
}

type Target = 'own' | 'other'

interface Cell {
  caller: Caller
  target: Target
  data: StoreData
  /** A fresh id for writes that must not collide with another cell's. */
  fresh: string
}

interface RequestSpec {
  method: string
  path: string
  json?: unknown
}

interface Operation {
  label: string
  kind: 'xapi' | 'admin'
  request(cell: Cell): RequestSpec
  /** The status when the caller authenticates and its scopes allow the operation. */
  granted(cell: Cell): number
  /** Scopes any of which allows it; undefined = no scope needed (about, admin login). */
  scopes?: readonly string[]
  /** Restores store A after a write (so cells do not depend on their order). */
  cleanup?(cell: Cell): Promise<void>
}

// The expected scope table, written out independently of src/core/auth/authorize.ts
// (Communication §4.2 plus Almanac's documented decisions).
const WRITE = ['all', 'statements/write']
const READ_ANY = ['all', 'all/read', 'statements/read']
const READ_MINE = [...READ_ANY, 'statements/read/mine']
const STATE_READ = ['all', 'all/read', 'state']
const STATE_WRITE = ['all', 'state']
const PROFILE_READ = ['all', 'all/read', 'profile']
const PROFILE_WRITE = ['all', 'profile']
const CANONICAL_READ = ['all', 'all/read', 'statements/read', 'define']

const SCOPE_SETS: readonly (readonly string[])[] = [
  ['statements/write'],
  ['statements/read'],
  ['statements/read/mine'],
  ['all/read'],
  ['all'],
  ['state'],
  ['define'],
  ['profile'],
  ['statements/write', 'statements/read/mine'],
]

let app: TestApp
let A: StoreData
let B: StoreData
let callers: Caller[]
let adminToken: string
let cellCount = 0

const qs = (parameters: Record<string, unknown>) =>
  Object.entries(parameters)
    .map(([k, v]) => `${k}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`)
    .join('&')

async function call(
  spec: RequestSpec,
  authorization: string | undefined,
  kind: 'xapi' | 'admin',
): Promise<Response> {
  const headers: Record<string, string> = {}
  if (authorization !== undefined) headers['Authorization'] = authorization
  const init: Parameters<TestApp['request']>[1] = {
    method: spec.method,
    headers,
    auth: null,
    version: kind === 'xapi' ? '2.0.0' : null,
  }
  if (spec.json !== undefined) init.json = spec.json
  return app.request(spec.path, init)
}

async function asStore(
  data: StoreData,
  spec: RequestSpec,
  credential: 'all' | 'own' = 'all',
): Promise<Response> {
  const { key, secret } = data[credential]
  return call(spec, basicAuth(key, secret), 'xapi')
}

async function expectOk(response: Response, status: number): Promise<void> {
  expect(response.status, await response.clone().text()).toBe(status)
}

function statement(data: StoreData, id: string, name: string): Record<string, unknown> {
  return {
    id,
    actor: { ...data.agent, name },
    verb: VERB,
    object: {
      id: data.activityId,
      definition: { name: { 'en-US': name }, description: { 'en-US': `${name} description` } },
    },
  }
}

/** A store with a credential of scope `all` and one with the default scopes, and its data. */
async function seedStore(label: 'a' | 'b'): Promise<StoreData> {
  const admin = app.almanac.admin
  const marker = label === 'b' ? MARK : `amark${label}`
  const idMarker = label === 'b' ? ID_MARK : `adoc${label}`
  const store = await admin.createStore('test', { name: `store ${label} ${marker}-store` })
  const all = await createStoreCredential(app, {
    storeId: store.id,
    scopes: ['all'],
    name: `${marker}-all`,
  })
  const own = await createStoreCredential(app, {
    storeId: store.id,
    scopes: ['statements/write', 'statements/read/mine'],
    name: `${marker}-own`,
  })
  const data: StoreData = {
    storeId: store.id,
    all: { key: all.key, secret: all.secret },
    own: { key: own.key, secret: own.secret },
    activityId: `http://example.com/${label}/activity/${randomUUID()}`,
    agent: { objectType: 'Agent', mbox: `mailto:${label}-${randomUUID()}@example.com` },
    spareAgent: { objectType: 'Agent', mbox: `mailto:${label}-spare-${randomUUID()}@example.com` },
    statementId: randomUUID(),
    ownStatementId: randomUUID(),
    voidedStatementId: randomUUID(),
    writeTargetId: randomUUID(),
    stateId: `${idMarker}-state`,
    profileId: `${idMarker}-profile`,
    agentProfileId: `${idMarker}-agent-profile`,
    markers: [],
  }
  if (label === 'b')
    data.markers = [
      MARK, // names, definitions, document content, the store name, credential names
      ID_MARK, // document ids
      all.key,
      own.key,
      `${MARK}-all`,
      `${MARK}-own`,
    ]

  await expectOk(
    await asStore(data, {
      method: 'POST',
      path: '/xapi/statements',
      json: [
        statement(data, data.statementId, `${marker} learner`),
        statement(data, data.voidedStatementId, `${marker} voided`),
        statement(data, data.writeTargetId, `${marker} target`),
      ],
    }),
    200,
  )
  await expectOk(
    await asStore(data, {
      method: 'POST',
      path: '/xapi/statements',
      json: [
        {
          actor: { ...data.agent, name: `${marker} voider` },
          verb: VOIDED,
          object: { objectType: 'StatementRef', id: data.voidedStatementId },
        },
      ],
    }),
    200,
  )
  await expectOk(
    await asStore(
      data,
      {
        method: 'PUT',
        path: `/xapi/statements?statementId=${data.ownStatementId}`,
        json: statement(data, data.ownStatementId, `${marker} own`),
      },
      'own',
    ),
    204,
  )
  const documents: [string, Record<string, unknown>][] = [
    [
      '/xapi/activities/state',
      { activityId: data.activityId, agent: data.agent, stateId: data.stateId },
    ],
    [
      '/xapi/activities/state',
      { activityId: data.activityId, agent: data.spareAgent, stateId: `${idMarker}-spare` },
    ],
    ['/xapi/activities/profile', { activityId: data.activityId, profileId: data.profileId }],
    ['/xapi/agents/profile', { agent: data.agent, profileId: data.agentProfileId }],
  ]
  for (const [path, parameters] of documents)
    await expectOk(
      await asStore(data, {
        method: 'PUT',
        path: `${path}?${qs(parameters)}`,
        json: { secret: `${marker} content`, at: path },
      }),
      204,
    )
  return data
}

/** Everything of B a caller could see or change, read with B's own credentials. */
async function snapshotB(): Promise<unknown> {
  const read = async (path: string, credential: 'all' | 'own' = 'all') => {
    const response = await asStore(B, { method: 'GET', path }, credential)
    return {
      status: response.status,
      etag: response.headers.get('ETag'),
      body: await response.text(),
    }
  }
  const admin = app.almanac.admin
  const statements = await read('/xapi/statements?format=exact&limit=100&ascending=true')
  return {
    statements: { ...statements, body: JSON.parse(statements.body).statements },
    voided: await read(`/xapi/statements?voidedStatementId=${B.voidedStatementId}`),
    mine: await read('/xapi/statements?limit=100', 'own'),
    state: await read(
      `/xapi/activities/state?${qs({ activityId: B.activityId, agent: B.agent, stateId: B.stateId })}`,
    ),
    stateIds: await read(
      `/xapi/activities/state?${qs({ activityId: B.activityId, agent: B.agent })}`,
    ),
    spareIds: await read(
      `/xapi/activities/state?${qs({ activityId: B.activityId, agent: B.spareAgent })}`,
    ),
    profile: await read(
      `/xapi/activities/profile?${qs({ activityId: B.activityId, profileId: B.profileId })}`,
    ),
    agentProfile: await read(
      `/xapi/agents/profile?${qs({ agent: B.agent, profileId: B.agentProfileId })}`,
    ),
    activity: await read(`/xapi/activities?${qs({ activityId: B.activityId })}`),
    person: await read(`/xapi/agents?${qs({ agent: B.agent })}`),
    store: await admin.getStore(B.storeId),
    credentials: (await admin.listCredentials(B.storeId)).map(({ lastUsedAt: _, ...c }) => c),
    accounts: (await admin.listAccounts()).map((a) => a.username),
  }
}

function grants(caller: Caller, scopes: readonly string[] | undefined): boolean {
  return scopes === undefined || caller.scopes.some((scope) => scopes.includes(scope))
}

function readsAll(caller: Caller): boolean {
  return grants(caller, READ_ANY)
}

/** Store A deletes a document it wrote under B's (or a fresh) key. */
function deleteInA(path: string, parameters: (cell: Cell) => Record<string, unknown>) {
  return async (cell: Cell) => {
    const response = await asStore(A, {
      method: 'DELETE',
      path: `${path}?${qs(parameters(cell))}`,
    })
    expect(response.status).toBe(204)
  }
}

const stateKey = (cell: Cell) => ({
  activityId: cell.data.activityId,
  agent: cell.data.agent,
  stateId: cell.data.stateId,
})
const freshStateKey = (cell: Cell) =>
  cell.target === 'own' ? { ...stateKey(cell), stateId: cell.fresh } : stateKey(cell)
const profileKey = (cell: Cell) => ({
  activityId: cell.data.activityId,
  profileId: cell.data.profileId,
})
const freshProfileKey = (cell: Cell) =>
  cell.target === 'own' ? { ...profileKey(cell), profileId: cell.fresh } : profileKey(cell)
const agentProfileKey = (cell: Cell) => ({
  agent: cell.data.agent,
  profileId: cell.data.agentProfileId,
})
const freshAgentProfileKey = (cell: Cell) =>
  cell.target === 'own'
    ? { ...agentProfileKey(cell), profileId: cell.fresh }
    : agentProfileKey(cell)

/** A single read: found in the caller's own store, never in the other. */
const ownOnly = (cell: Cell) => (cell.target === 'own' ? 200 : 404)

function documentOperations(
  name: string,
  path: string,
  key: (cell: Cell) => Record<string, unknown>,
  freshKey: (cell: Cell) => Record<string, unknown>,
  list: (cell: Cell) => Record<string, unknown>,
  read: readonly string[],
  write: readonly string[],
): Operation[] {
  const writeOperation = (method: 'PUT' | 'POST'): Operation => ({
    label: `${method} ${name}`,
    kind: 'xapi',
    scopes: write,
    request: (cell) => ({
      method,
      path: `${path}?${qs(freshKey(cell))}`,
      json: { written: 'by A' },
    }),
    granted: () => 204,
    cleanup: deleteInA(path, freshKey),
  })
  return [
    {
      label: `GET ${name}`,
      kind: 'xapi',
      scopes: read,
      request: (cell) => ({ method: 'GET', path: `${path}?${qs(key(cell))}` }),
      granted: ownOnly,
    },
    {
      label: `HEAD ${name}`,
      kind: 'xapi',
      scopes: read,
      request: (cell) => ({ method: 'HEAD', path: `${path}?${qs(key(cell))}` }),
      granted: ownOnly,
    },
    {
      label: `GET ${name} ids`,
      kind: 'xapi',
      scopes: read,
      request: (cell) => ({ method: 'GET', path: `${path}?${qs(list(cell))}` }),
      granted: () => 200,
    },
    writeOperation('PUT'),
    writeOperation('POST'),
    {
      label: `DELETE ${name}`,
      kind: 'xapi',
      scopes: write,
      request: (cell) => ({ method: 'DELETE', path: `${path}?${qs(freshKey(cell))}` }),
      granted: () => 204,
    },
  ]
}

function xapiOperations(): Operation[] {
  const single = (label: string, parameter: string, id: (d: StoreData) => string, mine: boolean) =>
    (['GET', 'HEAD'] as const).map((method): Operation => ({
      label: `${method} statements ${label}`,
      kind: 'xapi',
      scopes: READ_MINE,
      request: (cell) => ({
        method,
        path: `/xapi/statements?${parameter}=${id(cell.data)}`,
      }),
      granted: (cell) =>
        cell.target === 'own' &&
        (readsAll(cell.caller) || (mine && cell.caller.key === cell.data.own.key))
          ? 200
          : 404,
    }))
  return [
    ...single('by id', 'statementId', (d) => d.statementId, false),
    ...single('by id, own', 'statementId', (d) => d.ownStatementId, true),
    ...single('voided', 'voidedStatementId', (d) => d.voidedStatementId, false),
    {
      label: 'GET statements by activity',
      kind: 'xapi',
      scopes: READ_MINE,
      request: (cell) => ({
        method: 'GET',
        path: `/xapi/statements?${qs({ activity: cell.data.activityId, related_activities: 'true' })}`,
      }),
      granted: () => 200,
    },
    {
      label: 'GET statements by agent',
      kind: 'xapi',
      scopes: READ_MINE,
      request: (cell) => ({
        method: 'GET',
        path: `/xapi/statements?${qs({ agent: cell.data.agent, format: 'canonical' })}`,
      }),
      granted: () => 200,
    },
    {
      label: 'GET statements',
      kind: 'xapi',
      scopes: READ_MINE,
      request: () => ({ method: 'GET', path: '/xapi/statements?limit=50' }),
      granted: () => 200,
    },
    {
      label: 'HEAD statements',
      kind: 'xapi',
      scopes: READ_MINE,
      request: () => ({ method: 'HEAD', path: '/xapi/statements' }),
      granted: () => 200,
    },
    {
      // The other store's statement id, with A's content: stored in A (no 409 from B's).
      label: 'PUT statements',
      kind: 'xapi',
      scopes: WRITE,
      request: (cell) => {
        const id = cell.target === 'own' ? randomUUID() : cell.data.writeTargetId
        return {
          method: 'PUT',
          path: `/xapi/statements?statementId=${id}`,
          json: statement(A, id, 'written by A'),
        }
      },
      granted: () => 204,
    },
    {
      label: 'POST statements',
      kind: 'xapi',
      scopes: WRITE,
      request: (cell) => ({
        method: 'POST',
        path: '/xapi/statements',
        json: statement(
          A,
          cell.target === 'own' ? randomUUID() : cell.data.writeTargetId,
          'written by A',
        ),
      }),
      granted: () => 200,
    },
    ...documentOperations(
      'state',
      '/xapi/activities/state',
      stateKey,
      freshStateKey,
      (cell) => ({ activityId: cell.data.activityId, agent: cell.data.agent }),
      STATE_READ,
      STATE_WRITE,
    ),
    {
      label: 'DELETE state (all of an agent)',
      kind: 'xapi',
      scopes: STATE_WRITE,
      request: (cell) => ({
        method: 'DELETE',
        path: `/xapi/activities/state?${qs({ activityId: cell.data.activityId, agent: cell.data.spareAgent })}`,
      }),
      granted: () => 204,
    },
    ...documentOperations(
      'activity profile',
      '/xapi/activities/profile',
      profileKey,
      freshProfileKey,
      (cell) => ({ activityId: cell.data.activityId }),
      PROFILE_READ,
      PROFILE_WRITE,
    ),
    ...documentOperations(
      'agent profile',
      '/xapi/agents/profile',
      agentProfileKey,
      freshAgentProfileKey,
      (cell) => ({ agent: cell.data.agent }),
      PROFILE_READ,
      PROFILE_WRITE,
    ),
    ...(['GET', 'HEAD'] as const).flatMap((method): Operation[] => [
      {
        label: `${method} agents`,
        kind: 'xapi',
        scopes: CANONICAL_READ,
        request: (cell) => ({ method, path: `/xapi/agents?${qs({ agent: cell.data.agent })}` }),
        granted: () => 200,
      },
      {
        label: `${method} activities`,
        kind: 'xapi',
        scopes: CANONICAL_READ,
        request: (cell) => ({
          method,
          path: `/xapi/activities?${qs({ activityId: cell.data.activityId })}`,
        }),
        granted: () => 200,
      },
      {
        label: `${method} about`,
        kind: 'xapi',
        request: () => ({ method, path: '/xapi/about' }),
        granted: () => 200,
      },
    ]),
  ]
}

function adminOperations(): Operation[] {
  const store = (cell: Cell) => cell.data.storeId
  const credential = (cell: Cell) => cell.data.own.key
  const account = (cell: Cell) => (cell.target === 'own' ? 'admin-a' : 'admin-b')
  const op = (label: string, request: (cell: Cell) => RequestSpec): Operation => ({
    label,
    kind: 'admin',
    // Only an admin session opens these; any other caller is refused before anything runs.
    scopes: [],
    request,
    granted: () => 0,
  })
  return [
    {
      // An xAPI credential is not an admin account: signing in with it fails.
      label: 'POST /api/session',
      kind: 'admin',
      request: (cell) => ({
        method: 'POST',
        path: '/api/session',
        json: { username: cell.caller.key ?? account(cell), password: 'not-the-password-1' },
      }),
      granted: () => 401,
    },
    op('GET /api/session', () => ({ method: 'GET', path: '/api/session' })),
    op('DELETE /api/session', () => ({ method: 'DELETE', path: '/api/session' })),
    op('GET /api/stores', () => ({ method: 'GET', path: '/api/stores' })),
    op('POST /api/stores', () => ({ method: 'POST', path: '/api/stores', json: { name: 'x' } })),
    op('GET /api/stores/:id', (cell) => ({ method: 'GET', path: `/api/stores/${store(cell)}` })),
    op('PATCH /api/stores/:id', (cell) => ({
      method: 'PATCH',
      path: `/api/stores/${store(cell)}`,
      json: { name: 'renamed' },
    })),
    op('GET /api/stores/:id/credentials', (cell) => ({
      method: 'GET',
      path: `/api/stores/${store(cell)}/credentials`,
    })),
    op('POST /api/stores/:id/credentials', (cell) => ({
      method: 'POST',
      path: `/api/stores/${store(cell)}/credentials`,
      json: { name: 'intruder', scopes: ['all'] },
    })),
    op('GET /api/credentials/:key', (cell) => ({
      method: 'GET',
      path: `/api/credentials/${credential(cell)}`,
    })),
    op('PATCH /api/credentials/:key', (cell) => ({
      method: 'PATCH',
      path: `/api/credentials/${credential(cell)}`,
      json: { enabled: false, scopes: ['statements/write'] },
    })),
    op('POST /api/credentials/:key/rotate', (cell) => ({
      method: 'POST',
      path: `/api/credentials/${credential(cell)}/rotate`,
    })),
    op('GET /api/accounts', () => ({ method: 'GET', path: '/api/accounts' })),
    op('POST /api/accounts', () => ({
      method: 'POST',
      path: '/api/accounts',
      json: { username: 'intruder', password: 'intruder-password-1' },
    })),
    op('PUT /api/accounts/:username/password', (cell) => ({
      method: 'PUT',
      path: `/api/accounts/${account(cell)}/password`,
      json: { password: 'intruder-password-1' },
    })),
    op('DELETE /api/accounts/:username', (cell) => ({
      method: 'DELETE',
      path: `/api/accounts/${account(cell)}`,
    })),
  ]
}

function expectedStatus(operation: Operation, cell: Cell): number {
  if (operation.kind === 'admin') {
    // No caller of the matrix holds an admin session (see Caller.onAdminRoutes).
    return 401
  }
  if (operation.scopes === undefined) return operation.granted(cell)
  if (!cell.caller.xapiValid) return 401
  if (!grants(cell.caller, operation.scopes)) return 403
  return operation.granted(cell)
}

/** B's markers that the caller did not itself send in this request. */
function leakedMarkers(text: string, spec: RequestSpec): string[] {
  const sent = decodeURIComponent(spec.path) + JSON.stringify(spec.json ?? null)
  return B.markers.filter((marker) => !sent.includes(marker) && text.includes(marker))
}

async function runCell(operation: Operation, caller: Caller, target: Target): Promise<void> {
  const cell: Cell = { caller, target, data: target === 'own' ? A : B, fresh: randomUUID() }
  const spec = operation.request(cell)
  const response = await call(spec, caller.authorization, operation.kind)
  const text = await response.text()
  const where = `${operation.label} as ${caller.label} on ${target} data: ${text.slice(0, 300)}`
  const expected = expectedStatus(operation, cell)
  cellCount++
  expect(response.status, where).toBe(expected)
  expect(leakedMarkers(text, spec), where).toEqual([])
  for (const [name, value] of response.headers)
    expect(leakedMarkers(value, spec), `${where} (header ${name})`).toEqual([])
  // statements/read/mine: whatever is returned was stored by this very credential.
  if (expected === 200 && spec.method === 'GET' && !readsAll(caller) && caller.key !== undefined) {
    const body = JSON.parse(text) as { statements?: { authority: { account: { name: string } } }[] }
    for (const s of body.statements ?? []) expect(s.authority.account.name, where).toBe(caller.key)
  }
  if (expected >= 200 && expected < 300 && operation.cleanup !== undefined) {
    // Only writes that A was allowed to make need undoing.
    await operation.cleanup(cell)
  }
}

beforeAll(async () => {
  app = await createTestApp({ ALMANAC_ADMIN_LOGIN_MAX_FAILURES: '10000' })
  const admin = app.almanac.admin
  await admin.createAccount('test', { username: 'admin-a', password: 'admin-a-password-1' })
  await admin.createAccount('test', { username: 'admin-b', password: 'admin-b-password-1' })
  adminToken = (await admin.login('admin-a', 'admin-a-password-1', 'test')).token
  A = await seedStore('a')
  B = await seedStore('b')

  callers = []
  for (const scopes of SCOPE_SETS) {
    const credential =
      scopes.length === 2
        ? A.own
        : await createStoreCredential(app, { storeId: A.storeId, scopes: [...scopes] })
    callers.push({
      label: `A credential [${scopes.join(' ')}]`,
      authorization: basicAuth(credential.key, credential.secret),
      scopes,
      xapiValid: true,
      onAdminRoutes: true,
      key: credential.key,
    })
  }
  const disabled = await createStoreCredential(app, { storeId: A.storeId, scopes: ['all'] })
  await admin.updateCredential('test', disabled.key, { enabled: false })
  const rotated = await createStoreCredential(app, { storeId: A.storeId, scopes: ['all'] })
  await admin.rotateCredential('test', rotated.key)
  const refused = (label: string, authorization: string | undefined): Caller => ({
    label,
    authorization,
    scopes: [],
    xapiValid: false,
    onAdminRoutes: true,
  })
  callers.push(
    refused('no credential', undefined),
    refused('wrong secret', basicAuth(A.all.key, 'not-the-secret')),
    refused('disabled credential', basicAuth(disabled.key, disabled.secret)),
    refused('rotated-away secret', basicAuth(rotated.key, rotated.secret)),
    refused('unknown key', basicAuth(`unknown-${randomUUID()}`, 'whatever-secret')),
    refused('B key with A secret', basicAuth(B.all.key, A.all.secret)),
    refused('bogus bearer token', 'Bearer bm90LWEtdG9rZW4'),
    // A valid admin session is no xAPI credential.
    { ...refused('admin bearer token', `Bearer ${adminToken}`), onAdminRoutes: false },
  )
}, 60_000)

afterAll(async () => {
  await app.close()
})

describe('isolation matrix: stores × scopes × routes', () => {
  it('seeds two stores whose data each credential of B can read', async () => {
    const snapshot = (await snapshotB()) as Record<string, { status: number }>
    expect(snapshot['state']?.status).toBe(200)
    expect(JSON.stringify(snapshot)).toContain(MARK)
    // Sanity: A's own statements are there for A.
    const response = await asStore(A, {
      method: 'GET',
      path: `/xapi/statements?statementId=${A.statementId}`,
    })
    expect(response.status).toBe(200)
  })

  for (const operation of [...xapiOperations(), ...adminOperations()]) {
    it(`${operation.kind} ${operation.label}`, async () => {
      const before = await snapshotB()
      for (const caller of callers) {
        if (operation.kind === 'admin' && !caller.onAdminRoutes) continue
        for (const target of ['own', 'other'] as const) await runCell(operation, caller, target)
      }
      expect(await snapshotB()).toEqual(before)
    })
  }

  it('covered every route and method × caller × target', () => {
    const xapi = xapiOperations().length * callers.length * 2
    const admin = adminOperations().length * callers.filter((c) => c.onAdminRoutes).length * 2
    expect(cellCount).toBe(xapi + admin)
    console.log(
      `isolation matrix: ${cellCount} cells (xAPI ${xapiOperations().length} route/method × ${callers.length} callers × 2 targets = ${xapi}; admin ${adminOperations().length} × ${callers.filter((c) => c.onAdminRoutes).length} × 2 = ${admin})`,
    )
  })
})

/**
 * The store-scoped lookups behind the canonical resources and attachments (issues 15, 16): A
 * writes about B's activity, B's agent and B's attachment hash, then reads them back every way.
 * Each lookup (canonical definitions at ingest and for format=canonical, the agents seen, the
 * attachment contents) must answer from A's rows alone.
 */
describe('isolation of canonical activities, agents and attachment contents', () => {
  it("A writing about B's activity, agent and attachment hash reads back only its own data", async () => {
    const content = new Uint8Array(Buffer.from(`${MARK} attachment\r\n--`))
    const attachment = {
      usageType: 'http://example.com/usage',
      display: { en: 'file' },
      contentType: 'text/plain',
      length: content.byteLength,
      sha2: sha256(content),
    }
    const inB = multipartRequest(
      { ...statement(B, randomUUID(), `${MARK} with file`), attachments: [attachment] },
      [{ contentType: 'text/plain', content }],
    )
    const stored = await app.request('/xapi/statements', {
      method: 'POST',
      auth: B.all,
      body: inB.body,
      contentType: inB.contentType,
    })
    expect(stored.status).toBe(200)

    const id = randomUUID()
    const definition = { name: { en: 'A name' } }
    const written = await asStore(A, {
      method: 'PUT',
      path: `/xapi/statements?statementId=${id}`,
      json: {
        actor: { ...B.agent, name: 'A name for the agent' },
        verb: VERB,
        object: { id: B.activityId, definition },
        context: { contextActivities: { parent: [{ id: B.activityId }] } },
        attachments: [{ ...attachment, fileUrl: 'https://a.example/file' }],
      },
    })
    expect(written.status).toBe(204)

    const reads = {
      activity: await asStore(A, {
        method: 'GET',
        path: `/xapi/activities?${qs({ activityId: B.activityId })}`,
      }),
      person: await asStore(A, { method: 'GET', path: `/xapi/agents?${qs({ agent: B.agent })}` }),
      canonical: await asStore(A, {
        method: 'GET',
        path: `/xapi/statements?statementId=${id}&format=canonical`,
      }),
      canonicalPage: await asStore(A, {
        method: 'GET',
        path: `/xapi/statements?${qs({ agent: B.agent, format: 'canonical' })}`,
      }),
    }
    for (const [name, response] of Object.entries(reads)) {
      const text = await response.text()
      expect(response.status, name).toBe(200)
      expect(text.includes(MARK), `${name}: ${text}`).toBe(false)
    }
    const activity = await asStore(A, {
      method: 'GET',
      path: `/xapi/activities?${qs({ activityId: B.activityId })}`,
    })
    expect(await activity.json()).toEqual({ objectType: 'Activity', id: B.activityId, definition })
    const canonical = (await (
      await asStore(A, {
        method: 'GET',
        path: `/xapi/statements?statementId=${id}&format=canonical`,
      })
    ).json()) as { object: unknown; context: { contextActivities: { parent: unknown[] } } }
    expect(canonical.object).toEqual({ id: B.activityId, definition })
    expect(canonical.context.contextActivities.parent).toEqual([{ id: B.activityId, definition }])
    const person = await asStore(A, {
      method: 'GET',
      path: `/xapi/agents?${qs({ agent: B.agent })}`,
    })
    expect(((await person.json()) as { name: string[] }).name).toEqual(['A name for the agent'])

    const withAttachments = await asStore(A, {
      method: 'GET',
      path: `/xapi/statements?statementId=${id}&attachments=true`,
    })
    expect(withAttachments.status).toBe(200)
    const parts = await readMultipartResponse(withAttachments)
    expect(parts).toHaveLength(1)
    expect(parts.some((part) => part.content.includes(MARK))).toBe(false)
  })
})
