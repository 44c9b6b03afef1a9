/**
 * The ingest extension points (store-statements.ts `ProjectStep`, notify-listeners.ts
 * `IngestListener`) used through the real app. Regression (issue 13): a throwing after-commit
 * listener turned a stored statement into a 500.
 */
import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import type { IngestListener, ProjectStep } from '../../src/core/statements/store-statements.js'
import { VOIDED_VERB_ID, type StoredStatement } from '../../src/xapi/types.js'
import { buildStatement } from '../fixtures/build-statement.js'
import { createTestApp, type TestApp } from './test-app.js'

let app: TestApp | undefined
afterEach(async () => {
  await app?.close()
  app = undefined
})

function voiding(targetId: string) {
  return buildStatement({
    id: randomUUID(),
    verb: { id: VOIDED_VERB_ID, display: { 'en-US': 'voided' } },
    object: { objectType: 'StatementRef', id: targetId },
  })
}

describe('after-commit listeners are isolated', () => {
  it('answers 200 and keeps the statement when a listener throws; the failure is logged and counted', async () => {
    const seen: string[] = []
    const throwing: IngestListener = () => {
      throw new Error('listener exploded')
    }
    const rejecting: IngestListener = () => Promise.reject(new Error('async listener rejected'))
    const recording: IngestListener = (_storeId, statements) => {
      seen.push(...statements.map((s) => s.id))
    }
    app = await createTestApp({}, { ingest: { listeners: [throwing, rejecting, recording] } })
    const id = randomUUID()

    const res = await app.request('/xapi/statements', {
      method: 'POST',
      json: buildStatement({ id }),
    })
    expect(res.status, await res.clone().text()).toBe(200)
    expect(await res.json()).toEqual([id])
    // The later listener still ran, with the committed statement.
    expect(seen).toEqual([id])
    const read = await app.request(`/xapi/statements?statementId=${id}`)
    expect(read.status).toBe(200)

    await new Promise((resolve) => setImmediate(resolve))
    expect(app.almanac.listenerFailures()).toBe(2)
    const failures = app.logs
      .map((l) => JSON.parse(l))
      .filter((l) => l.message === 'ingest listener failed')
    expect(failures.map((l) => l.detail).sort()).toEqual([
      'async listener rejected',
      'listener exploded',
    ])
  })

  it('answers 204 to a PUT whose listener throws', async () => {
    const throwing: IngestListener = () => {
      throw new TypeError('boom')
    }
    app = await createTestApp({}, { ingest: { listeners: [throwing] } })
    const id = randomUUID()
    const res = await app.request(`/xapi/statements?statementId=${id}`, {
      method: 'PUT',
      json: buildStatement(),
    })
    expect(res.status).toBe(204)
    expect(app.almanac.listenerFailures()).toBe(1)
  })
})

describe('what a ProjectStep and a listener see for a batch that voids its own statement', () => {
  it('both get the target and the voiding statement, in request order; the step sees the target voided in its scope', async () => {
    const stepSaw: { ids: string[]; targetVoided: boolean | undefined }[] = []
    const listenerSaw: string[][] = []
    const step: ProjectStep = async (scope, statements) => {
      const target = statements[0]
      const rows = target && (await scope.statements.findStatementsByIds([target.id]))
      stepSaw.push({
        ids: statements.map((s) => s.id),
        targetVoided: target && rows?.get(target.id)?.voided,
      })
    }
    const listener: IngestListener = (_storeId, statements: readonly StoredStatement[]) => {
      listenerSaw.push(statements.map((s) => s.id))
    }
    app = await createTestApp({}, { ingest: { projectSteps: [step], listeners: [listener] } })
    const targetId = randomUUID()
    const voidingStatement = voiding(targetId)

    const res = await app.request('/xapi/statements', {
      method: 'POST',
      json: [buildStatement({ id: targetId }), voidingStatement],
    })
    expect(res.status, await res.clone().text()).toBe(200)
    expect(stepSaw).toEqual([{ ids: [targetId, voidingStatement.id], targetVoided: true }])
    expect(listenerSaw).toEqual([[targetId, voidingStatement.id]])

    // A re-send of the same batch is all equivalent statements: nothing new, no step input, no call.
    const again = await app.request('/xapi/statements', {
      method: 'POST',
      json: [buildStatement({ id: targetId }), voidingStatement],
    })
    expect(again.status).toBe(200)
    expect(stepSaw.at(-1)?.ids).toEqual([])
    expect(listenerSaw).toHaveLength(1)
  })

  it('stores nothing when a step throws (the step shares the transaction)', async () => {
    const step: ProjectStep = () => Promise.reject(new Error('projection failed'))
    const heard: string[] = []
    app = await createTestApp(
      {},
      {
        ingest: {
          projectSteps: [step],
          listeners: [(_s, st) => void heard.push(...st.map((s) => s.id))],
        },
      },
    )
    const id = randomUUID()
    const res = await app.request('/xapi/statements', {
      method: 'POST',
      json: buildStatement({ id }),
    })
    expect(res.status).toBe(500)
    expect((await app.request(`/xapi/statements?statementId=${id}`)).status).toBe(404)
    expect(heard).toEqual([])
  })
})
