import { describe, expect, it } from 'vitest'
import { InvalidParameterError } from '../errors/errors.js'
import { buildAgent, buildGroup } from '../../test/fixtures/build-statement.js'
import { parseAgentParameter } from './parse-agent-parameter.js'

function rejectionOf(json: string): string {
  try {
    parseAgentParameter(json, 'agent', '2.0.0')
  } catch (error: unknown) {
    expect(InvalidParameterError.is(error)).toBe(true)
    return (error as Error).message
  }
  throw new Error(`expected ${json} to be rejected`)
}

describe('parseAgentParameter (Communication §2.1.3, §2.3-2.6; Data §2.2 XAPI-00012)', () => {
  it.each([
    ['an Agent', buildAgent()],
    [
      'an Agent without objectType',
      { account: { homePage: 'http://www.example.com/agentId/1', name: 'Rick James' } },
    ],
    ['an identified Group', buildGroup()],
  ])('returns %s', (_name, agent) => {
    expect(parseAgentParameter(JSON.stringify(agent), 'agent', '1.0.3')).toEqual(agent)
  })

  it.each([
    ['text that is not JSON (XAPI-00199)', 'not JSON', /not valid JSON/],
    [
      'broken JSON (XAPI-00235)',
      '{"objectType":"Agent","account":{"homePage""x"}}',
      /not valid JSON/,
    ],
    ['a JSON boolean (XAPI-00198)', 'true', /Agent object/],
    ['the string wrong (XAPI-00012)', '"wrong"', /Agent object/],
    ['an Agent without IFI (XAPI-00249)', '{"objectType":"Agent","name":"x"}', /exactly one of/],
    ['an Agent with a bad mbox', '{"mbox":"bob@example.com"}', /mbox: must be a mailto IRI/],
    [
      'an anonymous Group',
      JSON.stringify({ objectType: 'Group', member: [buildAgent()] }),
      /anonymous Group/,
    ],
    ['an unknown property', '{"mbox":"mailto:a@example.com","age":3}', /age: is not a property/],
  ])('rejects %s with InvalidParameterError', (_name, json, rule) => {
    const message = rejectionOf(json)
    expect(message).toMatch(/^parameter 'agent': /)
    expect(message).toMatch(rule)
  })

  it('names the parameter it was given', () => {
    expect(() => parseAgentParameter('nope', 'related', '2.0.0')).toThrow(/parameter 'related'/)
  })
})
