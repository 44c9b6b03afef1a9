import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  createThrowawaySchema,
  TEST_POSTGRES_URL,
  type Throwaway,
} from '../../../test/fixtures/throwaway-postgres.js'
import { createPostgresStorage } from '../../storage/postgres/create-postgres-storage.js'
import type { Storage } from '../../storage/ports.js'
import { type AnyDb, withoutNestedLoops } from './report-context.js'

const nestLoop = (db: AnyDb) =>
  sql<{ v: string }>`select current_setting('enable_nestloop') as v`
    .execute(db)
    .then(({ rows }) => rows[0]?.v)

describe.skipIf(TEST_POSTGRES_URL === undefined)('withoutNestedLoops on PostgreSQL', () => {
  let schema: Throwaway
  let storage: Storage
  beforeEach(async () => {
    schema = await createThrowawaySchema(TEST_POSTGRES_URL ?? '')
    storage = createPostgresStorage({ url: TEST_POSTGRES_URL ?? '', schema: schema.name })
    await storage.migrate()
  })
  afterEach(async () => {
    await storage.close()
    await schema.drop()
  })

  it('turns nested loops off for its query only, within the report read', async () => {
    const seen = await storage.log.read(async (connection) => {
      const db = connection as AnyDb
      const inside = await withoutNestedLoops(db, () => nestLoop(db))
      return { inside, after: await nestLoop(db) }
    })
    expect(seen).toEqual({ inside: 'off', after: 'on' })
  })

  it('leaves the setting to the transaction when the query fails', async () => {
    await expect(
      storage.log.read(async (connection) => {
        const db = connection as AnyDb
        await withoutNestedLoops(db, () => sql`select 1 / 0`.execute(db))
      }),
    ).rejects.toThrow(/division by zero/)
    // The same pool afterwards: the failed transaction took its `set local` with it.
    expect(await storage.log.read((connection) => nestLoop(connection as AnyDb))).toBe('on')
  })
})
