import { describe, expect, it } from 'vitest'
import {
  buildActivity,
  buildAgent,
  buildStatement,
  invalidStatementOf,
  withProperty,
} from '../../test/fixtures/build-statement.js'
import type { Statement } from './types.js'
import { validateStatement, validateStatementBatch } from './validate-statement.js'
import type { XapiVersion } from './versions.js'

const VERSIONS: readonly XapiVersion[] = ['1.0.3', '2.0.0']
const base = buildStatement()
const subStatement = {
  objectType: 'SubStatement',
  actor: buildAgent({ mbox: 'mailto:sub@example.com' }),
  verb: { id: 'http://example.com/planned' },
  object: buildActivity(),
}
const withSub = withProperty(base, 'object', subStatement)

/** Data §2.4 "Example": the simplest statement using all MUST and SHOULD properties. */
const SIMPLEST = {
  id: '12345678-1234-5678-1234-567812345678',
  actor: { mbox: 'mailto:xapi@adlnet.gov' },
  verb: { id: 'http://adlnet.gov/expapi/verbs/created', display: { 'en-US': 'created' } },
  object: { id: 'http://example.adlnet.gov/xapi/example/activity' },
}

/** Data Appendix A: the long example statement, as returned by an LRS. */
const LONG_EXAMPLE = {
  id: '6690e6c9-3ef0-4ed3-8b37-7f3964730bee',
  actor: {
    name: 'Team PB',
    mbox: 'mailto:teampb@example.com',
    member: [
      {
        name: 'Andrew Downes',
        account: { homePage: 'http://www.example.com', name: '13936749' },
        objectType: 'Agent',
      },
      { name: 'Toby Nichols', openid: 'http://toby.openid.example.org/', objectType: 'Agent' },
      {
        name: 'Ena Hills',
        mbox_sha1sum: 'ebd31e95054c018b10727ccffd2ef2ec3a016ee9',
        objectType: 'Agent',
      },
    ],
    objectType: 'Group',
  },
  verb: {
    id: 'http://adlnet.gov/expapi/verbs/attended',
    display: { 'en-GB': 'attended', 'en-US': 'attended' },
  },
  result: {
    extensions: {
      'http://example.com/profiles/meetings/resultextensions/minuteslocation':
        'X:\\meetings\\minutes\\examplemeeting.one',
    },
    success: true,
    completion: true,
    response: 'We agreed on some example actions.',
    duration: 'PT1H0M0S',
  },
  context: {
    registration: 'ec531277-b57b-4c15-8d91-d292c5b2b8f7',
    contextActivities: {
      parent: [{ id: 'http://www.example.com/meetings/series/267', objectType: 'Activity' }],
      category: [
        {
          id: 'http://www.example.com/meetings/categories/teammeeting',
          objectType: 'Activity',
          definition: {
            name: { en: 'team meeting' },
            description: { en: 'A category of meeting used for regular team meetings.' },
            type: 'http://example.com/expapi/activities/meetingcategory',
          },
        },
      ],
      other: [
        { id: 'http://www.example.com/meetings/occurances/34257', objectType: 'Activity' },
        { id: 'http://www.example.com/meetings/occurances/3425567', objectType: 'Activity' },
      ],
    },
    instructor: {
      name: 'Andrew Downes',
      account: { homePage: 'http://www.example.com', name: '13936749' },
      objectType: 'Agent',
    },
    team: { name: 'Team PB', mbox: 'mailto:teampb@example.com', objectType: 'Group' },
    platform: 'Example virtual meeting software',
    language: 'tlh',
    statement: { objectType: 'StatementRef', id: '6690e6c9-3ef0-4ed3-8b37-7f3964730bee' },
  },
  timestamp: '2013-05-18T05:32:34.804+00:00',
  stored: '2013-05-18T05:32:34.804+00:00',
  authority: {
    account: { homePage: 'http://cloud.scorm.com/', name: 'anonymous' },
    objectType: 'Agent',
  },
  version: '1.0.0',
  object: {
    id: 'http://www.example.com/meetings/occurances/34534',
    definition: {
      extensions: {
        'http://example.com/profiles/meetings/activitydefinitionextensions/room': {
          name: 'Kilby',
          id: 'http://example.com/rooms/342',
        },
      },
      name: { 'en-GB': 'example meeting', 'en-US': 'example meeting' },
      description: {
        'en-GB':
          'An example meeting that happened on a specific occasion with certain people present.',
        'en-US':
          'An example meeting that happened on a specific occasion with certain people present.',
      },
      type: 'http://adlnet.gov/expapi/activities/meeting',
      moreInfo: 'http://virtualmeeting.example.com/345256',
    },
    objectType: 'Activity',
  },
}

