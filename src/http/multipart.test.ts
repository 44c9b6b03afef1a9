import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { BadRequestError } from '../errors/errors.js'
import { buildMultipartMixed, parseMultipartMixed } from './multipart.js'

const BOUNDARY = '-------314159265358979323846'
const CONTENT_TYPE = `multipart/mixed; boundary=${BOUNDARY}`
const STATEMENT_JSON = JSON.stringify({
  actor: { mbox: 'mailto:learner@example.com' },
  verb: { id: 'http://adlnet.gov/expapi/verbs/answered' },
  object: { id: 'http://example.com/activities/multipart' },
})

/** Binary content that a naive text parser would mangle: CRLFs, dashes, NUL and high bytes. */
const BINARY = new Uint8Array([
  0x00, 0xff, 0x0d, 0x0a, 0x2d, 0x2d, 0x0d, 0x0a, 0x0d, 0x0a, 0x80, 0xfe, 0x2d, 0x2d, 0x2d, 0x0d,
  0x0a,
])

function sha256(content: Uint8Array | string): string {
  return createHash('sha256').update(content).digest('hex')
}

function bytes(...pieces: (string | Uint8Array)[]): Uint8Array {
  return Buffer.concat(pieces.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)))
}

function catchError(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error: unknown) {
    return error
  }
  throw new Error('expected a throw')
}

function expectBadRequest(fn: () => unknown, message: RegExp): void {
  const error = catchError(fn)
  expect(BadRequestError.is(error)).toBe(true)
  expect((error as Error).message).toMatch(message)
}

/** The shape the ADL suite sends (H.Communication1.5): CRLF everywhere, closing delimiter + CRLF. */
function suiteBody(attachmentHeaders: string[], content: Uint8Array | string = BINARY): Uint8Array {
  return bytes(
    `--${BOUNDARY}\r\n`,
    'Content-Type: application/json\r\n\r\n',
    STATEMENT_JSON,
    `\r\n--${BOUNDARY}\r\n`,
    attachmentHeaders.map((h) => `${h}\r\n`).join(''),
    '\r\n',
    content,
    `\r\n--${BOUNDARY}--\r\n`,
  )
}

