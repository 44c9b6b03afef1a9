/** @module `almanac migrate`: applies pending schema migrations and exits. */
import { createStorage } from '../../compose.js'
import type { Command } from '../command.js'
import { defineCommand, parseCommandLine } from '../command-options.js'

const USAGE = `usage: almanac migrate

Applies the pending database migrations of ALMANAC_DATABASE_URL and exits. Safe to run from
several processes at once; \`almanac serve\` also migrates at start.`

export const migrateCommand: Command = defineCommand({
  name: 'migrate',
  usage: USAGE,
  summary: 'apply pending database migrations and exit',
  async run({ args, config, print }) {
    parseCommandLine(args, {}, { min: 0, max: 0 })
    const storage = createStorage(config().storage)
    try {
      await storage.migrate()
      await storage.admin.ensureDefaultStore()
      print('migrations applied')
    } finally {
      await storage.close()
    }
    return 0
  },
})
