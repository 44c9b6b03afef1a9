/**
 * The insights pages end to end: headless Chromium against a real Almanac process (built dist/,
 * SQLite, simulated learning data): skills gaps (cohort and one learner), at-risk learners with
 * a retrain, an explanation and the models, and recommendations for a learner. Screenshots go to
 * docs/screenshots/insights-*.png.
 */
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from './browser.js'
import { ADMIN, startE2eServer, type E2eServer } from './e2e-server.js'

const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))

let server: E2eServer
let browser: Browser
let page: Page
let token = ''
const problems: string[] = []

const url = (path: string) => `${server.origin}${path}`

async function apiJson<T>(path: string): Promise<T> {
  const response = await fetch(url(`/api${path}`), {
    headers: { Authorization: `Bearer ${token}` },
  })
  expect(response.status, path).toBe(200)
  return (await response.json()) as T
}

/** Drawn pixels per chart canvas (alpha > 0), sampled. */
const CANVAS_PIXELS = `(() => [...document.querySelectorAll('[data-chart] canvas')].map((canvas) => {
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data
  let drawn = 0
  for (let i = 3; i < data.length; i += 16) if (data[i] > 0) drawn++
  return drawn
}))()`

/** Polls `expression` in the page (CDP evaluate: the console's CSP forbids eval). */
async function until(expression: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await page.evaluate<boolean>(`Boolean(${expression})`)) return
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function chartsDrawn(count: number): Promise<void> {
  await until(
    `(() => { const n = ${CANVAS_PIXELS}; return n.length >= ${count} && n.every((p) => p > 300) })()`,
  )
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true })
  server = await startE2eServer(6000)
  const login = await fetch(url('/api/session'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(ADMIN),
  })
  token = ((await login.json()) as { token: string }).token
  // The projections and the links catch up in the background after the import.
  const deadline = Date.now() + 120_000
  for (;;) {
    const fresh = await apiJson<{ caughtUp: boolean }>('/stores/1/reports/freshness')
    const { competencies } = await apiJson<{ competencies: unknown[] }>(
      '/stores/1/insights/competencies',
    )
    if (fresh.caughtUp && competencies.length > 0) break
    if (Date.now() > deadline) throw new Error('projections did not catch up')
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  browser = await launchChromium()
  page = await (await browser.newContext({ viewport: { width: 1440, height: 960 } })).newPage()
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text())
  })
  page.on('pageerror', (error) => problems.push(error.message))
  await page.goto(url('/'))
  await page.getByLabel('Username').fill(ADMIN.username)
  await page.getByLabel('Password').fill(ADMIN.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Overview' }).waitFor()
  // The console's first session check before signing in answers 401: not a problem of these pages.
  problems.length = 0
})

afterAll(async () => {
  await browser?.close()
  await server?.stop()
})

