/**
 * `almanac analytics rebuild|status` in a real process on a SQLite file: a rebuild recomputes
 * every projection from the statements, the informal-learning one (the people consumer's) and
 * the insights links included, and gives the same rows again after the projection tables were
 * damaged.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { REBUILT_TABLES } from '../../src/analytics/projector.js'
import { type CliResult, runAlmanac } from './cli-child.js'

const dir = mkdtempSync(join(tmpdir(), 'almanac-analytics-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const db = join(dir, 'analytics.db')

function almanac(...args: string[]): CliResult {
  return runAlmanac(db, args, { timeoutMs: 120_000 })
}

const TABLES = [...REBUILT_TABLES, 'an_informal', 'in_links']

/** Every row of every projection table, as sorted JSON lines per table. */
function snapshot(): Record<string, string[]> {
  const sqlite = new Database(db, { readonly: true })
  try {
    return Object.fromEntries(
      TABLES.map((table) => [
        table,
        sqlite
          .prepare(`select * from ${table}`)
          .all()
          .map((row) => JSON.stringify(row))
          .sort(),
      ]),
    )
  } finally {
    sqlite.close()
  }
}

describe('almanac analytics', () => {
  it('rebuild recomputes every projection, informal learning and links included, and gives the same rows after damage', () => {
    const file = join(dir, 'statements.jsonl')
    expect(almanac('simulate', '--statements', '3000', '--out', file).code).toBe(0)
    expect(almanac('import', file).code).toBe(0)
    // A competency defined by hand: its alignment is a link the statements did not give, and a
    // rebuild keeps it.
    const competencies = join(dir, 'competencies.json')
    writeFileSync(
      competencies,
      JSON.stringify([
        {
          id: 'https://example.com/c/triage',
          name: 'Triage',
          activities: ['https://example.com/a/1'],
        },
      ]),
    )
    expect(almanac('insights', 'import-competencies', competencies).code).toBe(0)

    const first = almanac('analytics', 'rebuild')
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(/^store 1: projections rebuilt in [\d.]+ s$/m)
    const rebuilt = snapshot()
    // Informal learning is in every simulated store (analytics-definitions.md §15).
    expect(rebuilt['an_informal']?.length).toBeGreaterThan(0)
    expect(rebuilt['an_learner_activity']?.length).toBeGreaterThan(0)
    expect(rebuilt['in_links']?.length).toBeGreaterThan(1)
    expect(rebuilt['in_links']?.filter((row) => row.includes('"source":"defined"'))).toHaveLength(1)
    const status = almanac('analytics', 'status')
    expect(status.code).toBe(0)
    const positions =
      /cursor (\d+) of (\d+),.*people and informal learning: cursor (\d+) of (\d+); insights links: cursor (\d+) of (\d+)/.exec(
        status.stdout,
      ) ?? []
    const watermark = positions[2]
    expect(Number(watermark)).toBeGreaterThan(0)
    expect(positions.slice(1)).toEqual(Array(6).fill(watermark))

    // Damage: half the informal rows and half of every analytics projection gone.
    const sqlite = new Database(db)
    // Every second row as the table reads, matched on all its columns: some tables are
    // clustered on their key (`without rowid`, migration 0035), so there is no rowid to pick by.
    for (const table of TABLES) {
      const rows = sqlite.prepare(`select * from ${table}`).all() as Record<string, unknown>[]
      for (const row of rows.filter((_, i) => i % 2 === 1)) {
        const columns = Object.keys(row)
        sqlite
          .prepare(`delete from ${table} where ${columns.map((c) => `"${c}" is ?`).join(' and ')}`)
          .run(...columns.map((c) => row[c]))
      }
    }
    sqlite.close()
    expect(snapshot()).not.toEqual(rebuilt)

    expect(almanac('analytics', 'rebuild').code).toBe(0)
    expect(snapshot()).toEqual(rebuilt)
  })
})
