/** @module The schema's versioned migrations, kept in code so they run the same from src/ and dist/. */
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely'
import { DEFAULT_STORE_ID } from '../ports.js'
import { activityFirstSeenMigration } from './activity-first-seen-migration.js'
import { windowDaysMigration } from './window-days-migration.js'
import { pagesFirstViewMigration } from './pages-first-view-migration.js'
import { objectiveWindowDaysMigration } from './objective-window-days-migration.js'
import { courseAttemptsMigration } from './course-attempts-migration.js'
import { statementLevelExitsMigration } from './statement-level-exits-migration.js'
import { activeLearnersMigration } from './active-learners-migration.js'
import { attachmentOwnersMigration } from './attachment-owners-migration.js'
import { byteOrderKeysMigration } from './byte-order-keys-migration.js'
import { coveringCourseRowsMigration } from './covering-course-rows-migration.js'
import { clusteredCourseRowsMigration } from './clustered-course-rows-migration.js'
import { courseExitsEarlierMigration } from './course-exits-earlier-migration.js'
import { courseFunnelMigration, courseSessionsIndexMigration } from './course-funnel-migration.js'
import type { Database, StoresTable } from './database.js'
import type { SqlDialect } from './sql-dialect.js'
import { analyticsReportIndexesMigration } from './analytics-report-indexes-migration.js'
import { analyticsMigration } from './analytics-migration.js'
import { forwardingMigration } from './forwarding-migration.js'
import { insightsMigration } from './insights-migration.js'
import { parallelWritersMigration } from './parallel-writers-migration.js'
import { sharedWriterBeginMigration } from './shared-writer-begin-migration.js'
import { logConsumersMigration } from './log-consumers-migration.js'
import { reportWindowsMigration } from './report-windows-migration.js'
import { objectiveTotalsMigration } from './objective-totals-migration.js'
import { objectiveWindowIndexMigration } from './objective-window-index-migration.js'
import { pagesReportIndexesMigration } from './pages-report-indexes-migration.js'
import { pageTotalsMigration } from './page-totals-migration.js'
import { peopleMigration } from './people-migration.js'
import { retentionMigration } from './retention-migration.js'
import { tenancyMigration } from './tenancy-migration.js'

/** Where Kysely records the applied migrations (and its lock row, used by PostgreSQL). */
const MIGRATION_TABLE = 'almanac_migration'
const MIGRATION_LOCK_TABLE = 'almanac_migration_lock'
/** The migrator's bookkeeping tables, for a `Migrator` of Almanac's schema (the tests' too). */
export const MIGRATOR_TABLES = {
  migrationTableName: MIGRATION_TABLE,
  migrationLockTableName: MIGRATION_LOCK_TABLE,
} as const

/** The default store's row; also written by `AdminStore.ensureDefaultStore`. */
export function defaultStoreRow(now: number): StoresTable {
  return { id: DEFAULT_STORE_ID, name: 'default', created_ms: now }
}

/**
 * Version 1: tenants, statements with their index tables, attachments, documents, canonical
 * activities, agents and credentials. Every filter of `GET /statements` is an index whose
 * last column is `seq`, so a page is an ordered index walk that stops after `limit` rows.
 */
