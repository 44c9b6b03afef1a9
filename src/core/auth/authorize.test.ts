import { describe, expect, it } from 'vitest'
import type { Principal } from '../lrs.js'
import { grants, mayDefine, ownStatementsFilter, type Permission } from './authorize.js'
import { DEFAULT_SCOPES, parseScopes, XAPI_SCOPES } from './scopes.js'

function principal(scopes: string[]): Principal {
  return {
    key: 'k',
    storeId: 1,
    scopes,
    authority: { objectType: 'Agent', account: { homePage: 'https://lrs.example', name: 'k' } },
  }
}

describe('the scope table (Communication §4.2)', () => {
  const permissions: Permission[] = [
    'statements/write',
    'statements/read',
    'statements/read/mine',
    'state/read',
    'state/write',
    'profile/read',
    'profile/write',
    'activities-agents/read',
    'define',
    'import',
  ]

  it('grants everything to `all` and every read, none of the writes, to `all/read`', () => {
    for (const permission of permissions) expect(grants(principal(['all']), permission)).toBe(true)
    const reads = permissions.filter((p) => p.endsWith('read') || p === 'statements/read/mine')
    for (const permission of permissions)
      expect(grants(principal(['all/read']), permission), permission).toBe(
        reads.includes(permission),
      )
  })

  it('gives each narrow scope exactly its resource', () => {
    const allowed = (scopes: string[]) => permissions.filter((p) => grants(principal(scopes), p))
    expect(allowed(['statements/write'])).toEqual(['statements/write'])
    expect(allowed(['statements/read'])).toEqual([
      'statements/read',
      'statements/read/mine',
      'activities-agents/read',
    ])
    expect(allowed(['statements/read/mine'])).toEqual(['statements/read/mine'])
    expect(allowed(['state'])).toEqual(['state/read', 'state/write'])
    expect(allowed(['profile'])).toEqual(['profile/read', 'profile/write'])
    expect(allowed(['define'])).toEqual(['activities-agents/read', 'define'])
    expect(allowed([])).toEqual([])
    expect(allowed(['made/up'])).toEqual([])
  })

  it('restricts statement reads to the own authority only without an unrestricted read scope', () => {
    expect(ownStatementsFilter(principal(['statements/read/mine']))).toBe(
      'account:https://lrs.example|k',
    )
    expect(ownStatementsFilter(principal(['statements/read/mine', 'all/read']))).toBeUndefined()
    expect(ownStatementsFilter(principal(['statements/read']))).toBeUndefined()
    expect(mayDefine(principal(['statements/write']))).toBe(false)
    expect(mayDefine(principal(['statements/write', 'define']))).toBe(true)
  })
})

describe('parseScopes', () => {
  it('keeps known scopes once, in table order; none means the xAPI default', () => {
    expect(parseScopes(['all', 'state', 'all'])).toEqual(['state', 'all'])
    expect(parseScopes([])).toEqual([...DEFAULT_SCOPES])
    expect(parseScopes([...XAPI_SCOPES])).toEqual([...XAPI_SCOPES])
  })

  it('names the unknown scopes and the field', () => {
    expect(() => parseScopes(['all', 'admin'], '--scopes')).toThrow(
      "parameter '--scopes': unknown scope 'admin'",
    )
  })
})
