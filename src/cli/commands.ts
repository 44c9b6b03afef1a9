/** @module Every `almanac` sub-command, in the order `almanac help` lists them. */
import type { Command } from './command.js'
import { migrateCommand } from './commands/migrate.js'
import { serveCommand } from './commands/serve.js'

export const COMMANDS: readonly Command[] = [
  serveCommand,
  migrateCommand,
]
