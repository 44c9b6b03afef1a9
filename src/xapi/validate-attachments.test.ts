import { describe, expect, it } from 'vitest'
import { invalidStatementOf, withProperty } from '../../test/fixtures/build-statement.js'
import { validateAttachments } from './validate-attachments.js'

const attachment = {
  usageType: 'http://example.com/attachment-usage/test',
  display: { 'en-US': 'A test attachment' },
  description: { 'en-US': 'A test attachment (description)' },
  contentType: 'text/plain; charset=ascii',
  length: 27,
  sha2: '495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a',
  fileUrl: 'http://over.there.com/file.txt',
}

describe('validateAttachments accepts Attachment arrays (Data §2.4.11)', () => {
  it.each([
    ['a full attachment', [attachment]],
    ['no attachments', []],
    [
      'an attachment without description or fileUrl',
      [withProperty(withProperty(attachment, 'fileUrl', undefined), 'description', undefined)],
    ],
    ['an empty attachment (length 0)', [withProperty(attachment, 'length', 0)]],
    ['a SHA-512 hash', [withProperty(attachment, 'sha2', 'ab'.repeat(64))]],
  ])('accepts %s', (_name, value) =>
    expect(() => validateAttachments(value, 'attachments')).not.toThrow(),
  )
})

describe('validateAttachments rejects invalid attachments', () => {
  it.each([
    ['attachments that are an object (XAPI-00025)', attachment, 'attachments', /array/],
    ['an attachment that is a number (XAPI-00025)', [12345], 'attachments[0]', /Attachment object/],
    [
      'an unknown property (XAPI-00010)',
      [withProperty(attachment, 'url', 'http://x.org')],
      'attachments[0].url',
      /not a property of an Attachment/,
    ],
    [
      'no usageType (XAPI-00107)',
      [withProperty(attachment, 'usageType', undefined)],
      'attachments[0].usageType',
      /XAPI-00107/,
    ],
    [
      'a usageType without scheme (XAPI-00011, XAPI-00107)',
      [withProperty(attachment, 'usageType', 'example.com/attachment-usage/test')],
      'attachments[0].usageType',
      /IRI/,
    ],
    [
      'no display (XAPI-00106)',
      [withProperty(attachment, 'display', undefined)],
      'attachments[0].display',
      /XAPI-00106/,
    ],
    [
      'a display that is a number (XAPI-00106)',
      [withProperty(attachment, 'display', 12345)],
      'attachments[0].display',
      /language map/,
    ],
    [
      'a description that is a string',
      [withProperty(attachment, 'description', 'should error')],
      'attachments[0].description',
      /language map/,
    ],
    [
      'no contentType (XAPI-00105)',
      [withProperty(attachment, 'contentType', undefined)],
      'attachments[0].contentType',
      /XAPI-00105/,
    ],
    [
      'a numeric contentType (XAPI-00105)',
      [withProperty(attachment, 'contentType', 12345)],
      'attachments[0].contentType',
      /string/,
    ],
    [
      'a contentType that is no media type (XAPI-00105)',
      [withProperty(attachment, 'contentType', 'should fail')],
      'attachments[0].contentType',
      /Media Type/,
    ],
    [
      'no length (XAPI-00102)',
      [withProperty(attachment, 'length', undefined)],
      'attachments[0].length',
      /XAPI-00102/,
    ],
    [
      'a length that is a string (XAPI-00102)',
      [withProperty(attachment, 'length', '27')],
      'attachments[0].length',
      /number/,
    ],
    [
      'a fractional length (XAPI-00102)',
      [withProperty(attachment, 'length', 2.5)],
      'attachments[0].length',
      /integer/,
    ],
    [
      'a negative length',
      [withProperty(attachment, 'length', -1)],
      'attachments[0].length',
      /non-negative/,
    ],
    [
      'no sha2 (XAPI-00103)',
      [withProperty(attachment, 'sha2', undefined)],
      'attachments[0].sha2',
      /XAPI-00103/,
    ],
    [
      'a numeric sha2 (XAPI-00103)',
      [withProperty(attachment, 'sha2', 12345)],
      'attachments[0].sha2',
      /string/,
    ],
    [
      'a sha2 that is not a SHA-2 digest (XAPI-00103)',
      [withProperty(attachment, 'sha2', 'not a hash')],
      'attachments[0].sha2',
      /SHA-2/,
    ],
    [
      'a fileUrl without scheme (XAPI-00104, XAPI-00011)',
      [withProperty(attachment, 'fileUrl', 'over.there.com/file.txt')],
      'attachments[0].fileUrl',
      /IRL/,
    ],
  ])('rejects %s', (_name, value, path, rule) => {
    const invalid = invalidStatementOf(() => validateAttachments(value, 'attachments'))
    expect(invalid.path).toBe(path)
    expect(invalid.rule).toMatch(rule)
  })
})
