/**
 * Retention through the admin API and the CLI: a store with statements over more than a year
 * keeps exactly the last N days; a dry run says what would go and removes nothing; the xAPI
 * reads (every statement, the agents) agree afterwards, and so does every report (overview, course,
 * pages, learner, objectives; JSON and CSV) with that of a fresh store loaded with exactly the
 * kept statements, on SQLite and PostgreSQL. Erasures are listed by the CLI.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliRequestContext } from '../../src/cli/cli-context.js'
import type { CommandContext } from '../../src/cli/command.js'
import { COMMANDS } from '../../src/cli/commands.js'
import { loadConfig } from '../../src/config/load-config.js'
import { createJsonLogger } from '../../src/observability/logger.js'
import { simulateStatements } from '../../src/simulate/simulate-statements.js'
import { APP_BACKENDS } from '../fixtures/throwaway-postgres.js'
import { stableReportCsv, stableReportJson } from '../fixtures/stable-report.js'
import { createTestApp, TEST_KEY, TEST_SECRET, type TestApp } from './test-app.js'

const ADMIN = { username: 'dpo', password: 'dpo-password-123' }
const DAY = 24 * 60 * 60 * 1000
let app: TestApp
let token: string

async function api(path: string, method = 'GET', json?: unknown) {
  const response = await app.request(`/api${path}`, {
    method,
    auth: null,
    version: null,
    headers: { Authorization: `Bearer ${token}` },
    ...(json === undefined ? {} : { json }),
  })
  const text = await response.text()
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) }
}

async function almanac(name: string, ...args: string[]) {
  const command = COMMANDS.find((c) => c.name === name)
  if (command === undefined) throw new Error(`no command ${name}`)
  const out: string[] = []
  const context: CommandContext = {
    args,
    config: () =>
      loadConfig({
        ALMANAC_DATABASE_URL: app.databaseFile,
        ALMANAC_BOOTSTRAP_KEY: TEST_KEY,
        ALMANAC_BOOTSTRAP_SECRET: TEST_SECRET,
      }),
    logger: createJsonLogger('error', () => undefined),
    print: (line) => out.push(line),
  }
  return { code: await command.run(context), out }
}

async function allIds(): Promise<string[]> {
  const ids: string[] = []
  let path = '/xapi/statements?ascending=true&limit=500&format=ids'
  while (path !== '') {
    const body = (await (await app.request(path)).json()) as {
      statements: { id: string }[]
      more: string
    }
    ids.push(...body.statements.map((s) => s.id))
    path = body.more
  }
  return ids
}

beforeAll(async () => {
  app = await createTestApp({
    ALMANAC_ADMIN_USERNAME: ADMIN.username,
    ALMANAC_ADMIN_PASSWORD: ADMIN.password,
  })
  const session = await app.request('/api/session', {
    method: 'POST',
    json: ADMIN,
    auth: null,
    version: null,
  })
  token = ((await session.json()) as { token: string }).token
})
afterAll(async () => {
  await app.close()
})

describe('retention', () => {
  it('keeps exactly the last N days of a store spread over more than a year', async () => {
    const now = Date.now()
    // Every 3 days over 420 days, oldest first; "old" only appears long ago.
    const statements = Array.from({ length: 141 }, (_, i) => ({
      id: randomUUID(),
      actor: { mbox: i === 0 ? 'mailto:old@example.com' : `mailto:l${i % 4}@example.com` },
      verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
      object: { id: `http://example.com/a/${i}` },
      stored: new Date(now - (420 - i * 3) * DAY).toISOString(),
      timestamp: new Date(now - (420 - i * 3) * DAY).toISOString(),
    }))
    const result = await app.almanac.lrs.importStatements(
      cliRequestContext('import', 1, 'http://127.0.0.1', '2.0.0'),
      statements,
      { preserve: true, partial: false },
    )
    expect(result.stored).toBe(statements.length)
    // The cut-off is measured at the purge, a moment after `now`: a day of margin either side.
    const keep = statements.filter((s) => Date.parse(s.stored) > now - 90 * DAY + 60_000)
    expect(keep.length).toBeGreaterThan(20)

    expect((await api('/stores/1/retention')).body).toEqual({
      storeId: 1,
      statementDays: null,
      documentDays: null,
      updatedAt: null,
    })
    const set = await api('/stores/1/retention', 'PUT', { statementDays: 90 })
    expect(set.status).toBe(200)
    expect(set.body).toMatchObject({ statementDays: 90, documentDays: null })
    expect((await api('/stores/1/retention', 'PUT', { statementDays: 0 })).status).toBe(400)
    expect((await api('/stores/1/retention', 'PUT', { statementDays: 'x' })).status).toBe(400)

    const dry = await api('/stores/1/retention/purge', 'POST', { dryRun: true })
    expect(dry.body).toMatchObject({
      dryRun: true,
      statements: statements.length - keep.length,
      documents: 0,
      oldestStored: statements[0]!.stored,
    })
    expect(await allIds()).toHaveLength(statements.length)
    const cliDry = await almanac('retention', 'purge', '--store', '1', '--dry-run')
    expect(cliDry.code).toBe(0)
    expect(cliDry.out[0]).toContain(`would purge: ${statements.length - keep.length} statements`)

    const purged = await almanac('retention', 'purge', '--store', '1')
    expect(purged.out[0]).toContain(`purged: ${statements.length - keep.length} statements`)
    expect(await allIds()).toEqual(keep.map((s) => s.id))
    const person = await app.request(
      `/xapi/agents?agent=${encodeURIComponent(JSON.stringify({ mbox: 'mailto:old@example.com' }))}`,
    )
    expect(await person.json()).toEqual({ objectType: 'Person', mbox: ['mailto:old@example.com'] })

    expect((await almanac('retention', 'show', '--store', '1')).out).toEqual([
      'store 1: statements kept 90 days, documents kept for ever',
    ])
    expect(
      (await almanac('retention', 'set', '--store', '1', '--statement-days', 'forever')).out,
    ).toEqual(['store 1: statements kept for ever, documents kept for ever'])
    expect((await almanac('retention', 'set', '--store', '9', '--statement-days', '5')).code).toBe(
      1,
    )
  })

  it('erases through the CLI and lists the erasure records', async () => {
    const erased = await almanac(
      'erase',
      '--store',
      '1',
      '--agent',
      '{"mbox":"mailto:l1@example.com"}',
    )
    expect(erased.code).toBe(0)
    expect(erased.out[0]).toMatch(/^erasure 1 by cli at .*: \d+ statements deleted, 0 anonymised/)
    const listed = await almanac('erase', '--store', '1', '--list')
    expect(listed.out).toEqual(erased.out)
    expect((await almanac('erase', '--store', '1', '--agent', 'not json')).code).toBe(2)
    expect((await almanac('erase', '--store', '1', '--agent', '{"name":"x"}')).code).toBe(1)
    expect((await api('/stores/1/erasures')).body.erasures[0].requestedBy).toBe('cli')
  })

  it('refuses a bad command line of erase, retention and forwarding before opening the database', async () => {
    const cases: [string, string[], RegExp][] = [
      ['erase', ['--store', '1'], /--agent is required/],
      [
        'erase',
        ['--store', '1', '--list', '--agent', '{}'],
        /give one of --agent, --person or --list/,
      ],
      ['erase', ['--store', 'one', '--list'], /--store must be a positive integer/],
      ['erase', ['--store', '1', 'extra', '--list'], /Unexpected argument 'extra'/],
      ['retention', ['purge', '--store', '1', '--statement-days', '3'], /Unknown option/],
      ['retention', ['set', '--store', '1'], /set needs --statement-days or --document-days/],
      ['retention', ['set', '--store', '1', '--statement-days', '0'], /positive integer/],
      ['retention', ['forget', '--store', '1'], /unknown action 'forget'/],
      ['forwarding', ['show', '--store', '1'], /--target is required/],
      ['forwarding', ['list', '--store', '1', '--target', '2'], /Unknown option '--target'/],
      ['forwarding', ['add-webhook', '--store', '1', '--password', 'p'], /Unknown option/],
      ['forwarding', ['replay', '--store', '1', '--target', '2'], /--from is required/],
      ['forwarding', ['add-lrs', '--store', '1', '--filter', '{'], /--filter must be JSON/],
    ]
    for (const [name, args, message] of cases) {
      const command = COMMANDS.find((c) => c.name === name)!
      const errors: string[] = []
      const code = await command.run({
        args,
        config: () => {
          throw new Error('the database was about to be opened')
        },
        logger: createJsonLogger('error', () => undefined),
        print: () => undefined,
        stderr: { write: (text: string) => errors.push(text) },
      })
      expect(code, `${name} ${args.join(' ')}`).toBe(2)
      expect(errors.join(''), `${name} ${args.join(' ')}`).toMatch(message)
      expect(errors.join('')).toContain(`usage: almanac ${name}`)
    }
  })
})

for (const backend of APP_BACKENDS)
  describe.skipIf(backend.skip)(`retention and reports on ${backend.name}`, () => {
    it('after a purge to the last N days, every report equals that of a store holding only the kept statements', async () => {
      const KEEP_DAYS = 120
      const now = Date.now()
      // Simulated courses (cmi5 sessions, scores, pages, objectives) over 420 days up to now,
      // as stored on their timestamps, oldest first.
      const statements = [
        ...simulateStatements({
          seed: 'retention',
          statements: 1500,
          learners: 14,
          courses: 4,
          start: new Date(now - 420 * DAY).toISOString(),
          days: 419,
        }),
      ]
        .map((s) => ({ ...s, stored: s.timestamp ?? '' }))
        .sort((a, b) => Date.parse(a.stored) - Date.parse(b.stored))
      // A day of margin either side of the cut-off, which is measured at the purge.
      const cut = now - KEEP_DAYS * DAY
      expect(statements.some((s) => Math.abs(Date.parse(s.stored) - cut) < 60_000)).toBe(false)
      const kept = statements.filter((s) => Date.parse(s.stored) > cut)
      expect(kept.length).toBeGreaterThan(200)
      expect(statements.length - kept.length).toBeGreaterThan(500)

      const databases = [await backend.open(), await backend.open()]
      const admin = {
        ALMANAC_ADMIN_USERNAME: ADMIN.username,
        ALMANAC_ADMIN_PASSWORD: ADMIN.password,
      }
      const purged = await createTestApp({ ...databases[0]!.env, ...admin })
      const fresh = await createTestApp({ ...databases[1]!.env, ...admin })
      try {
        const load = async (into: TestApp, list: unknown[]) => {
          for (let i = 0; i < list.length; i += 500) {
            const result = await into.almanac.lrs.importStatements(
              cliRequestContext('import', 1, 'http://127.0.0.1', '2.0.0'),
              list.slice(i, i + 500),
              { preserve: true, partial: false },
            )
            expect(result.stored).toBe(Math.min(500, list.length - i))
          }
          await into.almanac.projector.catchUp(1)
        }
        await load(purged, statements)
        await load(fresh, kept)
        const bearer = async (on: TestApp) => {
          const session = await on.request('/api/session', {
            method: 'POST',
            json: ADMIN,
            auth: null,
            version: null,
          })
          return `Bearer ${((await session.json()) as { token: string }).token}`
        }
        const tokens = new Map([
          [purged, await bearer(purged)],
          [fresh, await bearer(fresh)],
        ])
        const call = async (on: TestApp, path: string, method = 'GET', json?: unknown) => {
          const response = await on.request(path, {
            method,
            auth: null,
            version: null,
            headers: { Authorization: tokens.get(on)! },
            ...(json === undefined ? {} : { json }),
          })
          const text = await response.text()
          return { status: response.status, text }
        }

        // Before the purge the two stores' reports differ (the comparison below means something).
        const overview = `/api/stores/1/reports/overview?since=${new Date(now - 500 * DAY).toISOString()}`
        expect((await call(purged, overview)).text).not.toBe((await call(fresh, overview)).text)
        const policy = await call(purged, '/api/stores/1/retention', 'PUT', {
          statementDays: KEEP_DAYS,
        })
        expect(policy.status, policy.text).toBe(200)
        const report = await call(purged, '/api/stores/1/retention/purge', 'POST', {})
        expect(JSON.parse(report.text)).toMatchObject({
          statements: statements.length - kept.length,
        })
        await purged.almanac.projector.catchUp(1)

        // Every report over the whole period: the overview, each course, each learner, each
        // assessment, page set and the objectives, in JSON and CSV.
        const window = `since=${new Date(now - 500 * DAY).toISOString()}&until=${new Date(now + DAY).toISOString()}`
        const courses = new Set<string>()
        const learners = new Set<string>()
        for (const s of statements) {
          const grouping = s.context?.contextActivities?.grouping?.[0]?.id
          if (grouping !== undefined) courses.add(grouping)
          const account = (s.actor as { account?: { homePage: string; name: string } }).account
          if (account !== undefined) learners.add(`account:${account.homePage}|${account.name}`)
        }
        expect(courses.size).toBeGreaterThan(1)
        expect(learners.size).toBeGreaterThan(5)
        const paths = [`overview?${window}`, `objectives?${window}`]
        for (const course of courses)
          for (const name of ['course', 'pages'])
            paths.push(`${name}?activity=${encodeURIComponent(course)}&${window}`)
        for (const learner of learners)
          paths.push(`learner?learner=${encodeURIComponent(learner)}&${window}`)
        // The person record (learner report) is the store's own: its id and times differ.
        const stable = (text: string) => {
          const rest = stableReportJson(text)
          const person = rest['person'] as Record<string, unknown> | undefined
          if (person === undefined) return rest
          const { id: _i, createdAt: _cr, updatedAt: _u, ...kept } = person
          return { ...rest, person: kept }
        }
        let found = 0
        for (const path of paths)
          for (const format of ['', '&format=csv']) {
            const [after, expected] = [
              await call(purged, `/api/stores/1/reports/${path}${format}`),
              await call(fresh, `/api/stores/1/reports/${path}${format}`),
            ]
            expect(after.status, `${path}: ${after.text}`).toBe(expected.status)
            if (expected.status !== 200) continue
            found++
            if (format === '') expect(stable(after.text), path).toEqual(stable(expected.text))
            else expect(stableReportCsv(after.text), path).toBe(stableReportCsv(expected.text))
          }
        // Most of them had something to report (learners whose every statement went are 404s).
        expect(found).toBeGreaterThan(paths.length)
      } finally {
        await purged.close()
        await fresh.close()
        for (const database of databases) await database.drop()
      }
    }, 180_000)
  })