/** Data §2.3.2 "Example": a voiding statement. */
const VOIDING = {
  actor: { objectType: 'Agent', name: 'Example Admin', mbox: 'mailto:admin@example.adlnet.gov' },
  verb: { id: 'http://adlnet.gov/expapi/verbs/voided', display: { 'en-US': 'voided' } },
  object: { objectType: 'StatementRef', id: 'e05aa883-acaf-40ad-bf54-02c8ce485fb0' },
}

/** Data §2.4.4.3 "SubStatements" example: "I planned to visit 'Some Awesome Website'". */
const PLANNED = {
  actor: { objectType: 'Agent', mbox: 'mailto:test@example.com' },
  verb: { id: 'http://example.com/planned', display: { 'en-US': 'planned' } },
  object: {
    objectType: 'SubStatement',
    actor: { objectType: 'Agent', mbox: 'mailto:test@example.com' },
    verb: { id: 'http://example.com/visited', display: { 'en-US': 'will visit' } },
    object: {
      objectType: 'Activity',
      id: 'http://example.com/website',
      definition: { name: { 'en-US': 'Some Awesome Website' } },
    },
  },
}

describe('validateStatement accepts valid statements', () => {
  const accepted: [string, unknown][] = [
    ['the builder default', base],
    ['the simplest statement of Data §2.4', SIMPLEST],
    ['the long example of Data Appendix A', LONG_EXAMPLE],
    ['the voiding example of Data §2.3.2 (XAPI-00020)', VOIDING],
    [
      'a voiding statement whose target is unknown (xAPI 2.0 4.2.4.1)',
      withProperty(VOIDING, 'object.id', crypto.randomUUID()),
    ],
    ['the SubStatement example of Data §2.4.4.3', PLANNED],
    [
      'a StatementRef object (Data §2.4.4.3)',
      withProperty(base, 'object', {
        objectType: 'StatementRef',
        id: '8f87ccde-bb56-4c2e-ab83-44982ef22df0',
      }),
    ],
    [
      'an Agent object (Data §2.4.4.2)',
      withProperty(base, 'object', buildAgent({ mbox: 'mailto:b@example.com' })),
    ],
    [
      'an anonymous Group object',
      withProperty(base, 'object', { objectType: 'Group', member: [buildAgent()] }),
    ],
    [
      'an uppercase UUID id (Data §4.4)',
      withProperty(base, 'id', 'AA97B177-9383-4934-8543-0F91A7A02836'),
    ],
    [
      'a future timestamp (Data §2.4.7: SHOULD* NOT reject)',
      withProperty(base, 'timestamp', '2099-01-01T00:00:00.000Z'),
    ],
    [
      'a -05:00 offset timestamp (xAPI 2.0 4.2.7)',
      withProperty(base, 'timestamp', '2023-05-04T12:00:00-05:00'),
    ],
    [
      'a stored property, which the LRS overwrites (Data §2.4.8, XAPI-00097)',
      withProperty(base, 'stored', '2011-07-15T00:00:00.000Z'),
    ],
    ['version 1.0 (XAPI-00101)', withProperty(base, 'version', '1.0')],
    ['version 1.0.9 (XAPI-00101)', withProperty(base, 'version', '1.0.9')],
    [
      'an OAuth authority: an anonymous Group of two Agents (Data §2.4.9 Example, XAPI-00098)',
      withProperty(base, 'authority', {
        objectType: 'Group',
        member: [
          {
            account: {
              homePage: 'http://example.com/xAPI/OAuth/Token',
              name: 'oauth_consumer_x75db',
            },
          },
          { mbox: 'mailto:bob@example.com' },
        ],
      }),
    ],
    ['an empty extensions map (XAPI-00119)', withProperty(base, 'result.extensions', {})],
    [
      'null, empty string and empty object extension values (Data §4.1, XAPI-00119)',
      withProperty(base, 'context.extensions', {
        'http://example.com/null': null,
        'http://example.com/empty': '',
        'http://example.com/object': {},
      }),
    ],
    [
      'a duration finer than 0.01 s (Data §4.6, xAPI 2.0 4.2.7)',
      withProperty(base, 'result.duration', 'P1DT12H36M0.12567S'),
    ],
    [
      'a signature attachment header (Data §2.6)',
      withProperty(base, 'attachments', [
        {
          usageType: 'http://adlnet.gov/expapi/attachments/signature',
          display: { 'en-US': 'Signed by the Test Suite' },
          contentType: 'application/octet-stream',
          length: 4235,
          sha2: '672fa5fa658017f1b72d65036f13379c6ab05d4ab3b6664908d8acf0b6a0c634',
        },
      ]),
    ],
  ]
  for (const version of VERSIONS)
    it.each(accepted)(`accepts %s under ${version}`, (_name, statement) => {
      expect(() => validateStatement(statement, version)).not.toThrow()
    })

  it('reads a null timestamp as absent under 2.0 only (2.0 suite: timestamp set to stored)', () => {
    const statement = withProperty(base, 'timestamp', null)
    expect(validateStatement(statement, '2.0.0')).toEqual(base)
    expect('timestamp' in validateStatement(statement, '2.0.0')).toBe(false)
    expect(invalidStatementOf(() => validateStatement(statement, '1.0.3'))).toEqual({
      path: 'timestamp',
      rule: 'must be a string, not null (Data §2.2)',
    })
    const sub = withProperty(withSub, 'object.timestamp', null)
    expect(invalidStatementOf(() => validateStatement(sub, '2.0.0')).path).toBe('object.timestamp')
  })

  it('accepts statement version 2.0.0 under 2.0 only (Data §2.4.10, XAPI-00332)', () => {
    const statement = withProperty(base, 'version', '2.0.0')
    expect(validateStatement(statement, '2.0.0').version).toBe('2.0.0')
    expect(invalidStatementOf(() => validateStatement(statement, '1.0.3')).path).toBe('version')
  })
})

