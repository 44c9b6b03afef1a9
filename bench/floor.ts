/**
 * @module The raw storage floor: the same statements, with the same index rows, inserted into
 * the same kind of database with the same schema (Almanac's own migrations), by the bare driver:
 * no validation, no HTTP, no query builder. What Almanac achieves is reported as a ratio of it.
 */
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'
import { buildStatementIndex } from '../src/core/statements/statement-index.js'
import { applySqlitePragmas } from '../src/storage/sqlite/sqlite-pragmas.js'
import { ifiKey } from '../src/xapi/ifi.js'
import type { StoredStatement } from '../src/xapi/types.js'

export interface FloorRow {
  statement: Record<string, unknown>
  agents: { ifi: string; relation: string }[]
  activities: { activity_id: string; relation: string }[]
}

const AUTHORITY = {
  objectType: 'Agent' as const,
  name: 'bench',
  account: { homePage: 'http://127.0.0.1', name: 'bench' },
}

/** Precomputes (outside any timing) the rows Almanac would write for each statement. */
export async function loadFloorRows(
  file: string,
  skip: number,
  count: number,
): Promise<FloorRow[]> {
  const rows: FloorRow[] = []
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity })
  let index = 0
  const start = Date.now()
  for await (const line of lines) {
    if (line.trim() === '') continue
    if (index++ < skip) continue
    const sent = JSON.parse(line) as StoredStatement
    const stored = new Date(start + rows.length).toISOString()
    const statement: StoredStatement = {
      ...sent,
      id: sent.id,
      authority: AUTHORITY,
      version: sent.version ?? '2.0.0',
      timestamp: sent.timestamp ?? stored,
      stored,
    }
    const idx = buildStatementIndex(statement)
    const dedupe = <T extends { relation: string }>(items: T[], key: (t: T) => string): T[] => {
      const seen = new Map<string, T>()
      for (const item of items)
        if (seen.get(key(item))?.relation !== 'direct') seen.set(key(item), item)
      return [...seen.values()]
    }
    rows.push({
      statement: {
        store_id: 1,
        id: statement.id,
        stored_ms: Date.parse(stored),
        voided: 0,
        verb_id: idx.verbId,
        actor_ifi: idx.actorIfi ?? null,
        object_activity_id: idx.objectActivityId ?? null,
        object_statement_id: idx.objectStatementId ?? null,
        registration: idx.registration ?? null,
        is_voiding: idx.isVoiding ? 1 : 0,
        payload: JSON.stringify(statement),
        authority_ifi: ifiKey(AUTHORITY) ?? null,
        credential_key: 'bench',
      },
      agents: dedupe([...idx.agents], (a) => a.ifi).map((a) => ({
        ifi: a.ifi,
        relation: a.relation,
      })),
      activities: dedupe([...idx.activities], (a) => a.activityId).map((a) => ({
        activity_id: a.activityId,
        relation: a.relation,
      })),
    })
    if (rows.length === count) break
  }
  lines.close()
  return rows
}

export interface FloorResult {
  statements: number
  seconds: number
}

/** SQLite: one writer, a transaction per batch, prepared single-row inserts (SQLite's fastest path). */
export function sqliteFloor(
  file: string,
  rows: readonly FloorRow[],
  batchSize: number,
): FloorResult {
  const db = new BetterSqlite3(file)
  applySqlitePragmas(db)
  const columns = (db.pragma('table_info(statements)') as { name: string }[])
    .map((c) => c.name)
    .filter((name) => name !== 'seq' && name in (rows[0]?.statement ?? {}))
  const insertStatement = db.prepare(
    `insert into statements (${columns.join(', ')}) values (${columns.map((c) => '@' + c).join(', ')})`,
  )
  const insertAgent = db.prepare(
    'insert into statement_agents (statement_seq, store_id, ifi, relation) values (?, 1, ?, ?)',
  )
  const insertActivity = db.prepare(
    'insert into statement_activities (statement_seq, store_id, activity_id, relation) values (?, 1, ?, ?)',
  )
  const pick = (row: FloorRow) => Object.fromEntries(columns.map((c) => [c, row.statement[c]]))
  const writeBatch = db.transaction((batch: readonly FloorRow[]) => {
    for (const row of batch) {
      const seq = insertStatement.run(pick(row)).lastInsertRowid
      for (const a of row.agents) insertAgent.run(seq, a.ifi, a.relation)
      for (const a of row.activities) insertActivity.run(seq, a.activity_id, a.relation)
    }
  })
  const started = performance.now()
  for (let i = 0; i < rows.length; i += batchSize)
    writeBatch.immediate(rows.slice(i, i + batchSize))
  const seconds = (performance.now() - started) / 1000
  db.close()
  return { statements: rows.length, seconds }
}

/** PostgreSQL: `writers` connections, a transaction per batch, one multi-row INSERT per table. */
export async function postgresFloor(
  url: string,
  rows: readonly FloorRow[],
  batchSize: number,
  writers: number,
): Promise<FloorResult> {
  const pool = new pg.Pool({ connectionString: url, max: writers })
  // An idle connection the server cuts must not end the bench with an unhandled 'error'.
  pool.on('error', () => undefined)
  const columnResult = await pool.query<{ column_name: string }>(
    "select column_name from information_schema.columns where table_name = 'statements' and table_schema = current_schema()",
  )
  const columns = columnResult.rows
    .map((r) => r.column_name)
    .filter((name) => name !== 'seq' && name in (rows[0]?.statement ?? {}))
  const batches: FloorRow[][] = []
  for (let i = 0; i < rows.length; i += batchSize) batches.push(rows.slice(i, i + batchSize))

  async function writeBatch(batch: readonly FloorRow[]): Promise<void> {
    const client = await pool.connect()
    try {
      await client.query('begin')
      const values: unknown[] = []
      const tuples = batch.map((row) => {
        const placeholders = columns.map((c) => {
          values.push(row.statement[c])
          return `$${values.length}`
        })
        return `(${placeholders.join(', ')})`
      })
      const inserted = await client.query<{ seq: string; id: string }>(
        `insert into statements (${columns.join(', ')}) values ${tuples.join(', ')} returning seq, id`,
        values,
      )
      const seqById = new Map(inserted.rows.map((r) => [r.id, r.seq]))
      for (const [table, key] of [
        ['statement_agents', 'ifi'],
        ['statement_activities', 'activity_id'],
      ] as const) {
        const indexValues: unknown[] = []
        const indexTuples: string[] = []
        for (const row of batch) {
          const entries = table === 'statement_agents' ? row.agents : row.activities
          for (const entry of entries) {
            const k = 'ifi' in entry ? entry.ifi : entry.activity_id
            indexValues.push(seqById.get(String(row.statement['id'])), 1, k, entry.relation)
            const n = indexValues.length
            indexTuples.push(`($${n - 3}, $${n - 2}, $${n - 1}, $${n})`)
          }
        }
        if (indexTuples.length > 0)
          await client.query(
            `insert into ${table} (statement_seq, store_id, ${key}, relation) values ${indexTuples.join(', ')}`,
            indexValues,
          )
      }
      await client.query('commit')
    } catch (error) {
      await client.query('rollback')
      throw error
    } finally {
      client.release()
    }
  }

  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < batches.length) await writeBatch(batches[next++]!)
    }),
  )
  const seconds = (performance.now() - started) / 1000
  await pool.end()
  return { statements: rows.length, seconds }
}
