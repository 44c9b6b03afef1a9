/** `almanac store`, `almanac credentials` and `almanac admin`, run in-process against a real file. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CommandContext } from '../../src/cli/command.js'
import { COMMANDS } from '../../src/cli/commands.js'
import { createAlmanac, type Almanac } from '../../src/compose.js'
import { loadConfig } from '../../src/config/load-config.js'
import { createJsonLogger } from '../../src/observability/logger.js'
import { basicAuth, TEST_HASHING } from '../http/test-app.js'

const dir = mkdtempSync(join(tmpdir(), 'almanac-tenancy-cli-'))
const db = join(dir, 'almanac.db')
const env = { ALMANAC_DATABASE_URL: db, ALMANAC_ADMIN_PASSWORD: 'cli-admin-password-1' }
let server: Almanac

beforeAll(async () => {
  // A running server on the same database: what the commands change, it sees at once.
  server = await createAlmanac(
    loadConfig(env),
    createJsonLogger('error', () => undefined),
    {
      hashing: TEST_HASHING,
    },
  )
})
afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Runs `almanac <name> <args>`; returns the exit code and what it printed. */
async function almanac(name: string, ...args: string[]): Promise<{ code: number; out: string[] }> {
  const command = COMMANDS.find((c) => c.name === name)
  if (command === undefined) throw new Error(`no command ${name}`)
  const out: string[] = []
  const context: CommandContext = {
    args,
    config: () => loadConfig(env),
    logger: createJsonLogger('error', () => undefined),
    print: (line) => out.push(line),
  }
  return { code: await command.run(context), out }
}

function printed(out: string[], label: string): string {
  const line = out.find((l) => l.trim().startsWith(`${label}:`))
  if (line === undefined) throw new Error(`no ${label} in ${out.join('\n')}`)
  return line
    .trim()
    .slice(label.length + 1)
    .trim()
}

const xapi = (key: string, secret: string) =>
  server.app.request('/xapi/statements', {
    headers: { Authorization: basicAuth(key, secret), 'X-Experience-API-Version': '2.0.0' },
  })

describe('almanac store / credentials / admin', () => {
  it('creates and lists stores', async () => {
    const created = await almanac('store', 'create', '--name', 'Sales')
    expect(created.code).toBe(0)
    expect(created.out).toEqual(['store 2 created: Sales'])
    const list = await almanac('store', 'list')
    expect(list.out[0]).toBe('id\tname\tcreated')
    expect(list.out.slice(1).map((l) => l.split('\t').slice(0, 2))).toEqual([
      ['1', 'default'],
      ['2', 'Sales'],
    ])
  })

  it('creates a credential, printing the secret once, and lists, revokes, enables, rotates it', async () => {
    const created = await almanac(
      'credentials',
      'create',
      '--store',
      '2',
      '--name',
      'LMS',
      '--scopes',
      'statements/write, statements/read',
      '--rate-limit',
      '100',
    )
    expect(created.code).toBe(0)
    const key = printed(created.out, 'key')
    const secret = printed(created.out, 'secret')
    expect(created.out[0]).toBe(
      'credential created for store 2 (LMS), scopes statements/write,statements/read',
    )
    expect((await xapi(key, secret)).status).toBe(200)

    const list = await almanac('credentials', 'list', '--store', '2')
    expect(list.out).toHaveLength(2)
    expect(list.out[1]).toMatch(
      new RegExp(
        `^${key}\\tLMS\\tstatements/write,statements/read\\tenabled\\t20\\d\\d-.*\\t100/min$`,
      ),
    )
    expect(list.out.join('\n')).not.toContain(secret)

    expect((await almanac('credentials', 'revoke', key)).out).toEqual([
      `credential ${key} revoked (disabled)`,
    ])
    expect((await xapi(key, secret)).status).toBe(401)
    expect((await almanac('credentials', 'enable', key)).code).toBe(0)
    expect((await xapi(key, secret)).status).toBe(200)

    const rotated = await almanac('credentials', 'rotate', key)
    const newSecret = printed(rotated.out, 'secret')
    expect(printed(rotated.out, 'key')).toBe(key)
    expect((await xapi(key, secret)).status).toBe(401)
    expect((await xapi(key, newSecret)).status).toBe(200)
  })

  it('refuses bad input: exit 1 with the reason, exit 2 for usage', async () => {
    expect(
      (await almanac('credentials', 'create', '--store', '2', '--name', 'x', '--scopes', 'root'))
        .code,
    ).toBe(1)
    expect((await almanac('credentials', 'create', '--store', '99', '--name', 'x')).code).toBe(1)
    expect((await almanac('credentials', 'create', '--name', 'x')).code).toBe(2)
    expect((await almanac('credentials', 'create', '--store', 'two', '--name', 'x')).code).toBe(2)
    expect((await almanac('credentials', 'create', '--store', '2', '--nmae', 'x')).code).toBe(2)
    expect((await almanac('store', 'drop')).code).toBe(2)
    expect((await almanac('credentials', 'revoke', 'no-such-key')).code).toBe(1)
  })

  it('creates an admin account from ALMANAC_ADMIN_PASSWORD that can sign in', async () => {
    const created = await almanac('admin', 'create', '--username', 'ops')
    expect(created).toEqual({ code: 0, out: ['admin account ops created'] })
    expect((await almanac('admin', 'create', '--username', 'ops')).code).toBe(1)
    const login = await server.app.request('/api/session', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'ops', password: 'cli-admin-password-1' }),
    })
    expect(login.status).toBe(201)
    const list = await almanac('admin', 'list')
    expect(list.out[1]).toMatch(/^ops\t/)
  })
})
