import { describe, expect, it } from 'vitest'
import { buildAgent, buildGroup, invalidStatementOf } from '../../test/fixtures/build-statement.js'
import { validateActor, validateAgent, validateGroup } from './validate-actor.js'

const SHA1 = 'cd9b00a5611f94eaa7b1661edab976068e364975'
const ACCOUNT = { homePage: 'http://www.example.com', name: 'xAPI account name' }

describe('validateActor accepts Agents and Groups (Data §2.4.2)', () => {
  it.each([
    ['an Agent with mbox', buildAgent()],
    ['an Agent without objectType', { mbox: 'mailto:xapi@adlnet.gov' }],
    ['an Agent with mbox_sha1sum', { mbox_sha1sum: SHA1 }],
    ['an Agent with openid', { openid: 'http://openid.example.org/12345' }],
    ['an Agent with account', { objectType: 'Agent', account: ACCOUNT }],
    ['an identified Group with members', buildGroup()],
    ['an identified Group without members', { objectType: 'Group', account: ACCOUNT }],
    [
      'an identified Group with an empty member list',
      { objectType: 'Group', openid: 'http://example.org/g', member: [] },
    ],
    [
      'an anonymous Group',
      { objectType: 'Group', name: 'Group Anonymous', member: [buildAgent()] },
    ],
  ])('accepts %s', (_name, actor) => {
    expect(validateActor(actor, 'actor')).toBe(actor)
  })
})

describe('validateActor rejects invalid actors', () => {
  it.each([
    [
      'objectType "agent" (case sensitive, XAPI-00031)',
      { objectType: 'agent', mbox: 'mailto:a@b.c' },
      'actor.objectType',
      /XAPI-00031/,
    ],
    [
      'objectType "group" (XAPI-00031)',
      { objectType: 'group', mbox: 'mailto:a@b.c' },
      'actor.objectType',
      /XAPI-00031/,
    ],
    [
      'a numeric objectType (XAPI-00032)',
      { objectType: 1, mbox: 'mailto:a@b.c' },
      'actor.objectType',
      /XAPI-00031/,
    ],
    ['a numeric name (XAPI-00033)', { name: 42, mbox: 'mailto:a@b.c' }, 'actor.name', /string/],
    [
      'an Agent without IFI (XAPI-00034)',
      { objectType: 'Agent', name: 'x' },
      'actor',
      /XAPI-00034/,
    ],
    [
      'an Agent with mbox and openid (XAPI-00034)',
      { mbox: 'mailto:a@b.c', openid: 'http://x.org/a' },
      'actor',
      /more than one/,
    ],
    [
      'an Agent with account and mbox_sha1sum',
      { account: ACCOUNT, mbox_sha1sum: SHA1 },
      'actor',
      /more than one/,
    ],
    [
      'member on an Agent (XAPI-00035)',
      { mbox: 'mailto:a@b.c', member: [] },
      'actor.member',
      /not a property of an Agent/,
    ],
    [
      'an mbox without mailto: (XAPI-00038)',
      { mbox: 'xapi@adlnet.gov' },
      'actor.mbox',
      /XAPI-00038/,
    ],
    [
      'an mbox that is an http IRI (XAPI-00038)',
      { mbox: 'http://should.fail.com' },
      'actor.mbox',
      /mailto/,
    ],
    ['an mbox without @ (XAPI-00038)', { mbox: 'mailto:should.fail.com' }, 'actor.mbox', /mailto/],
    ['an empty mbox (XAPI-00007)', { mbox: '' }, 'actor.mbox', /mailto/],
    [
      'an mbox_sha1sum that is an object (XAPI-00039)',
      { mbox_sha1sum: { key: 'x' } },
      'actor.mbox_sha1sum',
      /string/,
    ],
    [
      'an mbox_sha1sum that is not hex (XAPI-00039)',
      { mbox_sha1sum: 'not a sha1' },
      'actor.mbox_sha1sum',
      /SHA-1/,
    ],
    [
      'an openid without scheme (XAPI-00040, XAPI-00011)',
      { openid: 'open.id.com/testUser' },
      'actor.openid',
      /IRI/,
    ],
    [
      'an account that is a string (XAPI-00041)',
      { account: 'x' },
      'actor.account',
      /Account object/,
    ],
    [
      'an account without homePage (XAPI-00042)',
      { account: { name: 'x' } },
      'actor.account.homePage',
      /XAPI-00042/,
    ],
    [
      'an account homePage without scheme (XAPI-00011)',
      { account: { homePage: 'homePage.com/testUser', name: '123456' } },
      'actor.account.homePage',
      /IRL/,
    ],
    [
      'an account homePage ab=c://… (XAPI-00042)',
      { account: { homePage: 'ab=c://should.fail.com', name: 'x' } },
      'actor.account.homePage',
      /IRL/,
    ],
    [
      'an account without name (XAPI-00043)',
      { account: { homePage: 'http://www.example.com' } },
      'actor.account.name',
      /XAPI-00043/,
    ],
    [
      'an account name that is an object (XAPI-00043)',
      { account: { homePage: 'http://www.example.com', name: { key: 'x' } } },
      'actor.account.name',
      /string/,
    ],
    [
      'an account with an unknown property',
      { account: { ...ACCOUNT, id: 1 } },
      'actor.account.id',
      /not a property of an Account/,
    ],
    [
      'an anonymous Group without member (XAPI-00037)',
      { objectType: 'Group', name: 'x' },
      'actor.member',
      /XAPI-00037/,
    ],
    [
      'an anonymous Group with no members (XAPI-00037)',
      { objectType: 'Group', member: [] },
      'actor.member',
      /at least one/,
    ],
    [
      'a member that is not an array (XAPI-00036)',
      { objectType: 'Group', member: { mbox: 'mailto:a@b.c' } },
      'actor.member',
      /array/,
    ],
    [
      'a Group member (Data §2.4.2.2, XAPI-00036)',
      { objectType: 'Group', member: [buildGroup()] },
      'actor.member[0].objectType',
      /XAPI-00036/,
    ],
    [
      'an invalid member (XAPI-00036)',
      { objectType: 'Group', member: [buildAgent(), { mbox: 'a@b.c' }] },
      'actor.member[1].mbox',
      /mailto/,
    ],
    [
      'a Group with two IFIs (XAPI-00037)',
      { objectType: 'Group', mbox: 'mailto:a@b.c', account: ACCOUNT },
      'actor',
      /more than one/,
    ],
    ['a null actor (XAPI-00001)', null, 'actor', /not null/],
    ['an actor that is an array', [buildAgent()], 'actor', /not an array/],
  ])('rejects %s', (_name, actor, path, rule) => {
    const invalid = invalidStatementOf(() => validateActor(actor, 'actor'))
    expect(invalid.path).toBe(path)
    expect(invalid.rule).toMatch(rule)
  })
})

describe('validateAgent and validateGroup insist on their kind', () => {
  it('validateAgent rejects a Group', () => {
    expect(invalidStatementOf(() => validateAgent(buildGroup(), 'agent')).path).toBe(
      'agent.objectType',
    )
  })
  it('validateGroup rejects an Agent (context.team, XAPI-00088)', () => {
    expect(invalidStatementOf(() => validateGroup(buildAgent(), 'team')).path).toBe(
      'team.objectType',
    )
  })
})
