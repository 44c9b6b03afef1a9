/** @module The shape of one `almanac` sub-command. */
import type { Config } from '../config/config-schema.js'
import type { Logger } from '../observability/logger.js'
import type { Terminal } from './progress-bar.js'

/** What a command may use: its arguments, the configuration, and where to write. */
export interface CommandContext {
  /** Arguments after the command name. */
  readonly args: readonly string[]
  /** Loaded lazily: `help` must work even with a broken environment. */
  readonly config: () => Config
  readonly logger: Logger
  /** A line for the person at the terminal (stdout). */
  readonly print: (line: string) => void
  /** Where errors and usage go; process.stderr when absent. */
  readonly stderr?: Terminal
}

export interface Command {
  readonly name: string
  /** One line for `almanac help`. */
  readonly summary: string
  /** The full usage, printed by `almanac <command> --help` and with usage errors. */
  readonly usage: string
  /**
   * Resolves to the process exit code: 0 done (also for `--help`), 1 failed (an action refused,
   * a file unreadable), 2 usage error. Build commands with `defineCommand` (command-options.ts),
   * which gives every command the same `--help` and error handling.
   */
  run(context: CommandContext): Promise<number>
}
