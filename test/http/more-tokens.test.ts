/** `more` tokens over HTTP (issue 15): opaque, bound to their store, no cross-store count. */
import { randomUUID } from 'node:crypto'
import BetterSqlite3 from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildStatement } from '../fixtures/build-statement.js'
import { createStoreCredential, createTestApp, type TestApp } from './test-app.js'

type Auth = { key: string; secret: string }

let app: TestApp
let a: Auth
let b: Auth
beforeAll(async () => {
  app = await createTestApp()
  a = await createStoreCredential(app, { scopes: ['all'] })
  b = await createStoreCredential(app, { scopes: ['all'] })
})
afterAll(async () => {
  await app.close()
})

async function post(auth: Auth, statements: unknown[]): Promise<string[]> {
  const response = await app.request('/xapi/statements', { method: 'POST', auth, json: statements })
  expect(response.status).toBe(200)
  return (await response.json()) as string[]
}

async function page(auth: Auth, path: string) {
  const response = await app.request(path, { auth })
  expect(response.status).toBe(200)
  return (await response.json()) as { statements: { id: string }[]; more: string }
}

/** Reads the database file directly. */
function sqlValue(query: string, ...parameters: string[]): number {
  const db = new BetterSqlite3(app.databaseFile, { readonly: true })
  try {
    return (db.prepare(query).get(...parameters) as { value: number }).value
  } finally {
    db.close()
  }
}

/** The global `seq` of a statement. */
const seqOf = (id: string) => sqlValue('select seq as value from statements where id = ?', id)
/** The highest `seq` of the server, all stores: what a page's snapshot holds. */
const maxSeq = () => sqlValue('select max(seq) as value from statements')

describe('more tokens reveal no cross-store count (issue 15)', () => {
  it('pages store A while store B writes; the tokens carry no seq and no parameters in the clear', async () => {
    const verb = `http://example.com/verbs/${randomUUID()}`
    await post(
      b,
      Array.from({ length: 150 }, () => buildStatement()),
    )
    const ownIds = await post(
      a,
      Array.from({ length: 3 }, () => buildStatement({ verb: { id: verb } })),
    )
    const tokens: string[] = []
    const snapshots: number[] = []
    const seen: string[] = []
    let next = `/xapi/statements?verb=${encodeURIComponent(verb)}&limit=1&ascending=true`
    for (let pages = 0; next !== '' && pages < 10; pages++) {
      // Store B's writes move the global seq between A's pages.
      await post(
        b,
        Array.from({ length: 150 }, () => buildStatement()),
      )
      const result = await page(a, next)
      snapshots.push(maxSeq())
      seen.push(...result.statements.map((s) => s.id))
      if (result.more !== '') tokens.push(result.more.split('more=')[1] ?? '')
      next = result.more
    }
    expect(seen).toEqual(ownIds)
    expect(tokens).toHaveLength(2)
    const seqs = [...ownIds.map(seqOf), ...snapshots]
    // Three digits and more: a chance match in random bytes is negligible.
    expect(Math.max(...seqs)).toBeGreaterThan(100)
    for (const token of tokens) {
      const decoded = Buffer.from(decodeURIComponent(token), 'base64url').toString('latin1')
      for (const seq of seqs) expect(decoded).not.toContain(String(seq))
      expect(decoded).not.toContain('example.com')
      expect(decoded).not.toContain('verb')
    }
  })

  it("store B cannot use store A's token, nor an altered one", async () => {
    const verb = `http://example.com/verbs/${randomUUID()}`
    await post(a, [buildStatement({ verb: { id: verb } }), buildStatement({ verb: { id: verb } })])
    const first = await page(a, `/xapi/statements?verb=${encodeURIComponent(verb)}&limit=1`)
    expect(first.more).not.toBe('')
    const foreign = await app.request(first.more, { auth: b })
    expect(foreign.status).toBe(400)
    expect(((await foreign.json()) as { message: string }).message).toContain(
      'not a token this LRS issued',
    )
    const token = first.more.split('more=')[1] ?? ''
    const altered = token.slice(0, 10) + (token[10] === 'A' ? 'B' : 'A') + token.slice(11)
    expect((await app.request(`/xapi/statements?more=${altered}`, { auth: a })).status).toBe(400)
    expect((await page(a, first.more)).statements).toHaveLength(1)
  })
})