describe('parseMultipartMixed', () => {
  it('returns the statements JSON and the raw bytes of each attachment part', () => {
    const other = Buffer.from('second\r\n--attachment\r\n', 'utf8')
    const body = bytes(
      `--${BOUNDARY}\r\n`,
      'Content-Type: application/json\r\n\r\n',
      STATEMENT_JSON,
      `\r\n--${BOUNDARY}\r\n`,
      'Content-Type: image/png\r\nContent-Transfer-Encoding: binary\r\n',
      `X-Experience-API-Hash: ${sha256(BINARY)}\r\n\r\n`,
      BINARY,
      `\r\n--${BOUNDARY}\r\n`,
      'content-type:text/plain\r\ncontent-transfer-encoding:BINARY\r\n',
      `x-experience-api-hash:${sha256(other)}\r\n\r\n`,
      other,
      `\r\n--${BOUNDARY}--\r\n`,
    )

    const parsed = parseMultipartMixed(body, CONTENT_TYPE)

    expect(parsed.statementJson).toBe(STATEMENT_JSON)
    expect(parsed.parts).toHaveLength(2)
    expect(parsed.parts[0]).toEqual({
      sha2: sha256(BINARY),
      contentType: 'image/png',
      content: BINARY,
    })
    expect(Buffer.from(parsed.parts[1]!.content).equals(other)).toBe(true)
    expect(parsed.parts[1]!.contentType).toBe('text/plain')
    expect(parsed.parts[1]!.sha2).toBe(sha256(other))
  })

  it('accepts attachments beyond the parser library’s 2 MiB default part limit', () => {
    const large = new Uint8Array(3 * 1024 * 1024).fill(0x0d)
    const parsed = parseMultipartMixed(
      suiteBody([`X-Experience-API-Hash: ${sha256(large)}`], large),
      CONTENT_TYPE,
    )
    expect(parsed.parts[0]!.content.byteLength).toBe(large.byteLength)
  })

  it('accepts a body with only the statements part (2.0: no attachment parts)', () => {
    const body = bytes(
      `--${BOUNDARY}\r\nContent-Type: application/json\r\n\r\n`,
      STATEMENT_JSON,
      `\r\n--${BOUNDARY}--\r\n`,
    )
    expect(parseMultipartMixed(body, CONTENT_TYPE)).toEqual({
      statementJson: STATEMENT_JSON,
      parts: [],
    })
  })

  it('skips a preamble, including the bare leading CRLF of the suite’s signed statements', () => {
    for (const preamble of ['\r\n', 'This is a preamble.\r\n']) {
      const body = bytes(preamble, suiteBody([`X-Experience-API-Hash:${sha256(BINARY)}`]))
      const parsed = parseMultipartMixed(body, CONTENT_TYPE)
      expect(parsed.statementJson).toBe(STATEMENT_JSON)
      expect(parsed.parts[0]!.content).toEqual(BINARY)
    }
  })

  it('accepts the quoted boundary of the spec example (Communication §1.5.2)', () => {
    const boundary = "abcABC0123'()+_,-./:=?"
    const body = bytes(
      `--${boundary}\r\nContent-Type:application/json\r\n\r\n`,
      STATEMENT_JSON,
      `\r\n--${boundary}\r\nContent-Type:text/plain\r\nContent-Transfer-Encoding:binary\r\n`,
      `X-Experience-API-Hash:${sha256('here is a simple attachment')}\r\n\r\n`,
      'here is a simple attachment',
      `\r\n--${boundary}--`,
    )
    const parsed = parseMultipartMixed(body, `multipart/mixed; boundary="${boundary}"`)
    expect(Buffer.from(parsed.parts[0]!.content).toString()).toBe('here is a simple attachment')
  })

  it('assumes binary when Content-Transfer-Encoding is absent (Communication §1.5.2 SHOULD)', () => {
    const parsed = parseMultipartMixed(
      suiteBody([
        'Content-Type: application/octet-stream',
        `X-Experience-API-Hash: ${sha256(BINARY)}`,
      ]),
      CONTENT_TYPE,
    )
    expect(parsed.parts[0]!.content).toEqual(BINARY)
  })

  it("reports an absent part Content-Type as ''", () => {
    const parsed = parseMultipartMixed(
      suiteBody([`X-Experience-API-Hash: ${sha256(BINARY)}`]),
      CONTENT_TYPE,
    )
    expect(parsed.parts[0]!.contentType).toBe('')
  })

  it('rejects a Content-Type that is not multipart/mixed (XAPI-00127)', () => {
    expectBadRequest(
      () =>
        parseMultipartMixed(
          suiteBody([`X-Experience-API-Hash: ${sha256(BINARY)}`]),
          `multipart/form-data; boundary=${BOUNDARY}`,
        ),
      /multipart\/mixed/,
    )
  })

  it('rejects a missing or invalid boundary parameter (XAPI-00131)', () => {
    const body = suiteBody([`X-Experience-API-Hash: ${sha256(BINARY)}`])
    expectBadRequest(() => parseMultipartMixed(body, 'multipart/mixed;'), /no boundary/)
    expectBadRequest(() => parseMultipartMixed(body, 'multipart/mixed'), /no boundary/)
    expectBadRequest(() => parseMultipartMixed(body, 'multipart/mixed; boundary=""'), /boundary/)
    expectBadRequest(
      () => parseMultipartMixed(body, `multipart/mixed; boundary=${'x'.repeat(71)}`),
      /not valid/,
    )
  })

  it('rejects a body that does not contain the boundary (XAPI-00131)', () => {
    const body = suiteBody([`X-Experience-API-Hash: ${sha256(BINARY)}`])
    expectBadRequest(
      () => parseMultipartMixed(body, 'multipart/mixed; boundary=somethingelse'),
      /does not contain the boundary/,
    )
    expectBadRequest(() => parseMultipartMixed(new Uint8Array(), CONTENT_TYPE), /boundary/)
  })

  it('rejects a body without its closing delimiter', () => {
    const body = bytes(
      `--${BOUNDARY}\r\nContent-Type: application/json\r\n\r\n`,
      STATEMENT_JSON,
      `\r\n--${BOUNDARY}\r\nX-Experience-API-Hash: ${sha256(BINARY)}\r\n\r\n`,
      BINARY,
    )
    expectBadRequest(() => parseMultipartMixed(body, CONTENT_TYPE), /malformed multipart/)
  })

  it('rejects a first part that is not application/json (XAPI-00134)', () => {
    const body = bytes(
      `--${BOUNDARY}\r\nContent-Type: text/plain\r\n\r\n`,
      STATEMENT_JSON,
      `\r\n--${BOUNDARY}--\r\n`,
    )
    expectBadRequest(() => parseMultipartMixed(body, CONTENT_TYPE), /application\/json.*XAPI-00134/)
    // A part without any header section (RFC 2046 default text/plain) is refused as well; the
    // parser reports it as malformed framing.
    const untyped = bytes(`--${BOUNDARY}\r\n\r\n`, STATEMENT_JSON, `\r\n--${BOUNDARY}--\r\n`)
    expectBadRequest(() => parseMultipartMixed(untyped, CONTENT_TYPE), /multipart/)
    const headerless = bytes(
      `--${BOUNDARY}\r\nX-Other: 1\r\n\r\n`,
      STATEMENT_JSON,
      `\r\n--${BOUNDARY}--\r\n`,
    )
    expectBadRequest(() => parseMultipartMixed(headerless, CONTENT_TYPE), /XAPI-00134/)
  })

  it('accepts charset parameters on the statements part', () => {
    const body = bytes(
      `--${BOUNDARY}\r\nContent-Type: Application/JSON; charset=UTF-8\r\n\r\n`,
      STATEMENT_JSON,
      `\r\n--${BOUNDARY}--\r\n`,
    )
    expect(parseMultipartMixed(body, CONTENT_TYPE).statementJson).toBe(STATEMENT_JSON)
  })

  it('rejects a part whose delimiter is missing, leaving junk after the JSON (XAPI-00130)', () => {
    const body = bytes(
      `--${BOUNDARY}\r\nContent-Type: application/json\r\n\r\n`,
      STATEMENT_JSON,
      '\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n',
      `X-Experience-API-Hash: ${sha256('text')}\r\n\r\ntext`,
      `\r\n--${BOUNDARY}--\r\n`,
    )
    expectBadRequest(() => parseMultipartMixed(body, CONTENT_TYPE), /not valid JSON/)
  })

  it('rejects statements split over two JSON parts (XAPI-00133)', () => {
    const body = bytes(
      `--${BOUNDARY}\r\nContent-Type: application/json\r\n\r\n`,
      STATEMENT_JSON,
      `\r\n--${BOUNDARY}\r\nContent-Type: application/json\r\n\r\n`,
      STATEMENT_JSON,
      `\r\n--${BOUNDARY}--\r\n`,
    )
    expectBadRequest(() => parseMultipartMixed(body, CONTENT_TYPE), /X-Experience-API-Hash/)
  })

  it('rejects an attachment part without X-Experience-API-Hash (XAPI-00132)', () => {
    expectBadRequest(
      () =>
        parseMultipartMixed(
          suiteBody(['Content-Type: text/plain', 'Content-Transfer-Encoding: binary']),
          CONTENT_TYPE,
        ),
      /attachment part 1 has no X-Experience-API-Hash/,
    )
  })

  it('rejects a Content-Transfer-Encoding other than binary (XAPI-00135)', () => {
    expectBadRequest(
      () =>
        parseMultipartMixed(
          suiteBody([
            'Content-Type: text/plain',
            'Content-Transfer-Encoding: base64',
            `X-Experience-API-Hash: ${sha256(BINARY)}`,
          ]),
          CONTENT_TYPE,
        ),
      /base64.*XAPI-00135/,
    )
  })

  it('rejects part headers that are not UTF-8 instead of crashing', () => {
    const body = suiteBody([`X-Experience-API-Hash: ${sha256(BINARY)}`, 'X-Odd: \xff\xfe'])
    expectBadRequest(() => parseMultipartMixed(body, CONTENT_TYPE), /attachment part 1 .*UTF-8/)
    const first = bytes(
      `--${BOUNDARY}\r\nContent-Type: application/json\r\nX-Odd: \xff\r\n\r\n`,
      STATEMENT_JSON,
      `\r\n--${BOUNDARY}--\r\n`,
    )
    expectBadRequest(() => parseMultipartMixed(first, CONTENT_TYPE), /statements part .*UTF-8/)
  })
})

