/**
 * The people, cohorts, informal-learning and ineffective-content pages end to end: headless
 * Chromium against a real Almanac process (built dist/, SQLite, simulated data). An HR export is
 * previewed and imported in the page (merging an app email into an LMS account), a person is
 * edited, a cohort is saved and compared, a person is erased after a confirmation. Screenshots
 * go to docs/screenshots/.
 */
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from './browser.js'
import {
  ADMIN,
  basic,
  BOOTSTRAP,
  postStatements,
  startE2eServer,
  type E2eServer,
} from './e2e-server.js'

const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
const APP_EMAIL = 'e2e.merge@example.com'

let server: E2eServer
let browser: Browser
let page: Page
let token = ''
const problems: string[] = []

interface Person {
  id: number
  attributes: Record<string, string>
  identifiers: string[]
}

async function apiJson<T>(path: string): Promise<T> {
  const response = await fetch(`${server.origin}/api${path}`, {
    headers: { Authorization: `Bearer ${token}` },
  })
  expect(response.status, path).toBeLessThan(300)
  return (await response.json()) as T
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Drawn pixels per chart canvas (alpha > 0), sampled; evaluated over CDP (the CSP forbids eval). */
const CANVAS_PIXELS = `(() => [...document.querySelectorAll('[data-chart] canvas')].map((canvas) => {
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data
  let drawn = 0
  for (let i = 3; i < data.length; i += 16) if (data[i] > 0) drawn++
  return drawn
}))()`

async function chartsDrawn(count: number): Promise<number[]> {
  return until(async () => {
    const pixels = await page.evaluate<number[]>(CANVAS_PIXELS)
    return pixels.length >= count && pixels.every((p) => p > 300) ? pixels : undefined
  })
}

/** Searches the people page for `search` and opens `person`'s page from the results. */
async function openPerson(search: string, person: Person): Promise<void> {
  await page.getByLabel('Search people').fill(search)
  await page.getByRole('button', { name: 'Search', exact: true }).click()
  await page
    .getByRole('button', { name: `Open ${person.attributes['name'] ?? 'person'}` })
    .first()
    .click()
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true })
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true })
  server = await startE2eServer(2500)
  browser = await launchChromium()
  const context = await browser.newContext({ viewport: { width: 1440, height: 960 } })
  page = await context.newPage()
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text())
  })
  page.on('pageerror', (error) => problems.push(error.message))
  const session = await fetch(`${server.origin}/api/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(ADMIN),
  })
  token = ((await session.json()) as { token: string }).token
})

afterAll(async () => {
  await browser?.close()
  await server?.stop()
})

describe('people console', () => {
  let first: Person
  let before = 0

  it('imports an HR export from the page: a preview first, then the import merges an app email', async () => {
    before = (await apiJson<{ total: number }>('/stores/1/people?pageSize=1')).total
    expect(before).toBeGreaterThan(10)
    // The first learner also watched a video in an app that knows them by email.
    const people = (await apiJson<{ people: Person[] }>('/stores/1/people?pageSize=12')).people
    first = people[0]!
    expect(
      (
        await postStatements(server.origin, [
          {
            actor: { mbox: `mailto:${APP_EMAIL}`, name: 'App user' },
            verb: { id: 'http://adlnet.gov/expapi/verbs/terminated' },
            object: {
              id: 'https://example.com/videos/e2e',
              definition: { type: 'https://w3id.org/xapi/video/activity-type/video' },
            },
            result: { duration: 'PT12M' },
            context: { platform: 'E2E App' },
          },
        ])
      ).status,
    ).toBe(200)
    await until(async () => {
      const total = (await apiJson<{ total: number }>('/stores/1/people?pageSize=1')).total
      return total === before + 1 ? total : undefined
    })
    const csv = [
      'identifiers,name,role,team,location',
      ...people.map((p, i) =>
        [
          i === 0 ? `${p.identifiers[0]};${APP_EMAIL}` : p.identifiers[0],
          `"${p.attributes['name'] ?? `Person ${i}`}"`,
          i < 8 ? 'Support engineer' : 'Analyst',
          i < 6 ? 'EMEA' : 'Americas',
          i % 2 === 0 ? 'London' : 'Boston',
        ].join(','),
      ),
    ].join('\n')

    await page.goto(`${server.origin}/`)
    await page.getByLabel('Username').fill(ADMIN.username)
    await page.getByLabel('Password').fill(ADMIN.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'Overview' }).waitFor()
    await page.getByRole('link', { name: 'People', exact: true }).click()
    await page.getByRole('heading', { name: 'People', exact: true }).waitFor()
    await page.getByText(`${before + 1} people`).waitFor()

    await page.getByLabel('People file').fill(csv)
    await page.getByRole('button', { name: 'Preview (dry run)' }).click()
    const result = page.getByRole('status', { name: 'Import result' })
    await result
      .getByText(/Dry run — nothing was written\. Would create 0, update 11, merge 1/)
      .waitFor()
    expect((await apiJson<{ total: number }>('/stores/1/people?pageSize=1')).total).toBe(before + 1)
    await shot('people-import-preview')

    await page.getByRole('button', { name: 'Import', exact: true }).click()
    await result.getByText(/Imported: create 0, update 11, merge 1/).waitFor()
    await page.getByText(`${before} people`).waitFor()
    const merged = await apiJson<Person>(`/stores/1/people/${first.id}`)
    expect(merged.identifiers).toContain(`mbox:mailto:${APP_EMAIL}`)
    expect(merged.attributes['team']).toBe('EMEA')
  })

  it('edits a person in the page', async () => {
    await openPerson(first.identifiers[0]!.split('|').pop() ?? '', first)
    await page.getByRole('heading', { name: 'Identifiers' }).waitFor()
    await page.getByText(`mbox:mailto:${APP_EMAIL}`).waitFor()
    await page.getByLabel('Role').fill('Support lead')
    await page.getByRole('button', { name: 'Save attributes' }).click()
    await until(async () => {
      const p = await apiJson<Person>(`/stores/1/people/${first.id}`)
      return p.attributes['role'] === 'Support lead' ? p : undefined
    })
    await shot('person')
  })

  it('saves a cohort and compares it with everyone else, with its chart', async () => {
    await page.getByRole('link', { name: 'Cohorts', exact: true }).click()
    await page.getByRole('heading', { name: 'Cohorts', exact: true }).waitFor()
    await page.getByLabel('Cohort name').fill('EMEA')
    await page.getByLabel('Attribute 1').selectOption('team')
    await page.getByLabel('Operator 1').selectOption('eq')
    await page.getByLabel('Value 1').fill('emea')
    await page.getByRole('button', { name: 'Save cohort' }).click()
    await page.getByText(/team = "emea" · 6 people/).waitFor()
    await page.getByRole('heading', { name: 'Compare' }).waitFor()
    await page.getByText(/EMEA: 6 people · everyone else: \d+ people/).waitFor()
    await chartsDrawn(1)
    await shot('cohorts')
    const cohorts = await apiJson<{ cohorts: { id: number; members: number }[] }>(
      '/stores/1/cohorts',
    )
    expect(cohorts.cohorts.map((c) => c.members)).toEqual([6])
  })

  it('shows informal learning with its charts, and restricts it to a cohort', async () => {
    await page.getByRole('link', { name: 'Informal', exact: true }).click()
    await page.getByRole('heading', { name: 'Informal learning', exact: true }).waitFor()
    // The window covers the simulation (the last 60 days); the app video is now.
    await page.getByLabel('Time window').selectOption({ index: 3 })
    await page.getByText('Informal hours', { exact: true }).waitFor()
    await chartsDrawn(3)
    await shot('informal')
    await page.getByRole('combobox', { name: 'Cohort' }).selectOption({ label: 'EMEA' })
    // Only the cohort's 6 people count now: "n of m" active people with m ≤ 6.
    await until(async () => {
      const text = await page.evaluate<string>(
        `[...document.querySelectorAll('.kpi')].find((k) => k.textContent.includes('People learning informally'))?.querySelector('dd')?.textContent ?? ''`,
      )
      return /^\d+ of [0-6]$/.test(text) ? text : undefined
    })
  })

  it('ranks ineffective content with the evidence and definitions', async () => {
    await page.getByRole('link', { name: 'Ineffective content', exact: true }).click()
    await page.getByRole('heading', { name: 'Ineffective content' }).waitFor()
    await page.getByRole('heading', { name: 'The evidence' }).waitFor()
    await page.getByRole('heading', { name: 'Definitions used' }).waitFor()
    const rows = await page.locator('table').last().locator('tbody tr').count()
    expect(rows).toBeGreaterThan(0)
    await shot('ineffective')
    // The sign-in page's session probe answers 401 before signing in: expected, not a problem.
    expect(problems.filter((p) => !p.includes('401'))).toEqual([])
  })

  it('filters the question analysis by a cohort, and compares a learner with it', async () => {
    const cohort = (
      await apiJson<{ cohorts: { id: number; name: string }[] }>('/stores/1/cohorts')
    ).cohorts.find((c) => c.name === 'EMEA')!
    const learnerKey = first.identifiers[0]!
    const own = await apiJson<{ courses: { modules: { activity: string }[] }[] }>(
      `/stores/1/reports/learner?learner=${encodeURIComponent(learnerKey)}`,
    )
    // The learner's first module quiz with answers (the simulator's quiz is <module>/quiz).
    let assessment = ''
    for (const m of own.courses.flatMap((c) => c.modules)) {
      const probe = await fetch(
        `${server.origin}/api/stores/1/reports/items?assessment=${encodeURIComponent(`${m.activity}/quiz`)}`,
        { headers: { Authorization: `Bearer ${token}` } },
      )
      if (probe.status === 200) {
        assessment = `${m.activity}/quiz`
        break
      }
    }
    expect(assessment).not.toBe('')
    const items = (query: string) =>
      apiJson<{ respondents: number }>(
        `/stores/1/reports/items?assessment=${encodeURIComponent(assessment)}${query}`,
      )
    const everyone = (await items('')).respondents
    const members = (await items(`&cohort=${cohort.id}`)).respondents
    expect(members).toBeLessThan(everyone)
    const kpi = (label: string) =>
      page.evaluate<string>(
        `[...document.querySelectorAll('.kpi')].find((k) => k.textContent.includes(${JSON.stringify(label)}))?.querySelector('dd')?.textContent ?? ''`,
      )

    await page.getByRole('link', { name: 'Questions', exact: true }).click()
    await page.getByRole('heading', { name: 'Question analysis' }).waitFor()
    await page.getByLabel('Assessment (the quiz activity IRI)').fill(assessment)
    await page.getByRole('button', { name: 'Show report' }).click()
    await until(async () => ((await kpi('Respondents')) === String(everyone) ? true : undefined))
    await page.getByRole('combobox', { name: 'Cohort' }).selectOption({ label: 'EMEA' })
    await until(async () => ((await kpi('Respondents')) === String(members) ? true : undefined))
    await page.getByText(/Cohort EMEA \(team = "emea"; 6 people\)/).waitFor()
    await chartsDrawn(1)
    await shot('questions-cohort')

    await page.getByRole('link', { name: 'Learner', exact: true }).click()
    await page.getByRole('heading', { name: 'Learner report' }).waitFor()
    await page.getByLabel(/^Learner/).fill(learnerKey)
    await page.getByRole('button', { name: 'Show report' }).click()
    await page.getByRole('combobox', { name: 'Cohort' }).selectOption({ label: 'EMEA' })
    await page.getByRole('heading', { name: 'Compared with the cohort EMEA' }).waitFor()
    const compared = await apiJson<{ cohortComparison: { courses: unknown[] } }>(
      `/stores/1/reports/learner?learner=${encodeURIComponent(learnerKey)}&cohort=${cohort.id}`,
    )
    const rows = page
      .getByRole('table', { name: "The learner's courses compared with the cohort EMEA" })
      .locator('tbody tr')
    expect(await rows.count()).toBe(compared.cohortComparison.courses.length)
    await page.getByText('This learner is a member.').waitFor()
    await shot('learner-cohort')
    expect(problems.filter((p) => !p.includes('401'))).toEqual([])
  })

  it('erases a person after a confirmation: their statements go, and the audit keeps a record', async () => {
    const people = (await apiJson<{ people: Person[] }>('/stores/1/people?pageSize=20')).people
    const target = people.find(
      (p) =>
        p.id !== first.id && p.identifiers.length === 1 && p.identifiers[0]!.startsWith('account:'),
    )!
    const ifi = target.identifiers[0]!
    // The simulator's learners are LMS accounts: "account:<homePage>|<name>".
    const [homePage, name] = ifi.replace(/^account:/, '').split('|')
    const agent = encodeURIComponent(JSON.stringify({ account: { homePage, name } }))
    const statementsOf = async () => {
      const response = await fetch(`${server.origin}/xapi/statements?agent=${agent}&limit=1`, {
        headers: {
          Authorization: basic(BOOTSTRAP.key, BOOTSTRAP.secret),
          'X-Experience-API-Version': '2.0.0',
        },
      })
      expect(response.status).toBe(200)
      return ((await response.json()) as { statements: unknown[] }).statements.length
    }
    expect(await statementsOf()).toBe(1)
    const audits = async () =>
      (
        await apiJson<{ erasures: { id: number; statementsDeleted: number }[] }>(
          '/stores/1/erasures',
        )
      ).erasures

    await page.getByRole('link', { name: 'People', exact: true }).click()
    await openPerson(name ?? '', target)
    await page.getByRole('heading', { name: 'Erase this person' }).waitFor()
    const before = (await audits()).length
    await page.getByRole('button', { name: 'Review erasure…' }).click()
    const dialog = page.getByRole('alertdialog')
    await dialog.getByText(ifi).waitFor()
    // Nothing is erased before the confirmation, and focus is on Cancel.
    expect(await page.evaluate<string>('document.activeElement?.textContent ?? ""')).toBe('Cancel')
    expect(await statementsOf()).toBe(1)
    expect((await audits()).length).toBe(before)
    await shot('person-erase')
    await dialog.getByRole('button', { name: 'Erase permanently' }).click()
    const status = page.getByRole('status')
    await status.getByText(/Erasure #\d+ done: \d+ statements deleted/).waitFor()
    await page.getByRole('heading', { name: `Person #${target.id} erased` }).waitFor()
    const [, id, deleted] = /Erasure #(\d+) done: (\d+) statements deleted/.exec(
      (await status.textContent()) ?? '',
    )!
    expect(Number(deleted)).toBeGreaterThan(0)
    expect(await statementsOf()).toBe(0)
    const record = (await audits()).find((e) => e.id === Number(id))
    expect(record?.statementsDeleted).toBe(Number(deleted))
    const gone = await fetch(`${server.origin}/api/stores/1/people/${target.id}`, {
      headers: { Authorization: `Bearer ${token}` },
    })
    expect(gone.status).toBe(404)
    expect(problems.filter((p) => !p.includes('401'))).toEqual([])
  })
})
