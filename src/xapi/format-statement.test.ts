import { describe, expect, it } from 'vitest'
import {
  buildAgent,
  buildGroup,
  buildStoredStatement,
} from '../../test/fixtures/build-statement.js'
import { formatStatement, pickLanguage } from './format-statement.js'
import type { Activity, Group, StoredStatement, SubStatement } from './types.js'

const display = { 'en-GB': 'attended', 'en-US': 'attended', 'ja-JP': '出席した' }
const activity: Activity = {
  objectType: 'Activity',
  id: 'http://www.example.com/unicode/1',
  definition: {
    name: { en: 'Other', 'en-GB': 'attended', 'en-US': 'attended' },
    description: {
      'en-US': 'On this map, please mark Franklin, TN',
      'en-GB': 'On this map, please mark Franklin, TN',
    },
    type: 'http://adlnet.gov/expapi/activities/cmi.interaction',
    moreInfo: 'http://virtualmeeting.example.com/345256',
    interactionType: 'choice',
    correctResponsesPattern: ['golf'],
    choices: [
      { id: 'golf', description: { 'en-US': 'Golf Example', 'en-GB': 'Golf Example (GB)' } },
    ],
    extensions: { 'http://example.com/profiles/meetings/extension/location': 'X:\\minutes' },
  },
}
const anonymous: Group = {
  objectType: 'Group',
  name: 'Anonymous',
  member: [buildAgent(), { name: 'Bob', account: { homePage: 'http://example.com', name: 'bob' } }],
}
/** Like XAPI-00169/00171: a SubStatement whose actor is an identified Group and object an Activity. */
const statement: StoredStatement = buildStoredStatement({
  actor: buildAgent(),
  verb: { id: 'http://adlnet.gov/expapi/verbs/attended', display },
  object: {
    objectType: 'SubStatement',
    actor: buildGroup({ mbox: 'mailto:group@adlnet.gov' }),
    verb: { id: 'http://adlnet.gov/expapi/verbs/reported', display },
    object: activity,
    context: { contextActivities: { parent: [activity] } },
  },
  context: {
    instructor: anonymous,
    team: buildGroup(),
    contextActivities: { category: [activity] },
    contextAgents: [
      {
        objectType: 'contextAgent',
        agent: buildAgent({ name: 'Player' }),
        relevantTypes: ['http://example.com/player'],
      },
    ],
    contextGroups: [{ objectType: 'contextGroup', group: anonymous }],
    statement: { objectType: 'StatementRef', id: '6690e6c9-3ef0-4ed3-8b37-7f3964730bee' },
  },
})

describe("formatStatement 'exact' (Communication §2.1.3, XAPI-00170)", () => {
  it('returns an equal copy', () => {
    const exact = formatStatement(statement, 'exact', ['en-GB'])
    expect(exact).toEqual(statement)
    expect(exact).not.toBe(statement)
  })
})

describe("formatStatement 'ids' (Communication §2.1.3, XAPI-00171)", () => {
  const before = JSON.stringify(statement)
  const ids = formatStatement(statement, 'ids', [])
  const sub = ids.object as SubStatement

  it('leaves the input unchanged', () => expect(JSON.stringify(statement)).toBe(before))
  it('reduces an Agent to objectType and IFI', () =>
    expect(ids.actor).toEqual({ objectType: 'Agent', mbox: 'mailto:ada@example.com' }))
  it('reduces Verbs to their id', () => {
    expect(ids.verb).toEqual({ id: 'http://adlnet.gov/expapi/verbs/attended' })
    expect(sub.verb).toEqual({ id: 'http://adlnet.gov/expapi/verbs/reported' })
  })
  it('reduces an identified Group to objectType and IFI, without members', () =>
    expect(sub.actor).toEqual({ objectType: 'Group', mbox: 'mailto:group@adlnet.gov' }))
  it('reduces Activities to their id, in SubStatements and contexts too', () => {
    expect(sub.object).toEqual({ id: activity.id })
    expect(sub.context?.contextActivities?.parent).toEqual([{ id: activity.id }])
    expect(ids.context?.contextActivities?.category).toEqual([{ id: activity.id }])
  })
  it('keeps the members of an anonymous Group, each by its IFI', () =>
    expect(ids.context?.instructor).toEqual({
      objectType: 'Group',
      member: [
        { objectType: 'Agent', mbox: 'mailto:ada@example.com' },
        { account: { homePage: 'http://example.com', name: 'bob' } },
      ],
    }))
  it('reduces authority, team and the 2.0 context agents and groups', () => {
    expect(ids.authority).toEqual({
      objectType: 'Agent',
      account: { homePage: 'https://lrs.example.com', name: 'client-key' },
    })
    expect(ids.context?.team).toEqual({ objectType: 'Group', mbox: 'mailto:team@example.com' })
    expect(ids.context?.contextAgents).toEqual([
      {
        objectType: 'contextAgent',
        agent: { objectType: 'Agent', mbox: 'mailto:ada@example.com' },
        relevantTypes: ['http://example.com/player'],
      },
    ])
    expect(ids.context?.contextGroups?.[0]?.group.member).toHaveLength(2)
  })
  it('keeps StatementRefs and the LRS properties', () => {
    expect(ids.context?.statement).toEqual(statement.context?.statement)
    expect([ids.id, ids.stored, ids.timestamp, ids.version]).toEqual([
      statement.id,
      statement.stored,
      statement.timestamp,
      statement.version,
    ])
  })
})

