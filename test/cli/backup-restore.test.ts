/**
 * `almanac backup` while a real server takes writes, then `almanac restore` into an empty
 * database: the restored server answers the same statements and documents.
 */
import { randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type AlmanacProcess, runAlmanac, startAlmanac } from '../multi-process/almanac-process.js'

const KEY = 'backup-key'
const SECRET = 'backup-secret'
const HEADERS = {
  Authorization: 'Basic ' + Buffer.from(`${KEY}:${SECRET}`).toString('base64'),
  'X-Experience-API-Version': '2.0.0',
}
const ACTIVITY = 'https://example.com/activities/backup'
const AGENT = JSON.stringify({ objectType: 'Agent', mbox: 'mailto:ada@example.com' })

const dir = mkdtempSync(join(tmpdir(), 'almanac-backup-'))
const processes: AlmanacProcess[] = []
afterAll(async () => {
  for (const p of processes.splice(0)) await p.stop()
  rmSync(dir, { recursive: true, force: true })
})

function env(file: string): Record<string, string> {
  return {
    ALMANAC_DATABASE_URL: file,
    ALMANAC_BOOTSTRAP_KEY: KEY,
    ALMANAC_BOOTSTRAP_SECRET: SECRET,
  }
}

async function start(file: string): Promise<AlmanacProcess> {
  const p = await startAlmanac(env(file))
  processes.push(p)
  return p
}

function statement(id: string, n: number) {
  return {
    id,
    actor: { objectType: 'Agent', name: `learner ${n % 7}`, mbox: `mailto:l${n % 7}@example.com` },
    verb: { id: 'http://adlnet.gov/expapi/verbs/answered', display: { 'en-US': 'answered' } },
    object: { objectType: 'Activity', id: `${ACTIVITY}/${n % 5}` },
    result: { score: { scaled: (n % 10) / 10 }, success: n % 2 === 0 },
  }
}

function stateUrl(origin: string, stateId: string): string {
  const query = new URLSearchParams({ activityId: ACTIVITY, agent: AGENT, stateId })
  return `${origin}/xapi/activities/state?${query.toString()}`
}

/** Every statement, newest first, following `more` links. */
async function allStatements(target: AlmanacProcess): Promise<unknown[]> {
  const statements: unknown[] = []
  let next: string | undefined = '/xapi/statements?limit=500'
  while (next !== undefined && next !== '') {
    const response = await fetch(`${target.origin}${next}`, { headers: HEADERS })
    expect(response.status).toBe(200)
    const page = (await response.json()) as { statements: unknown[]; more?: string }
    statements.push(...page.statements)
    next = page.more
  }
  return statements
}

async function readState(target: AlmanacProcess, stateId: string) {
  const response = await fetch(stateUrl(target.origin, stateId), { headers: HEADERS })
  return {
    status: response.status,
    etag: response.headers.get('ETag'),
    type: response.headers.get('Content-Type'),
    body: await response.text(),
  }
}

/** Writes batches and state documents until `stop()`; records what was acknowledged, when. */
function writeContinuously(target: AlmanacProcess) {
  const acknowledged: { id: string; at: number }[] = []
  const states: string[] = []
  let running = true
  let n = 0
  const loop = (async () => {
    while (running) {
      const batch = Array.from({ length: 20 }, () => statement(randomUUID(), n++))
      const response = await fetch(`${target.origin}/xapi/statements`, {
        method: 'POST',
        headers: { ...HEADERS, 'Content-Type': 'application/json' },
        body: JSON.stringify(batch),
      })
      expect(response.status).toBe(200)
      const at = Date.now()
      for (const s of batch) acknowledged.push({ id: s.id, at })
      const stateId = `state-${n}`
      const put = await fetch(stateUrl(target.origin, stateId), {
        method: 'PUT',
        headers: { ...HEADERS, 'Content-Type': 'application/json' },
        body: JSON.stringify({ n, progress: n / 1000, bookmark: `page-${n % 13}` }),
      })
      expect(put.status).toBe(204)
      states.push(stateId)
    }
  })()
  return {
    acknowledged,
    states,
    async stop() {
      running = false
      await loop
    },
  }
}

