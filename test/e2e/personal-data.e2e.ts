/**
 * The forwarding and personal-data pages end to end: headless Chromium against a real Almanac
 * process (the built dist/, SQLite, simulated statements stored over the last 60 days) and
 * loopback HTTP receivers. A webhook target added in the page receives the matching statements,
 * signed with the secret the page showed once, and the page counts them; a failing LRS target
 * shows its error and pauses and resumes; a replay sends again; a learner erased through the
 * confirmation step is gone from the API and listed in the audit; a retention dry run says what
 * a purge then removes. Screenshots go to docs/screenshots/.
 */
import { createHmac, randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Receiver, startReceiver } from '../forwarding/forwarding-helpers.js'
import { launchChromium } from './browser.js'
import { ADMIN, postStatements, startE2eServer, type E2eServer } from './e2e-server.js'

const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
const COMPLETED = 'http://adlnet.gov/expapi/verbs/completed'
const DAY = 86_400_000

let server: E2eServer
let browser: Browser
let page: Page
let hooks: Receiver
let flaky: Receiver
let token: string
const problems: string[] = []

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true })
  server = await startE2eServer(400, { storedAtTimestamp: true })
  hooks = await startReceiver()
  flaky = await startReceiver()
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
  await hooks?.close()
  await flaky?.close()
})

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true })
}

/** Every statement id the console API returns for `query`, following `more`. */
async function ids(query: string): Promise<string[]> {
  const found: string[] = []
  let path = `/api/stores/1/statements?limit=500&${query}`
  while (path !== '') {
    const response = await fetch(`${server.origin}${path}`, {
      headers: { Authorization: `Bearer ${token}` },
    })
    expect(response.status).toBe(200)
    const body = (await response.json()) as { statements: { id: string }[]; more: string }
    found.push(...body.statements.map((s) => s.id))
    path = body.more
  }
  return found
}

