/** @module The shape of one `almanac` sub-command. */
import type { Config } from '../config/config-schema.js'
import type { Logger } from '../observability/logger.js'

/** What a command may use: its arguments, the configuration, and where to write. */
export interface CommandContext {
  /** Arguments after the command name. */
  readonly args: readonly string[]
  /** Loaded lazily: `help` must work even with a broken environment. */
  readonly config: () => Config
  readonly logger: Logger
  /** A line for the person at the terminal (stdout). */
  readonly print: (line: string) => void
}

export interface Command {
  readonly name: string
  /** One line for `almanac help`. */
  readonly summary: string
  /** Resolves to the process exit code. */
  run(context: CommandContext): Promise<number>
}
