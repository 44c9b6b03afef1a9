/**
 * @module format=canonical through the core use cases on every backend (issue 16): activities
 * carry the LRS's canonical definition (Communication §2.1.3), language-filtered, everywhere the
 * statement holds an activity, and a credential without `define` does not change it.
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createLrs } from '../../src/core/create-lrs.js'
import type { Lrs, RequestContext } from '../../src/core/lrs.js'
import { DEFAULT_STORE_ID } from '../../src/storage/ports.js'
import type { StoredStatement } from '../../src/xapi/types.js'
import { BACKENDS } from './backends.js'
import { useBackend } from './contract-helpers.js'

function context(key: string, scopes: string[], storeId = DEFAULT_STORE_ID): RequestContext {
  return {
    principal: {
      key,
      storeId,
      scopes,
      authority: { objectType: 'Agent', account: { homePage: 'https://lrs.example', name: key } },
    },
    version: '2.0.0',
  }
}

const DEFINER = context('definer', ['statements/write', 'statements/read', 'define'])
const PLAIN = context('plain', ['statements/write', 'statements/read'])

const COURSE = 'http://example.com/activities/course'
const PARENT = 'http://example.com/activities/parent'
const INNER = 'http://example.com/activities/inner'

function statement(object: unknown, extra: Record<string, unknown> = {}) {
  return {
    id: randomUUID(),
    actor: { mbox: 'mailto:ann@example.com' },
    verb: {
      id: 'http://adlnet.gov/expapi/verbs/completed',
      display: { 'en-US': 'completed', fr: 'a terminé' },
    },
    object,
    ...extra,
  }
}

const activity = (
  id: string,
  name: Record<string, string>,
  more: Record<string, unknown> = {},
) => ({
  objectType: 'Activity',
  id,
  definition: { name, ...more },
})

function lrsOn(storage: Parameters<typeof createLrs>[0]['storage']): Lrs {
  return createLrs(
    {
      storage,
      limits: { maxStatementsPerPage: 100 },
      xapiBasePath: '/xapi',
      authorityHomePage: 'https://lrs.example',
    },
    { productVersion: 'test' },
  )
}

async function canonical(lrs: Lrs, id: string, languages: string[]): Promise<StoredStatement> {
  const single = await lrs.getStatement(
    DEFINER,
    { statementId: id, format: 'canonical' },
    languages,
  )
  const page = await lrs.queryStatements(DEFINER, { format: 'canonical', limit: '100' }, languages)
  // The query returns the same form as the single read.
  expect(page.statements.find((s) => s.id === id)).toEqual(single.statement)
  return single.statement
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`format=canonical on ${backend.name}`, () => {
    const open = useBackend(backend)

    it('returns the canonical definition, not the one the statement carried', async () => {
      const lrs = lrsOn(open().storage)
      const first = statement(activity(COURSE, { 'en-US': 'Old name' }))
      await lrs.storeStatements(DEFINER, {}, first, [])
      await lrs.storeStatements(
        DEFINER,
        {},
        statement(
          activity(
            COURSE,
            { 'en-US': 'New name', fr: 'Nouveau nom' },
            {
              description: { 'en-US': 'A description', fr: 'Une description' },
            },
          ),
        ),
        [],
      )
      const got = await canonical(lrs, first.id, ['fr'])
      expect(got.object).toEqual(
        activity(COURSE, { fr: 'Nouveau nom' }, { description: { fr: 'Une description' } }),
      )
      // Verbs: their own display, one language.
      expect(got.verb.display).toEqual({ fr: 'a terminé' })
      // exact is untouched.
      const exact = await lrs.getStatement(DEFINER, { statementId: first.id }, ['fr'])
      expect(exact.statement.object).toEqual(activity(COURSE, { 'en-US': 'Old name' }))
    })

    it('uses the canonical definition inside context activities and SubStatements', async () => {
      const lrs = lrsOn(open().storage)
      const nested = statement(
        {
          objectType: 'SubStatement',
          actor: { mbox: 'mailto:bob@example.com' },
          verb: { id: 'http://adlnet.gov/expapi/verbs/attempted' },
          object: activity(INNER, { 'en-US': 'Inner (as sent)' }),
          context: {
            contextActivities: { grouping: [activity(PARENT, { en: 'Parent (as sent)' })] },
          },
        },
        { context: { contextActivities: { parent: [{ id: PARENT }] } } },
      )
      await lrs.storeStatements(DEFINER, {}, nested, [])
      await lrs.storeStatements(
        DEFINER,
        {},
        [
          statement(activity(INNER, { 'en-US': 'Inner', de: 'Innen' })),
          statement(activity(PARENT, { en: 'Parent', de: 'Eltern' })),
        ],
        [],
      )
      const got = await canonical(lrs, nested.id, ['de'])
      const sub = got.object as unknown as {
        object: unknown
        context: { contextActivities: { grouping: unknown[] } }
      }
      expect(sub.object).toEqual(activity(INNER, { de: 'Innen' }))
      expect(sub.context.contextActivities.grouping).toEqual([activity(PARENT, { de: 'Eltern' })])
      // An activity sent with only its id gets the canonical definition too.
      expect(got.context?.contextActivities?.parent).toEqual([
        { id: PARENT, definition: { name: { de: 'Eltern' } } },
      ])
    })

    it('a credential without `define` does not change the canonical definition', async () => {
      const lrs = lrsOn(open().storage)
      await lrs.storeStatements(
        DEFINER,
        {},
        statement(activity(COURSE, { 'en-US': 'Defined' })),
        [],
      )
      const undefined_ = statement(
        activity(COURSE, { 'en-US': 'Not defined' }, { description: { 'en-US': 'nope' } }),
      )
      await lrs.storeStatements(PLAIN, {}, undefined_, [])
      // Its own statement, in canonical form, shows the canonical definition.
      const got = await lrs.getStatement(
        PLAIN,
        { statementId: undefined_.id, format: 'canonical' },
        ['en-US'],
      )
      expect(got.statement.object).toEqual(activity(COURSE, { 'en-US': 'Defined' }))
    })

    it('an activity the LRS holds no definition of keeps its own, language-filtered', async () => {
      const lrs = lrsOn(open().storage)
      const own = statement(activity(COURSE, { 'en-US': 'Own', en: 'Own en', fr: 'Propre' }))
      await lrs.storeStatements(PLAIN, {}, own, [])
      const got = await canonical(lrs, own.id, ['en'])
      // Exact match before prefix match (Communication §2.1.3, RFC 2616 §14.4).
      expect(got.object).toEqual(activity(COURSE, { en: 'Own en' }))
    })

    it("reads only its own store's canonical definitions", async () => {
      const { storage } = open()
      const lrs = lrsOn(storage)
      const other = await storage.admin.insertStore('other', new Date().toISOString())
      const otherDefiner = context('other', ['all'], other.id)
      await lrs.storeStatements(otherDefiner, {}, statement(activity(COURSE, { en: 'Other' })), [])
      const mine = statement(activity(COURSE, { en: 'Mine' }))
      await lrs.storeStatements(PLAIN, {}, mine, [])
      expect((await canonical(lrs, mine.id, ['en'])).object).toEqual(
        activity(COURSE, { en: 'Mine' }),
      )
    })
  })
}