/** Polls `check` until it is true. */
async function eventually(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) {
      // What the server says of its targets, and its log, to see why.
      const targets = await fetch(`${server.origin}/api/stores/1/forwarding/targets`, {
        headers: { Authorization: `Bearer ${token}` },
      }).then((r) => r.text())
      throw new Error(
        `timed out waiting for ${what}\ntargets: ${targets}\n${server.output.join('').slice(-3000)}`,
      )
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

const numberIn = async (text: Promise<string | null>) => Number((await text)?.replace(/\D/g, ''))

/** What the webhook receiver has been sent: statement ids, in order, over accepted requests. */
function received(): string[] {
  return hooks.requests
    .filter((r) => r.status === 200)
    .flatMap((r) => (JSON.parse(r.body) as { statementIds: string[] }).statementIds)
}

describe('forwarding and personal data in the console', () => {
  it('signs in and every control of both pages has a label', async () => {
    await page.goto(`${server.origin}/`)
    await page.getByLabel('Username').fill(ADMIN.username)
    await page.getByLabel('Password').fill(ADMIN.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'Overview' }).waitFor()
    // (The session check before signing in answers 401, as it should.)
    problems.length = 0
    for (const [link, heading] of [
      ['Forwarding', 'New target'],
      ['Personal data', 'Retention'],
    ] as const) {
      await page.getByRole('link', { name: link }).click()
      await page.getByRole('heading', { name: heading }).waitFor()
      const unlabelled = await page.evaluate<string[]>(
        `[...document.querySelectorAll('main input, main select, main textarea, main button')]
          .filter((el) => el.tagName === 'BUTTON'
            ? el.textContent.trim() === '' && !el.getAttribute('aria-label')
            : el.labels.length === 0 && !el.getAttribute('aria-label'))
          .map((el) => el.outerHTML)`,
      )
      expect(unlabelled).toEqual([])
    }
  })

  it('adds a webhook whose secret is shown once; deliveries are signed, filtered and counted; replay sends again', async () => {
    await page.getByRole('link', { name: 'Forwarding' }).click()
    const form = page.locator('section', { has: page.getByRole('heading', { name: 'New target' }) })
    await form.getByLabel('Kind').selectOption('webhook')
    await form.getByLabel('Name', { exact: true }).fill('Warehouse hook')
    await form.getByLabel('Webhook URL').fill(`${hooks.url}/hook`)
    await form.getByLabel('Start').selectOption('beginning')
    await form.getByLabel('Verbs (IRIs)').fill(COMPLETED)
    await form.getByRole('button', { name: 'Add target' }).click()
    const secret = (await page.getByTestId('webhook-secret').textContent()) ?? ''
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/)

    // Every completed statement of the store, and nothing else, arrives signed.
    const completed = await ids(`verb=${encodeURIComponent(COMPLETED)}&ascending=true`)
    expect(completed.length).toBeGreaterThan(10)
    const row = page.locator('tr', { hasText: 'Warehouse hook' })
    await eventually('the first deliveries', () => received().length >= completed.length)
    expect(received()).toEqual(completed)
    for (const request of hooks.requests) {
      const signature = createHmac('sha256', secret).update(request.body).digest('hex')
      expect(request.headers['x-almanac-signature']).toBe(`sha256=${signature}`)
    }
    // The page counts them (it reads the status every 2 s).
    await eventually(
      'the page to count the deliveries',
      async () =>
        (await numberIn(row.locator('[data-field=delivered]').textContent())) === completed.length,
    )
    await row.getByText('up to date').waitFor()

    // New statements flow on: the completed ones only.
    const fresh = ['completed', 'attempted', 'completed'].map((verb) => ({
      id: randomUUID(),
      actor: { mbox: 'mailto:fresh@example.com', name: 'Fresh Learner' },
      verb: { id: `http://adlnet.gov/expapi/verbs/${verb}` },
      object: { id: 'https://example.com/fresh' },
    }))
    expect((await postStatements(server.origin, fresh)).status).toBe(200)
    await eventually(
      'the new deliveries counted',
      async () =>
        (await numberIn(row.locator('[data-field=delivered]').textContent())) ===
        completed.length + 2,
    )
    expect(received().slice(-2)).toEqual([fresh[0]!.id, fresh[2]!.id])

    // The secret is gone from the page once dismissed.
    await page.getByRole('button', { name: 'I have stored it' }).click()
    expect(await page.content()).not.toContain(secret)

    // Replay from 90 days ago: everything that matches is sent again, in order.
    const before = received().length
    await row.getByRole('button', { name: 'Replay Warehouse hook' }).click()
    const from = new Date(Date.now() - 90 * DAY)
    from.setMinutes(from.getMinutes() - from.getTimezoneOffset())
    await page.getByLabel('Replay from (your local time)').fill(from.toISOString().slice(0, 16))
    await page.getByRole('button', { name: 'Replay from this time' }).click()
    await eventually('the replay', () => received().length >= before * 2)
    expect(received().slice(before)).toEqual(received().slice(0, before))
    await eventually(
      'the page to count the replay',
      async () =>
        (await numberIn(row.locator('[data-field=delivered]').textContent())) === before * 2,
    )
  })

  it('shows a failing LRS target with its last error, pauses and resumes it, deletes it', async () => {
    flaky.answer = 500
    const form = page.locator('section', { has: page.getByRole('heading', { name: 'New target' }) })
    await form.getByLabel('Kind').selectOption('lrs')
    await form.getByLabel('Name', { exact: true }).fill('Flaky LRS')
    await form.getByLabel('LRS endpoint').fill(`${flaky.url}/xapi`)
    await form.getByLabel('Username (key)').fill('flaky-key')
    await form.getByLabel('Password (secret)').fill('flaky-secret')
    await form.getByLabel('Start').selectOption('beginning')
    await form.getByRole('button', { name: 'Add target' }).click()
    // An LRS target has no secret to show.
    const row = page.locator('tr', { hasText: 'Flaky LRS' })
    await row.waitFor()
    expect(await page.getByTestId('webhook-secret').count()).toBe(0)
    await row
      .locator('[data-field=last-error]')
      .getByText(/HTTP 500/)
      .waitFor({ timeout: 30_000 })
    expect(flaky.requests.length).toBeGreaterThan(0)
    expect(flaky.requests[0]!.headers.authorization).toBe(
      'Basic ' + Buffer.from('flaky-key:flaky-secret').toString('base64'),
    )
    await shot('forwarding')

    await row.getByRole('button', { name: 'Pause Flaky LRS' }).click()
    await row.locator('[data-field=state]').getByText('paused').waitFor()
    const tried = flaky.requests.length
    flaky.answer = 200
    await row.getByRole('button', { name: 'Resume Flaky LRS' }).click()
    await row.locator('[data-field=state]').getByText('active').waitFor()
    await eventually(
      'delivery after resume',
      async () => (await numberIn(row.locator('[data-field=delivered]').textContent())) > 0,
    )
    expect(flaky.requests.length).toBeGreaterThan(tried)

    page.once('dialog', (dialog) => void dialog.accept())
    await row.getByRole('button', { name: 'Delete Flaky LRS' }).click()
    await eventually('the row to go', async () => (await row.count()) === 0)
    expect(await page.locator('tr', { hasText: 'Warehouse hook' }).count()).toBe(1)
  })

  it('erases a learner after a confirmation, keyboard only; the audit lists it and the API has none of them', async () => {
    await page.getByRole('link', { name: 'Personal data' }).click()
    await page.getByRole('heading', { name: 'Erase a learner' }).waitFor()
    const first = (await (
      await fetch(`${server.origin}/api/stores/1/statements?limit=1&ascending=true`, {
        headers: { Authorization: `Bearer ${token}` },
      })
    ).json()) as { statements: { actor: { account: unknown } }[] }
    const agent = { account: first.statements[0]!.actor.account }
    const agentQuery = `agent=${encodeURIComponent(JSON.stringify(agent))}`
    const theirs = await ids(agentQuery)
    expect(theirs.length).toBeGreaterThan(0)
    const everyone = await ids('ascending=true')
    const others = everyone.filter((id) => !theirs.includes(id))

    const field = page.getByLabel('Agent (JSON)')
    await field.fill('not json')
    await page.getByRole('button', { name: 'Review erasure…' }).click()
    await page.getByRole('alert').getByText('This is not JSON').waitFor()

    await field.fill(JSON.stringify(agent))
    await page.getByRole('button', { name: 'Review erasure…' }).focus()
    await page.keyboard.press('Enter')
    const dialog = page.getByRole('alertdialog')
    await dialog.getByRole('heading', { name: /Erase this learner/ }).waitFor()
    // Nothing is erased before the confirmation.
    expect(await ids(agentQuery)).toEqual(theirs)
    // Focus is on Cancel (Enter does not erase by accident); one Shift+Tab reaches the erase.
    const focused = () => page.evaluate<string>('document.activeElement?.textContent ?? ""')
    expect(await focused()).toBe('Cancel')
    await page.keyboard.press('Shift+Tab')
    expect(await focused()).toBe('Erase permanently')
    await page.keyboard.press('Enter')
    await page
      .getByRole('status')
      .getByText(`Erasure #1 done: ${theirs.length} statements deleted`)
      .waitFor()
    const audit = page.locator('tr[data-erasure="1"]')
    await audit.getByText(`admin:${ADMIN.username}`).waitFor()
    expect(await numberIn(audit.locator('td').nth(3).textContent())).toBe(theirs.length)

    expect(await ids(agentQuery)).toEqual([])
    expect(await ids('ascending=true')).toEqual(others)
  })

  it('sets a retention policy; a dry run says what would go, removes nothing; the purge removes exactly that', async () => {
    const total = (await ids('ascending=true')).length
    const cut = new Date(Date.now() - 30 * DAY).toISOString()
    const old = await ids(`until=${encodeURIComponent(cut)}`)
    expect(old.length).toBeGreaterThan(10)
    expect(old.length).toBeLessThan(total)

    await page.getByLabel('Keep statements (days)').fill('30')
    await page.getByRole('button', { name: 'Save policy' }).click()
    await page.getByTestId('retention-policy').getByText('30 days').waitFor()
    await page.getByRole('button', { name: 'Dry run' }).click()
    const result = page.getByTestId('purge-result')
    await result.getByText(`Dry run: ${old.length} statements would go`).waitFor()
    expect((await ids('ascending=true')).length).toBe(total)
    await shot('personal-data')

    page.once('dialog', (dialog) => void dialog.accept())
    await page.getByRole('button', { name: 'Purge now' }).click()
    await result.getByText(`Purged: ${old.length} statements went`).waitFor()
    expect(await ids(`until=${encodeURIComponent(cut)}`)).toEqual([])
    expect((await ids('ascending=true')).length).toBe(total - old.length)
    expect(problems).toEqual([])
  })
})