describe('the insights pages', () => {
  it('skills gaps: the cohort chart and people, then one learner with what closes each gap', async () => {
    await page.getByRole('link', { name: 'Skills gaps' }).click()
    await page.getByRole('heading', { name: 'Skills gaps' }).waitFor()
    await page.getByRole('heading', { name: 'People by gap score' }).waitFor()
    await chartsDrawn(1)
    const api = await apiJson<{ rows: { learner: string; gapScore: number }[] }>(
      '/stores/1/insights/skill-gaps?pageSize=100',
    )
    const rows = page.getByRole('table', { name: 'People by gap score' }).locator('tbody tr')
    expect(await rows.count()).toBe(api.rows.length)
    await page.screenshot({ path: `${SCREENSHOTS}insights-skill-gaps.png`, fullPage: true })
    const first = api.rows[0]?.learner ?? ''
    await page.getByRole('button', { name: `Skill gaps of ${first}` }).click()
    await page.getByRole('heading', { name: 'What closes each gap' }).waitFor()
    await chartsDrawn(1)
    expect(new URL(page.url()).searchParams.get('learner')).toBe(first)
    const learner = await apiJson<{ cells: { gap: number }[] }>(
      `/stores/1/insights/skill-gaps?learner=${encodeURIComponent(first)}`,
    )
    const listed = page.locator('section[aria-labelledby="gap-close"] li')
    expect(await listed.count()).toBe(learner.cells.filter((c) => c.gap > 0).length)
    await page.screenshot({ path: `${SCREENSHOTS}insights-skill-gaps-learner.png`, fullPage: true })
  })

  it('at-risk: retrains on demand, shows the models with their quality, explains a flag', async () => {
    // What a slow server does (CI saw it): the models the page asks for as it opens are read
    // before the retrain but answer after it. The page must not keep that answer as fresh.
    let retrained = (): void => undefined
    const afterRetrain = new Promise<void>((resolve) => (retrained = resolve))
    let readBefore = (): void => undefined
    const modelsReadBefore = new Promise<void>((resolve) => (readBefore = resolve))
    await page.route(
      '**/api/stores/1/insights/at-risk/models',
      async (route) => {
        const before = await route.fetch()
        readBefore()
        await afterRetrain
        await route.fulfill({ response: before })
      },
      { times: 1 },
    )
    await page.getByRole('link', { name: 'At-risk learners' }).click()
    await page.getByRole('heading', { name: 'At-risk learners' }).waitFor()
    await modelsReadBefore
    const trained = page.waitForResponse((r) => r.url().endsWith('/insights/at-risk/train'))
    await page.getByRole('button', { name: 'Retrain models' }).click()
    expect((await trained).status()).toBe(200)
    retrained()
    await page.getByRole('status').filter({ hasText: 'Models retrained' }).waitFor()
    const models = await apiJson<{ models: { course: string; kind: string }[] }>(
      '/stores/1/insights/at-risk/models',
    )
    expect(models.models.length).toBeGreaterThan(0)
    // The models table itself (it is drawn once there is a model), not any table's rows: the
    // flagged learners are on the page from before the retrain.
    const modelRows = page.getByRole('table', { name: 'Models' }).locator('tbody tr')
    await modelRows.first().waitFor()
    expect(await modelRows.count()).toBe(models.models.length)
    const risk = await apiJson<{
      flags: {
        learner: string
        course: string
        level: string
        score: number
        base: number
        reasons: { contribution: number }[]
      }[]
    }>('/stores/1/insights/at-risk')
    const flagged = risk.flags.filter((f) => f.level !== 'green')
    const flagRows = page.getByRole('table', { name: 'Flagged learners' }).locator('tbody tr')
    expect(await flagRows.count()).toBe(flagged.length)
    if (flagged.length > 0) {
      const flag = flagged[0]
      await page
        .getByRole('button', {
          name: `Why ${flag?.learner ?? ''} is flagged in ${flag?.course ?? ''}`,
        })
        .click()
      await page.getByRole('heading', { name: /^Why: / }).waitFor()
      await chartsDrawn(1)
      // The page states base + reasons = score, with the API's numbers.
      const text = await page.locator('section[aria-label^="Why: "] p.muted').first().innerText()
      expect(text).toContain(`= score ${(flag?.score ?? 0).toFixed(2)}`)
    }
    await page.screenshot({ path: `${SCREENSHOTS}insights-at-risk.png`, fullPage: true })
  })

  it('recommendations: next steps for a learner, each with its reason', async () => {
    const gaps = await apiJson<{ rows: { learner: string }[] }>('/stores/1/insights/skill-gaps')
    const learner = gaps.rows[gaps.rows.length - 1]?.learner ?? ''
    await page.getByRole('link', { name: 'Recommendations' }).click()
    await page.getByRole('heading', { name: 'Recommendations' }).waitFor()
    await page.getByLabel(/^Learner/).fill(learner)
    await page.getByRole('button', { name: 'Recommend' }).click()
    await page.getByRole('heading', { name: 'Next steps' }).waitFor()
    const api = await apiJson<{ recommendations: { reason: string }[] }>(
      `/stores/1/insights/recommendations?learner=${encodeURIComponent(learner)}&limit=5`,
    )
    const items = page.locator('ol.recommendations li')
    expect(await items.count()).toBe(api.recommendations.length)
    expect(api.recommendations.length).toBeGreaterThan(0)
    expect(await items.first().innerText()).toContain(api.recommendations[0]?.reason ?? '?')
    // Single questions at the learner's level, with the API's predicted success and reasons.
    const questions = await apiJson<{
      questions: { predictedSuccess: number; reasons: string[] }[]
    }>(`/stores/1/insights/recommendations?learner=${encodeURIComponent(learner)}&limit=5`)
    await page.getByRole('heading', { name: 'Questions at your level' }).waitFor()
    const rows = page
      .getByRole('table', { name: "Questions at the learner's level" })
      .locator('tbody tr')
    expect(questions.questions.length).toBeGreaterThan(0)
    expect(await rows.count()).toBe(questions.questions.length)
    const firstRow = await rows.first().innerText()
    expect(firstRow).toContain(questions.questions[0]!.predictedSuccess.toFixed(2))
    expect(firstRow).toContain(questions.questions[0]!.reasons[0]!)
    await chartsDrawn(1)
    await page.screenshot({ path: `${SCREENSHOTS}insights-recommendations.png`, fullPage: true })
    expect(problems).toEqual([])
  })
})
