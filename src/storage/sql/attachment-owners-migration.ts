/** @module Migration 0003: which statements may return which attachment contents; server secrets. */
import type { Kysely, Migration } from 'kysely'
import type { SqlDialect } from './sql-dialect.js'

/** The tables this migration reads and writes rows of, as they are at this version. */
interface Tables {
  /** `seq` is a bigint: a string from pg, a number from better-sqlite3. */
  statements: { seq: number | string; store_id: number; id: string; payload: string }
  attachments: { store_id: number; sha2: string }
  statement_attachments: { store_id: number; statement_id: string; sha2: string }
}

/** Statements read per round trip by the backfill. */
const BACKFILL_BATCH = 1000

interface Declared {
  attachments?: { sha2?: unknown }[]
  object?: { objectType?: unknown; attachments?: { sha2?: unknown }[] }
}

/** The SHA-2s a stored statement declares, in its own attachments and its SubStatement's. */
function declaredHashes(payload: string): string[] {
  const statement = JSON.parse(payload) as Declared
  const lists = [statement.attachments ?? []]
  if (statement.object?.objectType === 'SubStatement')
    lists.push(statement.object.attachments ?? [])
  return lists.flatMap((list) => list.flatMap((a) => (typeof a.sha2 === 'string' ? [a.sha2] : [])))
}

/**
 * Links the contents stored before this migration to statements. Which statement carried a
 * content was not recorded, so each content (per store and SHA-2) is given to the FIRST
 * statement (lowest seq) of its store that declares that SHA-2, and to no other: the content
 * was stored in the unit of work of a statement declaring it, and a statement declaring a hash
 * before its content arrived was written by someone who knew the hash before the file was
 * uploaded. Later statements that also carried the same content lose it on read (they keep
 * their metadata); that is the price of closing issue 15 for data stored before the fix.
 */
async function backfillOwners(db: Kysely<Tables>): Promise<void> {
  const contents = await db.selectFrom('attachments').select(['store_id', 'sha2']).execute()
  if (contents.length === 0) return
  const unowned = new Set(contents.map((c) => `${c.store_id}\n${c.sha2}`))
  let after = 0
  for (;;) {
    const rows = await db
      .selectFrom('statements')
      .select(['seq', 'store_id', 'id', 'payload'])
      .where('seq', '>', after)
      // Only statements with attachments can declare a hash; the rest need no parsing.
      .where('payload', 'like', '%"sha2"%')
      .orderBy('seq', 'asc')
      .limit(BACKFILL_BATCH)
      .execute()
    const links: Tables['statement_attachments'][] = []
    for (const row of rows)
      for (const sha2 of new Set(declaredHashes(row.payload))) {
        const key = `${row.store_id}\n${sha2}`
        if (!unowned.delete(key)) continue
        links.push({ store_id: row.store_id, statement_id: row.id, sha2 })
      }
    for (const link of links) await db.insertInto('statement_attachments').values(link).execute()
    const last = rows.at(-1)
    if (last === undefined || rows.length < BACKFILL_BATCH || unowned.size === 0) return
    after = Number(last.seq)
  }
}

/**
 * Version 3 (issue 15):
 * - `statement_attachments`: the attachment contents each statement was stored together with
 *   (sent in its own multipart request). Contents stay one copy per SHA-2 per store
 *   (`attachments`); a statement returns a content only through a row here, so declaring a
 *   hash someone else uploaded (with a fileUrl) no longer reads their file.
 * - `server_secrets`: random keys shared by every process of the database, such as the key
 *   that encrypts `more` tokens (core/statements/more-token.ts).
 */
export function attachmentOwnersMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<Tables>) {
      await dialect
        .clustered(
          db.schema
            .createTable('statement_attachments')
            .addColumn('store_id', 'integer', (col) => col.notNull())
            .addColumn('statement_id', 'text', (col) => col.notNull())
            .addColumn('sha2', 'text', (col) => col.notNull())
            .addPrimaryKeyConstraint('statement_attachments_pk', [
              'store_id',
              'statement_id',
              'sha2',
            ]),
        )
        .execute()
      await backfillOwners(db)

      await db.schema
        .createTable('server_secrets')
        .addColumn('name', 'text', (col) => col.primaryKey())
        .addColumn('value', 'text', (col) => col.notNull())
        .execute()
    },
  }
}
