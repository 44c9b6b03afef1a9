import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { LogEntry } from '../../storage/ports.js'
import type { StoredStatement } from '../../xapi/types.js'
import { matchesFilter } from './forwarding-filter.js'

const COMPLETED = 'http://adlnet.gov/expapi/verbs/completed'

function entry(verb: string, activity: string, platform?: string): LogEntry {
  const statement = {
    id: randomUUID(),
    actor: { mbox: 'mailto:ada@example.com' },
    verb: { id: verb },
    object: { id: activity },
    ...(platform === undefined ? {} : { context: { platform } }),
    timestamp: '2026-12-03T00:00:00.000Z',
    stored: '2026-12-03T00:00:00.000Z',
    authority: { mbox: 'mailto:lrs@example.com' },
    version: '2.0.0',
  } as StoredStatement
  return { seq: 1, statement, voided: false, voidedBy: undefined }
}

describe('matchesFilter', () => {
  it('treats an empty list like an absent one: no constraint', () => {
    const empty = { verbs: [], activities: [], activityPrefixes: [], actors: [], platforms: [] }
    expect(matchesFilter(entry(COMPLETED, 'http://example.com/a'), empty)).toBe(true)
    const onlyVerbs = { ...empty, verbs: [COMPLETED] }
    expect(matchesFilter(entry(COMPLETED, 'http://example.com/a'), onlyVerbs)).toBe(true)
    expect(matchesFilter(entry(`${COMPLETED}x`, 'http://example.com/a'), onlyVerbs)).toBe(false)
  })

  it('requires every non-empty list to match', () => {
    const filter = {
      verbs: [COMPLETED],
      activityPrefixes: ['http://example.com/course/'],
      platforms: ['web'],
    }
    expect(matchesFilter(entry(COMPLETED, 'http://example.com/course/1', 'web'), filter)).toBe(true)
    expect(matchesFilter(entry(COMPLETED, 'http://example.com/other', 'web'), filter)).toBe(false)
    expect(matchesFilter(entry(COMPLETED, 'http://example.com/course/1'), filter)).toBe(false)
  })
})
