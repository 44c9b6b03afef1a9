/** @module Validation of the Result and Score objects (Data §2.4.5). */
import { InvalidStatementError } from '../errors/errors.js'
import { isDuration } from './formats.js'
import {
  expectBoolean,
  expectExtensions,
  expectNumber,
  expectObject,
  expectString,
  propertyPath,
} from './validate-values.js'

const RESULT_KEYS: ReadonlySet<string> = new Set([
  'score',
  'success',
  'completion',
  'response',
  'duration',
  'extensions',
])
const SCORE_KEYS: ReadonlySet<string> = new Set(['scaled', 'raw', 'min', 'max'])

/** A Result object (Data §2.4.5, XAPI-00074 to XAPI-00078). */
export function validateResult(value: unknown, path: string): void {
  const result = expectObject(value, path, 'a Result', RESULT_KEYS)
  if (result['score'] !== undefined) validateScore(result['score'], propertyPath(path, 'score'))
  if (result['success'] !== undefined)
    expectBoolean(result['success'], propertyPath(path, 'success'))
  if (result['completion'] !== undefined)
    expectBoolean(result['completion'], propertyPath(path, 'completion'))
  if (result['response'] !== undefined)
    expectString(result['response'], propertyPath(path, 'response'))
  if (result['duration'] !== undefined) {
    const durationPath = propertyPath(path, 'duration')
    if (!isDuration(expectString(result['duration'], durationPath)))
      throw InvalidStatementError(
        durationPath,
        'must be an ISO 8601:2004 §4.4.3.2 duration such as PT1H30M or P4W (Data §4.6, XAPI-00124)',
      )
  }
  if (result['extensions'] !== undefined)
    expectExtensions(result['extensions'], propertyPath(path, 'extensions'))
}

/**
 * A Score object (Data §2.4.5.1): scaled within [-1, 1] (XAPI-00083), min below max
 * (XAPI-00080/81), raw within [min, max] where present (XAPI-00082).
 */
function validateScore(value: unknown, path: string): void {
  const score = expectObject(value, path, 'a Score', SCORE_KEYS)
  const number = (key: string): number | undefined =>
    score[key] === undefined ? undefined : expectNumber(score[key], propertyPath(path, key))
  const scaled = number('scaled')
  const raw = number('raw')
  const min = number('min')
  const max = number('max')
  if (scaled !== undefined && (scaled < -1 || scaled > 1))
    throw InvalidStatementError(
      propertyPath(path, 'scaled'),
      'must be between -1 and 1 inclusive (Data §2.4.5.1, XAPI-00083)',
    )
  if (min !== undefined && max !== undefined && min >= max)
    throw InvalidStatementError(
      propertyPath(path, 'min'),
      'must be less than max (Data §2.4.5.1, XAPI-00080, XAPI-00081)',
    )
  if (raw !== undefined && min !== undefined && raw < min)
    throw InvalidStatementError(
      propertyPath(path, 'raw'),
      'must not be less than min (Data §2.4.5.1, XAPI-00082)',
    )
  if (raw !== undefined && max !== undefined && raw > max)
    throw InvalidStatementError(
      propertyPath(path, 'raw'),
      'must not be greater than max (Data §2.4.5.1, XAPI-00082)',
    )
}
