/**
 * The web console end to end: headless Chromium against a real Almanac process (the built
 * dist/, SQLite, simulated learning data). Screenshots of each page go to docs/screenshots/.
 */
import { mkdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from './browser.js'
import { ADMIN, basic, postStatements, startE2eServer, type E2eServer } from './e2e-server.js'

const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
const STATEMENTS = 3000

let server: E2eServer
let browser: Browser
let context: BrowserContext
let page: Page
/** Console errors (a CSP violation shows up here) and uncaught page errors. */
const problems: string[] = []

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true })
  server = await startE2eServer(STATEMENTS)
  browser = await launchChromium()
  context = await browser.newContext({
    viewport: { width: 1440, height: 960 },
    acceptDownloads: true,
  })
  page = await context.newPage()
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text())
  })
  page.on('pageerror', (error) => problems.push(error.message))
})

afterAll(async () => {
  await browser?.close()
  await server?.stop()
})

function url(path: string): string {
  return `${server.origin}${path}`
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true })
}

/** Drawn pixels per chart canvas (alpha > 0), sampled. */
const CANVAS_PIXELS = `(() => [...document.querySelectorAll('[data-chart] canvas')].map((canvas) => {
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data
  let drawn = 0
  for (let i = 3; i < data.length; i += 16) if (data[i] > 0) drawn++
  return drawn
}))()`

/**
 * Polls `expression` in the page until it is truthy. (Playwright's waitForFunction evaluates a
 * string with eval inside the page, which the console's CSP rightly forbids; CDP's evaluate is
 * not subject to it.)
 */
async function until(expression: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await page.evaluate<boolean>(`Boolean(${expression})`)) return
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Waits until `count` charts are on the page and each has drawn something. */
async function chartsDrawn(count: number): Promise<number[]> {
  await until(
    `(() => { const n = ${CANVAS_PIXELS}; return n.length >= ${count} && n.every((p) => p > 500) })()`,
  )
  return page.evaluate<number[]>(CANVAS_PIXELS)
}

/** The `since` the overview asked the report API for (read off the page's own request). */
async function windowSince(): Promise<string> {
  const entry = await page.evaluate<string>(
    `performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.includes('/reports/overview')).pop() ?? ''`,
  )
  return new URL(entry).searchParams.get('since') ?? ''
}

/** A bearer session for reading the JSON API from the test itself. */
async function bearer(): Promise<string> {
  const response = await fetch(url('/api/session'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(ADMIN),
  })
  return ((await response.json()) as { token: string }).token
}

async function apiJson<T>(path: string, token: string): Promise<T> {
  const response = await fetch(url(`/api${path}`), {
    headers: { Authorization: `Bearer ${token}` },
  })
  expect(response.status).toBe(200)
  return (await response.json()) as T
}

