import { describe, expect, it } from 'vitest'
import { BadRequestError } from '../errors/errors.js'
import { isTimestamp, parseTimestamp, toUtcTimestamp } from './timestamps.js'

describe('isTimestamp (Data §4.5, RFC 3339; XAPI-00122, XAPI-00123)', () => {
  it.each([
    '2013-05-18T05:32:34.804Z',
    '2008-09-15T15:53:00.601+00:00',
    '2015-11-18T12:17:00+00:00',
    '2023-05-04T12:00:00-05:00',
    '2023-05-04T12:00:00.123456789+05:30',
    '2023-05-04T12:00:00+0530',
    '2023-05-04T12:00:00+05',
    '2024-02-29T00:00:00Z',
    '2023-05-04t12:00:00z',
    '2023-05-04T12:00Z',
    '20230504T120000Z',
    '2023-05-04T12:00:00',
  ])('accepts %s', (value) => expect(isTimestamp(value)).toBe(true))

  it.each([
    ['a plain string', 'should fail'],
    ['a US date', '01/011/2015'],
    ['the -00 offset (RFC 3339 §4.3, xAPI 2.0)', '2008-09-15T15:53:00.601-00'],
    ['the -0000 offset', '2008-09-15T15:53:00.601-0000'],
    ['the -00:00 offset', '2008-09-15T15:53:00.601-00:00'],
    ['a date only', '2023-05-04'],
    ['February 30th', '2023-02-30T00:00:00Z'],
    ['February 29th of a common year', '2023-02-29T00:00:00Z'],
    ['hour 24', '2023-05-04T24:00:00Z'],
    ['minute 60', '2023-05-04T12:60:00Z'],
    ['month 13', '2023-13-04T12:00:00Z'],
    ['an offset of 24 hours', '2023-05-04T12:00:00+24:00'],
    ['a space for T', '2023-05-04 12:00:00Z'],
    ['the empty string', ''],
  ])('rejects %s', (_why, value) => expect(isTimestamp(value)).toBe(false))

  it('reads years 0-99 as such, not as 1900-1999', () => {
    expect(parseTimestamp('0050-01-01T00:00:00Z')?.epochMillis).toBe(
      Date.parse('0050-01-01T00:00:00Z'),
    )
  })
})

describe('toUtcTimestamp (Data §4.5; xAPI 2.0 returns UTC)', () => {
  it.each([
    ['2023-05-04T12:00:00-05:00', '2023-05-04T17:00:00.000Z'],
    ['2008-09-15T15:53:00.601+00:00', '2008-09-15T15:53:00.601Z'],
    ['2024-01-01T01:30:00+05:30', '2023-12-31T20:00:00.000Z'],
    ['2023-05-04T12:00Z', '2023-05-04T12:00:00.000Z'],
    ['20230504T120000.5+0100', '2023-05-04T11:00:00.500Z'],
    ['2023-05-04T12:00:00', '2023-05-04T12:00:00.000Z'],
    ['2023-05-04T12:00:00.123456Z', '2023-05-04T12:00:00.123Z'],
  ])('converts %s to %s', (value, expected) => expect(toUtcTimestamp(value)).toBe(expected))

  it("keeps digits beyond the millisecond with 'preserve', dropping trailing zeros", () => {
    expect(toUtcTimestamp('2023-05-04T12:00:00.1234567-01:00', 'preserve')).toBe(
      '2023-05-04T13:00:00.1234567Z',
    )
    expect(toUtcTimestamp('2023-05-04T12:00:00.1234000Z', 'preserve')).toBe(
      '2023-05-04T12:00:00.1234Z',
    )
    expect(toUtcTimestamp('2023-05-04T12:00:00.1230000Z', 'preserve')).toBe(
      '2023-05-04T12:00:00.123Z',
    )
  })

  it('gives results that sort as text in time order', () => {
    const values = [
      '2023-05-04T12:00:00.9+02:00',
      '2023-05-04T09:59:59.999Z',
      '2023-05-04T11:00:00.5+01:00',
    ]
    const utc = values.map((value) => toUtcTimestamp(value)).sort()
    expect(utc).toEqual([
      '2023-05-04T09:59:59.999Z',
      '2023-05-04T10:00:00.500Z',
      '2023-05-04T10:00:00.900Z',
    ])
  })

  it('returns a timestamp already in the result form as it is, and still rejects an impossible one in that form', () => {
    expect(toUtcTimestamp('2016-02-29T12:00:00.000Z')).toBe('2016-02-29T12:00:00.000Z')
    expect(toUtcTimestamp('0000-01-01T00:00:00.000Z')).toBe('0000-01-01T00:00:00.000Z')
    for (const impossible of [
      '2015-02-29T12:00:00.000Z',
      '2015-06-31T00:00:00.000Z',
      '2015-01-01T24:00:00.000Z',
      '2015-01-01T23:60:00.000Z',
      '2015-01-01T23:59:60.000Z',
    ])
      expect(() => toUtcTimestamp(impossible)).toThrow(/not an ISO 8601 timestamp/)
  })

  it('throws BadRequestError for an invalid timestamp', () => {
    expect(() => toUtcTimestamp('not a timestamp')).toThrow(/not an ISO 8601 timestamp/)
    let thrown: unknown
    try {
      toUtcTimestamp('2008-09-15T15:53:00.601-00:00')
    } catch (error: unknown) {
      thrown = error
    }
    expect(BadRequestError.is(thrown)).toBe(true)
  })
})
