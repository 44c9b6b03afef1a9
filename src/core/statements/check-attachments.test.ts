import { createHash, generateKeyPairSync } from 'node:crypto'
import { CompactSign } from 'jose'
import { describe, expect, it } from 'vitest'
import { BadRequestError, InvalidStatementError } from '../../errors/errors.js'
import type { Attachment, Statement } from '../../xapi/types.js'
import type { AttachmentPart } from '../lrs.js'
import { checkAttachments } from './check-attachments.js'

const SIGNATURE = 'http://adlnet.gov/expapi/attachments/signature'
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })

function digest(algorithm: string, content: Uint8Array | string): string {
  return createHash(algorithm).update(content).digest('hex')
}

/** An attachment part as `parseMultipartMixed` yields it, hashed with `algorithm`. */
function part(
  content: string | Uint8Array,
  contentType = 'text/plain',
  algorithm = 'sha256',
): AttachmentPart {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content
  return { sha2: digest(algorithm, bytes), contentType, content: bytes }
}

function attachment(of: AttachmentPart, overrides: Partial<Attachment> = {}): Attachment {
  return {
    usageType: 'http://example.com/attachment-usage/test',
    display: { 'en-US': 'A test attachment' },
    contentType: of.contentType,
    length: of.content.byteLength,
    sha2: of.sha2,
    ...overrides,
  }
}

function statement(attachments?: Attachment[], overrides: Partial<Statement> = {}): Statement {
  return {
    id: 'fd41c918-b88b-4b20-a0a5-a4c32391aaa0',
    actor: { objectType: 'Agent', mbox: 'mailto:learner@example.com' },
    verb: { id: 'http://adlnet.gov/expapi/verbs/attempted' },
    object: { objectType: 'Activity', id: 'http://example.com/activities/essay' },
    ...(attachments === undefined ? {} : { attachments }),
    ...overrides,
  }
}

function signatureOf(of: AttachmentPart, overrides: Partial<Attachment> = {}): Attachment {
  return attachment(of, { usageType: SIGNATURE, display: { 'en-US': 'Signature' }, ...overrides })
}

/** Signs `signed` as a compact RS256 JWS (no x5c), the way the ADL suite does. */
async function signaturePart(signed: Statement, alg = 'RS256'): Promise<AttachmentPart> {
  const key = alg.startsWith('HS') ? new Uint8Array(32).fill(1) : privateKey
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(signed)))
    .setProtectedHeader({ alg })
    .sign(key)
  return part(jws, 'application/octet-stream')
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error: unknown) {
    expect(BadRequestError.is(error) || InvalidStatementError.is(error)).toBe(true)
    return error as Error
  }
  throw new Error('expected checkAttachments to reject')
}

