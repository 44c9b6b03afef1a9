import { describe, expect, it } from 'vitest'
import {
  buildAgent,
  buildGroup,
  buildStatement,
  invalidStatementOf,
  withProperty,
} from '../../test/fixtures/build-statement.js'
import type { Context } from './types.js'
import { validateStatement } from './validate-statement.js'

const context: Context = {
  registration: 'ec531277-b57b-4c15-8d91-d292c5b2b8f7',
  instructor: buildAgent({ mbox: 'mailto:teacher@example.com' }),
  team: buildGroup(),
  contextActivities: {
    parent: [{ id: 'http://example.com/test1' }],
    grouping: [{ objectType: 'Activity', id: 'http://example.com/Algebra1' }],
    category: [{ id: 'http://example.com/profiles/cmi5' }],
    other: [{ id: 'http://example.com/textbook' }],
  },
  revision: 'rev_10_3_2',
  platform: 'Example virtual meeting software',
  language: 'tlh',
  statement: { objectType: 'StatementRef', id: '6690e6c9-3ef0-4ed3-8b37-7f3964730bee' },
  extensions: { 'http://example.com/profiles/meetings/contextextensions/airspeed': '600mph' },
}
const statement = buildStatement({ context })
const contextAgents = [
  {
    objectType: 'contextAgent',
    agent: { objectType: 'Agent', mbox: 'mailto:player-1@example.com' },
    relevantTypes: ['https://example.com/xapi/activity-types/personnel/player'],
  },
]
const contextGroups = [
  {
    objectType: 'contextGroup',
    group: { objectType: 'Group', mbox: 'mailto:team-1@example.com', member: [buildAgent()] },
    relevantTypes: ['https://example.com/xapi/activity-types/team/a'],
  },
]
const subStatement = {
  objectType: 'SubStatement',
  actor: buildAgent(),
  verb: { id: 'http://example.com/planned' },
  object: { id: 'http://example.com/website' },
}

describe('context validation accepts valid contexts (Data §2.4.6)', () => {
  it.each([
    ['every 1.0.3 property', statement],
    [
      'an instructor that is a Group (Data §2.4.6)',
      withProperty(statement, 'context.instructor', buildGroup()),
    ],
    [
      'revision and platform with an Activity object lacking objectType',
      withProperty(statement, 'object.objectType', undefined),
    ],
    [
      'a single Activity as a contextActivities value (Data §2.4.6.2)',
      withProperty(statement, 'context.contextActivities.parent', {
        id: 'http://example.com/test1',
      }),
    ],
    ['an empty context', withProperty(statement, 'context', {})],
    [
      'a context in a SubStatement',
      withProperty(
        withProperty(statement, 'object', { ...subStatement, context }),
        'context',
        undefined,
      ),
    ],
  ])('accepts %s under 1.0.3 and 2.0', (_name, value) => {
    expect(() => validateStatement(value, '1.0.3')).not.toThrow()
    expect(() => validateStatement(value, '2.0.0')).not.toThrow()
  })

  it.each([
    ['contextAgents', withProperty(statement, 'context.contextAgents', contextAgents)],
    ['contextGroups', withProperty(statement, 'context.contextGroups', contextGroups)],
    [
      'contextAgents without relevantTypes',
      withProperty(statement, 'context.contextAgents', [
        { objectType: 'contextAgent', agent: buildAgent() },
      ]),
    ],
    [
      'contextGroups in a SubStatement',
      withProperty(withProperty(statement, 'context', undefined), 'object', {
        ...subStatement,
        context: { contextGroups },
      }),
    ],
  ])('accepts %s under 2.0 (xAPI 2.0 Context)', (_name, value) => {
    expect(() => validateStatement(value, '2.0.0')).not.toThrow()
  })
})

