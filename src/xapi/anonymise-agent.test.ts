import { describe, expect, it } from 'vitest'
import { anonymiseAgents, erasableIfis, ERASED_HOME_PAGE } from './anonymise-agent.js'

const ada = { objectType: 'Agent', name: 'Ada', mbox: 'mailto:ada@example.com' }
const bob = { objectType: 'Agent', name: 'Bob', mbox: 'mailto:bob@example.com' }

describe('erasableIfis', () => {
  it('adds the mbox_sha1sum form of an mbox (Data §2.4.2.3)', () => {
    // sha1('mailto:ada@example.com')
    expect(erasableIfis({ mbox: 'mailto:ada@example.com' })).toEqual([
      'mbox:mailto:ada@example.com',
      // printf 'mailto:ada@example.com' | sha1sum
      'mbox_sha1sum:72ac10875be5a7770a4f31058ea797edb8e55020',
    ])
  })
  it('keeps other IFIs as they are', () => {
    expect(erasableIfis({ account: { homePage: 'https://x.org', name: 'a' } })).toEqual([
      'account:https://x.org|a',
    ])
  })
})

describe('anonymiseAgents', () => {
  it('replaces the agent everywhere, keeps everyone else, and drops its name', () => {
    const statement = {
      actor: { objectType: 'Group', name: 'Team', member: [ada, bob] },
      verb: { id: 'http://example.com/v' },
      object: ada,
      context: { instructor: bob, team: { objectType: 'Group', member: [ada] } },
    }
    const { value, replaced } = anonymiseAgents(
      statement,
      new Set(['mbox:mailto:ada@example.com']),
      'p-1',
    )
    expect(replaced).toBe(3)
    const text = JSON.stringify(value)
    expect(text).not.toContain('ada@example.com')
    expect(text).not.toContain('"Ada"')
    expect(text).toContain('bob@example.com')
    expect(value.object).toEqual({
      objectType: 'Agent',
      account: { homePage: ERASED_HOME_PAGE, name: 'p-1' },
    })
    // The input is not changed.
    expect(statement.object).toBe(ada)
  })
})