describe('checkAttachments: matching parts to attachments', () => {
  it('returns the part of each declared attachment', async () => {
    const essay = part('here is a simple attachment\r\n--with a CRLF inside')
    const result = await checkAttachments([statement([attachment(essay)])], [essay], '1.0.3')
    expect(result).toEqual([essay])
  })

  it('accepts SHA-224, SHA-384, SHA-512 and SHA-512/256 hashes (Data §2.4.11)', async () => {
    const parts = ['sha224', 'sha384', 'sha512', 'sha512-256'].map((algorithm) =>
      part(`hashed with ${algorithm}`, 'text/plain', algorithm),
    )
    const result = await checkAttachments(
      [statement(parts.map((p) => attachment(p)))],
      parts,
      '2.0.0',
    )
    expect(result.map((p) => p.sha2)).toEqual(parts.map((p) => p.sha2))
  })

  it('persists one part per sha2 when statements share an attachment', async () => {
    const shared = part('shared certificate')
    const copy = { ...shared, content: Buffer.from(shared.content) }
    const result = await checkAttachments(
      [
        statement([attachment(shared)]),
        statement([attachment(shared)], { id: '5e3c1a7b-2d4f-4b6e-8a9c-1d2e3f4a5b6c' }),
      ],
      [shared, copy],
      '1.0.3',
    )
    expect(result).toHaveLength(1)
    expect(result[0]!.sha2).toBe(shared.sha2)
  })

  it('matches hashes case-insensitively and keys the result by the declared spelling', async () => {
    const essay = part('Essay')
    const declared = essay.sha2.toUpperCase()
    const result = await checkAttachments(
      [statement([attachment(essay, { sha2: declared })])],
      [essay],
      '1.0.3',
    )
    expect(result).toEqual([{ ...essay, sha2: declared }])
  })

  it('uses the declared contentType when the part had no Content-Type header', async () => {
    const image = { ...part(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a])), contentType: '' }
    const result = await checkAttachments(
      [statement([attachment(image, { contentType: 'image/png' })])],
      [image],
      '2.0.0',
    )
    expect(result[0]!.contentType).toBe('image/png')
  })

  it('does not compare the declared length (the ADL suite sends hex text with the binary length)', async () => {
    const hexText = part('ffd8ffe000104a464946')
    const result = await checkAttachments(
      [statement([attachment(hexText, { length: 10 })])],
      [hexText],
      '1.0.3',
    )
    expect(result).toHaveLength(1)
  })

  it('rejects an attachment without fileUrl and without a part (XAPI-00129)', async () => {
    const first = part('first')
    const second = part('second')
    const error = await rejection(
      checkAttachments([statement([attachment(first), attachment(second)])], [first], '1.0.3'),
    )
    expect(InvalidStatementError.is(error)).toBe(true)
    expect(error.message).toMatch(/^statements\[0\]\.attachments\[1\]: .*XAPI-00129/)
  })

  it('rejects raw-data attachments sent as application/json, i.e. with no parts', async () => {
    const essay = part('essay')
    const error = await rejection(checkAttachments([statement([attachment(essay)])], [], '2.0.0'))
    expect(error.message).toMatch(/statements\[0\]\.attachments\[0\]/)
  })

  it('accepts fileUrl attachments with no part, and no parts at all (Communication §1.5.2)', async () => {
    const remote = attachment(part('remote'), { fileUrl: 'http://over.there.com/file.txt' })
    for (const version of ['1.0.3', '2.0.0'] as const) {
      expect(await checkAttachments([statement([remote])], [], version)).toEqual([])
      expect(await checkAttachments([statement()], [], version)).toEqual([])
    }
  })

  it('keeps a part sent for a fileUrl attachment', async () => {
    const both = part('also hosted')
    const result = await checkAttachments(
      [statement([attachment(both, { fileUrl: 'http://example.com/file.txt' })])],
      [both],
      '1.0.3',
    )
    expect(result).toEqual([both])
  })

  it('rejects a part that no attachment declares (XAPI-00128)', async () => {
    const one = part('one')
    const two = part('two')
    const extra = part('three')
    const error = await rejection(
      checkAttachments([statement([attachment(one), attachment(two)])], [one, two, extra], '1.0.3'),
    )
    expect(BadRequestError.is(error)).toBe(true)
    expect(error.message).toMatch(/^attachment part 3 .*XAPI-00128/)
  })

  it('rejects a part whose content does not hash to its X-Experience-API-Hash', async () => {
    const essay = part('original')
    const tampered = { ...essay, content: Buffer.from('originaL') }
    const error = await rejection(
      checkAttachments([statement([attachment(essay)])], [tampered], '2.0.0'),
    )
    expect(error.message).toMatch(/^attachment part 1 .*does not hash/)
  })

  it('rejects a hash header that is not a hex SHA-2 digest', async () => {
    for (const sha2 of ['not-a-hash', 'abc123', digest('sha1', 'x'), `${digest('sha256', 'x')}0`]) {
      const bad = { ...part('x'), sha2 }
      const error = await rejection(
        checkAttachments([statement([attachment(bad)])], [bad], '1.0.3'),
      )
      expect(error.message).toMatch(/not a hex SHA-2 digest/)
    }
  })

  it('requires the raw data of a SubStatement attachment, naming it by path', async () => {
    const inner = part('attached to the SubStatement')
    const sub = statement(undefined, {
      object: {
        objectType: 'SubStatement',
        actor: { objectType: 'Agent', mbox: 'mailto:other@example.com' },
        verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
        object: { id: 'http://example.com/activities/inner' },
        attachments: [attachment(inner)],
      },
    })
    const error = await rejection(checkAttachments([sub], [], '1.0.3'))
    expect(error.message).toMatch(/^statements\[0\]\.object\.attachments\[0\]:/)
    expect(await checkAttachments([sub], [inner], '1.0.3')).toEqual([inner])
  })
})

