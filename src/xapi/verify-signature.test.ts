import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { CompactSign } from 'jose'
import { describe, expect, it } from 'vitest'
import { InvalidStatementError } from '../errors/errors.js'
import type { Attachment, Statement } from './types.js'
import { SIGNATURE_USAGE_TYPE, verifyStatementSignature } from './verify-signature.js'

// Data Appendix D: the spec's own signed statement, signed with a 1024-bit key whose (long expired)
// certificate is the first x5c entry. An LRS must accept it.
const APPENDIX_D_KEY = [
  '-----BEGIN RSA PRIVATE KEY-----',
  'MIICXAIBAAKBgQDjxvZXF30WL4oKjZYXgR0ZyaX+u3y6+JqTqiNkFa/VTnet6Ly2',
  'OT6ZmmcJEPnq3UnewpHoOQ+GfhhTkW13j06j5iNn4obcCVWTL9yXNvJH+Ko+xu4Y',
  'l/ySPRrIPyTjtHdG0M2XzIlmmLqm+CAS+KCbJeH4tf543kIWC5pC5p3cVQIDAQAB',
  'AoGAOejdvGq2XKuddu1kWXl0Aphn4YmdPpPyCNTaxplU6PBYMRjY0aNgLQE6bO2p',
  '/HJiU4Y4PkgzkEgCu0xf/mOq5DnSkX32ICoQS6jChABAe20ErPfm5t8h9YKsTfn9',
  '40lAouuwD9ePRteizd4YvHtiMMwmh5PtUoCbqLefawNApAECQQD1mdBW3zL0okUx',
  '2pc4tttn2qArCG4CsEZMLlGRDd3FwPWJz3ZPNEEgZWXGSpA9F1QTZ6JYXIfejjRo',
  'UuvRMWeBAkEA7WvzDBNcv4N+xeUKvH8ILti/BM58LraTtqJlzjQSovek0srxtmDg',
  '5of+xrxN6IM4p7yvQa+7YOUOukrVXjG+1QJBAI2mBrjzxgm9xTa5odn97JD7UMFA',
  '/WHjlMe/Nx/35V52qaav1sZbluw+TvKMcqApYj5G2SUpSNudHLDGkmd2nQECQFfc',
  'lBRK8g7ZncekbGW3aRLVGVOxClnLLTzwOlamBKOUm8V6XxsMHQ6TE2D+fKJoNUY1',
  '2HGpk+FWwy2D1hRGuoUCQAXfaLSxtaWdPtlZTPVueF7ZikQDsVg+vtTFgpuHloR2',
  '6EVc1RbHHZm32yvGDY8IkcoMfJQqLONDdLfS/05yoNU=',
  '-----END RSA PRIVATE KEY-----',
].join('\n')

const APPENDIX_D_CERT = [
  'MIIDATCCAmqgAwIBAgIJAMB1csNuA6+kMA0GCSqGSIb3DQEBBQUAMHExCzAJBgNVBAYTAlVTMRIwEAYDVQQIEwlU',
  'ZW5uZXNzZWUxGDAWBgNVBAoTD0V4YW1wbGUgQ29tcGFueTEQMA4GA1UEAxMHRXhhbXBsZTEiMCAGCSqGSIb3DQEJ',
  'ARYTZXhhbXBsZUBleGFtcGxlLmNvbTAeFw0xMzA0MDQxNTI4MzBaFw0xNDA0MDQxNTI4MzBaMIGWMQswCQYDVQQG',
  'EwJVUzESMBAGA1UECBMJVGVubmVzc2VlMREwDwYDVQQHEwhGcmFua2xpbjEYMBYGA1UEChMPRXhhbXBsZSBDb21w',
  'YW55MRAwDgYDVQQLEwdFeGFtcGxlMRAwDgYDVQQDEwdFeGFtcGxlMSIwIAYJKoZIhvcNAQkBFhNleGFtcGxlQGV4',
  'YW1wbGUuY29tMIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDjxvZXF30WL4oKjZYXgR0ZyaX+u3y6+JqTqiNk',
  'Fa/VTnet6Ly2OT6ZmmcJEPnq3UnewpHoOQ+GfhhTkW13j06j5iNn4obcCVWTL9yXNvJH+Ko+xu4Yl/ySPRrIPyTj',
  'tHdG0M2XzIlmmLqm+CAS+KCbJeH4tf543kIWC5pC5p3cVQIDAQABo3sweTAJBgNVHRMEAjAAMCwGCWCGSAGG+EIB',
  'DQQfFh1PcGVuU1NMIEdlbmVyYXRlZCBDZXJ0aWZpY2F0ZTAdBgNVHQ4EFgQUVs3v5afEdOeoYeVajAQE4v0WS1Qw',
  'HwYDVR0jBBgwFoAUyVIc3yvra4EBz20I4BF39IAixBkwDQYJKoZIhvcNAQEFBQADgYEAgS/FF5D0Hnj44rvT6kgn',
  '3kJAvv2lj/fyjztKIrYS33ljXGn6gGyA4qtbXA23PrO4uc/wYCSDICDpPobh62xTCd9qObKhgwWOi05PSBLqUu3m',
  'wfAe15LJBJBqPVZ4K0kppePBU8m6aIZoH57L/9t4OoaL8yKs/qjKFeI1OFWZxvA=',
].join('')

