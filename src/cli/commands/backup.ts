/** @module `almanac backup` and `almanac restore`: a consistent copy of the database, and putting one back. */
import { backupDatabase, restoreDatabase, type BackupOutcome } from '../../compose.js'
import type { Command } from '../command.js'
import { CommandFailure, defineCommand, parseCommandLine, UsageError } from '../command-options.js'

export const BACKUP_USAGE = `usage: almanac backup --out FILE

SQLite: writes a consistent copy of the database (ALMANAC_DATABASE_URL) to FILE, a new file,
while Almanac keeps serving: every statement acknowledged before the backup began is in it, and
no part of a batch committed after. The copy is checked (integrity, schema) before it is kept.
PostgreSQL: prints the pg_dump command to use instead (docs/operations.md).

  --out FILE    the file to write (must not exist)`

export const RESTORE_USAGE = `usage: almanac restore --from FILE [--force]

SQLite: replaces the database (ALMANAC_DATABASE_URL) by the backup FILE. Stop Almanac first.
Refuses a database that holds statements, documents or stores unless --force is given. The
backup is checked before anything is replaced. Credentials and admin accounts come from the
backup too. PostgreSQL: prints the pg_restore command to use instead.

  --from FILE   a file written by almanac backup
  --force       replace a database that is not empty`

function report(outcome: BackupOutcome, done: string, print: (line: string) => void): number {
  switch (outcome.kind) {
    case 'done': {
      const { statements, documents, stores } = outcome.summary
      const size = outcome.bytes === undefined ? '' : `, ${outcome.bytes} bytes`
      print(`${done}: ${statements} statements, ${documents} documents, ${stores} stores${size}`)
      return 0
    }
    case 'use-postgres-tools':
      // Not a failure of the operator's: the command did what it can, which is to say how.
      print(outcome.instructions)
      return 3
    case 'refused':
      throw new CommandFailure(outcome.reason)
  }
}

export const backupCommand: Command = defineCommand({
  name: 'backup',
  usage: BACKUP_USAGE,
  summary: 'write a consistent copy of the database while serving (SQLite; pg_dump for PostgreSQL)',
  run({ args, config, print }) {
    const { values } = parseCommandLine(args, { out: { type: 'string' } }, { min: 0, max: 0 })
    if (values.out === undefined) throw new UsageError('--out FILE is required')
    const out = values.out
    return Promise.resolve(
      report(backupDatabase(config().storage, out), `backup written to ${out}`, print),
    )
  },
})

export const restoreCommand: Command = defineCommand({
  name: 'restore',
  usage: RESTORE_USAGE,
  summary: 'replace an empty database by a backup (SQLite; pg_restore for PostgreSQL)',
  run({ args, config, print }) {
    const { values } = parseCommandLine(
      args,
      { from: { type: 'string' }, force: { type: 'boolean' } },
      { min: 0, max: 0 },
    )
    if (values.from === undefined) throw new UsageError('--from FILE is required')
    const outcome = restoreDatabase(config().storage, values.from, values.force === true)
    return Promise.resolve(report(outcome, `restored from ${values.from}`, print))
  },
})
