/**
 * @module Migration 0035: on SQLite, `an_learner_activity` stored in the order of its key
 * (store, activity, learner), so a course's learner rows lie together in the file.
 *
 * The course report reads every learner row of a course (§1–§5: the outcome counts, the dates,
 * the scores and the times). Its covering outcomes index (migration 0030) holds the columns
 * that change once or twice per learner, but not `last_ms` and `centis`, which change with
 * every statement (an index on them would cost every projection write). Those two came from
 * the table, a row per learner, and a rowid table keeps rows in the order they were first
 * written: a course's 23,102 rows at 10⁷ statements were spread over the whole table, and
 * reading them took 277 + 156 ms of the report's 703 (bench/results/analytics-wave7-2026-12-04.md).
 * Clustered (`without rowid`) the table is the key's B-tree: the same rows are one range of
 * consecutive pages, and an upsert by key walks one tree instead of the key index and then the
 * table.
 *
 * PostgreSQL keeps heap tables, which no index orders for good (CLUSTER is one-off); there this
 * migration does nothing.
 *
 * SQLite cannot change a table to `without rowid` in place, so the table is made again
 * (https://sqlite.org/lang_altertable.html#otheralter): the new table with the old one's
 * columns, its rows copied, the old one dropped, the new one renamed, then its indexes and every
 * trigger that names it created again from their stored SQL. The triggers go first, so the
 * rename finds no trigger naming a table that is gone.
 */
import { type Kysely, type Migration, sql } from 'kysely'
import type { SqlDialect } from './sql-dialect.js'

const TABLE = 'an_learner_activity'

interface ColumnInfo {
  name: string
  type: string
  notnull: number
  pk: number
}

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`

/** Makes `table` again as a `without rowid` table on its primary key, with its rows. */
async function clusterSqliteTable(db: Kysely<unknown>, table: string): Promise<void> {
  const columns = (
    await sql<ColumnInfo>`select name, type, "notnull", pk from pragma_table_info(${table})`.execute(
      db,
    )
  ).rows
  const key = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk)
  if (key.length === 0) throw new Error(`${table} has no primary key to cluster on`)
  const dependents = (
    await sql<{ type: string; name: string; sql: string }>`select type, name, sql from sqlite_master
      where sql is not null and ((type = 'index' and tbl_name = ${table})
        or (type = 'trigger' and sql like ${`%${table}%`}))
      order by type = 'trigger', name`.execute(db)
  ).rows
  for (const d of dependents)
    if (d.type === 'trigger') await sql.raw(`drop trigger ${quoted(d.name)}`).execute(db)
  const next = `${table}_clustered`
  const definitions = columns.map(
    (c) => `${quoted(c.name)} ${c.type}${c.notnull === 1 ? ' not null' : ''}`,
  )
  await sql
    .raw(
      `create table ${quoted(next)} (${definitions.join(', ')},
        constraint ${quoted(`${table}_pk`)} primary key (${key.map((c) => quoted(c.name)).join(', ')}))
        without rowid`,
    )
    .execute(db)
  const names = columns.map((c) => quoted(c.name)).join(', ')
  await sql
    .raw(`insert into ${quoted(next)} (${names}) select ${names} from ${quoted(table)}`)
    .execute(db)
  await sql.raw(`drop table ${quoted(table)}`).execute(db)
  await sql.raw(`alter table ${quoted(next)} rename to ${quoted(table)}`).execute(db)
  for (const d of dependents) await sql.raw(d.sql).execute(db)
}

export function clusteredCourseRowsMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect.name === 'sqlite') await clusterSqliteTable(db, TABLE)
    },
  }
}
