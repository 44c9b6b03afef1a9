import { describe, expect, it } from 'vitest'
import {
  isDuration,
  isIri,
  isLanguageTag,
  isMailtoIri,
  isMediaType,
  isSha1Hex,
  isSha2Hex,
  isUuid,
} from './formats.js'

describe('isIri (Data §2.2: IRIs need a scheme; §4.3)', () => {
  it.each([
    'http://adlnet.gov/expapi/verbs/attended',
    'https://example.com/path/../x?q=1#frag',
    'urn:uuid:6690e6c9-3ef0-4ed3-8b37-7f3964730bee',
    'http://example.com/فعل/خواندن',
    'tag:example.com,2024:x',
  ])('accepts %s', (value) => expect(isIri(value)).toBe(true))

  it.each([
    ['no scheme (XAPI-00011)', 'example.com/extension/wrong'],
    ['= in the scheme', 'ab=c://should.fail.com'],
    ['a space', 'http://example.com/a b'],
    ['the empty string (XAPI-00007)', ''],
    ['a bare scheme', 'http:'],
    ['a scheme starting with a digit', '1http://example.com'],
    ['a relative reference', '/expapi/verbs'],
  ])('rejects %s', (_why, value) => expect(isIri(value)).toBe(false))
})

describe('isMailtoIri (Data §2.4.2.3 mbox, XAPI-00038)', () => {
  it('accepts mailto:name@domain', () => expect(isMailtoIri('mailto:xapi@adlnet.gov')).toBe(true))
  it.each([
    'http://should.fail.com',
    'mailto:should.fail.com',
    'xapi@adlnet.gov',
    'mailto:',
    'MAILTO:a@b.c',
  ])('rejects %s', (value) => expect(isMailtoIri(value)).toBe(false))
})

describe('isUuid (Data §4.4, XAPI-00027/28)', () => {
  it.each(['fd41c918-b88b-4b20-a0a5-a4c32391aaa0', 'AA97B177-9383-4934-8543-0F91A7A02836'])(
    'accepts %s',
    (value) => expect(isUuid(value)).toBe(true),
  )
  it.each([
    'AA97B177-9383-4934-8543-0F91A7A028368',
    'MA97B177-9383-4934-8543-0F91A7A02836',
    'fd41c918b88b4b20a0a5a4c32391aaa0',
    '{fd41c918-b88b-4b20-a0a5-a4c32391aaa0}',
    'wrong',
  ])('rejects %s', (value) => expect(isUuid(value)).toBe(false))
})

describe('hashes (Data §2.4.2.3 mbox_sha1sum, §2.4.11 sha2)', () => {
  it('isSha1Hex accepts 40 hex digits in either case', () => {
    expect(isSha1Hex('cd9b00a5611f94eaa7b1661edab976068e364975')).toBe(true)
    expect(isSha1Hex('CD9B00A5611F94EAA7B1661EDAB976068E364975')).toBe(true)
    expect(isSha1Hex('cd9b00a5611f94eaa7b1661edab976068e36497')).toBe(false)
    expect(isSha1Hex('zd9b00a5611f94eaa7b1661edab976068e364975')).toBe(false)
  })
  it('isSha2Hex accepts SHA-224/256/384/512 digests only', () => {
    expect(isSha2Hex('a'.repeat(56))).toBe(true)
    expect(isSha2Hex('495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a')).toBe(true)
    expect(isSha2Hex('b'.repeat(96))).toBe(true)
    expect(isSha2Hex('c'.repeat(128))).toBe(true)
    expect(isSha2Hex('d'.repeat(40))).toBe(false)
    expect(isSha2Hex('')).toBe(false)
  })
})

describe('isLanguageTag (RFC 5646; Data §2.2, XAPI-00013, XAPI-00121)', () => {
  it.each([
    'en',
    'en-US',
    'de-DE',
    'zh-Hant',
    'zh-Hans-CN',
    'sr-Latn-RS',
    'sr-Cyrl',
    'es-419',
    'ase',
    'tlh',
    'de-CH-1901',
    'en-US-x-twain',
    'x-whatever',
    'i-klingon',
    'EN-gb',
  ])('accepts %s', (tag) => expect(isLanguageTag(tag)).toBe(true))

  it.each([
    'something',
    'en-something-AU',
    'zh-something-ccc',
    'a12345',
    'a12345678',
    's-something',
    'en_US',
    'en-',
    '',
  ])('rejects %s', (tag) => expect(isLanguageTag(tag)).toBe(false))
})

describe('isDuration (ISO 8601:2004 §4.4.3.2; Data §4.6, XAPI-00124)', () => {
  it.each([
    'PT1H0M0S',
    'PT1H0M0.1S',
    'PT4H35M59.14S',
    'PT16559.14S',
    'P3Y1M29DT4H35M59.14S',
    'P3Y',
    'P4W',
    'P1DT12H36M0.12567S',
    'PT0,5S',
  ])('accepts %s', (value) => expect(isDuration(value)).toBe(true))

  it.each([
    ['weeks combined with days', 'P4W1D'],
    ['a letter in the number', 'PA1H0M0S'],
    ['no component', 'P'],
    ['T without a time component', 'P1DT'],
    ['the alternative format of §4.4.3.3', 'P0003-01-29T04:35:59'],
    ['a fraction not on the lowest order', 'PT1.5H30M'],
    ['a plain string', 'should fail'],
  ])('rejects %s', (_why, value) => expect(isDuration(value)).toBe(false))
})

describe('isMediaType (RFC 2046; Data §2.4.11 contentType, XAPI-00105)', () => {
  it.each(['text/plain', 'text/plain; charset=ascii', 'application/octet-stream', 'image/svg+xml'])(
    'accepts %s',
    (value) => expect(isMediaType(value)).toBe(true),
  )
  it.each(['text', 'should fail', '/plain', 'text/'])('rejects %s', (value) =>
    expect(isMediaType(value)).toBe(false),
  )
})
