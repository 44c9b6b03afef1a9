/** @module Assembles the `PersonalData` use cases: erasure, erasure records, retention policies and purges. */
import { NotFoundError } from '../../errors/errors.js'
import type { RetentionPolicy, StoreId, Storage } from '../../storage/ports.js'
import type { AuditLog } from '../admin/admin-deps.js'
import { invalidField } from '../admin/admin-deps.js'
import { eraseAgent, erasePerson, parseErasedAgent } from './erase-agent.js'
import type { ErasureRecord } from '../../storage/ports.js'
import type { PersonalData, RetentionView } from './personal-data.js'
import { purgeStore } from './retention.js'

/** A century: longer is "for ever" (null). */
const MAX_DAYS = 36_500

export interface PersonalDataDeps {
  readonly storage: Storage
  readonly now: () => number
  readonly audit: AuditLog
  /** Statements (or documents) a purge removes per unit of work. */
  readonly purgeBatchSize: number
  /**
   * Runs after statements of a store were deleted or rewritten (an erasure, a purge): derived
   * data kept elsewhere (the analytics projections) is rebuilt from what is left.
   */
  readonly afterRemoval?: (storeId: StoreId) => Promise<void>
}

function checkDays(field: string, value: number | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_DAYS)
    throw invalidField(field, `must be an integer from 1 to ${MAX_DAYS}, or null to keep for ever`)
  return value
}

function retentionView(storeId: StoreId, policy: RetentionPolicy | undefined): RetentionView {
  return {
    storeId,
    statementDays: policy?.statementDays ?? null,
    documentDays: policy?.documentDays ?? null,
    updatedAt: policy?.updatedAt ?? null,
  }
}

export function createPersonalData(deps: PersonalDataDeps): PersonalData {
  const { storage, audit } = deps

  async function requireStore(storeId: StoreId): Promise<void> {
    if ((await storage.admin.findStore(storeId)) === undefined)
      throw NotFoundError(`no store with id '${storeId}'`)
  }

  /** After an erasure: derived data rebuilt, and an audit line (counts and id, never the IFI). */
  async function recorded(by: string, storeId: StoreId, record: ErasureRecord) {
    if (record.statementsDeleted + record.statementsAnonymised > 0)
      await deps.afterRemoval?.(storeId)
    audit('agent.erased', {
      by,
      storeId,
      erasure: record.id,
      statementsDeleted: record.statementsDeleted,
      statementsAnonymised: record.statementsAnonymised,
      documentsDeleted: record.documentsDeleted,
    })
    return record
  }

  return {
    async erase(by, storeId, value) {
      const agent = parseErasedAgent(value)
      await requireStore(storeId)
      return recorded(by, storeId, await eraseAgent(storage, storeId, agent, by, deps.now))
    },

    async erasePerson(by, storeId, personId) {
      if (!Number.isSafeInteger(personId) || personId < 1)
        throw invalidField('person', 'must be the positive integer id of a person')
      await requireStore(storeId)
      return recorded(by, storeId, await erasePerson(storage, storeId, personId, by, deps.now))
    },

    async listErasures(storeId) {
      await requireStore(storeId)
      return storage.scope(storeId).personalData.listErasures()
    },

    async getRetention(storeId) {
      await requireStore(storeId)
      return retentionView(storeId, await storage.scope(storeId).personalData.findRetention())
    },

    async setRetention(by, storeId, update) {
      const statementDays = checkDays('statementDays', update.statementDays)
      const documentDays = checkDays('documentDays', update.documentDays)
      await requireStore(storeId)
      const data = storage.scope(storeId).personalData
      const current = await data.findRetention()
      const policy: RetentionPolicy = {
        statementDays: update.statementDays === undefined ? current?.statementDays : statementDays,
        documentDays: update.documentDays === undefined ? current?.documentDays : documentDays,
        updatedAt: new Date(deps.now()).toISOString(),
      }
      await data.saveRetention(policy)
      audit('retention.changed', {
        by,
        storeId,
        statementDays: policy.statementDays ?? null,
        documentDays: policy.documentDays ?? null,
      })
      return retentionView(storeId, policy)
    },

    async purge(by, storeId, { dryRun }) {
      await requireStore(storeId)
      const policy = await storage.scope(storeId).personalData.findRetention()
      const report = await purgeStore(storage, storeId, policy, {
        dryRun,
        now: deps.now(),
        batchSize: deps.purgeBatchSize,
      })
      if (!dryRun && report.statements > 0) await deps.afterRemoval?.(storeId)
      if (!dryRun)
        audit('retention.purged', {
          by,
          storeId,
          statements: report.statements,
          documents: report.documents,
        })
      return report
    },
  }
}
