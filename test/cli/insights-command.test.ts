/** @module `almanac insights …` against a real SQLite file holding a simulated store. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CommandContext } from '../../src/cli/command.js'
import { COMMANDS } from '../../src/cli/commands.js'
import { createAlmanac } from '../../src/compose.js'
import { loadConfig } from '../../src/config/load-config.js'
import { createJsonLogger } from '../../src/observability/logger.js'
import { inBatches, simulateStatements } from '../../src/simulate/simulate-statements.js'
import { CONTEXT } from '../analytics/analytics-fixture.js'
import { TEST_HASHING } from '../http/test-app.js'

const dir = mkdtempSync(join(tmpdir(), 'almanac-insights-cli-'))
const db = join(dir, 'cli.db')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function almanac(args: string[]): Promise<{ code: number; out: string[]; err: string }> {
  const command = COMMANDS.find((c) => c.name === 'insights')
  if (command === undefined) throw new Error('no insights command')
  const out: string[] = []
  let err = ''
  const context: CommandContext = {
    stderr: { write: (chunk: string) => ((err += chunk), true) },
    args,
    config: () => loadConfig({ ALMANAC_DATABASE_URL: db }),
    logger: createJsonLogger('error', () => {}),
    print: (line) => out.push(line),
  }
  return { code: await command.run(context), out, err }
}

beforeAll(async () => {
  const app = await createAlmanac(
    loadConfig({ ALMANAC_DATABASE_URL: db }),
    createJsonLogger('error', () => {}),
    { hashing: TEST_HASHING, processMetrics: false },
  )
  for (const batch of inBatches(
    simulateStatements({ seed: 'insights-cli', statements: 4000, learners: 30, courses: 2 }),
    500,
  ))
    await app.lrs.importStatements(CONTEXT, batch, { preserve: false, partial: false })
  await app.projector.catchUp(1)
  await app.close()
}, 120_000)

describe('almanac insights', () => {
  it('imports competency definitions, lists them, and retrains the models', async () => {
    const file = join(dir, 'competencies.json')
    writeFileSync(
      file,
      JSON.stringify([
        {
          id: 'https://example.com/c/negotiation',
          name: 'Negotiation',
          activities: ['https://example.com/a/1'],
        },
      ]),
    )
    expect((await almanac(['import-competencies', file])).out).toEqual([
      'competencies: 1 created, 0 updated',
    ])
    expect((await almanac(['import-competencies', file])).out).toEqual([
      'competencies: 0 created, 1 updated',
    ])
    const listed = await almanac(['competencies'])
    expect(
      listed.out.some((l) =>
        l.startsWith('https://example.com/c/negotiation\tNegotiation\tdefined'),
      ),
    ).toBe(true)
    const trained = await almanac(['train'])
    expect(trained.code).toBe(0)
    expect(trained.out.length).toBe(2)
    expect(trained.out.every((l) => /logistic regression|rules \(/.test(l))).toBe(true)
    const models = JSON.parse((await almanac(['models'])).out.join('\n')) as unknown[]
    expect(models.length).toBe(2)
  })

  it('refuses bad input with a message', async () => {
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, JSON.stringify([{ id: 'not an iri', name: 'x' }]))
    for (const [args, message] of [
      [['import-competencies', bad], /absolute IRI/],
      [['train', '--store', '9'], /no store/],
      [['frobnicate'], /unknown action/],
    ] as const) {
      const result = await almanac([...args])
      expect(result.code).not.toBe(0)
      expect(result.err).toMatch(message)
    }
  })
})
