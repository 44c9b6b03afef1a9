import { describe, expect, it } from 'vitest'
import {
  buildAgent,
  buildGroup,
  buildStoredStatement,
} from '../../../test/fixtures/build-statement.js'
import type { Group, StoredStatement } from '../../xapi/types.js'
import { buildStatementIndex } from './statement-index.js'

const ada = buildAgent()
const bob = buildAgent({ name: 'Bob', mbox: 'mailto:bob@example.com' })
const carol = buildAgent({
  name: 'Carol',
  account: { homePage: 'http://example.com', name: 'carol' },
  mbox: 'mailto:carol@example.com',
})
const dan = {
  objectType: 'Agent' as const,
  mbox_sha1sum: 'CD9B00A5611F94EAA7B1661EDAB976068E364975',
}
const AUTHORITY = 'account:https://lrs.example.com|client-key'

function agentsOf(statement: StoredStatement): string[] {
  return buildStatementIndex(statement).agents.map(({ ifi, relation }) => `${relation} ${ifi}`)
}
function activitiesOf(statement: StoredStatement): string[] {
  return buildStatementIndex(statement).activities.map(
    ({ activityId, relation }) => `${relation} ${activityId}`,
  )
}

describe('buildStatementIndex (StatementIndex, Communication §2.1.3 filters)', () => {
  it('indexes a simple statement', () => {
    const statement = buildStoredStatement()
    expect(buildStatementIndex(statement)).toEqual({
      verbId: 'http://adlnet.gov/expapi/verbs/completed',
      actorIfi: 'mbox:mailto:ada@example.com',
      objectActivityId: 'http://example.com/courses/algebra-1',
      objectStatementId: undefined,
      registration: undefined,
      isVoiding: false,
      agents: [
        { ifi: 'mbox:mailto:ada@example.com', relation: 'direct' },
        { ifi: AUTHORITY, relation: 'related' },
      ],
      activities: [{ activityId: 'http://example.com/courses/algebra-1', relation: 'direct' }],
      authorityIfi: AUTHORITY,
    })
  })

  it('matches the members of an actor Group directly (the agent filter of §2.1.3)', () => {
    const group: Group = { objectType: 'Group', member: [ada, dan] }
    const index = buildStatementIndex(buildStoredStatement({ actor: group }))
    expect(index.actorIfi).toBeUndefined()
    expect(index.agents).toEqual(
      expect.arrayContaining([
        { ifi: 'mbox:mailto:ada@example.com', relation: 'direct' },
        { ifi: 'mbox_sha1sum:cd9b00a5611f94eaa7b1661edab976068e364975', relation: 'direct' },
      ]),
    )
  })

  it('matches an Agent or Group object, and its members, directly', () => {
    expect(agentsOf(buildStoredStatement({ object: buildGroup() }))).toEqual([
      'direct mbox:mailto:ada@example.com',
      'direct mbox:mailto:team@example.com',
      'direct mbox:mailto:charles@example.com',
      `related ${AUTHORITY}`,
    ])
    expect(
      buildStatementIndex(buildStoredStatement({ object: bob })).objectActivityId,
    ).toBeUndefined()
  })

  it('relates authority, instructor, team and its members, and the 2.0 context agents and groups', () => {
    const statement = buildStoredStatement({
      context: {
        instructor: bob,
        team: { objectType: 'Group', mbox: 'mailto:team@example.com', member: [carol] },
        contextAgents: [{ objectType: 'contextAgent', agent: dan }],
        contextGroups: [
          {
            objectType: 'contextGroup',
            group: { objectType: 'Group', openid: 'http://example.com/g' },
          },
        ],
      },
    })
    expect(agentsOf(statement)).toEqual([
      'direct mbox:mailto:ada@example.com',
      `related ${AUTHORITY}`,
      'related mbox:mailto:bob@example.com',
      'related mbox:mailto:team@example.com',
      'related mbox:mailto:carol@example.com',
      'related mbox_sha1sum:cd9b00a5611f94eaa7b1661edab976068e364975',
      'related openid:http://example.com/g',
    ])
  })

  it('relates every contextActivity, without duplicates', () => {
    const a = { id: 'http://example.com/a' }
    const b = { id: 'http://example.com/b' }
    const statement = buildStoredStatement({
      context: { contextActivities: { parent: [a], grouping: [b, a], category: [a], other: [b] } },
    })
    expect(activitiesOf(statement)).toEqual([
      'related http://example.com/a',
      'related http://example.com/b',
      'direct http://example.com/courses/algebra-1',
    ])
  })

  it('relates everything in a SubStatement', () => {
    const statement = buildStoredStatement({
      object: {
        objectType: 'SubStatement',
        actor: bob,
        verb: { id: 'http://example.com/planned' },
        object: { id: 'http://example.com/website' },
        context: {
          instructor: carol,
          contextActivities: { parent: [{ id: 'http://example.com/site' }] },
        },
      },
    })
    const index = buildStatementIndex(statement)
    expect(index.objectActivityId).toBeUndefined()
    expect(agentsOf(statement)).toEqual([
      'direct mbox:mailto:ada@example.com',
      `related ${AUTHORITY}`,
      'related mbox:mailto:bob@example.com',
      'related mbox:mailto:carol@example.com',
    ])
    expect(activitiesOf(statement)).toEqual([
      'related http://example.com/website',
      'related http://example.com/site',
    ])
  })

  it('relates the Agent object of a SubStatement', () => {
    const statement = buildStoredStatement({
      object: {
        objectType: 'SubStatement',
        actor: bob,
        verb: { id: 'http://example.com/met' },
        object: carol,
      },
    })
    expect(agentsOf(statement)).toContain('related mbox:mailto:carol@example.com')
  })

  it('keeps one agent both direct and related, but never twice in one relation', () => {
    const statement = buildStoredStatement({
      context: { instructor: ada, team: { objectType: 'Group', member: [ada] } },
    })
    expect(agentsOf(statement)).toEqual([
      'direct mbox:mailto:ada@example.com',
      `related ${AUTHORITY}`,
      'related mbox:mailto:ada@example.com',
    ])
  })

  it('indexes a voiding statement and lower-cases UUIDs', () => {
    const index = buildStatementIndex(
      buildStoredStatement({
        verb: { id: 'http://adlnet.gov/expapi/verbs/voided' },
        object: { objectType: 'StatementRef', id: 'E05AA883-ACAF-40AD-BF54-02C8CE485FB0' },
        context: { registration: 'EC531277-B57B-4C15-8D91-D292C5B2B8F7' },
      }),
    )
    expect(index.isVoiding).toBe(true)
    expect(index.objectStatementId).toBe('e05aa883-acaf-40ad-bf54-02c8ce485fb0')
    expect(index.registration).toBe('ec531277-b57b-4c15-8d91-d292c5b2b8f7')
    expect(index.activities).toEqual([])
  })
})
