import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { cliRequestContext } from '../../src/cli/cli-context.js'
import { exportToFile, runExport } from '../../src/cli/commands/export.js'
import {
  importExitCode,
  lineUuid,
  runImport,
  type ImportRequest,
} from '../../src/cli/commands/import.js'
import { checkpointPath, makeCheckpoint, writeCheckpoint } from '../../src/cli/import-checkpoint.js'
import { createAlmanac, type Almanac } from '../../src/compose.js'
import { loadConfig } from '../../src/config/load-config.js'
import type { RequestContext } from '../../src/core/lrs.js'
import { createJsonLogger } from '../../src/observability/logger.js'
import { simulateStatements } from '../../src/simulate/simulate-statements.js'
import type { Statement, StoredStatement } from '../../src/xapi/types.js'
import { TEST_HASHING } from '../http/test-app.js'

const dir = mkdtempSync(join(tmpdir(), 'almanac-bulk-'))
const opened: Almanac[] = []
afterAll(async () => {
  for (const almanac of opened) await almanac.close()
  rmSync(dir, { recursive: true, force: true })
})

const KEY = 'bulk-key'
const SECRET = 'bulk-secret-123'
let stores = 0

interface Store {
  almanac: Almanac
  /** The bulk commands' context (store 1). */
  ctx: RequestContext
  /** A credential's context, as an xAPI client posts. */
  client: RequestContext
}

async function openStore(): Promise<Store> {
  stores += 1
  const config = loadConfig({
    ALMANAC_DATABASE_URL: join(dir, `store-${stores}.db`),
    ALMANAC_BOOTSTRAP_KEY: KEY,
    ALMANAC_BOOTSTRAP_SECRET: SECRET,
  })
  const almanac = await createAlmanac(
    config,
    createJsonLogger('error', () => {}),
    {
      hashing: TEST_HASHING,
    },
  )
  opened.push(almanac)
  const principal = await almanac.lrs.authenticate(KEY, SECRET)
  if (principal === undefined) throw new Error('the bootstrap credential does not authenticate')
  return {
    almanac,
    ctx: cliRequestContext('import', 1, config.publicUrl, '2.0.0'),
    client: { principal, version: '2.0.0' },
  }
}

function terminal() {
  const writes: string[] = []
  return { writes, text: () => writes.join(''), write: (t: string) => writes.push(t) }
}

function request(path: string, overrides: Partial<ImportRequest> = {}): ImportRequest {
  return { path, batch: 100, strict: false, restart: false, ...overrides }
}

async function exportAll(store: Store, options = {}): Promise<StoredStatement[]> {
  const out: StoredStatement[] = []
  for await (const statement of store.almanac.lrs.exportStatements(store.ctx, options))
    out.push(statement)
  return out
}

function writeJsonl(name: string, values: readonly unknown[]): string {
  const file = join(dir, name)
  writeFileSync(
    file,
    values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join('\n') + '\n',
  )
  return file
}

function simulated(count: number, seed = 'bulk'): Statement[] {
  return [...simulateStatements({ seed, statements: count, learners: 6 })]
}