describe('checkAttachments: signed statements (Data §2.6)', () => {
  const signed = statement()

  it('accepts a statement with a valid JWS signature attachment', async () => {
    const jws = await signaturePart(signed)
    const result = await checkAttachments(
      [{ ...signed, attachments: [signatureOf(jws)] }],
      [jws],
      '1.0.3',
    )
    expect(result).toEqual([jws])
  })

  it('verifies each signature against the statement that declares it', async () => {
    const other = statement(undefined, { id: '0b6d1e52-3f4a-4c3e-9a47-6d8c0f1b2e3a' })
    const jws = await signaturePart(signed)
    const error = await rejection(
      checkAttachments(
        [
          { ...signed, attachments: [signatureOf(jws)] },
          {
            ...other,
            verb: { id: 'http://adlnet.gov/expapi/verbs/failed' },
            attachments: [signatureOf(jws)],
          },
        ],
        [jws],
        '2.0.0',
      ),
    )
    expect(error.message).toMatch(/^statements\[1\]\.attachments\[0\]: signature: .*XAPI-00116/)
  })

  it('rejects a signature attachment whose contentType is not application/octet-stream (XAPI-00115)', async () => {
    const jws = { ...(await signaturePart(signed)), contentType: 'text/plain; charset=ascii' }
    const error = await rejection(
      checkAttachments([{ ...signed, attachments: [signatureOf(jws)] }], [jws], '1.0.3'),
    )
    expect(error.message).toMatch(/^statements\[0\]\.attachments\[0\]: .*octet-stream.*XAPI-00115/)
  })

  it('rejects a signature attachment with no JWS part, even with a fileUrl (XAPI-00115)', async () => {
    const jws = await signaturePart(signed)
    const declared = signatureOf(jws, { fileUrl: 'http://example.com/signature.jws' })
    const error = await rejection(
      checkAttachments([{ ...signed, attachments: [declared] }], [], '1.0.3'),
    )
    expect(error.message).toMatch(/no part .*XAPI-00115/)
  })

  it('rejects a tampered statement: the payload no longer matches', async () => {
    const jws = await signaturePart(signed)
    const tampered = { ...signed, verb: { id: 'http://adlnet.gov/expapi/verbs/passed' } }
    const error = await rejection(
      checkAttachments([{ ...tampered, attachments: [signatureOf(jws)] }], [jws], '1.0.3'),
    )
    expect(error.message).toMatch(/^statements\[0\]\.attachments\[0\]: signature: the JWS payload/)
  })

  it('rejects a JWS using another algorithm (XAPI-00117)', async () => {
    const jws = await signaturePart(signed, 'HS256')
    const error = await rejection(
      checkAttachments([{ ...signed, attachments: [signatureOf(jws)] }], [jws], '2.0.0'),
    )
    expect(error.message).toMatch(/'HS256'/)
  })

  it('rejects a signature part that is not text', async () => {
    const binary = part(new Uint8Array([0xff, 0xfe, 0x00]), 'application/octet-stream')
    const error = await rejection(
      checkAttachments([{ ...signed, attachments: [signatureOf(binary)] }], [binary], '1.0.3'),
    )
    expect(error.message).toMatch(/not text/)
  })

  it('treats a signature usageType inside a SubStatement as an ordinary attachment', async () => {
    const inner = part('not a JWS', 'text/plain')
    const sub = statement(undefined, {
      object: {
        objectType: 'SubStatement',
        actor: { objectType: 'Agent', mbox: 'mailto:other@example.com' },
        verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
        object: { id: 'http://example.com/activities/inner' },
        attachments: [attachment(inner, { usageType: SIGNATURE })],
      },
    })
    expect(await checkAttachments([sub], [inner], '1.0.3')).toEqual([inner])
  })
})
