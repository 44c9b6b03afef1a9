/**
 * The real `almanac` CLI in a child process (src/cli/main.ts under tsx): every command's
 * `--help`, and the one error style (issue 13) — usage errors print the message and the usage
 * (exit 2), refused actions and failures print one message line (exit 1).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { COMMANDS } from '../../src/cli/commands.js'
import { type CliResult, runAlmanac } from './cli-child.js'

const dir = mkdtempSync(join(tmpdir(), 'almanac-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const db = join(dir, 'cli.db')

function almanac(...args: string[]): CliResult {
  return runAlmanac(db, args, { env: { ALMANAC_ADMIN_PASSWORD: 'a-long-enough-password' } })
}

describe('almanac <command> --help', () => {
  it.each(COMMANDS.map((c) => c.name))('%s --help prints its usage and exits 0', (name) => {
    const { code, stdout, stderr } = almanac(name, '--help')
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout).toMatch(new RegExp(`^usage: almanac ${name}\\b`))
    // Help touches neither the configuration nor the database.
    expect(existsSync(db)).toBe(false)
  })

  it('-h after other options, and `almanac help <command>`, print the same usage', () => {
    const help = almanac('credentials', '--help').stdout
    expect(almanac('credentials', 'create', '--store', '2', '-h')).toMatchObject({
      code: 0,
      stdout: help,
    })
    expect(almanac('help', 'credentials')).toMatchObject({ code: 0, stdout: help })
  })
})

describe('one error style across commands', () => {
  it.each([
    ['store', 'drop'],
    ['export', '--bogus'],
    ['credentials', 'create', '--store', 'two', '--name', 'x'],
    ['admin', 'create'],
    ['migrate', 'extra'],
    ['import'],
  ])('usage error: %s … → message, then the usage, exit 2', (...args) => {
    const { code, stderr } = almanac(...args)
    expect(code).toBe(2)
    expect(stderr).toMatch(new RegExp(`^almanac ${args[0]}: .+\\n\\nusage: almanac ${args[0]}\\b`))
  })

  it.each([
    [['credentials', 'create', '--store', '99', '--name', 'x'], /no store with id 99/],
    [['admin', 'password', '--username', 'nobody'], /no account named 'nobody'/],
    [['import', join(dir, 'missing.jsonl')], /cannot read/],
    [['export', '--store', '99'], /there is no store 99/],
  ])('failure: %s → one message line, exit 1', (args, message) => {
    const { code, stderr } = almanac(...args)
    expect(code).toBe(1)
    expect(stderr).toMatch(message)
    expect(stderr).toMatch(new RegExp(`^almanac ${args[0]}: [^\\n]+\\n$`))
    expect(stderr).not.toMatch(/usage:/)
  })
})