describe('validateStatement output', () => {
  it('returns a new statement and leaves the input unchanged', () => {
    const input = withProperty(
      LONG_EXAMPLE,
      'context.contextActivities.parent',
      LONG_EXAMPLE.context.contextActivities.parent[0],
    )
    const before = JSON.stringify(input)
    const output = validateStatement(input, '2.0.0')
    expect(JSON.stringify(input)).toBe(before)
    expect(output).not.toBe(input)
    // Only the objects on a normalised path are new; the rest is shared, never mutated.
    expect(output.context).not.toBe(input.context)
    expect(Array.isArray(output.context?.contextActivities?.parent)).toBe(true)
    expect(Array.isArray(input.context.contextActivities.parent)).toBe(false)
  })

  it('returns single contextActivities as arrays, in SubStatements too (Data §2.4.6.2, XAPI-00096)', () => {
    const parent = { id: 'http://example.com/parent' }
    const statement = withProperty(
      withProperty(withSub, 'context.contextActivities.parent', parent),
      'object.context.contextActivities.other',
      parent,
    )
    const output = validateStatement(statement, '1.0.3')
    expect(output.context?.contextActivities?.parent).toEqual([parent])
    const sub = output.object as { context?: Statement['context'] }
    expect(sub.context?.contextActivities?.other).toEqual([parent])
  })

  it('keeps everything else exactly as sent', () => {
    const output = validateStatement(LONG_EXAMPLE, '1.0.3')
    expect(output).toEqual(LONG_EXAMPLE)
  })
})

