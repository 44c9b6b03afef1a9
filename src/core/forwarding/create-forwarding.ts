/** @module Assembles the `Forwarding` admin use cases: targets, their status, pause, resume and replay. */
import { randomBytes } from 'node:crypto'
import { NotFoundError } from '../../errors/errors.js'
import type {
  ForwardingDestination,
  ForwardingFilter,
  ForwardingTargetRecord,
  StoreId,
  Storage,
} from '../../storage/ports.js'
import { isTimestamp, toUtcTimestamp } from '../../xapi/timestamps.js'
import type { AuditLog } from '../admin/admin-deps.js'
import { checkLimit, checkName, invalidField } from '../admin/admin-deps.js'
import { parseErasedAgent } from '../personal-data/erase-agent.js'
import { ifiKey } from '../../xapi/ifi.js'
import type {
  CreatedTarget,
  FilterInput,
  Forwarding,
  TargetStatus,
  TargetView,
} from './forwarding.js'
import { consumerName } from './forwarding-service.js'

const XAPI_VERSIONS = ['1.0.3', '2.0.0']
/** Webhook batches stay small: their statement ids travel in a header too. */
const MAX_WEBHOOK_BATCH = 200
const MAX_LRS_BATCH = 1000
const DEFAULT_BATCH = { lrs: 500, webhook: 100 } as const
const DEFAULT_MAX_FAILURES = 10
const MAX_LIST = 1000

export interface ForwardingDeps {
  readonly storage: Storage
  readonly now: () => number
  readonly audit: AuditLog
  /** Tells the running service that targets changed (this process picks it up at once). */
  readonly changed: () => Promise<void>
}

