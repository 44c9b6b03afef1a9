/**
 * Erasure and the insights links (which activity is under which, `in_links`), on SQLite and
 * PostgreSQL: after a learner is erased, a link only their statements gave is gone and a link
 * they shared with others counts only the others' statements, as a fold of what is left says.
 * Every projection the statement log feeds is folded again after an erasure (compose.ts
 * `refoldEveryProjection`), not only the analytics and people ones.
 */
import type { Kysely } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import type { Agent, Statement } from '../../src/xapi/types.js'
import { buildActivity, buildAgent, buildStatement } from '../fixtures/build-statement.js'
import { APP_BACKENDS } from '../fixtures/throwaway-postgres.js'
import { createTestApp, type TestApp } from './test-app.js'

const ADMIN = { username: 'dpo', password: 'dpo-password-123' }
const ADA = buildAgent({ name: 'Ada', mbox: 'mailto:ada@example.com' })
const BOB = buildAgent({ name: 'Bob', mbox: 'mailto:bob@example.com' })
const ACTIVITY = 'http://example.com/activities/'

/** `who` experienced `page` under `module` (contextActivities.parent). */
function visit(who: Agent, page: string, module: string): Statement {
  return buildStatement({
    actor: who,
    object: buildActivity({ id: ACTIVITY + page }),
    context: { contextActivities: { parent: [buildActivity({ id: ACTIVITY + module })] } },
  })
}

interface Link {
  activity_id: string
  related_id: string
  statements: number
}

for (const backend of APP_BACKENDS)
  describe.skipIf(backend.skip)(`erasure and the insights links on ${backend.name}`, () => {
    const cleanup: (() => Promise<void>)[] = []
    afterEach(async () => {
      for (const done of cleanup.splice(0).reverse()) await done()
    })

    it('drops the links only the erased learner gave and recounts the shared ones', async () => {
      const opened = await backend.open()
      cleanup.push(() => opened.drop())
      const app: TestApp = await createTestApp({
        ...opened.env,
        ALMANAC_ADMIN_USERNAME: ADMIN.username,
        ALMANAC_ADMIN_PASSWORD: ADMIN.password,
      })
      cleanup.push(() => app.close())
      const statements = [
        visit(ADA, 'secret-page', 'ada-only-module'),
        visit(ADA, 'shared-page', 'shared-module'),
        visit(BOB, 'shared-page', 'shared-module'),
        visit(BOB, 'bob-page', 'bob-module'),
      ]
      const posted = await app.request('/xapi/statements', { method: 'POST', json: statements })
      expect(posted.status, await posted.clone().text()).toBe(200)

      const links = async (): Promise<Link[]> => {
        await app.almanac.linksProjector.catchUp(1)
        return app.almanac.storage.log.read((connection) =>
          (
            connection as Kysely<{
              // bigint: PostgreSQL gives it as a string
              in_links: Omit<Link, 'statements'> & {
                statements: number | string
                store_id: number
                relation: string
              }
            }>
          )
            .selectFrom('in_links')
            .select(['activity_id', 'related_id', 'statements'])
            .where('store_id', '=', 1)
            .where('relation', '=', 'parent')
            .orderBy('activity_id')
            .execute()
            .then((rows) => rows.map((row) => ({ ...row, statements: Number(row.statements) }))),
        )
      }
      const link = (page: string, module: string, statements: number): Link => ({
        activity_id: ACTIVITY + page,
        related_id: ACTIVITY + module,
        statements,
      })
      expect(await links()).toEqual([
        link('bob-page', 'bob-module', 1),
        link('secret-page', 'ada-only-module', 1),
        link('shared-page', 'shared-module', 2),
      ])

      const session = await app.request('/api/session', {
        method: 'POST',
        json: ADMIN,
        auth: null,
        version: null,
      })
      const { token } = (await session.json()) as { token: string }
      const erased = await app.request('/api/stores/1/erasures', {
        method: 'POST',
        auth: null,
        version: null,
        headers: { Authorization: `Bearer ${token}` },
        json: { agent: { mbox: ADA.mbox } },
      })
      expect(erased.status, await erased.clone().text()).toBe(201)

      expect(await links()).toEqual([
        link('bob-page', 'bob-module', 1),
        link('shared-page', 'shared-module', 1),
      ])
    })
  })