/** [what is wrong (requirement), statement, expected path, expected rule fragment] */
type Rejection = [string, unknown, string, RegExp]

const rejected: Rejection[] = [
  ['a body that is not an object (XAPI-00014)', 'statement', '', /Statement object/],
  ['an array where one statement is expected', [base], '', /not an array/],
  [
    'no actor (XAPI-00003)',
    withProperty(base, 'actor', undefined),
    'actor',
    /required.*XAPI-00003/,
  ],
  ['no verb (XAPI-00004)', withProperty(base, 'verb', undefined), 'verb', /required.*XAPI-00004/],
  [
    'no object (XAPI-00005)',
    withProperty(base, 'object', undefined),
    'object',
    /required.*XAPI-00005/,
  ],
  [
    'an unknown property (Data §2.2, XAPI-00010)',
    withProperty(base, 'foo', 'bar'),
    'foo',
    /not a property of a Statement/,
  ],
  [
    'a key in the wrong case (XAPI-00008)',
    withProperty(withProperty(base, 'actor', undefined), 'Actor', buildAgent()),
    'Actor',
    /not a property/,
  ],
  ['a null value (XAPI-00001)', withProperty(base, 'stored', null), 'stored', /not null/],
  ['a null id (XAPI-00001)', withProperty(base, 'id', null), 'id', /not null/],
  [
    'an id that is not a UUID (XAPI-00027)',
    withProperty(base, 'id', 'MA97B177-9383-4934-8543-0F91A7A02836'),
    'id',
    /UUID/,
  ],
  [
    'an id with too many digits (XAPI-00028)',
    withProperty(base, 'id', 'AA97B177-9383-4934-8543-0F91A7A028368'),
    'id',
    /UUID/,
  ],
  ['a numeric id (XAPI-00006)', withProperty(base, 'id', 12345), 'id', /string, not a number/],
  [
    'an invalid timestamp (XAPI-00022)',
    withProperty(base, 'timestamp', '01/011/2015'),
    'timestamp',
    /Data §4.5/,
  ],
  [
    'a -00:00 timestamp offset (RFC 3339, XAPI-00123)',
    withProperty(base, 'timestamp', '2008-09-15T15:53:00.601-00:00'),
    'timestamp',
    /RFC 3339/,
  ],
  [
    'a -0000 timestamp offset',
    withProperty(base, 'timestamp', '2008-09-15T15:53:00.601-0000'),
    'timestamp',
    /RFC 3339/,
  ],
  ['an invalid stored', withProperty(base, 'stored', 'yesterday'), 'stored', /timestamp/],
  ['version 1.1.0 (XAPI-00101)', withProperty(base, 'version', '1.1.0'), 'version', /XAPI-00101/],
  ['version 0.9.9 (XAPI-00101)', withProperty(base, 'version', '0.9.9'), 'version', /XAPI-00101/],
  ['a version that is a number', withProperty(base, 'version', 1), 'version', /string/],
  // Verb (Data §2.4.3)
  [
    'a verb without id (XAPI-00044)',
    withProperty(base, 'verb.id', undefined),
    'verb.id',
    /XAPI-00044/,
  ],
  [
    'a verb id without scheme (XAPI-00011)',
    withProperty(base, 'verb.id', 'adlnet.gov/expapi/verbs/completed'),
    'verb.id',
    /IRI/,
  ],
  [
    'a verb id with = in the scheme',
    withProperty(base, 'verb.id', 'ab=c://should.fail.com'),
    'verb.id',
    /IRI/,
  ],
  [
    'a verb that is a string',
    withProperty(base, 'verb', 'ab=c://should.fail.com'),
    'verb',
    /Verb object/,
  ],
  [
    'a verb display that is a string (XAPI-00045)',
    withProperty(base, 'verb.display', 'attended'),
    'verb.display',
    /language map/,
  ],
  [
    'a verb display with a bad tag (XAPI-00013)',
    withProperty(base, 'verb.display', { a12345: 'attended' }),
    'verb.display["a12345"]',
    /RFC 5646/,
  ],
  [
    'an unknown verb property',
    withProperty(base, 'verb.name', 'x'),
    'verb.name',
    /not a property of a Verb/,
  ],
  // Object (Data §2.4.4)
  [
    'objectType "activity" (case sensitive, XAPI-00046)',
    withProperty(base, 'object.objectType', 'activity'),
    'object.objectType',
    /XAPI-00046/,
  ],
  [
    'objectType "statementref" (XAPI-00009)',
    withProperty(base, 'object', { objectType: 'statementref', id: crypto.randomUUID() }),
    'object.objectType',
    /case sensitive/,
  ],
  [
    'an Agent object without objectType (XAPI-00065)',
    withProperty(base, 'object', { mbox: 'mailto:a@example.com' }),
    'object.mbox',
    /not a property of an Activity/,
  ],
  [
    'a StatementRef without id (XAPI-00072)',
    withProperty(base, 'object', { objectType: 'StatementRef' }),
    'object.id',
    /XAPI-00072/,
  ],
  [
    'a StatementRef id that is not a UUID (XAPI-00072)',
    withProperty(base, 'object', { objectType: 'StatementRef', id: 'should fail' }),
    'object.id',
    /UUID/,
  ],
  [
    'a voiding statement with an Activity object (Data §2.3.2, XAPI-00017)',
    withProperty(base, 'verb.id', 'http://adlnet.gov/expapi/verbs/voided'),
    'object',
    /XAPI-00017/,
  ],
  // SubStatement (Data §2.4.4.3)
  [
    'a nested SubStatement (XAPI-00071)',
    withProperty(withSub, 'object.object', subStatement),
    'object.object.objectType',
    /XAPI-00071/,
  ],
  [
    'a SubStatement with id (XAPI-00070)',
    withProperty(withSub, 'object.id', crypto.randomUUID()),
    'object.id',
    /XAPI-00070/,
  ],
  [
    'a SubStatement with stored (XAPI-00069)',
    withProperty(withSub, 'object.stored', '2013-05-18T05:32:34.804Z'),
    'object.stored',
    /XAPI-00069/,
  ],
  [
    'a SubStatement with version (XAPI-00068)',
    withProperty(withSub, 'object.version', '1.0.0'),
    'object.version',
    /XAPI-00068/,
  ],
  [
    'a SubStatement with authority (XAPI-00067)',
    withProperty(withSub, 'object.authority', buildAgent()),
    'object.authority',
    /XAPI-00067/,
  ],
  [
    'a SubStatement without actor (XAPI-00066)',
    withProperty(withSub, 'object.actor', undefined),
    'object.actor',
    /required/,
  ],
  [
    'a SubStatement without verb (XAPI-00066)',
    withProperty(withSub, 'object.verb', undefined),
    'object.verb',
    /required/,
  ],
  [
    'a SubStatement without object (XAPI-00066)',
    withProperty(withSub, 'object.object', undefined),
    'object.object',
    /required/,
  ],
  [
    'a SubStatement with an invalid timestamp (XAPI-00022)',
    withProperty(withSub, 'object.timestamp', 'should fail'),
    'object.timestamp',
    /timestamp/,
  ],
  [
    'objectType "substatement" (XAPI-00046)',
    withProperty(withSub, 'object.objectType', 'substatement'),
    'object.objectType',
    /XAPI-00046/,
  ],
  [
    'a SubStatement verb without scheme',
    withProperty(withSub, 'object.verb.id', 'should.fail'),
    'object.verb.id',
    /IRI/,
  ],
  // Authority (Data §2.4.9)
  [
    'an authority objectType "agent" (XAPI-00031)',
    withProperty(base, 'authority', { objectType: 'agent', mbox: 'mailto:a@example.com' }),
    'authority.objectType',
    /XAPI-00031/,
  ],
  [
    'an authority without IFI (XAPI-00024)',
    withProperty(base, 'authority', { objectType: 'Agent' }),
    'authority',
    /XAPI-00034/,
  ],
  [
    'an identified Group authority (XAPI-00098)',
    withProperty(base, 'authority', {
      objectType: 'Group',
      mbox: 'mailto:xapigroup@example.com',
      member: [{ mbox: 'mailto:agentA@example.com' }, { mbox: 'mailto:agentB@example.com' }],
    }),
    'authority',
    /XAPI-00098/,
  ],
  [
    'a Group authority of three Agents (XAPI-00098)',
    withProperty(base, 'authority', {
      objectType: 'Group',
      member: [
        { mbox: 'mailto:a@example.com' },
        { mbox: 'mailto:b@example.com' },
        { mbox: 'mailto:c@example.com' },
      ],
    }),
    'authority',
    /exactly two/,
  ],
  [
    'a Group authority of one Agent (XAPI-00098)',
    withProperty(base, 'authority', {
      objectType: 'Group',
      member: [{ mbox: 'mailto:a@example.com' }],
    }),
    'authority',
    /exactly two/,
  ],
]