function checkUrl(field: string, value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw invalidField(field, 'must be an absolute http or https URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalidField(field, 'must be an absolute http or https URL')
  if (url.username !== '' || url.password !== '')
    throw invalidField(field, 'must not carry credentials; use username and password')
  return value.replace(/\/+$/, '')
}

function checkStrings(field: string, value: unknown[] | undefined): string[] | undefined {
  if (value === undefined) return undefined
  if (value.length > MAX_LIST) throw invalidField(field, `at most ${MAX_LIST} entries`)
  for (const item of value)
    if (typeof item !== 'string' || item === '')
      throw invalidField(field, 'must be a list of non-empty strings')
  return value as string[]
}

/** Actors are given as Agent objects (validated as in statements) or canonical IFI keys. */
function checkFilter(input: FilterInput | undefined): ForwardingFilter {
  const filter: ForwardingFilter = {}
  if (input === undefined) return filter
  const verbs = checkStrings('filter.verbs', input.verbs)
  const activities = checkStrings('filter.activities', input.activities)
  const prefixes = checkStrings('filter.activityPrefixes', input.activityPrefixes)
  const platforms = checkStrings('filter.platforms', input.platforms)
  if (verbs !== undefined) filter.verbs = verbs
  if (activities !== undefined) filter.activities = activities
  if (prefixes !== undefined) filter.activityPrefixes = prefixes
  if (platforms !== undefined) filter.platforms = platforms
  if (input.actors !== undefined) {
    if (input.actors.length > MAX_LIST) throw invalidField('filter.actors', `at most ${MAX_LIST}`)
    filter.actors = input.actors.map((actor) => {
      if (typeof actor === 'string' && /^(mbox|mbox_sha1sum|openid|account):/.test(actor))
        return actor
      return ifiKey(parseErasedAgent(actor)) ?? ''
    })
  }
  return filter
}

function view(record: ForwardingTargetRecord): TargetView {
  const d = record.destination
  return {
    id: record.id,
    storeId: record.storeId,
    name: record.name,
    kind: d.kind,
    url: d.kind === 'lrs' ? d.endpoint : d.url,
    username: d.kind === 'lrs' ? d.username : null,
    xapiVersion: d.kind === 'lrs' ? d.xapiVersion : null,
    filter: {
      verbs: record.filter.verbs ?? [],
      activities: record.filter.activities ?? [],
      activityPrefixes: record.filter.activityPrefixes ?? [],
      actors: record.filter.actors ?? [],
      platforms: record.filter.platforms ?? [],
    },
    batchSize: record.batchSize,
    maxFailures: record.maxFailures,
    state: record.paused ? 'paused' : 'active',
    createdAt: record.createdAt,
  }
}

export function createForwarding(deps: ForwardingDeps): Forwarding {
  const { storage, audit } = deps
  const iso = () => new Date(deps.now()).toISOString()

  async function status(record: ForwardingTargetRecord): Promise<TargetStatus> {
    const position = await storage.log.position(consumerName(record.id), record.storeId)
    const now = deps.now()
    return {
      ...view(record),
      cursor: position.cursor,
      cursorStored:
        position.cursorStoredMs === undefined
          ? null
          : new Date(position.cursorStoredMs).toISOString(),
      watermark: position.watermark,
      lag: {
        seqs: Math.max(0, position.watermark - position.cursor),
        seconds:
          position.nextStoredMs === undefined
            ? 0
            : Math.max(0, (now - position.nextStoredMs) / 1000),
      },
      lastSuccessAt: record.lastSuccessAt ?? null,
      lastError: record.lastError ?? null,
      lastErrorAt: record.lastErrorAt ?? null,
      consecutiveFailures: record.consecutiveFailures,
      counts: { delivered: record.delivered, batches: record.batches, failures: record.failures },
    }
  }

  async function requireStore(storeId: StoreId): Promise<void> {
    if ((await storage.admin.findStore(storeId)) === undefined)
      throw NotFoundError(`no store with id '${storeId}'`)
  }

  async function requireTarget(storeId: StoreId, id: number): Promise<ForwardingTargetRecord> {
    await requireStore(storeId)
    const record = await storage.forwarding.findTarget(id)
    if (record === undefined || record.storeId !== storeId)
      throw NotFoundError(`store ${storeId} has no forwarding target ${id}`)
    return record
  }

  function checkBatch(kind: 'lrs' | 'webhook', value: number | undefined): number {
    if (value === undefined) return DEFAULT_BATCH[kind]
    return checkLimit(value, 'batchSize', kind === 'lrs' ? MAX_LRS_BATCH : MAX_WEBHOOK_BATCH)
  }

  function checkVersion(value: string | undefined): string {
    const version = value ?? '2.0.0'
    if (!XAPI_VERSIONS.includes(version))
      throw invalidField('xapiVersion', `must be one of ${XAPI_VERSIONS.join(', ')}`)
    return version
  }

  /** The cursor a `startAt` ('now', 'beginning', a time) puts the target at. */
  async function startCursor(storeId: StoreId, startAt: string | undefined): Promise<number> {
    if (startAt === undefined || startAt === 'now')
      return storage.log.unitOfWork(storeId, ({ log }) => log.watermark())
    if (startAt === 'beginning') return 0
    if (!isTimestamp(startAt))
      throw invalidField('startAt', "must be 'now', 'beginning' or an ISO 8601 time")
    return storage.forwarding.seqStoredBefore(storeId, toUtcTimestamp(startAt))
  }

  return {
    async createTarget(by, storeId, input) {
      const name = checkName(input.name)
      let destination: ForwardingDestination
      let secret: string | undefined
      if (input.kind === 'lrs') {
        if (input.username === undefined || input.password === undefined)
          throw invalidField('username', 'an LRS target needs username and password')
        destination = {
          kind: 'lrs',
          endpoint: checkUrl('url', input.url),
          username: input.username,
          password: input.password,
          xapiVersion: checkVersion(input.xapiVersion),
        }
      } else if (input.kind === 'webhook') {
        // 256 random bits, shown once (like credential secrets, docs/security.md).
        secret = randomBytes(32).toString('base64url')
        destination = { kind: 'webhook', url: checkUrl('url', input.url), secret }
      } else throw invalidField('kind', "must be 'lrs' or 'webhook'")
      const filter = checkFilter(input.filter)
      const batchSize = checkBatch(destination.kind, input.batchSize)
      const maxFailures =
        input.maxFailures === undefined
          ? DEFAULT_MAX_FAILURES
          : checkLimit(input.maxFailures, 'maxFailures', 1000)
      await requireStore(storeId)
      const cursor = await startCursor(storeId, input.startAt)
      const record = await storage.forwarding.insertTarget({
        storeId,
        name,
        destination,
        filter,
        batchSize,
        maxFailures,
        createdAt: iso(),
      })
      await storage.log.resetCursor(consumerName(record.id), storeId, cursor)
      audit('forwarding.target_created', { by, storeId, target: record.id, kind: destination.kind })
      await deps.changed()
      const created: CreatedTarget = { target: await status(record) }
      if (secret !== undefined) created.secret = secret
      return created
    },

    async listTargets(storeId) {
      await requireStore(storeId)
      return Promise.all((await storage.forwarding.listTargets(storeId)).map(status))
    },

    async getTarget(storeId, id) {
      return status(await requireTarget(storeId, id))
    },

    async updateTarget(by, storeId, id, update) {
      const record = await requireTarget(storeId, id)
      let destination = record.destination
      if (destination.kind === 'lrs') {
        destination = {
          ...destination,
          ...(update.url === undefined ? {} : { endpoint: checkUrl('url', update.url) }),
          ...(update.username === undefined ? {} : { username: update.username }),
          ...(update.password === undefined ? {} : { password: update.password }),
          ...(update.xapiVersion === undefined
            ? {}
            : { xapiVersion: checkVersion(update.xapiVersion) }),
        }
      } else {
        if (
          update.username !== undefined ||
          update.password !== undefined ||
          update.xapiVersion !== undefined
        )
          throw invalidField(
            'username',
            'a webhook target has no username, password or xapiVersion',
          )
        if (update.url !== undefined)
          destination = { ...destination, url: checkUrl('url', update.url) }
      }
      await storage.forwarding.updateTarget(id, {
        destination,
        ...(update.name === undefined ? {} : { name: checkName(update.name) }),
        ...(update.filter === undefined ? {} : { filter: checkFilter(update.filter) }),
        ...(update.batchSize === undefined
          ? {}
          : { batchSize: checkBatch(destination.kind, update.batchSize) }),
        ...(update.maxFailures === undefined
          ? {}
          : { maxFailures: checkLimit(update.maxFailures, 'maxFailures', 1000) }),
      })
      audit('forwarding.target_changed', { by, storeId, target: id })
      await deps.changed()
      return status(await requireTarget(storeId, id))
    },

    async deleteTarget(by, storeId, id) {
      await requireTarget(storeId, id)
      await storage.forwarding.deleteTarget(id)
      audit('forwarding.target_deleted', { by, storeId, target: id })
      await deps.changed()
    },

    async pause(by, storeId, id) {
      await requireTarget(storeId, id)
      await storage.forwarding.updateTarget(id, { paused: true })
      audit('forwarding.target_paused', { by, storeId, target: id })
      await deps.changed()
      return status(await requireTarget(storeId, id))
    },

    async resume(by, storeId, id) {
      await requireTarget(storeId, id)
      await storage.forwarding.updateTarget(id, { paused: false, consecutiveFailures: 0 })
      audit('forwarding.target_resumed', { by, storeId, target: id })
      await deps.changed()
      return status(await requireTarget(storeId, id))
    },

    async replay(by, storeId, id, from) {
      await requireTarget(storeId, id)
      if (!isTimestamp(from)) throw invalidField('from', 'must be an ISO 8601 time')
      const seq = await storage.forwarding.seqStoredBefore(storeId, toUtcTimestamp(from))
      // A batch in flight does not commit over this (its cursor check fails): the replay wins.
      await storage.log.resetCursor(consumerName(id), storeId, seq)
      audit('forwarding.target_replayed', { by, storeId, target: id, from })
      await deps.changed()
      return status(await requireTarget(storeId, id))
    },
  }
}
