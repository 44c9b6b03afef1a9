/**
 * Statement content is untrusted (issue 10): statements whose every string field carries hostile
 * markup are stored, every console page that shows them is visited, and no script may run.
 * Run twice: with the console's CSP, and with the CSP bypassed, so that the rendering itself
 * (text only, no innerHTML, no javascript: links) is what is proven inert, not only the CSP.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from './browser.js'
import { ADMIN, postStatements, startE2eServer, type E2eServer } from './e2e-server.js'

/** Markup that runs `window.__pwned = n` (and opens a dialog) if it is ever parsed as HTML. */
function hostile(n: number): string {
  return [
    `<script>window.__pwned=${n};alert(${n})</script>`,
    `<img src=x onerror="window.__pwned=${n};alert(${n})">`,
    `<svg onload="window.__pwned=${n}"><script>alert(${n})</script></svg>`,
    `<a href="javascript:window.__pwned=${n}">click</a>`,
    `<iframe src="javascript:parent.__pwned=${n}"></iframe>`,
    `<style>body{display:none!important;background:url(javascript:alert(${n}))}</style>`,
    `<div style="width:expression(alert(${n}))">css</div>`,
  ].join('')
}

/** Within the 200 characters a store or credential name may have. */
function shortHostile(n: number): string {
  return `<img src=x onerror="window.__pwned=${n};alert(${n})"><script>alert(${n})</script>`
}

const HOSTILE_IRI = 'javascript:window.__pwned=99//'

function hostileStatement(n: number): Record<string, unknown> {
  return {
    actor: {
      objectType: 'Agent',
      name: hostile(n + 1),
      account: { homePage: 'https://example.com/', name: hostile(n + 2) },
    },
    verb: { id: HOSTILE_IRI, display: { 'en-US': hostile(n + 3) } },
    object: {
      objectType: 'Activity',
      id: HOSTILE_IRI,
      definition: {
        name: { 'en-US': hostile(n + 4) },
        description: { 'en-US': hostile(n + 5) },
        type: 'javascript:alert(1)',
        moreInfo: 'javascript:alert(2)',
        interactionType: 'choice',
        correctResponsesPattern: ['c1'],
        choices: [{ id: 'c1', description: { 'en-US': hostile(n + 6) } }],
        extensions: { 'https://example.com/ext': hostile(n + 7) },
      },
    },
    result: {
      response: hostile(n + 8),
      success: true,
      completion: true,
      score: { scaled: 0.5 },
      extensions: { 'https://example.com/result': { nested: hostile(n + 9) } },
    },
    context: {
      platform: hostile(n + 10),
      language: 'en-US',
      instructor: { name: hostile(n + 11), mbox: 'mailto:instructor@example.com' },
      contextActivities: {
        parent: [
          { id: 'https://example.com/parent', definition: { name: { 'en-US': hostile(n + 12) } } },
        ],
      },
      extensions: { 'https://example.com/context': hostile(n + 13) },
    },
    attachments: [
      {
        usageType: 'https://example.com/usage',
        display: { 'en-US': hostile(n + 14) },
        description: { 'en-US': hostile(n + 15) },
        contentType: 'text/html',
        length: 12,
        sha2: 'a'.repeat(64),
        fileUrl: 'javascript:alert(3)',
      },
    ],
  }
}

let server: E2eServer
let browser: Browser
let token: string
let storeId: number
let credential: { key: string; secret: string }

async function adminApi<T>(path: string, method = 'GET', json?: unknown): Promise<T> {
  const response = await fetch(`${server.origin}/api${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  })
  expect(response.status, await response.clone().text()).toBeLessThan(300)
  return (await response.json()) as T
}

beforeAll(async () => {
  server = await startE2eServer(0)
  browser = await launchChromium()
  const session = await fetch(`${server.origin}/api/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(ADMIN),
  })
  token = ((await session.json()) as { token: string }).token
  storeId = (await adminApi<{ id: number }>('/stores', 'POST', { name: shortHostile(200) })).id
  const issued = await adminApi<{ credential: { key: string }; secret: string }>(
    `/stores/${storeId}/credentials`,
    'POST',
    { name: shortHostile(300), scopes: ['all'] },
  )
  credential = { key: issued.credential.key, secret: issued.secret }
  const stored = await postStatements(
    server.origin,
    [hostileStatement(0), hostileStatement(20)],
    credential,
  )
  expect(stored.status, await stored.clone().text()).toBe(200)
})

afterAll(async () => {
  await browser?.close()
  await server?.stop()
})

/** Everything that would betray executed or injected markup. */
const INJECTED = `(() => ({
  pwned: window.__pwned,
  scripts: [...document.scripts].filter((s) => !s.src).length,
  foreign: document.querySelectorAll('img[src="x"], iframe, svg[onload], [onerror], [onload], div[style*="expression"], body style').length,
  javascriptLinks: [...document.querySelectorAll('a[href]')].filter((a) => !/^https?:/i.test(a.href)).length,
}))()`

