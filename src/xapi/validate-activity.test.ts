import { describe, expect, it } from 'vitest'
import { invalidStatementOf, withProperty } from '../../test/fixtures/build-statement.js'
import { validateActivity } from './validate-activity.js'

const INTERACTION = 'http://adlnet.gov/expapi/activities/cmi.interaction'
const components = (...ids: string[]) => ids.map((id) => ({ id, description: { 'en-US': id } }))

/** Data Appendix C: example definitions for each interactionType. */
const APPENDIX_C: [string, Record<string, unknown>][] = [
  ['true-false', { interactionType: 'true-false', correctResponsesPattern: ['true'] }],
  [
    'choice',
    {
      interactionType: 'choice',
      correctResponsesPattern: ['golf[,]tetris'],
      choices: components('golf', 'facebook', 'tetris', 'scrabble'),
    },
  ],
  ['fill-in', { interactionType: 'fill-in', correctResponsesPattern: ["Bob's your uncle"] }],
  [
    'long-fill-in',
    {
      interactionType: 'long-fill-in',
      correctResponsesPattern: [
        '{case_matters=false}{lang=en}To store and provide access to learning experiences.',
      ],
    },
  ],
  [
    'likert',
    {
      interactionType: 'likert',
      correctResponsesPattern: ['likert_3'],
      scale: components('likert_0', 'likert_1', 'likert_2', 'likert_3'),
    },
  ],
  [
    'matching',
    {
      interactionType: 'matching',
      correctResponsesPattern: ['ben[.]3[,]chris[.]2'],
      source: components('ben', 'chris'),
      target: components('1', '2', '3'),
    },
  ],
  [
    'performance',
    {
      interactionType: 'performance',
      correctResponsesPattern: ['pong[.]1:[,]dg[.]:10[,]lunch[.]'],
      steps: components('pong', 'dg', 'lunch'),
    },
  ],
  [
    'sequencing',
    {
      interactionType: 'sequencing',
      correctResponsesPattern: ['tim[,]mike[,]ells[,]ben'],
      choices: components('tim', 'ben', 'ells', 'mike'),
    },
  ],
  ['numeric', { interactionType: 'numeric', correctResponsesPattern: ['4[:]'] }],
  ['other', { interactionType: 'other', correctResponsesPattern: ['(35.937432,-86.868896)'] }],
  [
    'an empty correctResponsesPattern (no correct answer)',
    { interactionType: 'choice', correctResponsesPattern: [], choices: components('a') },
  ],
]

const activity = {
  objectType: 'Activity',
  id: 'http://www.example.com/meetings/occurances/34534',
  definition: {
    name: { 'en-GB': 'example meeting', 'zh-Hans-CN': '例如会议' },
    description: { 'en-US': 'An example meeting.', 'sr-Latn-RS': 'Ureduje' },
    type: 'http://adlnet.gov/expapi/activities/meeting',
    moreInfo: 'http://virtualmeeting.example.com/345256',
    extensions: { 'http://example.com/profiles/meetings/extension/location': 'X:\\meetings' },
  },
}

describe('validateActivity accepts Activities (Data §2.4.4.1)', () => {
  it('accepts a full definition', () => expect(validateActivity(activity, 'object')).toBe(activity))
  it('accepts an Activity without objectType or definition', () => {
    expect(() => validateActivity({ id: 'http://example.com/a' }, 'object')).not.toThrow()
  })
  it.each(APPENDIX_C)('accepts the Appendix C %s interaction', (_name, definition) => {
    const interaction = {
      id: 'http://example.com/q1',
      definition: { type: INTERACTION, ...definition },
    }
    expect(() => validateActivity(interaction, 'object')).not.toThrow()
  })
})

const choice = withProperty(activity, 'definition', APPENDIX_C[1]?.[1])

