import { describe, expect, it } from 'vitest'
import { isLrsError } from '../errors/lrs-error.js'
import {
  checkDocumentBody,
  isJsonContentType,
  mergeJsonObjects,
  mergeObjectTexts,
  parseJsonObject,
  postedDocument,
  type DocumentBody,
  type JsonObject,
} from './document-merge.js'

const encode = (text: string): Uint8Array => new TextEncoder().encode(text)
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)
const json = (value: unknown, contentType = 'application/json'): DocumentBody => ({
  contentType,
  content: encode(JSON.stringify(value)),
})

function badRequest(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    if (isLrsError(error) && error.kind === 'BadRequest') return error.message
    throw error
  }
  throw new Error('expected a BadRequest error')
}

describe('isJsonContentType', () => {
  it('accepts application/json with or without parameters, in any case', () => {
    expect(isJsonContentType('application/json')).toBe(true)
    expect(isJsonContentType('Application/JSON; charset=utf-8')).toBe(true)
  })

  it('rejects other media types', () => {
    expect(isJsonContentType('application/octet-stream')).toBe(false)
    expect(isJsonContentType('application/json-patch+json')).toBe(false)
    expect(isJsonContentType('')).toBe(false)
  })
})

describe('parseJsonObject', () => {
  it('returns objects only', () => {
    expect(parseJsonObject(encode('{"a":1}'))).toEqual({ a: 1 })
    expect(parseJsonObject(encode('[1]'))).toBeUndefined()
    expect(parseJsonObject(encode('"x"'))).toBeUndefined()
    expect(parseJsonObject(encode('{"a":1}{'))).toBeUndefined()
  })
})

describe('mergeJsonObjects (Communication §2.2 JSON Procedure)', () => {
  it('overwrites duplicate top-level properties and keeps the others (XAPI-00184)', () => {
    expect(mergeJsonObjects({ x: 'foo', y: 'bar' }, { x: 'bash', z: 'faz' })).toEqual({
      x: 'bash',
      y: 'bar',
      z: 'faz',
    })
  })

  it('replaces nested objects whole rather than merging them (XAPI-00183)', () => {
    expect(
      mergeJsonObjects({ car: { make: 'Ford', model: 'Escape' } }, { car: { make: 'Dodge' } }),
    ).toEqual({
      car: { make: 'Dodge' },
    })
  })
})

describe('checkDocumentBody', () => {
  it('accepts any bytes that do not claim to be JSON', () => {
    expect(() =>
      checkDocumentBody('post', { contentType: 'text/plain', content: encode('{') }),
    ).not.toThrow()
  })

  it('rejects invalid JSON declared application/json (XAPI-00314)', () => {
    expect(
      badRequest(() =>
        checkDocumentBody('post', { contentType: 'application/json', content: encode('{"a":1}[') }),
      ),
    ).toMatch(/not valid JSON/)
    expect(
      badRequest(() =>
        checkDocumentBody('put', { contentType: 'application/json', content: encode('nope') }),
      ),
    ).toMatch(/not valid JSON/)
  })

  it('rejects a POSTed JSON value that is not an object, but lets PUT store it', () => {
    expect(badRequest(() => checkDocumentBody('post', json([1, 2])))).toMatch(/JSON object/)
    expect(() => checkDocumentBody('put', json([1, 2]))).not.toThrow()
  })
})

describe('postedDocument', () => {
  it('keeps the posted bytes as they are when nothing exists yet (XAPI-00233)', () => {
    const posted = { contentType: 'text/plain', content: encode('hello') }
    expect(postedDocument(undefined, posted)).toBe(posted)
  })

  it('merges two JSON objects and stores the result as JSON (XAPI-00234)', () => {
    const result = postedDocument(json({ car: 'Honda' }), json({ type: 'Civic' }))
    expect(result.contentType).toBe('application/json')
    expect(JSON.parse(decode(result.content))).toEqual({ car: 'Honda', type: 'Civic' })
  })

  it('rejects a non-JSON post onto a JSON document (XAPI-00229 case 1)', () => {
    expect(
      badRequest(() =>
        postedDocument(json({ a: 1 }), { contentType: 'not/json', content: encode('abcdefg') }),
      ),
    ).toMatch(/not\/json/)
  })

  it('rejects a JSON post onto a non-JSON document (XAPI-00229 case 2)', () => {
    const existing = {
      contentType: 'application/octet-stream',
      content: encode('/ asdf / undefined'),
    }
    expect(badRequest(() => postedDocument(existing, json({ a: 1 })))).toMatch(/existing document/)
  })

  it('rejects a merge when the existing JSON document is not an object', () => {
    expect(badRequest(() => postedDocument(json([1]), json({ a: 1 })))).toMatch(/not a JSON object/)
  })
})

describe('mergeObjectTexts', () => {
  const cases: [string, string][] = [
    ['{}', '{"a":1}'],
    ['{"a":1,"b":[1,{"c":"}"}]}', '{"b":"x,y","d":null}'],
    [' { "s" : "quote \\" and \\\\ and {[," , "n":-1.5e3 } ', '{"s":true}'],
    ['{"dup":1,"dup":2,"k":{}}', '{"new":[[],[[]]],"k":{"z":"\\u007d"}}'],
    ['{"__proto__":{"x":1},"p":"\\"}"}', '{"q":"]"}'],
  ]
  it.each(cases)('merges %s with %s as the parsed merge does', (existing, posted) => {
    const merged = mergeObjectTexts(existing, posted)
    expect(JSON.parse(merged)).toEqual(
      mergeJsonObjects(JSON.parse(existing) as JsonObject, JSON.parse(posted) as JsonObject),
    )
  })

  it('copies nested values as written, without re-serialising them', () => {
    const deep = '['.repeat(50_000) + ']'.repeat(50_000)
    expect(mergeObjectTexts(`{"a": ${deep} }`, '{"b":1}')).toBe(`{"a":${deep},"b":1}`)
  })
})
