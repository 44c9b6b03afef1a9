/** @module Kysely's SQLite dialect, with transactions that take the write lock when they begin. */
import {
  CompiledQuery,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  SqliteAdapter,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely'

/**
 * Begins every transaction with `begin immediate`. A plain (deferred) `begin` starts as a
 * reader and upgrades to a writer at its first write; when another process committed in
 * between, that upgrade fails with SQLITE_BUSY at once, without waiting for busy_timeout (the
 * snapshot is stale). Taking the write lock up front makes a second writer wait its turn instead,
 * which is what concurrent migrations need, and it means a transaction reads the latest
 * committed data (allocateStored relies on that).
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }

  /**
   * Some errors end the transaction inside SQLite itself (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM,
   * at times SQLITE_BUSY: https://sqlite.org/lang_transaction.html, "Response To Errors Within A
   * Transaction"). Kysely then still sends `rollback`, which fails with "cannot rollback - no
   * transaction is active" and replaces the error that ended the transaction, so a transient
   * one is not retried and the real cause is lost. The transaction is rolled back either way.
   */
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await connection.executeQuery(CompiledQuery.raw('rollback'))
    } catch (error) {
      if (!(error instanceof Error && /no transaction is active/.test(error.message))) throw error
    }
  }
}

/**
 * SQLite runs DDL inside transactions (https://sqlite.org/lang_transaction.html), but Kysely's
 * adapter says it does not, which makes the Migrator run each migration outside any transaction
 * and without a lock. Saying it does gives every migration run one `begin immediate`
 * transaction: concurrent starts serialise, and a failed migration leaves nothing behind.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true
  }
}

/** Kysely's SQLite dialect with both changes above. */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig

  constructor(config: SqliteDialectConfig) {
    super(config)
    this.#config = config
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config)
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter()
  }
}