const APPENDIX_D_JWS = [
  'ew0KICAgICJhbGciOiAiUlMyNTYiLA0KICAgICJ4NWMiOiBbDQogICAgICAgICJNSUlEQVRDQ0FtcWdBd0lCQWdJ',
  'SkFNQjFjc051QTYra01BMEdDU3FHU0liM0RRRUJCUVVBTUhFeEN6QUpCZ05WQkFZVEFsVlRNUkl3RUFZRFZRUUlF',
  'd2xVWlc1dVpYTnpaV1V4R0RBV0JnTlZCQW9URDBWNFlXMXdiR1VnUTI5dGNHRnVlVEVRTUE0R0ExVUVBeE1IUlho',
  'aGJYQnNaVEVpTUNBR0NTcUdTSWIzRFFFSkFSWVRaWGhoYlhCc1pVQmxlR0Z0Y0d4bExtTnZiVEFlRncweE16QTBN',
  'RFF4TlRJNE16QmFGdzB4TkRBME1EUXhOVEk0TXpCYU1JR1dNUXN3Q1FZRFZRUUdFd0pWVXpFU01CQUdBMVVFQ0JN',
  'SlZHVnVibVZ6YzJWbE1SRXdEd1lEVlFRSEV3aEdjbUZ1YTJ4cGJqRVlNQllHQTFVRUNoTVBSWGhoYlhCc1pTQkRi',
  'MjF3WVc1NU1SQXdEZ1lEVlFRTEV3ZEZlR0Z0Y0d4bE1SQXdEZ1lEVlFRREV3ZEZlR0Z0Y0d4bE1TSXdJQVlKS29a',
  'SWh2Y05BUWtCRmhObGVHRnRjR3hsUUdWNFlXMXdiR1V1WTI5dE1JR2ZNQTBHQ1NxR1NJYjNEUUVCQVFVQUE0R05B',
  'RENCaVFLQmdRRGp4dlpYRjMwV0w0b0tqWllYZ1IwWnlhWCt1M3k2K0pxVHFpTmtGYS9WVG5ldDZMeTJPVDZabW1j',
  'SkVQbnEzVW5ld3BIb09RK0dmaGhUa1cxM2owNmo1aU5uNG9iY0NWV1RMOXlYTnZKSCtLbyt4dTRZbC95U1BScklQ',
  'eVRqdEhkRzBNMlh6SWxtbUxxbStDQVMrS0NiSmVINHRmNTQza0lXQzVwQzVwM2NWUUlEQVFBQm8zc3dlVEFKQmdO',
  'VkhSTUVBakFBTUN3R0NXQ0dTQUdHK0VJQkRRUWZGaDFQY0dWdVUxTk1JRWRsYm1WeVlYUmxaQ0JEWlhKMGFXWnBZ',
  'MkYwWlRBZEJnTlZIUTRFRmdRVVZzM3Y1YWZFZE9lb1llVmFqQVFFNHYwV1MxUXdId1lEVlIwakJCZ3dGb0FVeVZJ',
  'YzN5dnJhNEVCejIwSTRCRjM5SUFpeEJrd0RRWUpLb1pJaHZjTkFRRUZCUUFEZ1lFQWdTL0ZGNUQwSG5qNDRydlQ2',
  'a2duM2tKQXZ2MmxqL2Z5anp0S0lyWVMzM2xqWEduNmdHeUE0cXRiWEEyM1ByTzR1Yy93WUNTRElDRHBQb2JoNjJ4',
  'VENkOXFPYktoZ3dXT2kwNVBTQkxxVXUzbXdmQWUxNUxKQkpCcVBWWjRLMGtwcGVQQlU4bTZhSVpvSDU3TC85dDRP',
  'b2FMOHlLcy9xaktGZUkxT0ZXWnh2QT0iLA0KICAgICAgICAiTUlJRE56Q0NBcUNnQXdJQkFnSUpBTUIxY3NOdUE2',
  'K2pNQTBHQ1NxR1NJYjNEUUVCQlFVQU1IRXhDekFKQmdOVkJBWVRBbFZUTVJJd0VBWURWUVFJRXdsVVpXNXVaWE56',
  'WldVeEdEQVdCZ05WQkFvVEQwVjRZVzF3YkdVZ1EyOXRjR0Z1ZVRFUU1BNEdBMVVFQXhNSFJYaGhiWEJzWlRFaU1D',
  'QUdDU3FHU0liM0RRRUpBUllUWlhoaGJYQnNaVUJsZUdGdGNHeGxMbU52YlRBZUZ3MHhNekEwTURReE5USTFOVE5h',
  'RncweU16QTBNREl4TlRJMU5UTmFNSEV4Q3pBSkJnTlZCQVlUQWxWVE1SSXdFQVlEVlFRSUV3bFVaVzV1WlhOelpX',
  'VXhHREFXQmdOVkJBb1REMFY0WVcxd2JHVWdRMjl0Y0dGdWVURVFNQTRHQTFVRUF4TUhSWGhoYlhCc1pURWlNQ0FH',
  'Q1NxR1NJYjNEUUVKQVJZVFpYaGhiWEJzWlVCbGVHRnRjR3hsTG1OdmJUQ0JuekFOQmdrcWhraUc5dzBCQVFFRkFB',
  'T0JqUUF3Z1lrQ2dZRUExc0JuQldQWjBmN1dKVUZUSnk1KzAxU2xTNVo2RERENlV5ZTl2SzlBeWNnVjVCMytXQzhI',
  'QzV1NWg5MU11akFDMUFSUFZVT3RzdlBSczQ1cUtORklnSUdSWEtQQXdaamF3RUkyc0NKUlNLVjQ3aTZCOGJEdjRX',
  'a3VHdlFhdmVaR0kwcWxtTjVSMUVpbTJnVUl0UmoxaGdjQzlyUWF2amxuRktEWTJybFhHdWtDQXdFQUFhT0IxakNC',
  'MHpBZEJnTlZIUTRFRmdRVXlWSWMzeXZyYTRFQnoyMEk0QkYzOUlBaXhCa3dnYU1HQTFVZEl3U0JtekNCbUlBVXlW',
  'SWMzeXZyYTRFQnoyMEk0QkYzOUlBaXhCbWhkYVJ6TUhFeEN6QUpCZ05WQkFZVEFsVlRNUkl3RUFZRFZRUUlFd2xV',
  'Wlc1dVpYTnpaV1V4R0RBV0JnTlZCQW9URDBWNFlXMXdiR1VnUTI5dGNHRnVlVEVRTUE0R0ExVUVBeE1IUlhoaGJY',
  'QnNaVEVpTUNBR0NTcUdTSWIzRFFFSkFSWVRaWGhoYlhCc1pVQmxlR0Z0Y0d4bExtTnZiWUlKQU1CMWNzTnVBNitq',
  'TUF3R0ExVWRFd1FGTUFNQkFmOHdEUVlKS29aSWh2Y05BUUVGQlFBRGdZRUFEaHdUZWJHazczNXlLaG04RHFDeHZO',
  'bkVaME54c1lFWU9qZ1JHMXlYVGxXNXBFNjkxZlNINUFaK1Q2ZnB3cFpjV1k1UVlrb042RG53ak94R2tTZlFDMy95',
  'R21jVURLQlB3aVo1TzJzOUMrZkUxa1VFbnJYMlhlYTRhZ1ZuZ016UjhEUTZvT2F1TFdxZWhEQitnMkVOV1JMb1Zn',
  'UyttYTUvWWNzMEdUeXJFQ1k9Ig0KICAgIF0NCn0.ew0KICAgICJ2ZXJzaW9uIjogIjEuMC4wIiwNCiAgICAiaWQi',
  'OiAiMzNjZmY0MTYtZTMzMS00YzlkLTk2OWUtNTM3M2ExNzU2MTIwIiwNCiAgICAiYWN0b3IiOiB7DQogICAgICAg',
  'ICJtYm94IjogIm1haWx0bzpleGFtcGxlQGV4YW1wbGUuY29tIiwNCiAgICAgICAgIm5hbWUiOiAiRXhhbXBsZSBM',
  'ZWFybmVyIiwNCiAgICAgICAgIm9iamVjdFR5cGUiOiAiQWdlbnQiDQogICAgfSwNCiAgICAidmVyYiI6IHsNCiAg',
  'ICAgICAgImlkIjogImh0dHA6Ly9hZGxuZXQuZ292L2V4cGFwaS92ZXJicy9leHBlcmllbmNlZCIsDQogICAgICAg',
  'ICJkaXNwbGF5Ijogew0KICAgICAgICAgICAgImVuLVVTIjogImV4cGVyaWVuY2VkIg0KICAgICAgICB9DQogICAg',
  'fSwNCiAgICAib2JqZWN0Ijogew0KICAgICAgICAiaWQiOiAiaHR0cHM6Ly93d3cueW91dHViZS5jb20vd2F0Y2g_',
  'dj14aDRrSWlIM1NtOCIsDQogICAgICAgICJvYmplY3RUeXBlIjogIkFjdGl2aXR5IiwNCiAgICAgICAgImRlZmlu',
  'aXRpb24iOiB7DQogICAgICAgICAgICAibmFtZSI6IHsNCiAgICAgICAgICAgICAgICAiZW4tVVMiOiAiVGF4IFRp',
  'cHMgJiBJbmZvcm1hdGlvbiA6IEhvdyB0byBGaWxlIGEgVGF4IFJldHVybiAiDQogICAgICAgICAgICB9LA0KICAg',
  'ICAgICAgICAgImRlc2NyaXB0aW9uIjogew0KICAgICAgICAgICAgICAgICJlbi1VUyI6ICJGaWxpbmcgYSB0YXgg',
  'cmV0dXJuIHdpbGwgcmVxdWlyZSBmaWxsaW5nIG91dCBlaXRoZXIgYSAxMDQwLCAxMDQwQSBvciAxMDQwRVogZm9y',
  'bSINCiAgICAgICAgICAgIH0NCiAgICAgICAgfQ0KICAgIH0sDQogICAgInRpbWVzdGFtcCI6ICIyMDEzLTA0LTAx',
  'VDEyOjAwOjAwWiINCn0.FWuwaPhwUbkk7h9sKW5zSvjsYNugvxJ-TrVaEgt_DCUT0bmKhQScRrjMB6P9O50uznPw',
  'T66oF1NnU_G0HVhRzS5voiXE-y7tT3z0M3-8A6YK009Bk_digVUul-HA4Fpd5IjoBBGe3yzaQ2ZvzarvRuipvNEQ',
  'CI0onpfuZZJQ0d8',
].join('')

