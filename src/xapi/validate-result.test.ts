import { describe, expect, it } from 'vitest'
import { invalidStatementOf, withProperty } from '../../test/fixtures/build-statement.js'
import { validateResult } from './validate-result.js'

const result = {
  score: { scaled: 0.95, raw: 95, min: 0, max: 100 },
  success: true,
  completion: true,
  response: 'We agreed on some example actions.',
  duration: 'PT1H0M0S',
  extensions: {
    'http://example.com/profiles/meetings/resultextensions/minuteslocation': 'X:\\minutes',
  },
}

describe('validateResult accepts Results (Data §2.4.5)', () => {
  it.each([
    ['a full result', result],
    ['an empty result', {}],
    ['scaled 1 and -1 (XAPI-00083)', withProperty(result, 'score', { scaled: -1, raw: 1, max: 1 })],
    [
      'decimal scores with IEEE 754 precision (XAPI-00002)',
      withProperty(result, 'score', {
        scaled: 0.12123434,
        min: 0.12123434,
        raw: 12.125,
        max: 45.45,
      }),
    ],
    [
      'raw equal to min and max bounds (XAPI-00082)',
      withProperty(result, 'score', { raw: 0, min: 0, max: 10 }),
    ],
    ['raw without min or max', withProperty(result, 'score', { raw: -500 })],
    ['a duration in seconds only (Data §4.6)', withProperty(result, 'duration', 'PT16559.14S')],
    [
      'a null extension value (Data §4.1, XAPI-00119)',
      withProperty(result, 'extensions', { 'http://example.com/null': null }),
    ],
  ])('accepts %s', (_name, value) => expect(() => validateResult(value, 'result')).not.toThrow())
})

describe('validateResult rejects invalid Results', () => {
  it.each([
    ['a result that is a string', 'passed', 'result', /Result object/],
    [
      'an unknown property (XAPI-00010)',
      withProperty(result, 'grade', 'A'),
      'result.grade',
      /not a property of a Result/,
    ],
    [
      'a score that is a number (XAPI-00079)',
      withProperty(result, 'score', 12345),
      'result.score',
      /Score object/,
    ],
    [
      'an unknown score property',
      withProperty(result, 'score.percent', 95),
      'result.score.percent',
      /not a property of a Score/,
    ],
    [
      'scaled above 1 (XAPI-00083)',
      withProperty(result, 'score.scaled', 1.01),
      'result.score.scaled',
      /XAPI-00083/,
    ],
    [
      'scaled below -1 (XAPI-00083)',
      withProperty(result, 'score.scaled', -1.00001),
      'result.score.scaled',
      /XAPI-00083/,
    ],
    [
      'a scaled string "0.5" (Data §2.2)',
      withProperty(result, 'score.scaled', '0.5'),
      'result.score.scaled',
      /number/,
    ],
    [
      'a max string "100" (Data §2.2)',
      withProperty(result, 'score.max', '100'),
      'result.score.max',
      /number, not a string/,
    ],
    [
      'min greater than max (XAPI-00081)',
      withProperty(result, 'score', { min: 0.6767676, max: 0.6767355 }),
      'result.score.min',
      /less than max/,
    ],
    [
      'min equal to max (XAPI-00080)',
      withProperty(result, 'score', { min: 5, max: 5 }),
      'result.score.min',
      /less than max/,
    ],
    [
      'raw greater than max (XAPI-00082)',
      withProperty(result, 'score', { raw: 101, min: 0, max: 100 }),
      'result.score.raw',
      /greater than max/,
    ],
    [
      'raw less than min (XAPI-00082)',
      withProperty(result, 'score', { raw: 0.6767676, min: 1.4067676, max: 100 }),
      'result.score.raw',
      /less than min/,
    ],
    [
      'success "true" as a string (XAPI-00074)',
      withProperty(result, 'success', 'true'),
      'result.success',
      /boolean, not a string/,
    ],
    [
      'completion as a number (XAPI-00075)',
      withProperty(result, 'completion', 1),
      'result.completion',
      /boolean/,
    ],
    [
      'a numeric response (XAPI-00076)',
      withProperty(result, 'response', 42),
      'result.response',
      /string/,
    ],
    [
      'an invalid duration (XAPI-00077, XAPI-00124)',
      withProperty(result, 'duration', 'PA1H0M0S'),
      'result.duration',
      /XAPI-00124/,
    ],
    [
      'weeks mixed with days (Data §4.6)',
      withProperty(result, 'duration', 'P4W1D'),
      'result.duration',
      /duration/,
    ],
    ['a numeric duration', withProperty(result, 'duration', 3600), 'result.duration', /string/],
    [
      'extensions that are a number (XAPI-00078)',
      withProperty(result, 'extensions', 12345),
      'result.extensions',
      /extensions object/,
    ],
    [
      'an extension key without scheme (XAPI-00118)',
      withProperty(result, 'extensions', { 'example.com/extension/wrong': 1234 }),
      'result.extensions["example.com/extension/wrong"]',
      /IRI/,
    ],
    [
      'a null success (XAPI-00001)',
      withProperty(result, 'success', null),
      'result.success',
      /not null/,
    ],
  ])('rejects %s', (_name, value, path, rule) => {
    const invalid = invalidStatementOf(() => validateResult(value, 'result'))
    expect(invalid.path).toBe(path)
    expect(invalid.rule).toMatch(rule)
  })
})