function initialSchema(dialect: SqlDialect): Migration {
  return {
    // Typed by the tables this migration writes rows to, as they were at this version.
    async up(db: Kysely<{ stores: StoresTable }>) {
      await db.schema
        .createTable('stores')
        .addColumn('id', 'integer', (col) => col.primaryKey())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('created_ms', 'bigint', (col) => col.notNull())
        .execute()
      await db
        .insertInto('stores')
        .values(defaultStoreRow(Date.now()))
        .onConflict((oc) => oc.column('id').doNothing())
        .execute()

      await dialect
        .addSeqColumn(db.schema.createTable('statements'))
        .addColumn('store_id', 'integer', (col) => col.notNull())
        .addColumn('id', 'text', (col) => col.notNull())
        .addColumn('stored_ms', 'bigint', (col) => col.notNull())
        .addColumn('voided', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('verb_id', 'text', (col) => col.notNull())
        .addColumn('actor_ifi', 'text')
        .addColumn('object_activity_id', 'text')
        .addColumn('object_statement_id', 'text')
        .addColumn('registration', 'text')
        .addColumn('is_voiding', 'integer', (col) => col.notNull())
        .addColumn('payload', 'text', (col) => col.notNull())
        .execute()
      // Statement ids are unique per store: the same id may exist in two tenants.
      await db.schema
        .createIndex('statements_store_id_id')
        .on('statements')
        .columns(['store_id', 'id'])
        .unique()
        .execute()
      await db.schema
        .createIndex('statements_verb')
        .on('statements')
        .columns(['store_id', 'verb_id', 'seq'])
        .execute()
      await db.schema
        .createIndex('statements_registration')
        .on('statements')
        .columns(['store_id', 'registration', 'seq'])
        .where('registration', 'is not', null)
        .execute()
      // since/until, and the latest `stored` for allocateStored/consistentThrough.
      await db.schema
        .createIndex('statements_stored')
        .on('statements')
        .columns(['store_id', 'stored_ms', 'seq'])
        .execute()
      // Queries without a filter (and any store other than the only one) walk this, not the
      // primary key, which interleaves the stores.
      await db.schema
        .createIndex('statements_store_seq')
        .on('statements')
        .columns(['store_id', 'seq'])
        .execute()
      // StatementRef objects are rare: a partial index keeps voiding lookups and the ref walk
      // of insertStatements small.
      await db.schema
        .createIndex('statements_object_statement')
        .on('statements')
        .columns(['store_id', 'object_statement_id', 'seq'])
        .where('object_statement_id', 'is not', null)
        .execute()

      // One row per (statement, agent) and (statement, activity); the key order serves the
      // `agent` and `activity` filters as ordered walks by seq, and the lookup from a statement.
      await dialect
        .clustered(
          db.schema
            .createTable('statement_agents')
            .addColumn('statement_seq', 'bigint', (col) => col.notNull())
            .addColumn('store_id', 'integer', (col) => col.notNull())
            .addColumn('ifi', 'text', (col) => col.notNull())
            .addColumn('relation', 'text', (col) => col.notNull())
            .addPrimaryKeyConstraint('statement_agents_pk', ['store_id', 'ifi', 'statement_seq']),
        )
        .execute()
      await dialect
        .clustered(
          db.schema
            .createTable('statement_activities')
            .addColumn('statement_seq', 'bigint', (col) => col.notNull())
            .addColumn('store_id', 'integer', (col) => col.notNull())
            .addColumn('activity_id', 'text', (col) => col.notNull())
            .addColumn('relation', 'text', (col) => col.notNull())
            .addPrimaryKeyConstraint('statement_activities_pk', [
              'store_id',
              'activity_id',
              'statement_seq',
            ]),
        )
        .execute()

      // Every statement a StatementRef object reaches, directly or through other refs
      // (a → b → c gives (a, b), (a, c), (b, c)), kept up to date as statements arrive, in any
      // order. Communication §2.1.3 "Filter Conditions for StatementRefs" then needs no
      // recursion at read time: a referrer matches when one of its targets does.
      await dialect
        .clustered(
          db.schema
            .createTable('statement_refs')
            .addColumn('store_id', 'integer', (col) => col.notNull())
            .addColumn('referrer_seq', 'bigint', (col) => col.notNull())
            .addColumn('target_id', 'text', (col) => col.notNull())
            .addPrimaryKeyConstraint('statement_refs_pk', [
              'store_id',
              'referrer_seq',
              'target_id',
            ]),
        )
        .execute()
      await db.schema
        .createIndex('statement_refs_target')
        .on('statement_refs')
        .columns(['store_id', 'target_id'])
        .execute()

      await db.schema
        .createTable('attachments')
        .addColumn('store_id', 'integer', (col) => col.notNull())
        .addColumn('sha2', 'text', (col) => col.notNull())
        .addColumn('content_type', 'text', (col) => col.notNull())
        .addColumn('content', dialect.blobType, (col) => col.notNull())
        .addPrimaryKeyConstraint('attachments_pk', ['store_id', 'sha2'])
        .execute()

      await db.schema
        .createTable('documents')
        .addColumn('store_id', 'integer', (col) => col.notNull())
        .addColumn('kind', 'text', (col) => col.notNull())
        .addColumn('activity_id', 'text', (col) => col.notNull())
        .addColumn('agent_ifi', 'text', (col) => col.notNull())
        .addColumn('registration', 'text', (col) => col.notNull())
        .addColumn('document_id', 'text', (col) => col.notNull())
        .addColumn('content_type', 'text', (col) => col.notNull())
        .addColumn('content', dialect.blobType, (col) => col.notNull())
        .addColumn('etag', 'text', (col) => col.notNull())
        .addColumn('updated_ms', 'bigint', (col) => col.notNull())
        .addPrimaryKeyConstraint('documents_pk', [
          'store_id',
          'kind',
          'activity_id',
          'agent_ifi',
          'registration',
          'document_id',
        ])
        .execute()
      // The id-list requests (Communication §2.3–2.6 with `since`) address a scope without the
      // registration, which may be any; this index serves them by scope, then by time.
      await db.schema
        .createIndex('documents_scope_updated')
        .on('documents')
        .columns(['store_id', 'kind', 'activity_id', 'agent_ifi', 'updated_ms'])
        .execute()

      await db.schema
        .createTable('activities')
        .addColumn('store_id', 'integer', (col) => col.notNull())
        .addColumn('activity_id', 'text', (col) => col.notNull())
        .addColumn('definition', 'text', (col) => col.notNull())
        .addPrimaryKeyConstraint('activities_pk', ['store_id', 'activity_id'])
        .execute()

      await db.schema
        .createTable('agents')
        .addColumn('store_id', 'integer', (col) => col.notNull())
        .addColumn('ifi', 'text', (col) => col.notNull())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('agent', 'text', (col) => col.notNull())
        .addPrimaryKeyConstraint('agents_pk', ['store_id', 'ifi', 'name'])
        .execute()

      await db.schema
        .createTable('credentials')
        .addColumn('key', 'text', (col) => col.primaryKey())
        .addColumn('store_id', 'integer', (col) => col.notNull())
        .addColumn('secret_hash', 'text', (col) => col.notNull())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('scopes', 'text', (col) => col.notNull())
        .addColumn('enabled', 'integer', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('last_used_at', 'text')
        .execute()
      await db.schema
        .createIndex('credentials_store')
        .on('credentials')
        .column('store_id')
        .execute()
    },
  }
}

/**
 * The migrations by name. Names sort in the order they must run; a new migration gets the next
 * number and is never edited once released (Kysely refuses to run after a changed history).
 */
export function createMigrationProvider(dialect: SqlDialect): MigrationProvider {
  const migrations: Record<string, Migration> = {
    '0001-initial': initialSchema(dialect),
    '0002-tenancy': tenancyMigration(),
    '0003-attachment-owners': attachmentOwnersMigration(dialect),
    '0005-log-consumers': logConsumersMigration(),
    '0006-analytics': analyticsMigration(),
    '0009-forwarding': forwardingMigration(dialect),
    '0010-retention': retentionMigration(dialect),
    '0012-analytics-report-indexes': analyticsReportIndexesMigration(),
    '0014-people': peopleMigration(dialect),
    '0015-insights': insightsMigration(),
    '0018-active-learners': activeLearnersMigration(dialect),
    '0019-pages-report-indexes': pagesReportIndexesMigration(dialect),
    '0022-parallel-writers': parallelWritersMigration(dialect),
    '0025-objective-totals': objectiveTotalsMigration(dialect),
    '0026-page-totals': pageTotalsMigration(dialect),
    '0029-shared-writer-begin': sharedWriterBeginMigration(dialect),
    '0030-course-funnel': courseFunnelMigration(dialect),
    '0031-report-windows': reportWindowsMigration(dialect),
    '0032-course-session-index': courseSessionsIndexMigration(),
    '0033-objective-window-index': objectiveWindowIndexMigration(),
    '0034-course-exits-earlier': courseExitsEarlierMigration(dialect),
    '0035-clustered-course-rows': clusteredCourseRowsMigration(dialect),
    '0036-byte-order-keys': byteOrderKeysMigration(dialect),
    '0037-covering-course-rows': coveringCourseRowsMigration(dialect),
    '0038-activity-first-seen': activityFirstSeenMigration(dialect),
    '0039-statement-level-exits': statementLevelExitsMigration(dialect),
    '0040-window-days': windowDaysMigration(dialect),
    '0041-pages-first-view': pagesFirstViewMigration(),
    '0042-objective-window-days': objectiveWindowDaysMigration(dialect),
    '0043-course-attempts': courseAttemptsMigration(dialect),
  }
  return { getMigrations: () => Promise.resolve(migrations) }
}

/**
 * Applies the pending migrations, or throws the first failure (nothing of a failed migration
 * stays: each run is one transaction). Concurrent runs from several processes serialise on the
 * database: the migrator's transaction takes the write lock first on SQLite (`begin immediate`,
 * see the SQLite driver) and an advisory lock on PostgreSQL (Kysely's adapter), then re-reads
 * which migrations are applied, so a second process finds nothing left to do.
 *
 * `schema` names the PostgreSQL schema the tables live in (the connection's search_path):
 * without it Kysely takes a migration table in any schema of the database for ours.
 */
export async function migrateToLatest(
  db: Kysely<Database>,
  dialect: SqlDialect,
  schema?: string,
): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: createMigrationProvider(dialect),
    ...MIGRATOR_TABLES,
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  })
  const { error } = await migrator.migrateToLatest()
  if (error === undefined) return
  throw error instanceof Error ? error : new Error('migration failed', { cause: error })
}

/**
 * The migrations this code knows that `db` has not applied, read from the migration table of
 * the connection's schema (search_path). Throws when that table is missing or unreadable.
 */
export async function pendingMigrations(
  db: Kysely<Database>,
  dialect: SqlDialect,
): Promise<string[]> {
  const known = Object.keys(await createMigrationProvider(dialect).getMigrations())
  const { rows } = await sql<{
    name: string
  }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(db)
  const applied = new Set(rows.map((row) => row.name))
  return known.filter((name) => !applied.has(name))
}
