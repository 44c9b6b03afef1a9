import { describe, expect, it } from 'vitest'
import { createJsonLogger, REDACTED, redact } from './logger.js'

function capture(level: Parameters<typeof createJsonLogger>[0]) {
  const lines: Record<string, unknown>[] = []
  const logger = createJsonLogger(level, (line) =>
    lines.push(JSON.parse(line) as Record<string, unknown>),
  )
  return { logger, lines }
}

describe('createJsonLogger', () => {
  it('writes one JSON object per line at or above its level', () => {
    const { logger, lines } = capture('warn')
    logger.log('debug', 'd')
    logger.log('info', 'i')
    logger.log('warn', 'w', { a: 1 })
    logger.log('error', 'e')
    expect(lines.map((l) => l['message'])).toEqual(['w', 'e'])
    expect(lines[0]).toMatchObject({ level: 'warn', message: 'w', a: 1 })
    expect(typeof lines[0]?.['time']).toBe('string')
    expect(logger.enabled('info')).toBe(false)
    expect(logger.enabled('error')).toBe(true)
  })

  it('adds a child logger fields to every line', () => {
    const { logger, lines } = capture('debug')
    logger.child({ requestId: 'r1' }).log('debug', 'x', { b: 2 })
    expect(lines[0]).toMatchObject({ requestId: 'r1', b: 2, message: 'x' })
  })

  it('never writes secrets, at any depth, whatever the case of their names', () => {
    const { logger, lines } = capture('info')
    logger.log('info', 'x', {
      headers: { Authorization: 'Basic a2V5OnNlY3JldA==', 'x-api-key': 'k1', accept: 'json' },
      body: { username: 'ada', password: 'hunter2hunter2', newPassword: 'p2', secret_hash: 'h' },
      nested: [{ deeper: { token: 't', sessionToken: 's', client_secret: 'c' } }],
      url: 'postgres://almanac:pg-pass@db:5432/almanac',
    })
    const text = JSON.stringify(lines)
    for (const secret of [
      'a2V5OnNlY3JldA==',
      'k1',
      'hunter2hunter2',
      'p2',
      '"h"',
      '"t"',
      '"s"',
      '"c"',
      'pg-pass',
    ])
      expect(text).not.toContain(secret)
    expect(lines[0]).toMatchObject({
      headers: { Authorization: REDACTED, 'x-api-key': REDACTED, accept: 'json' },
      body: { username: 'ada', password: REDACTED },
      url: `postgres://almanac:${REDACTED}@db:5432/almanac`,
    })
  })

  it('bounds the depth it walks, so a deep value cannot blow the stack', () => {
    let deep: unknown = 'leaf'
    for (let i = 0; i < 100_000; i++) deep = { a: deep }
    expect(JSON.stringify(redact(deep))).toContain('[too deep]')
  })
})