describe("formatStatement 'canonical' (Communication §2.1.3, XAPI-00169, XAPI-00172)", () => {
  const canonical = formatStatement(statement, 'canonical', ['en-GB'])
  const sub = canonical.object as SubStatement

  it('keeps one language in verb displays, chosen by Accept-Language', () => {
    expect(canonical.verb.display).toEqual({ 'en-GB': 'attended' })
    expect(sub.verb.display).toEqual({ 'en-GB': 'attended' })
  })
  it('keeps one language in activity names, descriptions and interaction components', () => {
    expect(sub.object).toEqual({
      ...activity,
      definition: {
        ...activity.definition,
        name: { 'en-GB': 'attended' },
        description: { 'en-GB': 'On this map, please mark Franklin, TN' },
        choices: [{ id: 'golf', description: { 'en-GB': 'Golf Example (GB)' } }],
      },
    })
    expect(canonical.context?.contextActivities?.category?.[0]?.definition?.name).toEqual({
      'en-GB': 'attended',
    })
  })
  it('returns Agents and Groups as in exact', () => {
    expect(canonical.actor).toEqual(statement.actor)
    expect(sub.actor).toEqual((statement.object as SubStatement).actor)
    expect(canonical.context?.instructor).toEqual(anonymous)
  })
  it('uses the canonical definition the LRS holds when given one', () => {
    const lrsDefinition = { name: { 'en-US': 'Canonical name', de: 'Kanonisch' } }
    const formatted = formatStatement(statement, 'canonical', ['de'], (id) =>
      id === activity.id ? lrsDefinition : undefined,
    )
    expect((formatted.object as SubStatement).object).toEqual({
      ...activity,
      definition: { name: { de: 'Kanonisch' } },
    })
  })
  it('leaves the input unchanged', () => expect(statement.verb.display).toEqual(display))
})

describe('pickLanguage (RFC 2616 §14.4 applied per language map)', () => {
  const map = { 'en-US': 'color', 'en-GB': 'colour', fr: 'couleur', 'zh-Hant': '顏色' }
  it.each([
    ['an exact match', ['en-GB'], { 'en-GB': 'colour' }],
    ['a case-insensitive match', ['EN-gb'], { 'en-GB': 'colour' }],
    ['the first preference that matches', ['de', 'fr', 'en-GB'], { fr: 'couleur' }],
    ['a prefix range (en matches en-US)', ['en'], { 'en-US': 'color' }],
    ['* as any language', ['de', '*'], { 'en-US': 'color' }],
    ['the same primary language when nothing matches', ['fr-CA'], { fr: 'couleur' }],
    ['the first entry when nothing relates', ['de'], { 'en-US': 'color' }],
    ['the first entry without preferences', [], { 'en-US': 'color' }],
  ])('picks %s', (_name, languages, expected) =>
    expect(pickLanguage(map, languages)).toEqual(expected),
  )

  it('keeps an empty map empty', () => expect(pickLanguage({}, ['en'])).toEqual({}))

  // Issue 16, regression 3: the exact tag wins over an earlier tag the range is a prefix of.
  it.each([
    [['en'], { en: 'colour (en)' }],
    [['EN'], { en: 'colour (en)' }],
    [['de', 'en'], { en: 'colour (en)' }],
  ])('prefers an exact match to a prefix match listed first: %j', (languages, expected) =>
    expect(pickLanguage({ 'en-US': 'color', en: 'colour (en)', fr: 'couleur' }, languages)).toEqual(
      expected,
    ),
  )
})
