/** @module Runs an admin command body with the admin use cases over the configured storage. */
import { createAdminUseCases, createStorage } from '../compose.js'
import type { Admin } from '../core/admin/admin.js'
import type { Storage } from '../storage/ports.js'
import type { CommandContext } from './command.js'

/**
 * Opens the configured storage (migrated, with the default store), runs `fn` with the admin use
 * cases (and the storage, for the personal-data and forwarding commands) and closes it. Errors propagate: the command reports them (`defineCommand`).
 */
export async function withAdmin(
  context: CommandContext,
  fn: (admin: Admin, storage: Storage) => Promise<number>,
): Promise<number> {
  const config = context.config()
  const storage = createStorage(config.storage)
  try {
    await storage.migrate()
    await storage.admin.ensureDefaultStore()
    return await fn(createAdminUseCases(storage, config, context.logger), storage)
  } finally {
    await storage.close()
  }
}