describe('almanac import', () => {
  it('imports a file once: a second import stores nothing and reports every line present', async () => {
    const store = await openStore()
    const file = writeJsonl('twice.jsonl', simulated(450))
    const first = await runImport(store.almanac.lrs, store.ctx, request(file), terminal())
    expect(first).toEqual({ stored: 450, present: 0, rejected: 0, outcome: 'done' })
    const err = terminal()
    const second = await runImport(store.almanac.lrs, store.ctx, request(file), err)
    expect(second).toEqual({ stored: 0, present: 450, rejected: 0, outcome: 'done' })
    expect(err.text()).toContain('0 stored, 450 already present, 0 rejected')
    expect(await exportAll(store)).toHaveLength(450)
    // Nothing left to resume.
    expect(existsSync(checkpointPath(file))).toBe(false)
  })

  it('keeps stored, authority, version and timestamp; assigns them (and a stable id) otherwise', async () => {
    const store = await openStore()
    const [a, b] = simulated(2)
    const carried = {
      ...a,
      stored: '2024-03-01T10:00:00.000Z',
      timestamp: '2024-03-01T11:00:00+01:00',
      authority: { objectType: 'Agent', account: { homePage: 'https://lrs.example', name: 'old' } },
      version: '1.0.0',
    }
    const { id: _dropped, ...bare } = b!
    const file = writeJsonl('preserve.jsonl', [carried, bare])
    await runImport(store.almanac.lrs, store.ctx, request(file), terminal())
    await runImport(store.almanac.lrs, store.ctx, request(file), terminal())
    const [first, second, ...more] = await exportAll(store)
    expect(more).toEqual([])
    expect(first).toMatchObject({
      id: a!.id,
      stored: '2024-03-01T10:00:00.000Z',
      timestamp: '2024-03-01T10:00:00.000Z',
      authority: carried.authority,
      version: '1.0.0',
    })
    const line = readFileSync(file, 'utf8').split('\n')[1]!
    expect(second).toMatchObject({
      id: lineUuid(line),
      timestamp: b!.timestamp,
      authority: store.ctx.principal.authority,
      version: '2.0.0',
    })
    expect(second!.stored > '2025').toBe(true)
  })

  it('never lets stored go back: older times are raised to the store latest', async () => {
    const store = await openStore()
    const [recent, old] = simulated(2, 'floor')
    await store.almanac.lrs.storeStatements(store.client, {}, recent, [])
    const [latest] = await exportAll(store)
    const file = writeJsonl('old.jsonl', [{ ...old, stored: '2001-01-01T00:00:00.000Z' }])
    await runImport(store.almanac.lrs, store.ctx, request(file), terminal())
    const [, imported] = await exportAll(store)
    expect(imported?.id).toBe(old!.id)
    expect(imported?.stored).toBe(latest?.stored)
  })

  it('reports invalid lines and conflicts with their line numbers and imports the rest', async () => {
    const store = await openStore()
    const good = simulated(6, 'lines')
    await store.almanac.lrs.storeStatements(store.client, {}, good[5], [])
    const file = writeJsonl('mixed.jsonl', [
      good[0],
      good[1],
      '{"actor": not json',
      good[2],
      { ...good[3], verb: undefined },
      '',
      { ...good[0], verb: { id: 'http://adlnet.gov/expapi/verbs/failed' } },
      good[4],
      { ...good[5], result: { success: false } },
    ])
    const err = terminal()
    const summary = await runImport(store.almanac.lrs, store.ctx, request(file), err)
    expect(summary).toEqual({ stored: 4, present: 0, rejected: 4, outcome: 'done' })
    expect(importExitCode(summary)).toBe(2)
    expect(err.text()).toContain(`${file}:3: not JSON`)
    expect(err.text()).toMatch(new RegExp(`${file}:5: .*verb`))
    expect(err.text()).toMatch(new RegExp(`${file}:7: statement ${good[0]!.id} already exists`))
    expect(err.text()).toMatch(new RegExp(`${file}:9: statement ${good[5]!.id} already exists`))
    expect((await exportAll(store)).map((s) => s.id)).toEqual(
      [good[5], good[0], good[1], good[2], good[4]].map((s) => s!.id),
    )
  })

  it('with --strict stops at the first bad batch, storing nothing of it', async () => {
    const store = await openStore()
    const good = simulated(250, 'strict')
    const lines: unknown[] = [...good]
    lines[150] = '{oops'
    const file = writeJsonl('strict.jsonl', lines)
    const err = terminal()
    const summary = await runImport(
      store.almanac.lrs,
      store.ctx,
      request(file, { strict: true }),
      err,
    )
    expect(summary.outcome).toBe('strict-stop')
    expect(importExitCode(summary)).toBe(1)
    expect(err.text()).toContain(`${file}:151: not JSON`)
    expect(err.text()).toContain('resume from line 101')
    expect(await exportAll(store)).toHaveLength(100)
    // Fix the line and run again: the import resumes at the failed batch.
    lines[150] = good[150]
    writeJsonl('strict.jsonl', lines)
    const again = await runImport(
      store.almanac.lrs,
      store.ctx,
      request(file, { strict: true }),
      terminal(),
    )
    expect(again).toEqual({ stored: 150, present: 0, rejected: 0, outcome: 'done' })
  })

  it('reports a conflict under --strict and rolls its batch back', async () => {
    const store = await openStore()
    const good = simulated(5, 'strict-conflict')
    await store.almanac.lrs.storeStatements(store.client, {}, good[2], [])
    const file = writeJsonl('conflict.jsonl', [
      good[0],
      good[1],
      { ...good[2], verb: { id: 'http://adlnet.gov/expapi/verbs/failed' } },
      good[3],
    ])
    const err = terminal()
    const summary = await runImport(
      store.almanac.lrs,
      store.ctx,
      request(file, { strict: true }),
      err,
    )
    expect(summary.outcome).toBe('strict-stop')
    expect(err.text()).toContain(`${file}:3: statement ${good[2]!.id} already exists`)
    expect(await exportAll(store)).toHaveLength(1)
  })

  it('resumes from its checkpoint without duplicates and with every statement', async () => {
    const store = await openStore()
    const all = simulated(500, 'resume')
    const file = writeJsonl('resume.jsonl', all)
    // An interruption (Ctrl-C) lets the running batch finish, then stops.
    const interrupt = new AbortController()
    interrupt.abort()
    const err = terminal()
    const stopped = await runImport(
      store.almanac.lrs,
      store.ctx,
      request(file),
      err,
      interrupt.signal,
    )
    expect(stopped).toMatchObject({ stored: 100, outcome: 'interrupted' })
    expect(importExitCode(stopped)).toBe(130)
    expect(existsSync(checkpointPath(file))).toBe(true)

    // A crash after a commit but before its checkpoint: the checkpoint lags behind the store.
    const linesOf = readFileSync(file, 'utf8').split('\n')
    const lagged = linesOf.slice(0, 50).join('\n').length + 1
    await writeCheckpoint(file, await makeCheckpoint(file, lagged, 50))
    const resumedErr = terminal()
    const resumed = await runImport(store.almanac.lrs, store.ctx, request(file), resumedErr)
    expect(resumedErr.text()).toContain('resuming after line 50')
    expect(resumed).toEqual({ stored: 400, present: 50, rejected: 0, outcome: 'done' })
    const ids = (await exportAll(store)).map((s) => s.id)
    expect(ids).toHaveLength(500)
    expect(new Set(ids)).toEqual(new Set(all.map((s) => s.id)))
  })

  it('ignores the checkpoint with --restart, or when the file before it changed', async () => {
    const store = await openStore()
    const all = simulated(300, 'restart')
    const file = writeJsonl('restart.jsonl', all)
    const offset = readFileSync(file, 'utf8').split('\n').slice(0, 200).join('\n').length + 1
    await writeCheckpoint(file, await makeCheckpoint(file, offset, 200))
    const restarted = await runImport(
      store.almanac.lrs,
      store.ctx,
      request(file, { restart: true }),
      terminal(),
    )
    expect(restarted.stored).toBe(300)

    await writeCheckpoint(file, await makeCheckpoint(file, offset, 200))
    writeJsonl('restart.jsonl', all.slice(1)) // the imported part changed: start over
    const err = terminal()
    const changed = await runImport(store.almanac.lrs, store.ctx, request(file), err)
    expect(err.text()).not.toContain('resuming')
    expect(changed).toMatchObject({ stored: 0, present: 299 })
  })

  it('imports every *.jsonl of a directory in name order', async () => {
    const store = await openStore()
    const all = simulated(30, 'folder')
    const folder = join(dir, 'folder')
    mkdirSync(folder)
    writeFileSync(
      join(folder, 'b.jsonl'),
      all
        .slice(10)
        .map((s) => JSON.stringify(s))
        .join('\n'),
    )
    writeFileSync(
      join(folder, 'a.jsonl'),
      all
        .slice(0, 10)
        .map((s) => JSON.stringify(s))
        .join('\n'),
    )
    writeFileSync(join(folder, 'readme.txt'), 'not statements')
    const summary = await runImport(store.almanac.lrs, store.ctx, request(folder), terminal())
    expect(summary).toEqual({ stored: 30, present: 0, rejected: 0, outcome: 'done' })
    expect((await exportAll(store)).map((s) => s.id)).toEqual(all.map((s) => s.id))
  })
})