/** The statement of Appendix D, before the signature was added. */
const APPENDIX_D_STATEMENT: Statement = {
  version: '1.0.0',
  id: '33cff416-e331-4c9d-969e-5373a1756120',
  actor: { mbox: 'mailto:example@example.com', name: 'Example Learner', objectType: 'Agent' },
  verb: { id: 'http://adlnet.gov/expapi/verbs/experienced', display: { 'en-US': 'experienced' } },
  object: {
    id: 'https://www.youtube.com/watch?v=xh4kIiH3Sm8',
    objectType: 'Activity',
    definition: {
      name: { 'en-US': 'Tax Tips & Information : How to File a Tax Return ' },
      description: {
        'en-US': 'Filing a tax return will require filling out either a 1040, 1040A or 1040EZ form',
      },
    },
  },
  timestamp: '2013-04-01T12:00:00Z',
}

const DIGESTS = { RS256: 'sha256', RS384: 'sha384', RS512: 'sha512' } as const

function signatureAttachment(): Attachment {
  return {
    usageType: SIGNATURE_USAGE_TYPE,
    display: { 'en-US': 'Signature' },
    contentType: 'application/octet-stream',
    length: 4235,
    sha2: '672fa5fa658017f1b72d65036f13379c6ab05d4ab3b6664908d8acf0b6a0c634',
  }
}