describe('almanac backup and restore (SQLite)', () => {
  it('backs up while writes go on; a restore into an empty database serves the same data', async () => {
    const original = join(dir, 'original.db')
    const server = await start(original)
    const writer = writeContinuously(server)
    // Let some data in, then back up in the middle of the writes.
    while (writer.acknowledged.length < 400) await new Promise((r) => setTimeout(r, 20))
    const backupStarted = Date.now()
    const duringWrites = join(dir, 'during-writes.backup')
    const backup = await runAlmanac(['backup', '--out', duringWrites], env(original))
    expect(backup.code, backup.output).toBe(0)
    expect(backup.output).toMatch(/backup written to .*: \d+ statements/)
    const ackedAfterBackup = writer.acknowledged.length
    await writer.stop()
    // Writes went on during the backup (else this test shows nothing about online copies).
    expect(ackedAfterBackup).toBeGreaterThan(400)

    // 1. The copy taken during the writes: restore into an empty database and compare.
    const restoredDuring = join(dir, 'restored-during.db')
    const restore = await runAlmanac(['restore', '--from', duringWrites], env(restoredDuring))
    expect(restore.code, restore.output).toBe(0)
    const originalStatements = await allStatements(server)
    const byId = new Map(originalStatements.map((s: any) => [s.id as string, s]))
    const first = await start(restoredDuring)
    const snapshot = await allStatements(first)
    // Every statement acknowledged before the backup began is in it, identical; nothing in it
    // is unknown to the original; whole batches only (a batch of 20 commits as one).
    const inSnapshot = new Set(snapshot.map((s: any) => s.id as string))
    for (const { id, at } of writer.acknowledged)
      if (at < backupStarted) expect(inSnapshot).toContain(id)
    for (const s of snapshot as any[]) expect(s).toEqual(byId.get(s.id))
    expect(snapshot.length % 20).toBe(0)
    expect(snapshot.length).toBeLessThanOrEqual(originalStatements.length)
    await first.stop()

    // 2. A backup of the database at rest gives an identical copy of everything.
    const atRest = join(dir, 'at-rest.backup')
    expect((await runAlmanac(['backup', '--out', atRest], env(original))).code).toBe(0)
    const restoredAtRest = join(dir, 'restored-at-rest.db')
    expect((await runAlmanac(['restore', '--from', atRest], env(restoredAtRest))).code).toBe(0)
    const second = await start(restoredAtRest)
    expect(await allStatements(second)).toEqual(originalStatements)
    expect(originalStatements.length).toBe(writer.acknowledged.length)
    expect(writer.states.length).toBeGreaterThan(10)
    for (const stateId of writer.states) {
      const was = await readState(server, stateId)
      expect(was.status).toBe(200)
      expect(await readState(second, stateId)).toEqual(was)
    }
    const list = async (p: AlmanacProcess) => {
      const query = new URLSearchParams({ activityId: ACTIVITY, agent: AGENT })
      const response = await fetch(`${p.origin}/xapi/activities/state?${query.toString()}`, {
        headers: HEADERS,
      })
      expect(response.status).toBe(200)
      return response.json()
    }
    expect(await list(second)).toEqual(await list(server))
    await second.stop()
    await server.stop()
  }, 180_000)

  it('refuses to restore over a database that holds data, and to overwrite a backup file', async () => {
    const source = join(dir, 'refuse-source.db')
    const server = await start(source)
    const id = randomUUID()
    const put = await fetch(`${server.origin}/xapi/statements?statementId=${id}`, {
      method: 'PUT',
      headers: { ...HEADERS, 'Content-Type': 'application/json' },
      body: JSON.stringify(statement(id, 1)),
    })
    expect(put.status).toBe(204)
    await server.stop()
    const file = join(dir, 'refuse.backup')
    expect((await runAlmanac(['backup', '--out', file], env(source))).code).toBe(0)
    const again = await runAlmanac(['backup', '--out', file], env(source))
    expect(again.code).toBe(1)
    expect(again.output).toContain('exists')

    const refused = await runAlmanac(['restore', '--from', file], env(source))
    expect(refused.code).toBe(1)
    expect(refused.output).toContain('is not empty (1 statements')
    const forced = await runAlmanac(['restore', '--from', file, '--force'], env(source))
    expect(forced.code, forced.output).toBe(0)

    const notABackup = join(dir, 'not-a-backup')
    rmSync(notABackup, { force: true })
    const missing = await runAlmanac(['restore', '--from', notABackup], env(join(dir, 'x.db')))
    expect(missing.code).toBe(1)
    expect(missing.output).toContain('no backup at')
    expect(existsSync(join(dir, 'x.db'))).toBe(false)
  }, 120_000)

  it('says how to back up PostgreSQL (pg_dump) instead of pretending', async () => {
    const pg = { ALMANAC_DATABASE_URL: 'postgres://almanac:s3cret-pw@db.internal:5432/lrs' }
    const backup = await runAlmanac(['backup', '--out', 'lrs.dump'], pg)
    expect(backup.code).toBe(3)
    expect(backup.output).toContain('pg_dump --format=custom --no-owner --file=lrs.dump')
    expect(backup.output).toContain('almanac_migration')
    expect(backup.output).not.toContain('s3cret-pw')
    const restore = await runAlmanac(['restore', '--from', 'lrs.dump'], pg)
    expect(restore.code).toBe(3)
    expect(restore.output).toContain('pg_restore')
    const usage = await runAlmanac(['backup'], pg)
    expect(usage.code).toBe(2)
    expect(usage.output).toContain('--out FILE is required')
  }, 60_000)
})
