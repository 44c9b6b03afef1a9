/** @module Validation of Attachment objects, the statement's attachment headers (Data §2.4.11). */
import { InvalidStatementError } from '../errors/errors.js'
import { isMediaType, isSha2Hex } from './formats.js'
import {
  expectArray,
  expectIri,
  expectIrl,
  expectLanguageMap,
  expectNumber,
  expectObject,
  expectString,
  itemPath,
  propertyPath,
  required,
} from './validate-values.js'

const ATTACHMENT_KEYS: ReadonlySet<string> = new Set([
  'usageType',
  'display',
  'description',
  'contentType',
  'length',
  'sha2',
  'fileUrl',
])

/** The `attachments` property: an array of Attachment objects (XAPI-00025). */
export function validateAttachments(value: unknown, path: string): void {
  expectArray(value, path).forEach((item, index) => validateAttachment(item, itemPath(path, index)))
}

/** One Attachment (Data §2.4.11, XAPI-00102 to XAPI-00107). */
function validateAttachment(value: unknown, path: string): void {
  const attachment = expectObject(value, path, 'an Attachment', ATTACHMENT_KEYS)
  const section = 'Data §2.4.11'
  expectIri(
    required(attachment, 'usageType', path, `${section}, XAPI-00107`),
    propertyPath(path, 'usageType'),
  )
  expectLanguageMap(
    required(attachment, 'display', path, `${section}, XAPI-00106`),
    propertyPath(path, 'display'),
  )
  if (attachment['description'] !== undefined)
    expectLanguageMap(attachment['description'], propertyPath(path, 'description'))

  const contentTypePath = propertyPath(path, 'contentType')
  const contentType = expectString(
    required(attachment, 'contentType', path, `${section}, XAPI-00105`),
    contentTypePath,
  )
  if (!isMediaType(contentType))
    throw InvalidStatementError(
      contentTypePath,
      `must be an Internet Media Type such as text/plain (${section}, XAPI-00105)`,
    )

  const lengthPath = propertyPath(path, 'length')
  const length = expectNumber(
    required(attachment, 'length', path, `${section}, XAPI-00102`),
    lengthPath,
  )
  if (!Number.isInteger(length) || length < 0)
    throw InvalidStatementError(
      lengthPath,
      `must be a non-negative integer number of octets (${section}, XAPI-00102)`,
    )

  const sha2Path = propertyPath(path, 'sha2')
  const sha2 = expectString(required(attachment, 'sha2', path, `${section}, XAPI-00103`), sha2Path)
  if (!isSha2Hex(sha2))
    throw InvalidStatementError(
      sha2Path,
      `must be the hex SHA-2 hash of the attachment data (${section}, XAPI-00103)`,
    )

  if (attachment['fileUrl'] !== undefined)
    expectIrl(attachment['fileUrl'], propertyPath(path, 'fileUrl'))
}