describe('validateActivity rejects invalid Activities', () => {
  it.each([
    [
      'objectType "activity" (XAPI-00009)',
      withProperty(activity, 'objectType', 'activity'),
      'object.objectType',
      /Activity/,
    ],
    ['no id (XAPI-00047)', withProperty(activity, 'id', undefined), 'object.id', /XAPI-00047/],
    [
      'an id without scheme (XAPI-00011, XAPI-00047)',
      withProperty(activity, 'id', 'www.example.com/meetings'),
      'object.id',
      /IRI/,
    ],
    [
      'a definition that is a string (XAPI-00048)',
      withProperty(activity, 'definition', 'should error'),
      'object.definition',
      /Activity Definition object/,
    ],
    [
      'an unknown definition property (XAPI-00010)',
      withProperty(activity, 'definition.title', 'x'),
      'object.definition.title',
      /not a property/,
    ],
    [
      'a name that is a string (XAPI-00056)',
      withProperty(activity, 'definition.name', 'meeting'),
      'object.definition.name',
      /language map/,
    ],
    [
      'a name with a bad tag (XAPI-00056)',
      withProperty(activity, 'definition.name', { 'zh-something-ccc': 'x' }),
      'object.definition.name["zh-something-ccc"]',
      /RFC 5646/,
    ],
    [
      'a name value that is a number',
      withProperty(activity, 'definition.name', { en: 1 }),
      'object.definition.name["en"]',
      /string/,
    ],
    [
      'a description with a bad tag (XAPI-00059)',
      withProperty(activity, 'definition.description', { 'en-something-AU': 'x' }),
      'object.definition.description["en-something-AU"]',
      /RFC 5646/,
    ],
    [
      'a type that is not an IRI (XAPI-00060)',
      withProperty(activity, 'definition.type', 'should error'),
      'object.definition.type',
      /IRI/,
    ],
    [
      'a moreInfo that is not an IRL (XAPI-00061)',
      withProperty(activity, 'definition.moreInfo', 'virtualmeeting.example.com/345256'),
      'object.definition.moreInfo',
      /IRL/,
    ],
    [
      'extensions that are a string (XAPI-00057)',
      withProperty(activity, 'definition.extensions', 'should error'),
      'object.definition.extensions',
      /extensions object/,
    ],
    [
      'an extension key that is not an IRI (XAPI-00118)',
      withProperty(activity, 'definition.extensions', { 'not.valid.com/extension': 1234 }),
      'object.definition.extensions["not.valid.com/extension"]',
      /IRI/,
    ],
    [
      'an unknown interactionType (Data §2.4.4.1)',
      withProperty(choice, 'definition.interactionType', 'shoulderror'),
      'object.definition.interactionType',
      /must be one of/,
    ],
    [
      'interactionType in the wrong case (XAPI-00009)',
      withProperty(choice, 'definition.interactionType', 'Choice'),
      'object.definition.interactionType',
      /must be one of/,
    ],
    [
      'a numeric interactionType',
      withProperty(choice, 'definition.interactionType', 12345),
      'object.definition.interactionType',
      /string/,
    ],
    [
      'correctResponsesPattern without interactionType (XAPI-00064)',
      withProperty(
        withProperty(choice, 'definition.choices', undefined),
        'definition.interactionType',
        undefined,
      ),
      'object.definition.correctResponsesPattern',
      /XAPI-00064/,
    ],
    [
      'choices without interactionType (XAPI-00064)',
      withProperty(
        withProperty(choice, 'definition.correctResponsesPattern', undefined),
        'definition.interactionType',
        undefined,
      ),
      'object.definition.choices',
      /XAPI-00064/,
    ],
    [
      'a correctResponsesPattern that is a string',
      withProperty(choice, 'definition.correctResponsesPattern', 'golf'),
      'object.definition.correctResponsesPattern',
      /array/,
    ],
    [
      'a correctResponsesPattern item that is a number',
      withProperty(choice, 'definition.correctResponsesPattern', [1]),
      'object.definition.correctResponsesPattern[0]',
      /string/,
    ],
    [
      'a scale on a choice interaction (component table)',
      withProperty(choice, 'definition.scale', components('a')),
      'object.definition.scale',
      /not an interaction component list/,
    ],
    [
      'choices on a true-false interaction',
      withProperty(choice, 'definition.interactionType', 'true-false'),
      'object.definition.choices',
      /true-false/,
    ],
    [
      'duplicate component ids (Data §2.4.4.1)',
      withProperty(choice, 'definition.choices', components('a', 'b', 'a')),
      'object.definition.choices[2].id',
      /distinct/,
    ],
    [
      'a component without id',
      withProperty(choice, 'definition.choices', [{ description: { en: 'x' } }]),
      'object.definition.choices[0].id',
      /required/,
    ],
    [
      'a component description with a bad tag',
      withProperty(choice, 'definition.choices[0].description', { something: 'x' }),
      'object.definition.choices[0].description["something"]',
      /RFC 5646/,
    ],
    [
      'an unknown component property',
      withProperty(choice, 'definition.choices[0].name', 'x'),
      'object.definition.choices[0].name',
      /not a property/,
    ],
  ])('rejects %s', (_name, value, path, rule) => {
    const invalid = invalidStatementOf(() => validateActivity(value, 'object'))
    expect(invalid.path).toBe(path)
    expect(invalid.rule).toMatch(rule)
  })
})