async function signIn(): Promise<void> {
  await page.goto(url('/'))
  await page.getByLabel('Username').fill(ADMIN.username)
  await page.getByLabel('Password').fill(ADMIN.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Overview' }).waitFor()
}

/** Parses the CSV the console produced (RFC 4180, no embedded newlines in these tables). */
function parseCsv(text: string): string[][] {
  return text
    .trim()
    .split('\r\n')
    .map((line) => {
      const cells: string[] = []
      let cell = ''
      let quoted = false
      for (let i = 0; i < line.length; i++) {
        const ch = line.charAt(i)
        if (quoted && ch === '"' && line[i + 1] === '"') {
          cell += '"'
          i++
        } else if (ch === '"') quoted = !quoted
        else if (ch === ',' && !quoted) {
          cells.push(cell)
          cell = ''
        } else cell += ch
      }
      cells.push(cell)
      return cells
    })
}

describe('the web console', () => {
  it('serves the page with a strict CSP, and a wrong password is refused in words', async () => {
    const response = await page.goto(url('/'))
    const csp = response?.headers()['content-security-policy'] ?? ''
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain('unsafe-inline')
    await page.getByLabel('Username').fill(ADMIN.username)
    await page.getByLabel('Password').fill('not the password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('alert').filter({ hasText: 'do not match' }).waitFor()
    await shot('sign-in')
  })

  it('signs in with an HttpOnly SameSite=Strict cookie and shows the overview with drawn charts', async () => {
    await signIn()
    const cookies = await context.cookies()
    const session = cookies.find((c) => c.name === 'almanac_session')
    expect(session?.httpOnly).toBe(true)
    expect(session?.sameSite).toBe('Strict')
    // The page's scripts cannot read it.
    expect(await page.evaluate('document.cookie')).not.toContain('almanac_session')
    const pixels = await chartsDrawn(5)
    expect(pixels.length).toBeGreaterThanOrEqual(5)
    await page.getByText(/Figures as of .* \(up to date\)/).waitFor()
    const kpi = await page.locator('.kpi', { hasText: 'Statements' }).locator('dd').textContent()
    expect(Number(kpi?.replace(/\D/g, ''))).toBe(STATEMENTS)
    await shot('overview')
  })

  it('has the numbers of every chart one click away, and its CSV matches the JSON API', async () => {
    const card = page.locator('section.card', {
      has: page.getByRole('heading', { name: 'Statements and active learners per day' }),
    })
    await card.getByRole('button', { name: 'Show numbers' }).click()
    expect(await card.locator('tbody tr').count()).toBeGreaterThan(10)
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      card.getByRole('button', { name: 'Download CSV' }).click(),
    ])
    const csv = parseCsv(readFileSync((await download.path()) ?? '', 'utf8'))
    expect(csv[0]).toEqual(['start', 'statements', 'activeLearners'])

    // The same numbers from the report API, for the window the page shows (last 90 days).
    const token = await bearer()
    const report = await apiJson<{
      window: { since: string }
      series: { start: string; statements: number; activeLearners: number }[]
    }>(`/stores/1/reports/overview?since=${encodeURIComponent(await windowSince())}`, token)
    expect(csv.slice(1)).toEqual(
      report.series.map((s) => [s.start, String(s.statements), String(s.activeLearners)]),
    )
    await card.getByRole('button', { name: 'Show chart' }).click()
  })

  it('keeps the filters in the URL: a bookmarked window and store give the same view; a narrower window changes the data', async () => {
    await page.getByLabel('Time window').selectOption('custom')
    await page.getByLabel('From', { exact: true }).fill('2000-01-01')
    await page.getByLabel('To', { exact: true }).fill('2000-12-31')
    await page.getByText('No statements in').waitFor()
    expect(page.url()).toContain('from=2000-01-01')
    // Bookmarked: a fresh load of the same URL shows the same.
    await page.goto(page.url())
    await page.getByText('No statements in').waitFor()
    await page.goto(url('/?window=all'))
    await chartsDrawn(5)
  })

  it('browses statements with xAPI filters, readable rows and a JSON viewer; drills down to a learner', async () => {
    await page.getByRole('link', { name: 'Statements' }).click()
    await page.getByRole('heading', { name: 'Statements' }).waitFor()
    const rows = page.locator('li.statement')
    await rows.first().waitFor()
    expect(await rows.count()).toBe(25)
    const sentence = (await rows.first().locator('.sentence').textContent()) ?? ''
    expect(sentence).toMatch(/^\S.* \S+ .+, .*ago$/)

    await page.getByLabel('Verb IRI').fill('http://adlnet.gov/expapi/verbs/passed')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    await page.waitForURL(/verb=/)
    await until(
      `new URLSearchParams(location.search).has('verb') && document.querySelectorAll('li.statement .sentence').length > 0 && [...document.querySelectorAll('li.statement .sentence')].every((e) => e.textContent.includes(' passed '))`,
    )
    const passed = await rows.allTextContents()
    expect(passed.length).toBeGreaterThan(0)
    expect(passed.every((text) => text.includes(' passed '))).toBe(true)

    await rows.first().getByRole('button', { name: 'JSON' }).click()
    const json = JSON.parse((await rows.first().locator('pre.json').textContent()) ?? '{}') as {
      verb: { id: string }
      actor: { name: string }
    }
    expect(json.verb.id).toBe('http://adlnet.gov/expapi/verbs/passed')
    await shot('statements')

    // Drill down: only this learner's statements.
    await rows.first().getByRole('button', { name: 'only this learner' }).click()
    await page.waitForURL(/agent=/)
    await until(
      `[...document.querySelectorAll('li.statement .sentence')].length > 0 && [...document.querySelectorAll('li.statement .sentence')].every((e) => e.textContent.startsWith(${JSON.stringify(json.actor.name)}))`,
    )
    // Paging.
    await page.getByRole('button', { name: 'Clear' }).click()
    await page.waitForURL((u) => !u.search.includes('verb='))
    const firstPage = await rows.first().textContent()
    await page.getByRole('button', { name: 'Next page' }).click()
    await page.waitForURL(/more=/)
    await until(
      `document.querySelector('li.statement')?.textContent !== ${JSON.stringify(firstPage)}`,
    )
  })

  it('drills down from the overview to a course report, with drawn charts, and from a learner to their statements', async () => {
    await page.goto(url('/?window=all'))
    await chartsDrawn(5)
    const top = page.locator('section.card', {
      has: page.getByRole('heading', { name: 'Top activities' }),
    })
    await top.getByRole('button', { name: 'Show numbers' }).click()
    const moduleRow = top
      .getByRole('button', { name: /Course report of .*\/courses\/[^/]+\/modules\/\d+$/ })
      .first()
    const moduleIri = ((await moduleRow.getAttribute('aria-label')) ?? '').replace(
      'Course report of ',
      '',
    )
    await moduleRow.click()
    await page.waitForURL(/\/course\?/)
    expect(new URL(page.url()).searchParams.get('activity')).toBe(moduleIri)
    await page.getByRole('heading', { name: /^Course report: / }).waitFor()
    // A module has scores, attempts and times, though no pages of its own.
    await chartsDrawn(3)

    // The whole course: the module's parent when a learner completed it, so that all six charts
    // have something to draw; otherwise a simulated course with a completion. (The simulation
    // starts 60 days before today and its learners keep weekdays, so which course leads Top
    // activities, and whether it has a completion, changes from day to day.)
    const token = await bearer()
    const completions = async (course: string): Promise<number> =>
      (
        await apiJson<{ completed: number }>(
          `/stores/1/reports/course?activity=${encodeURIComponent(course)}`,
          token,
        )
      ).completed
    let courseIri: string | undefined
    for (const course of [moduleIri.replace(/\/modules\/\d+$/, ''), ...server.courses])
      if ((await completions(course)) > 0) {
        courseIri = course
        break
      }
    if (courseIri === undefined)
      throw new Error(`no completion in any of ${server.courses.join(', ')}`)
    await page.getByLabel('Course (activity IRI)').fill(courseIri)
    await page.getByRole('button', { name: 'Show report' }).click()
    await page.waitForURL((u) => u.searchParams.get('activity') === courseIri)
    await page.getByRole('heading', { name: 'Modules' }).waitFor()
    await chartsDrawn(6)
    const learnersKpi = await page
      .locator('.kpi', { hasText: 'Learners' })
      .locator('dd')
      .textContent()
    expect(Number(learnersKpi)).toBeGreaterThan(0)
    await shot('course')

    // The learner table's CSV is the report API's own CSV table (the API's CSV also leads with
    // `# name: value` lines saying when it was read and the definitions used: docs/analytics.md).
    const learners = page.locator('section.card', {
      has: page.getByRole('heading', { name: /^Learners/ }),
    })
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      learners.getByRole('button', { name: 'Download CSV' }).click(),
    ])
    const serverCsv = await (
      await fetch(
        url(
          `/api/stores/1/reports/course?activity=${encodeURIComponent(courseIri)}&pageSize=500&scoreOf=best&sort=learner&order=asc&format=csv`,
        ),
        { headers: { Authorization: `Bearer ${token}` } },
      )
    ).text()
    const serverTable = serverCsv
      .split('\r\n')
      .filter((line) => !line.startsWith('# '))
      .join('\r\n')
    expect(serverCsv.startsWith('# report: course\r\n')).toBe(true)
    expect(readFileSync((await download.path()) ?? '', 'utf8')).toBe(serverTable)

    // Sorting is in the URL and changes the table.
    const firstBefore = await learners.locator('tbody tr').first().textContent()
    await learners.getByLabel('Order').selectOption('desc')
    await page.waitForURL(/order=desc/)
    await until(
      `document.querySelector('section.card:last-of-type tbody tr')?.textContent !== ${JSON.stringify(firstBefore)}`,
    )

    // The course's pages and objectives, one click away.
    await page.getByRole('link', { name: 'pages', exact: true }).click()
    await page.getByRole('heading', { name: 'Time per page' }).waitFor()
    await chartsDrawn(2)
    await shot('pages')
    await page.goBack()
    await page.getByRole('link', { name: 'objectives', exact: true }).click()
    await page.getByRole('heading', { name: /Mastery heatmap/ }).waitFor()
    await chartsDrawn(1)
    await shot('objectives')
    await page.goBack()
    await page.getByRole('heading', { name: /^Learners/ }).waitFor()

    // Drill down to a learner: the learner report, then their statements. The first learner on
    // the page (sorted by learner, descending) who has sessions, courses, objectives and informal
    // learning, so that each of the report's four charts has something to draw.
    const shownLearners = (
      await apiJson<{ learners: { rows: { learner: string }[] } }>(
        `/stores/1/reports/course?activity=${encodeURIComponent(courseIri)}&pageSize=500&sort=learner&order=desc`,
        token,
      )
    ).learners.rows.slice(0, await learners.locator('tbody tr').count())
    let learnerRow = -1
    for (const [index, row] of shownLearners.entries()) {
      const report = await apiJson<
        Record<'sessions' | 'courses' | 'objectives' | 'informal', unknown[]>
      >(`/stores/1/reports/learner?learner=${encodeURIComponent(row.learner)}`, token)
      if (
        [report.sessions, report.courses, report.objectives, report.informal].every(
          (l) => l.length > 0,
        )
      ) {
        learnerRow = index
        break
      }
    }
    expect(
      learnerRow,
      'a learner of the course with data for all four charts',
    ).toBeGreaterThanOrEqual(0)
    const learnerButton = learners.locator('tbody tr').nth(learnerRow).getByRole('button')
    const learnerKey = (await learnerButton.getAttribute('aria-label'))?.replace(
      'Learner report of ',
      '',
    )
    await learnerButton.click()
    await page.waitForURL(/\/learner\?/)
    await page.getByRole('heading', { name: 'Timeline: time per session' }).waitFor()
    await chartsDrawn(4)
    await shot('learner')
    const key = new URL(page.url()).searchParams.get('learner') ?? ''
    expect(key).toMatch(new RegExp(`\\|${learnerKey ?? '-'}$`))
    // The row clicked is the learner whose report was checked above.
    expect(key).toBe(shownLearners[learnerRow]?.learner)
    await page.getByRole('link', { name: 'All statements of this learner' }).click()
    await page.waitForURL(/\/statements\?/)
    const agent = JSON.parse(new URL(page.url()).searchParams.get('agent') ?? '{}') as {
      account?: { name: string }
    }
    expect(agent.account?.name).toBe(learnerKey)
    await page.locator('li.statement').first().waitFor()
    await page.locator('li.statement').first().getByRole('button', { name: 'JSON' }).click()
    const json = JSON.parse((await page.locator('pre.json').first().textContent()) ?? '{}') as {
      actor: { account?: { name: string } }
    }
    expect(json.actor.account?.name).toBe(learnerKey)
  })

  it('analyses the questions of an assessment: difficulty and discrimination chart, answers given', async () => {
    const token = await bearer()
    const answered = await apiJson<{
      statements: { context: { contextActivities: { parent: { id: string }[] } } }[]
    }>(
      `/stores/1/statements?verb=${encodeURIComponent('http://adlnet.gov/expapi/verbs/answered')}&limit=1`,
      token,
    )
    const assessment = answered.statements[0]?.context.contextActivities.parent[0]?.id ?? ''
    await page.getByRole('link', { name: 'Questions' }).click()
    await page.getByLabel('Assessment (the quiz activity IRI)').fill(assessment)
    await page.getByRole('button', { name: 'Show report' }).click()
    await page.waitForURL((u) => u.searchParams.get('assessment') === assessment)
    await page
      .getByRole('heading', { name: 'Difficulty and discrimination per question' })
      .waitFor()
    await chartsDrawn(1)
    const answers = page.locator('section[aria-label^="Answers to"]')
    expect(await answers.count()).toBeGreaterThan(0)
    expect(await answers.first().locator('tbody tr').count()).toBeGreaterThan(0)
    // Answers in the xAPI response patterns (`1[.]a[,]2[.]b`, Data §2.4.4.1.3.4) read as text
    // (`1 → a, 2 → b`): the report has some, the page shows none of their delimiters.
    const items = await apiJson<{ items: { answers: { response: string }[] }[] }>(
      `/stores/1/reports/items?assessment=${encodeURIComponent(assessment)}`,
      token,
    )
    const patterned = items.items
      .flatMap((item) => item.answers.map((a) => a.response))
      .filter((response) => response.includes('[.]'))
    expect(patterned.length).toBeGreaterThan(0)
    const shown = (await answers.locator('tbody').allInnerTexts()).join('\n')
    expect(shown).not.toMatch(/\[[,.:]\]/)
    expect(shown).toContain(patterned[0]?.split('[,]')[0]?.replace('[.]', ' → '))
    await shot('questions')
  })

  it('shows a statement posted during the test in the live tail', async () => {
    await page.goto(url('/statements?live=1'))
    await page.getByText('Live: new statements appear here').waitFor()
    const marker = `Live tail check ${Date.now()}`
    const response = await postStatements(server.origin, [
      {
        actor: { mbox: 'mailto:tail@example.com', name: 'Tess Tail' },
        verb: { id: 'http://adlnet.gov/expapi/verbs/completed', display: { 'en-US': 'completed' } },
        object: { id: 'https://example.com/tail', definition: { name: { 'en-US': marker } } },
        result: { score: { scaled: 0.92 } },
      },
    ])
    expect(response.status).toBe(200)
    const live = page.getByRole('region', { name: 'Live tail' })
    await live.getByText(`Tess Tail completed ${marker}, 92%`).waitFor({ timeout: 10_000 })
    await shot('live-tail')
  })

  it('creates a credential with scopes, shows its secret once, which works against /xapi/; rotating refuses the old secret', async () => {
    await page.getByRole('link', { name: 'Administration' }).click()
    await page.getByRole('heading', { name: 'Administration' }).waitFor()
    const form = page.locator('form.new-credential')
    await form.getByLabel('Name').fill('E2E client')
    await form.getByRole('checkbox', { name: /statements\/read\b(?!\/)/ }).check()
    await form.getByRole('button', { name: 'Create credential' }).click()
    const key = (await page.getByTestId('issued-key').textContent()) ?? ''
    const secret = (await page.getByTestId('issued-secret').textContent()) ?? ''
    expect(secret.length).toBeGreaterThan(20)
    await shot('admin-new-credential')

    const read = (secretToTry: string) =>
      fetch(url('/xapi/statements?limit=1'), {
        headers: { Authorization: basic(key, secretToTry), 'X-Experience-API-Version': '2.0.0' },
      })
    expect((await read(secret)).status).toBe(200)
    const write = await postStatements(
      server.origin,
      [
        {
          actor: { mbox: 'mailto:cred@example.com' },
          verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
          object: { id: 'https://example.com/cred' },
        },
      ],
      { key, secret },
    )
    expect(write.status).toBe(200)

    await page.getByRole('button', { name: 'I have stored it' }).click()
    await expect(page.getByTestId('issued-secret').count()).resolves.toBe(0)
    // The secret is nowhere in the page any more, nor in what the API lists.
    expect(await page.content()).not.toContain(secret)

    page.once('dialog', (dialog) => void dialog.accept())
    await page
      .locator(`tr[data-key="${key}"]`)
      .getByRole('button', { name: 'Rotate secret' })
      .click()
    const rotated = (await page.getByTestId('issued-secret').textContent()) ?? ''
    expect(rotated).not.toBe(secret)
    expect((await read(secret)).status).toBe(401)
    expect((await read(rotated)).status).toBe(200)
    await page.getByRole('button', { name: 'I have stored it' }).click()

    await page.locator(`tr[data-key="${key}"]`).getByRole('button', { name: 'Disable' }).click()
    await page.locator(`tr[data-key="${key}"]`).getByText('disabled').waitFor()
    expect((await read(rotated)).status).toBe(401)
    await shot('admin')
  })

  it('shows an empty store what to do, with its endpoint and a curl', async () => {
    await page
      .locator('form.inline-form', { hasText: 'New store name' })
      .getByLabel('New store name')
      .fill('Empty academy')
    await page.getByRole('button', { name: 'Create store' }).click()
    await page.waitForURL(/store=\d+/)
    const storeId = new URL(page.url()).searchParams.get('store')
    await page.goto(url(`/?store=${storeId}`))
    await page.getByRole('heading', { name: /No statements in “Empty academy” yet/ }).waitFor()
    expect(await page.locator('pre.code').textContent()).toContain(
      `${server.origin}/xapi/statements`,
    )
    await shot('empty-store')
  })

  it('handles an ended session: the next request shows the sign-in page with a message', async () => {
    await page.goto(url('/statements'))
    await page.locator('li.statement').first().waitFor()
    // Sign the session out behind the page's back (as an expiry would end it).
    const cookie = (await context.cookies()).find((c) => c.name === 'almanac_session')
    const out = await fetch(url('/api/session'), {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${cookie?.value}` },
    })
    expect(out.status).toBe(204)
    await page.getByRole('link', { name: 'Administration' }).click()
    await page.getByText('Your session has ended').waitFor()
    await page.getByLabel('Username').waitFor()
    await signIn()
  })

  it('loads no more JavaScript at first than it must, and draws the overview quickly', async () => {
    const html = await (await fetch(url('/'))).text()
    const scripts = [
      ...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="([^"]+\.js)"/g),
    ].map((m) => m[1] ?? '')
    let gzipped = 0
    for (const src of scripts)
      gzipped += gzipSync(Buffer.from(await (await fetch(url(src))).arrayBuffer()), {
        level: 9,
      }).length
    const asset = await fetch(url(scripts[0] ?? ''))
    expect(asset.headers.get('cache-control')).toContain('immutable')
    const started = Date.now()
    await page.goto(url('/?window=all'))
    await chartsDrawn(5)
    const drawnMs = Date.now() - started
    console.log(
      `initial JavaScript: ${(gzipped / 1024).toFixed(1)} KiB gzipped; overview drawn in ${drawnMs} ms`,
    )
    expect(gzipped).toBeLessThan(150 * 1024)
  })

  it('logged no CSP violation or script error on any page', () => {
    expect(problems.filter((p) => !p.includes('401'))).toEqual([])
  })
})
