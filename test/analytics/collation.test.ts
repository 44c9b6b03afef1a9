/**
 * @module The reports on a PostgreSQL database whose default collation is a language's (ICU
 * en-US, as `initdb` gives on a system with an English locale), with learner keys whose order
 * there differs from their byte order: every report still equals its brute-force reference,
 * which orders keys as SQLite and JS do (by code point). Ties are broken by learner key (the
 * items report's upper and lower groups, pages of the objectives matrix and of the course's
 * learners), so a key order that follows the database's locale would change the answers.
 */
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import type { Storage } from '../../src/storage/ports.js'
import { createPostgresStorage } from '../../src/storage/postgres/create-postgres-storage.js'
import type { Statement } from '../../src/xapi/types.js'
import { TEST_POSTGRES_URL } from '../fixtures/throwaway-postgres.js'
import { analyticsFixture, S, simulated } from './analytics-fixture.js'
import { checkReports } from './check-reports.js'

/**
 * The simulated learners' account names (`u000123`) made to sort differently by locale and by
 * code point: some upper case, some with an underscore (`U_123`, `u124`, `u_125`, `U126`, …).
 */
function mixedKeys(statements: readonly Statement[]): Statement[] {
  return statements.map(
    (s) =>
      JSON.parse(
        JSON.stringify(s).replace(/"name":"u(\d{6})"/g, (_, digits: string) => {
          const n = Number(digits)
          return `"name":"${n % 3 === 0 ? 'U' : 'u'}${n % 2 === 1 ? '_' : ''}${n}"`
        }),
      ) as Statement,
  )
}

async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe.skipIf(TEST_POSTGRES_URL === undefined)('reports on a locale-collated PostgreSQL', () => {
  it('order keys by code point, as on SQLite, so every report equals its reference', async () => {
    const url = TEST_POSTGRES_URL ?? ''
    const name = `almanac_test_icu_${Date.now().toString(36)}`
    await admin(
      url,
      `create database ${name} template template0 locale_provider icu icu_locale 'en-US' locale 'C.UTF-8'`,
    )
    cleanups.push(() => admin(url, `drop database if exists ${name} with (force)`))
    const target = new URL(url)
    target.pathname = `/${name}`
    const storage: Storage = createPostgresStorage({ url: target.toString() })
    cleanups.push(() => storage.close())
    await storage.migrate()

    // The premise: this database orders the keys otherwise than by code point.
    const order = await storage.log.read(async (connection) => {
      const db = connection as import('kysely').Kysely<unknown>
      const { sql } = await import('kysely')
      return (
        await sql<{ k: string }>`select k from (values ('U_3'), ('u4'), ('u_5'), ('U6')) v(k)
          order by k`.execute(db)
      ).rows.map((r) => r.k)
    })
    expect(order).not.toEqual(['U6', 'U_3', 'u4', 'u_5'])

    const fx = analyticsFixture(storage)
    await fx.ingest(mixedKeys(simulated(4000)))
    await fx.projector.catchUp(S)
    const set = await checkReports(fx, 'icu')
    expect(set.some((r) => /U_\d/.test(r.learner))).toBe(true)
  })
})
