/** @module `almanac migrate`: applies pending schema migrations and exits. */
import { createStorage } from '../../compose.js'
import type { Command } from '../command.js'

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'apply pending database migrations and exit',
  async run({ config, print }) {
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
}
