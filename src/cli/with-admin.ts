/** @module Runs an admin command: opens the storage, runs the admin use cases, reports their errors. */
import { createAdminUseCases, createStorage } from '../compose.js'
import type { Admin } from '../core/admin/admin.js'
import type { Storage } from '../storage/ports.js'
import { isLrsError } from '../errors/lrs-error.js'
import type { CommandContext } from './command.js'

/** A command line that cannot run; printed with the command's usage, exit code 2. */
export class CommandUsageError extends Error {
  override readonly name = 'CommandUsageError'
}

/** node:util `parseArgs` rejects unknown options and missing values with these codes. */
function isParseArgsError(error: unknown): error is Error {
  return (
    error instanceof TypeError &&
    'code' in error &&
    typeof error.code === 'string' &&
    error.code.startsWith('ERR_PARSE_ARGS')
  )
}

/**
 * Opens the configured storage (migrated, with the default store), runs `fn` with the admin use
 * cases and closes it. A refused action (unknown store, invalid scope…) prints its message and
 * exits 1; a usage error prints the usage and exits 2.
 */
export async function withAdmin(
  context: CommandContext,
  command: string,
  usage: string,
  fn: (admin: Admin, storage: Storage) => Promise<number>,
): Promise<number> {
  const fail = (message: string, code: number, withUsage: boolean) => {
    process.stderr.write(`almanac ${command}: ${message}\n${withUsage ? `\n${usage}\n` : ''}`)
    return code
  }
  const config = context.config()
  const storage = createStorage(config.storage)
  try {
    await storage.migrate()
    await storage.admin.ensureDefaultStore()
    return await fn(createAdminUseCases(storage, config, context.logger), storage)
  } catch (error) {
    if (error instanceof CommandUsageError || isParseArgsError(error))
      return fail(error.message, 2, true)
    if (isLrsError(error)) return fail(error.message, 1, false)
    throw error
  } finally {
    await storage.close()
  }
}

/** A positive integer option, or undefined when absent. */
export function positiveInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^[1-9][0-9]*$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw new CommandUsageError(`--${name} must be a positive integer, not '${value}'`)
  return Number(value)
}

/** A required option. */
export function required(name: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new CommandUsageError(`--${name} is required`)
  return value
}