describe('validateStatement rejects invalid statements', () => {
  for (const version of VERSIONS)
    it.each(rejected)(`rejects %s under ${version}`, (_name, statement, path, rule) => {
      const invalid = invalidStatementOf(() => validateStatement(statement, version))
      expect(invalid.path).toBe(path)
      expect(invalid.rule).toMatch(rule)
    })
})

describe('validateStatementBatch (Communication §2.1.2)', () => {
  it('returns one statement in an array', () => {
    expect(validateStatementBatch(base, '1.0.3')).toEqual([base])
  })

  it('returns a batch in request order', () => {
    const second = withProperty(base, 'verb.id', 'http://example.com/verbs/second')
    expect(validateStatementBatch([base, second], '2.0.0').map((s) => s.verb.id)).toEqual([
      base.verb.id,
      'http://example.com/verbs/second',
    ])
  })

  it('prefixes paths with the index of the invalid statement', () => {
    const invalid = invalidStatementOf(() =>
      validateStatementBatch([base, withProperty(base, 'actor.mbox', 'bob@example.com')], '2.0.0'),
    )
    expect(invalid.path).toBe('[1].actor.mbox')
  })

  it.each(VERSIONS)('rejects a batch that uses an id twice, ignoring case, under %s', (version) => {
    const id = crypto.randomUUID()
    const batch = [withProperty(base, 'id', id), withProperty(base, 'id', id.toUpperCase())]
    const invalid = invalidStatementOf(() => validateStatementBatch(batch, version))
    expect(invalid.path).toBe('[1].id')
    expect(invalid.rule).toMatch(/\[0\]/)
  })

  it('accepts statements without ids in one batch', () => {
    expect(validateStatementBatch([base, base], '2.0.0')).toHaveLength(2)
  })

  it('rejects an empty array', () => {
    expect(invalidStatementOf(() => validateStatementBatch([], '1.0.3')).rule).toMatch(
      /non-empty array/,
    )
  })

  it('rejects a body that is not a statement', () => {
    expect(invalidStatementOf(() => validateStatementBatch(42, '1.0.3')).path).toBe('')
  })
})