/** The statement as the LRS receives it: the signed one plus its signature attachment. */
function received(statement: Statement): Statement {
  return { ...statement, attachments: [...(statement.attachments ?? []), signatureAttachment()] }
}

function b64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url')
}

/** A compact JWS built by hand, so the header, payload and digest can each be chosen freely. */
function compactJws(
  header: Record<string, unknown>,
  payload: string,
  key: KeyObject,
  digest: string,
): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(payload)}`
  return `${input}.${sign(digest, Buffer.from(input), key).toString('base64url')}`
}

const appendixKey = createPrivateKey(APPENDIX_D_KEY)
const { privateKey: otherKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })

const STATEMENT: Statement = {
  id: 'a5a1f1c2-9d3e-4e8b-8f6a-0b6f6c2f9d11',
  actor: { objectType: 'Agent', mbox: 'mailto:signer@example.com' },
  verb: { id: 'http://adlnet.gov/expapi/verbs/completed', display: { 'en-US': 'completed' } },
  object: { objectType: 'Activity', id: 'http://example.com/activities/signed' },
}

async function joseSign(
  payload: string,
  alg: string,
  key: KeyObject | Uint8Array,
): Promise<string> {
  return new CompactSign(new TextEncoder().encode(payload)).setProtectedHeader({ alg }).sign(key)
}

function rejection(statement: Statement, jws: string): string {
  try {
    verifyStatementSignature(statement, jws, '1.0.3')
  } catch (error: unknown) {
    expect(InvalidStatementError.is(error)).toBe(true)
    const message = (error as Error).message
    expect(message.startsWith('signature: the JWS ')).toBe(true)
    return message
  }
  throw new Error('expected the signature to be rejected')
}

describe('verifyStatementSignature with an x5c certificate', () => {
  it('accepts the example signed statement of Data Appendix D', () => {
    expect(() =>
      verifyStatementSignature(received(APPENDIX_D_STATEMENT), APPENDIX_D_JWS, '1.0.3'),
    ).not.toThrow()
    expect(() =>
      verifyStatementSignature(received(APPENDIX_D_STATEMENT), `${APPENDIX_D_JWS}\r\n`, '2.0.0'),
    ).not.toThrow()
  })

  it('rejects the Appendix D signature on a statement that differs from its payload', () => {
    const changed = {
      ...APPENDIX_D_STATEMENT,
      verb: { id: 'http://adlnet.gov/expapi/verbs/failed' },
    }
    expect(rejection(received(changed), APPENDIX_D_JWS)).toMatch(/XAPI-00116/)
  })

  it('rejects a tampered payload under the original signature', () => {
    const [header, , signature] = APPENDIX_D_JWS.split('.')
    const tampered = { ...APPENDIX_D_STATEMENT, timestamp: '2014-04-01T12:00:00Z' }
    const jws = `${header}.${b64url(JSON.stringify(tampered))}.${signature}`
    expect(rejection(received(tampered), jws)).toMatch(/does not verify with the x5c/)
  })

  it.each(['RS256', 'RS384', 'RS512'] as const)('accepts %s signatures', (alg) => {
    const jws = compactJws(
      { alg, x5c: [APPENDIX_D_CERT] },
      JSON.stringify(STATEMENT),
      appendixKey,
      DIGESTS[alg],
    )
    expect(() => verifyStatementSignature(received(STATEMENT), jws, '2.0.0')).not.toThrow()
  })

  it('rejects a header algorithm that does not match the signature (XAPI-00117)', () => {
    const jws = compactJws(
      { alg: 'RS512', x5c: [APPENDIX_D_CERT] },
      JSON.stringify(STATEMENT),
      appendixKey,
      'sha256',
    )
    expect(rejection(received(STATEMENT), jws)).toMatch(/does not verify .*RS512/)
  })

  it("rejects a signature made with a key other than the certificate's", () => {
    const jws = compactJws(
      { alg: 'RS256', x5c: [APPENDIX_D_CERT] },
      JSON.stringify(STATEMENT),
      otherKey,
      'sha256',
    )
    expect(rejection(received(STATEMENT), jws)).toMatch(/does not verify/)
  })

  it('rejects an x5c that is not a certificate chain', () => {
    for (const x5c of ['not-an-array', [], [42], ['bm90IGEgY2VydA==']]) {
      const jws = compactJws(
        { alg: 'RS256', x5c },
        JSON.stringify(STATEMENT),
        appendixKey,
        'sha256',
      )
      expect(rejection(received(STATEMENT), jws)).toMatch(/x5c/)
    }
  })
})

describe('verifyStatementSignature without a certificate', () => {
  it('accepts a well-formed RS256 JWS whose payload is the statement (jose-signed)', async () => {
    const jws = await joseSign(JSON.stringify(STATEMENT), 'RS256', otherKey)
    expect(() => verifyStatementSignature(received(STATEMENT), jws, '1.0.3')).not.toThrow()
  })

  it('ignores what the LRS assigns and the signature attachment itself (Data §2.3.1)', async () => {
    const { id: _id, ...withoutId } = STATEMENT
    const jws = await joseSign(JSON.stringify(withoutId), 'RS256', otherKey)
    const stored: Statement = {
      ...received(withoutId),
      id: STATEMENT.id!,
      stored: '2024-01-01T00:00:00.000Z',
      authority: { objectType: 'Agent', mbox: 'mailto:lrs@example.com' },
      version: '1.0.3',
      timestamp: '2024-01-01T00:00:00.000Z',
    }
    expect(() => verifyStatementSignature(stored, jws, '1.0.3')).not.toThrow()
  })

  it('rejects a payload that is not the statement', async () => {
    const jws = await joseSign(
      JSON.stringify({ ...STATEMENT, object: { id: 'http://example.com/activities/other' } }),
      'RS256',
      otherKey,
    )
    expect(rejection(received(STATEMENT), jws)).toMatch(/payload is not the statement/)
  })

  it('rejects algorithms other than RS256/RS384/RS512 (XAPI-00117)', async () => {
    const hs256 = await joseSign(JSON.stringify(STATEMENT), 'HS256', new Uint8Array(32).fill(7))
    expect(rejection(received(STATEMENT), hs256)).toMatch(/'HS256'.*XAPI-00117/)
    const none = `${b64url('{"alg":"none"}')}.${b64url(JSON.stringify(STATEMENT))}.`
    expect(rejection(received(STATEMENT), none)).toMatch(/'none'/)
    const noAlg = `${b64url('{"typ":"JWT"}')}.${b64url(JSON.stringify(STATEMENT))}.c2ln`
    expect(rejection(received(STATEMENT), noAlg)).toMatch(/algorithm ''/)
    const ps256 = compactJws({ alg: 'PS256' }, JSON.stringify(STATEMENT), otherKey, 'sha256')
    expect(rejection(received(STATEMENT), ps256)).toMatch(/'PS256'/)
  })

  it('rejects a payload that is not a JSON statement, as the suite’s broken JWS (XAPI-00116)', () => {
    const broken = JSON.stringify(STATEMENT).replace('"', "'")
    for (const payload of [broken, '[1,2]', '42', '{"actor":{}}']) {
      const jws = compactJws({ alg: 'RS256' }, payload, otherKey, 'sha256')
      expect(rejection(received(STATEMENT), jws)).toMatch(/payload is not a (JSON|statement)/)
    }
    const notBase64 = `${b64url('{"alg":"RS256"}')}.not+base64/.c2ln`
    expect(rejection(received(STATEMENT), notBase64)).toMatch(/payload is not base64url/)
  })

  it('rejects what is not a compact JWS', () => {
    for (const jws of ['', 'abc', 'a.b', 'a.b.c.d', '{"payload":"e30","signatures":[]}']) {
      expect(rejection(received(STATEMENT), jws)).toMatch(/compact serialization/)
    }
    expect(rejection(received(STATEMENT), `!!.${b64url('{}')}.c2ln`)).toMatch(/header/)
    const emptySignature = `${b64url('{"alg":"RS256"}')}.${b64url(JSON.stringify(STATEMENT))}.`
    expect(rejection(received(STATEMENT), emptySignature)).toMatch(/empty signature/)
  })

  it('rejects critical header extensions it cannot honour (RFC 7515 §4.1.11)', () => {
    const jws = compactJws(
      { alg: 'RS256', crit: ['exp'], exp: 1 },
      JSON.stringify(STATEMENT),
      otherKey,
      'sha256',
    )
    expect(rejection(received(STATEMENT), jws)).toMatch(/crit/)
  })
})
