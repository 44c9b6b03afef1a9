import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import { afterAll, describe, expect, it } from 'vitest'
import type { CommandContext } from '../../src/cli/command.js'
import { COMMANDS } from '../../src/cli/commands.js'
import { runSimulate } from '../../src/cli/commands/simulate.js'
import { createAlmanac } from '../../src/compose.js'
import { loadConfig } from '../../src/config/load-config.js'
import { createJsonLogger } from '../../src/observability/logger.js'
import { simulateStatements } from '../../src/simulate/simulate-statements.js'
import type { StoredStatement } from '../../src/xapi/types.js'
import { TEST_HASHING } from '../http/test-app.js'

const dir = mkdtempSync(join(tmpdir(), 'almanac-commands-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Runs `almanac <name> <args>` as cli/main.ts does, against the database `db`. */
function almanac(name: string, args: string[], db = join(dir, 'cli.db')): Promise<number> {
  const command = COMMANDS.find((c) => c.name === name)
  if (command === undefined) throw new Error(`no command ${name}`)
  const context: CommandContext = {
    args,
    config: () => loadConfig({ ALMANAC_DATABASE_URL: db }),
    logger: createJsonLogger('error', () => {}),
    print: () => {},
  }
  return command.run(context)
}

function readJsonl(file: string): unknown[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown)
}

describe('almanac simulate | import | export', () => {
  it('runs end to end: a simulated file imports (twice) and exports with the same statements', async () => {
    const simulated = join(dir, 'simulated.jsonl')
    const args = ['--seed', 'e2e', '--statements', '1500', '--learners', '12', '--days', '30']
    expect(await almanac('simulate', [...args, '--out', simulated])).toBe(0)
    const again = join(dir, 'again.jsonl')
    expect(await almanac('simulate', [...args, '--out', again])).toBe(0)
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(simulated, 'utf8'))

    expect(await almanac('import', [simulated])).toBe(0)
    expect(await almanac('import', [simulated, '--batch', '250'])).toBe(0)
    const exported = join(dir, 'exported.jsonl')
    expect(await almanac('export', ['--out', exported])).toBe(0)

    const sent = readJsonl(simulated) as StoredStatement[]
    const stored = readJsonl(exported) as StoredStatement[]
    expect(stored).toHaveLength(1500)
    // Exported as stored: what was sent, plus the LRS's stored, authority and version.
    const byId = new Map(stored.map((s) => [s.id, s]))
    for (const statement of sent) {
      const { stored: storedAt, authority, version, ...rest } = byId.get(statement.id)!
      expect(rest).toEqual(statement)
      expect(storedAt).toMatch(/^\d{4}-\d\d-\d\dT/)
      expect(authority.account?.name).toBe('almanac-import')
      expect(version).toBe('2.0.0')
    }
  }, 60_000)

  it('answers usage errors with exit code 2', async () => {
    expect(await almanac('simulate', ['--statements', 'many'])).toBe(2)
    expect(await almanac('simulate', ['--endpoint', 'http://127.0.0.1:1/xapi/'])).toBe(2)
    expect(await almanac('simulate', ['--unknown'])).toBe(2)
    expect(await almanac('import', [])).toBe(2)
    expect(await almanac('export', ['--store', '0'])).toBe(2)
  })

  it('fails with exit code 1 for a file that does not exist, or a store that does not', async () => {
    expect(await almanac('import', [join(dir, 'missing.jsonl')])).toBe(1)
    const file = join(dir, 'small.jsonl')
    expect(await almanac('simulate', ['--statements', '5', '--out', file])).toBe(0)
    expect(await almanac('import', [file, '--store', '99'])).toBe(1)
    expect(await almanac('export', ['--store', '99'])).toBe(1)
  })
})

describe('almanac simulate --endpoint', () => {
  it('POSTs batches to a running LRS; a re-run stores nothing twice', async () => {
    const config = loadConfig({
      ALMANAC_DATABASE_URL: join(dir, 'server.db'),
      ALMANAC_BOOTSTRAP_KEY: 'sim-key',
      ALMANAC_BOOTSTRAP_SECRET: 'sim-secret-123',
    })
    const server = await createAlmanac(
      config,
      createJsonLogger('error', () => {}),
      {
        hashing: TEST_HASHING,
      },
    )
    const http = serve({ fetch: server.app.fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise<void>((resolve) => http.once('listening', resolve))
    const { port } = http.address() as AddressInfo
    try {
      const target = {
        kind: 'endpoint' as const,
        url: `http://127.0.0.1:${port}/xapi`,
        key: 'sim-key',
        secret: 'sim-secret-123',
        batch: 120,
        concurrency: 3,
        version: '2.0.0',
      }
      const stderr = { write: () => true }
      const options = { seed: 'post', statements: 700 }
      expect(await runSimulate(options, target, stderr)).toBe(0)
      expect(await runSimulate(options, target, stderr)).toBe(0)
      const principal = await server.lrs.authenticate('sim-key', 'sim-secret-123')
      const ids: string[] = []
      for await (const s of server.lrs.exportStatements(
        { principal: principal!, version: '2.0.0' },
        {},
      ))
        ids.push(s.id)
      expect(ids).toHaveLength(700)
      expect(new Set(ids)).toEqual(new Set([...simulateStatements(options)].map((s) => s.id)))

      await expect(
        runSimulate(options, { ...target, secret: 'wrong-secret' }, stderr),
      ).rejects.toThrow(/401/)
    } finally {
      await new Promise<void>((resolve) => http.close(() => resolve()))
      await server.close()
    }
  }, 60_000)
})