describe('context validation rejects invalid contexts', () => {
  it.each([
    [
      'a context that is a string',
      withProperty(statement, 'context', 'x'),
      'context',
      /Context object/,
    ],
    [
      'an unknown property (XAPI-00010)',
      withProperty(statement, 'context.mood', 'happy'),
      'context.mood',
      /not a property of a Context/,
    ],
    [
      'a registration that is not a UUID (XAPI-00087-1)',
      withProperty(statement, 'context.registration', 'AA97B177-9383-4934-8543-0F91A7A028368'),
      'context.registration',
      /UUID/,
    ],
    [
      'a numeric registration (XAPI-00087-1)',
      withProperty(statement, 'context.registration', 12345),
      'context.registration',
      /string/,
    ],
    [
      'an instructor without IFI (XAPI-00087-2)',
      withProperty(statement, 'context.instructor', { objectType: 'Agent' }),
      'context.instructor',
      /IFI|one of/,
    ],
    [
      'an instructor with a bad mbox (XAPI-00087-2)',
      withProperty(statement, 'context.instructor.mbox', 'teacher@example.com'),
      'context.instructor.mbox',
      /mailto/,
    ],
    [
      'a team that is an Agent (XAPI-00088)',
      withProperty(statement, 'context.team', buildAgent()),
      'context.team',
      /XAPI-00088/,
    ],
    [
      'an anonymous team without member (XAPI-00088)',
      withProperty(statement, 'context.team', { objectType: 'Group' }),
      'context.team.member',
      /anonymous/,
    ],
    [
      'contextActivities that are a string (XAPI-00086)',
      withProperty(statement, 'context.contextActivities', 'x'),
      'context.contextActivities',
      /contextActivities object/,
    ],
    [
      'a contextActivities key "consequences" (XAPI-00093)',
      withProperty(statement, 'context.contextActivities.consequences', [
        { id: 'http://example.com/x' },
      ]),
      'context.contextActivities.consequences',
      /not a property/,
    ],
    [
      'a contextActivities value that is not an Activity (XAPI-00094)',
      withProperty(statement, 'context.contextActivities.other', [
        { id: 'http://example.com/x' },
        { key: 'should fail' },
      ]),
      'context.contextActivities.other[1].key',
      /not a property of an Activity/,
    ],
    [
      'a contextActivities value that is a number (XAPI-00094)',
      withProperty(statement, 'context.contextActivities.parent', 12345),
      'context.contextActivities.parent',
      /Activity object/,
    ],
    [
      'a numeric revision (XAPI-00089)',
      withProperty(statement, 'context.revision', 10),
      'context.revision',
      /string/,
    ],
    [
      'a numeric platform (XAPI-00090)',
      withProperty(statement, 'context.platform', 10),
      'context.platform',
      /string/,
    ],
    [
      'revision with an Agent object (XAPI-00084)',
      withProperty(statement, 'object', buildAgent()),
      'context.revision',
      /XAPI-00084/,
    ],
    [
      'platform with a StatementRef object (XAPI-00085)',
      withProperty(withProperty(statement, 'context.revision', undefined), 'object', {
        objectType: 'StatementRef',
        id: crypto.randomUUID(),
      }),
      'context.platform',
      /XAPI-00085/,
    ],
    [
      'platform with a SubStatement object (XAPI-00085)',
      withProperty(withProperty(statement, 'context.revision', undefined), 'object', subStatement),
      'context.platform',
      /only be used/,
    ],
    [
      'revision in a SubStatement whose object is an Agent',
      withProperty(withProperty(statement, 'context', undefined), 'object', {
        ...subStatement,
        object: buildAgent(),
        context: { revision: '1' },
      }),
      'object.context.revision',
      /only be used/,
    ],
    [
      'a language that is not RFC 5646 (XAPI-00091)',
      withProperty(statement, 'context.language', 'something'),
      'context.language',
      /RFC 5646/,
    ],
    [
      'a statement that is an Activity (XAPI-00092)',
      withProperty(statement, 'context.statement', { id: 'http://example.com/x' }),
      'context.statement.objectType',
      /StatementRef/,
    ],
    [
      'a statement with a bad UUID (XAPI-00092)',
      withProperty(statement, 'context.statement.id', 'MA97B177-9383-4934-8543-0F91A7A02836'),
      'context.statement.id',
      /UUID/,
    ],
    [
      'an extension key without scheme (XAPI-00118)',
      withProperty(statement, 'context.extensions', { 'example.com/extension/wrong': 1234 }),
      'context.extensions["example.com/extension/wrong"]',
      /IRI/,
    ],
    [
      'a null registration (XAPI-00001)',
      withProperty(statement, 'context.registration', null),
      'context.registration',
      /not null/,
    ],
  ])('rejects %s', (_name, value, path, rule) => {
    for (const version of ['1.0.3', '2.0.0'] as const) {
      const invalid = invalidStatementOf(() => validateStatement(value, version))
      expect(invalid.path).toBe(path)
      expect(invalid.rule).toMatch(rule)
    }
  })

  it.each([
    [
      'contextAgents',
      withProperty(statement, 'context.contextAgents', contextAgents),
      'context.contextAgents',
    ],
    [
      'contextGroups',
      withProperty(statement, 'context.contextGroups', contextGroups),
      'context.contextGroups',
    ],
    [
      'contextAgents in a SubStatement',
      withProperty(statement, 'object', { ...subStatement, context: { contextAgents } }),
      'object.context.contextAgents',
    ],
  ])('rejects %s under 1.0.3, where they do not exist', (_name, value, path) => {
    const invalid = invalidStatementOf(() => validateStatement(value, '1.0.3'))
    expect(invalid.path).toBe(path)
    expect(invalid.rule).toMatch(/not a property of a Context/)
  })

  it.each([
    [
      'contextAgents that are an object',
      withProperty(statement, 'context.contextAgents', contextAgents[0]),
      'context.contextAgents',
      /array/,
    ],
    [
      'a contextAgent objectType other than "contextAgent"',
      withProperty(statement, 'context.contextAgents', [
        { ...contextAgents[0], objectType: 'Should fail' },
      ]),
      'context.contextAgents[0].objectType',
      /contextAgent/,
    ],
    [
      'a contextAgent without objectType',
      withProperty(statement, 'context.contextAgents', [{ agent: buildAgent() }]),
      'context.contextAgents[0].objectType',
      /contextAgent/,
    ],
    [
      'a contextAgent without agent',
      withProperty(statement, 'context.contextAgents', [{ objectType: 'contextAgent' }]),
      'context.contextAgents[0].agent',
      /required/,
    ],
    [
      'a contextAgent with an invalid agent',
      withProperty(statement, 'context.contextAgents', [
        { objectType: 'contextAgent', agent: { key: 'Should fail' } },
      ]),
      'context.contextAgents[0].agent.key',
      /not a property of an Agent/,
    ],
    [
      'a contextAgent whose agent is a Group',
      withProperty(statement, 'context.contextAgents', [
        { objectType: 'contextAgent', agent: buildGroup() },
      ]),
      'context.contextAgents[0].agent.objectType',
      /Agent/,
    ],
    [
      'empty relevantTypes',
      withProperty(statement, 'context.contextAgents', [
        { ...contextAgents[0], relevantTypes: [] },
      ]),
      'context.contextAgents[0].relevantTypes',
      /at least one/,
    ],
    [
      'relevantTypes that are not IRIs',
      withProperty(statement, 'context.contextAgents', [
        { ...contextAgents[0], relevantTypes: ['abc'] },
      ]),
      'context.contextAgents[0].relevantTypes[0]',
      /IRI/,
    ],
    [
      'a contextGroup objectType other than "contextGroup"',
      withProperty(statement, 'context.contextGroups', [
        { ...contextGroups[0], objectType: 'Should fail' },
      ]),
      'context.contextGroups[0].objectType',
      /contextGroup/,
    ],
    [
      'a contextGroup with an invalid group',
      withProperty(statement, 'context.contextGroups', [
        { objectType: 'contextGroup', group: { key: 'Should fail' } },
      ]),
      'context.contextGroups[0].group.key',
      /not a property of a Group/,
    ],
    [
      'a contextGroup whose group is an Agent',
      withProperty(statement, 'context.contextGroups', [
        { objectType: 'contextGroup', group: buildAgent() },
      ]),
      'context.contextGroups[0].group.objectType',
      /Group/,
    ],
    [
      'a contextGroup with empty relevantTypes',
      withProperty(statement, 'context.contextGroups', [
        { ...contextGroups[0], relevantTypes: [] },
      ]),
      'context.contextGroups[0].relevantTypes',
      /at least one/,
    ],
    [
      'a contextGroup with an unknown property',
      withProperty(statement, 'context.contextGroups', [{ ...contextGroups[0], member: [] }]),
      'context.contextGroups[0].member',
      /not a property of a contextGroup/,
    ],
  ])('rejects %s under 2.0 (xAPI 2.0 Context)', (_name, value, path, rule) => {
    const invalid = invalidStatementOf(() => validateStatement(value, '2.0.0'))
    expect(invalid.path).toBe(path)
    expect(invalid.rule).toMatch(rule)
  })
})