describe('almanac export', () => {
  /** A store with what real stores have: two xAPI versions, offsets, voiding, late voiding. */
  async function populatedStore(): Promise<{ store: Store; voided: string[] }> {
    const store = await openStore()
    const statements = simulated(400, 'export')
    for (let i = 0; i < 300; i += 100)
      await store.almanac.lrs.storeStatements(store.client, {}, statements.slice(i, i + 100), [])
    const legacy = { principal: store.client.principal, version: '1.0.3' as const }
    await store.almanac.lrs.storeStatements(legacy, {}, statements.slice(300, 350), [])
    const offset = { ...statements[350]!, timestamp: '2025-02-01T12:00:00.123+05:30' }
    await store.almanac.lrs.storeStatements(store.client, {}, offset, [])
    const voiding = (target: string) => ({
      actor: statements[0]!.actor,
      verb: { id: 'http://adlnet.gov/expapi/verbs/voided', display: { 'en-US': 'voided' } },
      object: { objectType: 'StatementRef', id: target },
    })
    const voided = [statements[5]!.id!, statements[120]!.id!, statements[399]!.id!]
    await store.almanac.lrs.storeStatements(
      store.client,
      {},
      [voiding(voided[0]!), voiding(voided[1]!)],
      [],
    )
    // 2.0 accepts voiding an unknown statement; the statement arriving later is stored voided.
    await store.almanac.lrs.storeStatements(store.client, {}, voiding(voided[2]!), [])
    await store.almanac.lrs.storeStatements(store.client, {}, statements.slice(351), [])
    return { store, voided }
  }

  it('export → import into an empty store → export gives an identical file', async () => {
    const { store, voided } = await populatedStore()
    const first = join(dir, 'first.jsonl')
    expect(await exportToFile(store.almanac.lrs, store.ctx, {}, first, terminal())).toBe(403)

    const empty = await openStore()
    const summary = await runImport(empty.almanac.lrs, empty.ctx, request(first), terminal())
    expect(summary).toEqual({ stored: 403, present: 0, rejected: 0, outcome: 'done' })
    const second = join(dir, 'second.jsonl')
    await exportToFile(empty.almanac.lrs, empty.ctx, {}, second, terminal())
    expect(readFileSync(second, 'utf8')).toBe(readFileSync(first, 'utf8'))

    // The voided statements are voided again by their voiding statements.
    for (const id of voided) {
      await expect(
        empty.almanac.lrs.getStatement(empty.client, { statementId: id }, []),
      ).rejects.toThrow()
      const found = await empty.almanac.lrs.getStatement(
        empty.client,
        { voidedStatementId: id },
        [],
      )
      expect(found.statement.id).toBe(id)
    }
    // Stored order: ascending `stored`, voided statements included where they were stored.
    const exported = readFileSync(first, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    const stored = exported.map((s: StoredStatement) => s.stored)
    expect([...stored].sort()).toEqual(stored)
    expect(exported.filter((s: StoredStatement) => voided.includes(s.id))).toHaveLength(3)
  })

  it('writes to a stream and filters by stored time (since exclusive, until inclusive)', async () => {
    const { store } = await populatedStore()
    const all = await exportAll(store)
    const times = [...new Set(all.map((s) => s.stored))]
    const [since, until] = [times[0]!, times[2]!]
    const expected = all.filter((s) => s.stored > since && s.stored <= until)
    expect(expected.length).toBeGreaterThan(0)
    const out = new PassThrough()
    const chunks: Buffer[] = []
    out.on('data', (chunk: Buffer) => chunks.push(chunk))
    const count = await runExport(store.almanac.lrs, store.ctx, { since, until }, out, terminal())
    const lines = Buffer.concat(chunks).toString().trim().split('\n')
    expect(count).toBe(expected.length)
    expect(lines.map((l) => (JSON.parse(l) as StoredStatement).id)).toEqual(
      expected.map((s) => s.id),
    )
  })

  it('rejects a malformed since as a usage error and leaves no partial file', async () => {
    const { store } = await populatedStore()
    const target = join(dir, 'bad-since.jsonl')
    await expect(
      exportToFile(store.almanac.lrs, store.ctx, { since: 'last week' }, target, terminal()),
    ).rejects.toThrow(/since/)
    expect(existsSync(target)).toBe(false)
    expect(existsSync(`${target}.partial`)).toBe(false)
  })
})