async function assertInert(page: Page, dialogs: string[]): Promise<void> {
  // Give any injected handler (onerror of a broken image, a timer) the chance to fire.
  await page.waitForTimeout(300)
  expect(await page.evaluate(INJECTED)).toEqual({
    pwned: undefined,
    scripts: 0,
    foreign: 0,
    javascriptLinks: 0,
  })
  expect(dialogs).toEqual([])
  expect(await page.evaluate('getComputedStyle(document.body).display')).not.toBe('none')
}

describe.each([
  { csp: 'enforced', bypassCSP: false },
  { csp: 'bypassed', bypassCSP: true },
])('hostile statement content, with the CSP $csp', ({ bypassCSP }) => {
  it('is shown as text on every page, and no script runs', async () => {
    const context = await browser.newContext({ bypassCSP, viewport: { width: 1440, height: 960 } })
    const page = await context.newPage()
    const dialogs: string[] = []
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message())
      void dialog.dismiss()
    })
    await page.goto(`${server.origin}/`)
    await page.getByLabel('Username').fill(ADMIN.username)
    await page.getByLabel('Password').fill(ADMIN.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'Overview' }).waitFor()

    // Overview of the hostile store: platforms, activity IRIs and verbs as table cells.
    await page.goto(`${server.origin}/?store=${storeId}&window=all`)
    await page.getByRole('heading', { name: 'Sources: platforms' }).waitFor()
    const platforms = page.locator('section.card', {
      has: page.getByRole('heading', { name: 'Sources: platforms' }),
    })
    await platforms.getByRole('button', { name: 'Show numbers' }).click()
    const platformCell = platforms
      .getByRole('cell', { name: /^<script>window\.__pwned=\d+;/ })
      .first()
    await platformCell.waitFor()
    expect([10, 30, 50].map((n) => hostile(n))).toContain(await platformCell.textContent())
    const top = page.locator('section.card', {
      has: page.getByRole('heading', { name: 'Top activities' }),
    })
    await top.getByRole('button', { name: 'Show numbers' }).click()
    await top.getByRole('cell', { name: HOSTILE_IRI }).waitFor()
    await assertInert(page, dialogs)
    if (!bypassCSP)
      await page.screenshot({
        path: new URL('../../docs/screenshots/xss-overview.png', import.meta.url).pathname,
        fullPage: true,
      })

    // The course report of the hostile activity (its IRI is a javascript: IRI).
    await top.getByRole('cell', { name: HOSTILE_IRI }).getByRole('button').click()
    await page.getByRole('heading', { name: /^Course report: / }).waitFor()
    await page.getByRole('heading', { name: 'Modules' }).waitFor()
    await assertInert(page, dialogs)

    // Statement browser: the readable row, and the JSON of each statement.
    await page.goto(`${server.origin}/statements?store=${storeId}&window=all`)
    const rows = page.locator('li.statement')
    await rows.first().waitFor()
    expect(await rows.count()).toBeGreaterThanOrEqual(2)
    for (const row of await rows.all()) await row.getByRole('button', { name: 'JSON' }).click()
    const sentence = (await rows.first().locator('.sentence').textContent()) ?? ''
    expect([1, 21, 41].map((n) => hostile(n)).some((name) => sentence.startsWith(name))).toBe(true)
    const json = (await page.locator('pre.json').first().textContent()) ?? ''
    expect(json).toMatch(/"description": \{\s+"en-US": "<script>window.__pwned=\d+;/)
    await assertInert(page, dialogs)
    if (!bypassCSP)
      await page.screenshot({
        path: new URL('../../docs/screenshots/xss-statements.png', import.meta.url).pathname,
        fullPage: true,
      })

    // Live tail: a hostile statement arriving while the page is open.
    await page.goto(`${server.origin}/statements?store=${storeId}&window=all&live=1`)
    await page.getByText('Live: new statements appear here').waitFor()
    expect((await postStatements(server.origin, [hostileStatement(40)], credential)).status).toBe(
      200,
    )
    await page.getByRole('region', { name: 'Live tail' }).locator('li.statement').first().waitFor()
    const live =
      (await page
        .getByRole('region', { name: 'Live tail' })
        .locator('.sentence')
        .first()
        .textContent()) ?? ''
    expect(live.startsWith(hostile(41))).toBe(true)
    await assertInert(page, dialogs)

    // Administration: the store's and the credential's hostile names.
    await page.goto(`${server.origin}/admin?store=${storeId}`)
    await page.getByRole('heading', { name: /Credentials of/ }).waitFor()
    await page.getByRole('cell', { name: shortHostile(300) }).waitFor()
    await assertInert(page, dialogs)
    await context.close()
  })
})
