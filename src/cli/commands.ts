/** @module Every `almanac` sub-command, in the order `almanac help` lists them. */
import type { Command } from './command.js'
import { adminCommand } from './commands/admin.js'
import { analyticsCommand } from './commands/analytics.js'
import { insightsCommand } from './commands/insights.js'
import { backupCommand, restoreCommand } from './commands/backup.js'
import { credentialsCommand } from './commands/credentials.js'
import { eraseCommand } from './commands/erase.js'
import { forwardingCommand } from './commands/forwarding.js'
import { retentionCommand } from './commands/retention.js'
import { storeCommand } from './commands/store.js'
import { exportCommand } from './commands/export.js'
import { importCommand } from './commands/import.js'
import { migrateCommand } from './commands/migrate.js'
import { peopleCommand } from './commands/people.js'
import { serveCommand } from './commands/serve.js'
import { simulateCommand } from './commands/simulate.js'

export const COMMANDS: readonly Command[] = [
  serveCommand,
  migrateCommand,
  simulateCommand,
  importCommand,
  exportCommand,
  storeCommand,
  credentialsCommand,
  adminCommand,
  backupCommand,
  restoreCommand,
  analyticsCommand,
  insightsCommand,
  eraseCommand,
  retentionCommand,
  forwardingCommand,
  peopleCommand,
]