describe('buildMultipartMixed', () => {
  const parts = [
    { sha2: sha256(BINARY), contentType: 'application/octet-stream', content: BINARY },
    { sha2: sha256('plain'), contentType: 'text/plain', content: Buffer.from('plain') },
  ]

  it('round-trips through parseMultipartMixed byte for byte', () => {
    const built = buildMultipartMixed(STATEMENT_JSON, parts)
    const parsed = parseMultipartMixed(built.body, built.contentType)
    expect(parsed.statementJson).toBe(STATEMENT_JSON)
    expect(parsed.parts.map((p) => p.sha2)).toEqual(parts.map((p) => p.sha2))
    expect(parsed.parts.map((p) => p.contentType)).toEqual([
      'application/octet-stream',
      'text/plain',
    ])
    expect(parsed.parts[0]!.content).toEqual(BINARY)
    expect(Buffer.from(parsed.parts[1]!.content).toString()).toBe('plain')
  })

  it('frames the statements first and gives every attachment part the §1.5.2 headers', () => {
    const built = buildMultipartMixed(STATEMENT_JSON, parts)
    const boundary = /^multipart\/mixed; boundary=([0-9a-f]+)$/.exec(built.contentType)?.[1]
    expect(boundary).toBeDefined()
    const text = Buffer.from(built.body).toString('latin1')
    expect(
      text.startsWith(
        `--${boundary}\r\nContent-Type: application/json\r\n\r\n${STATEMENT_JSON}\r\n`,
      ),
    ).toBe(true)
    expect(text).toContain(
      `\r\n--${boundary}\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: ${sha256('plain')}\r\n\r\nplain\r\n--${boundary}--\r\n`,
    )
    expect(text.endsWith(`--${boundary}--\r\n`)).toBe(true)
  })

  it('uses a fresh boundary each time', () => {
    const a = buildMultipartMixed(STATEMENT_JSON, []).contentType
    const b = buildMultipartMixed(STATEMENT_JSON, []).contentType
    expect(a).not.toBe(b)
  })

  it('builds a statements-only body when there are no attachments', () => {
    const built = buildMultipartMixed('{"statements":[],"more":""}', [])
    expect(parseMultipartMixed(built.body, built.contentType)).toEqual({
      statementJson: '{"statements":[],"more":""}',
      parts: [],
    })
  })

  it('keeps control characters in stored values out of the part headers', () => {
    const built = buildMultipartMixed(STATEMENT_JSON, [
      { sha2: sha256('x'), contentType: 'text/plain\r\nX-Injected: 1', content: Buffer.from('x') },
    ])
    const parsed = parseMultipartMixed(built.body, built.contentType)
    expect(parsed.parts[0]!.contentType).toBe('text/plain  X-Injected: 1')
    expect(Buffer.from(built.body).toString('latin1')).not.toContain('\r\nX-Injected')
  })
})
