/**
 * @module Migration 0036: on PostgreSQL, the analytics projections' text columns compare by
 * code point (`collate "C"`), as SQLite's do, whatever the database's default collation.
 *
 * The reports break ties by key: the items report ranks respondents by total score then learner
 * key to cut the upper and lower 27% (§7), the objectives matrix pages its learners in key order,
 * pages and questions are listed in id order. A database created with a language's collation
 * (`initdb` on a system with an English locale, or ICU) orders `U_3, u4, u_5, U6` where SQLite
 * orders `U6, U_3, u4, u_5`, so the same statements gave other upper and lower groups, hence
 * other discrimination indices, on the two backends (test/analytics/collation.test.ts).
 * With the columns themselves in byte order every comparison, `order by` and index agrees
 * with SQLite without a `collate` at each use, and compares faster than a locale's rules.
 *
 * Changing a column's collation keeps the table's rows as they are; PostgreSQL rebuilds the
 * indexes that hold the column. SQLite compares text by code point already (BINARY), so there
 * it does nothing.
 */
import { type Kysely, type Migration, sql } from 'kysely'
import type { SqlDialect } from './sql-dialect.js'

export function byteOrderKeysMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect.name !== 'postgres') return
      const columns = (
        await sql<{ table_name: string; column_name: string }>`select table_name, column_name
          from information_schema.columns
          where table_schema = current_schema() and table_name like 'an\\_%'
            and data_type = 'text' and collation_name is distinct from 'C'
          order by table_name, ordinal_position`.execute(db)
      ).rows
      const byTable = new Map<string, string[]>()
      for (const c of columns)
        byTable.set(c.table_name, [...(byTable.get(c.table_name) ?? []), c.column_name])
      // One statement per table, so its indexes are rebuilt once.
      for (const [table, names] of byTable)
        await sql
          .raw(
            `alter table "${table}" ${names
              .map((n) => `alter column "${n}" type text collate "C"`)
              .join(', ')}`,
          )
          .execute(db)
    },
  }
}
