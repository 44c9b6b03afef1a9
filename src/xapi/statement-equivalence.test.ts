import { describe, expect, it } from 'vitest'
import {
  buildAgent,
  buildGroup,
  buildStatement,
  buildStoredStatement,
  withProperty,
} from '../../test/fixtures/build-statement.js'
import { statementsEquivalent } from './statement-equivalence.js'
import type { Statement } from './types.js'

const stored = buildStoredStatement({
  result: {
    score: { scaled: 0.5 },
    duration: 'PT1M30.12S',
    extensions: { 'http://example.com/x': { a: 1, b: [1, 2] } },
  },
  context: {
    registration: 'ec531277-b57b-4c15-8d91-d292c5b2b8f7',
    instructor: buildAgent({ mbox: 'mailto:teacher@example.com' }),
    contextActivities: {
      parent: [{ id: 'http://example.com/parent' }],
      other: [{ id: 'http://example.com/a' }, { id: 'http://example.com/b' }],
    },
    language: 'en-US',
  },
})
const sub = withProperty(stored, 'object', {
  objectType: 'SubStatement',
  actor: buildGroup(),
  verb: { id: 'http://example.com/planned' },
  object: { id: 'http://example.com/website' },
  timestamp: '2024-01-01T00:00:00Z',
})

/** Reorders the keys of every object, deepest first, to prove key order does not matter. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys)
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reversedKeys(v)]),
  )
}

describe('statementsEquivalent ignores the exceptions of Data §2.3.1', () => {
  it.each<[string, Statement, Statement]>([
    ['identical statements', stored, structuredClone(stored)],
    ['a different key order', stored, reversedKeys(stored) as Statement],
    [
      'stored, authority and version, which the LRS sets',
      stored,
      {
        ...stored,
        stored: '2030-01-01T00:00:00Z',
        authority: buildAgent({ mbox: 'mailto:other@example.com' }),
        version: '2.0.0',
      },
    ],
    ['an id on one side only (LRS-assigned)', stored, withProperty(stored, 'id', undefined)],
    [
      'an id in another case (Data §4.4)',
      stored,
      withProperty(stored, 'id', stored.id.toUpperCase()),
    ],
    [
      'a timestamp on one side only (LRS-assigned)',
      stored,
      withProperty(stored, 'timestamp', undefined),
    ],
    [
      'the same instant in another time zone (Data §2.3.1 timestamp serialization)',
      stored,
      withProperty(stored, 'timestamp', '2024-03-01T11:00:00+01:00'),
    ],
    [
      'timestamp digits beyond the millisecond (Data §4.5)',
      stored,
      withProperty(stored, 'timestamp', '2024-03-01T10:00:00.0004Z'),
    ],
    [
      'the verb display (Data §2.3.1)',
      stored,
      withProperty(stored, 'verb.display', { fr: 'terminé' }),
    ],
    [
      'activity definitions (Data §2.3.1)',
      stored,
      withProperty(stored, 'object.definition', undefined),
    ],
    [
      'attachments (Data §2.3.1, §2.6)',
      stored,
      withProperty(stored, 'attachments', [
        {
          usageType: 'http://adlnet.gov/expapi/attachments/signature',
          display: { en: 's' },
          contentType: 'application/octet-stream',
          length: 1,
          sha2: 'a'.repeat(64),
        },
      ]),
    ],
    [
      'the case of the mbox domain (Data §2.3.1)',
      stored,
      withProperty(stored, 'actor.mbox', 'mailto:ada@EXAMPLE.com'),
    ],
    [
      'the case of mbox_sha1sum hex',
      withProperty(stored, 'actor', { mbox_sha1sum: 'ebd31e95054c018b10727ccffd2ef2ec3a016ee9' }),
      withProperty(stored, 'actor', { mbox_sha1sum: 'EBD31E95054C018B10727CCFFD2EF2EC3A016EE9' }),
    ],
    [
      'the order of group members (Data §2.4.2.2)',
      withProperty(stored, 'actor', buildGroup()),
      withProperty(stored, 'actor', {
        ...buildGroup(),
        member: [...(buildGroup().member ?? [])].reverse(),
      }),
    ],
    [
      'an absent objectType where Agent is the default',
      stored,
      withProperty(stored, 'actor.objectType', undefined),
    ],
    [
      'an absent objectType where Activity is the default',
      stored,
      withProperty(stored, 'object.objectType', undefined),
    ],
    [
      'a single contextActivities object instead of an array (Data §2.4.6.2)',
      stored,
      withProperty(stored, 'context.contextActivities.parent', { id: 'http://example.com/parent' }),
    ],
    [
      'the registration case',
      stored,
      withProperty(stored, 'context.registration', 'EC531277-B57B-4C15-8D91-D292C5B2B8F7'),
    ],
    ['the language tag case', stored, withProperty(stored, 'context.language', 'EN-us')],
    [
      'duration precision beyond 0.01 s (Data §4.6, xAPI 2.0 4.2.7)',
      stored,
      withProperty(stored, 'result.duration', 'PT1M30.1267S'),
    ],
    [
      'trailing zeros of duration seconds',
      withProperty(stored, 'result.duration', 'PT1.10S'),
      withProperty(stored, 'result.duration', 'PT1.1S'),
    ],
    [
      'SubStatement timestamp serialization',
      sub,
      withProperty(sub, 'object.timestamp', '2023-12-31T19:00:00-05:00'),
    ],
    ['a payload without the LRS-set properties', buildStatement(), buildStoredStatement()],
  ])('equal: %s', (_name, a, b) => {
    expect(statementsEquivalent(a, b)).toBe(true)
    expect(statementsEquivalent(b, a)).toBe(true)
  })
})

describe('statementsEquivalent keeps every other difference', () => {
  it.each<[string, Statement]>([
    ['another verb id', withProperty(stored, 'verb.id', 'http://example.com/different/verb/iri')],
    ['another id (both present)', withProperty(stored, 'id', crypto.randomUUID())],
    [
      'another timestamp (both present)',
      withProperty(stored, 'timestamp', '2024-03-01T10:00:01.000Z'),
    ],
    ['another millisecond', withProperty(stored, 'timestamp', '2024-03-01T10:00:00.001Z')],
    [
      'the case of the mbox local part',
      withProperty(stored, 'actor.mbox', 'mailto:Ada@example.com'),
    ],
    ['another actor name', withProperty(stored, 'actor.name', 'Ada King')],
    [
      'another activity id',
      withProperty(stored, 'object.id', 'http://example.com/courses/algebra-2'),
    ],
    ['another score', withProperty(stored, 'result.score.scaled', 0.6)],
    ['a result on one side only', withProperty(stored, 'result', undefined)],
    ['another duration at 0.01 s', withProperty(stored, 'result.duration', 'PT1M30.13S')],
    [
      'the same duration in other units (a string, Data §2.3.1)',
      withProperty(stored, 'result.duration', 'PT90.12S'),
    ],
    [
      'another extension value',
      withProperty(stored, 'result.extensions', { 'http://example.com/x': { a: 1, b: [2, 1] } }),
    ],
    [
      'another contextActivities order',
      withProperty(stored, 'context.contextActivities.other', [
        { id: 'http://example.com/b' },
        { id: 'http://example.com/a' },
      ]),
    ],
    [
      'another instructor',
      withProperty(stored, 'context.instructor.mbox', 'mailto:other@example.com'),
    ],
    ['another registration', withProperty(stored, 'context.registration', crypto.randomUUID())],
    [
      'a missing group member',
      withProperty(stored, 'actor', { ...buildGroup(), member: [buildAgent()] }),
    ],
    ['an Agent object instead of an Activity', withProperty(stored, 'object', buildAgent())],
  ])('different: %s', (_name, other) => {
    expect(statementsEquivalent(stored, other)).toBe(false)
    expect(statementsEquivalent(other, stored)).toBe(false)
  })

  it('different: a SubStatement with another timestamp', () => {
    expect(
      statementsEquivalent(sub, withProperty(sub, 'object.timestamp', '2024-01-01T00:00:01Z')),
    ).toBe(false)
  })
})
