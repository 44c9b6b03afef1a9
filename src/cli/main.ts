#!/usr/bin/env node
/** @module The `almanac` command line: picks one command and runs it with the configuration. */
import type { Config } from '../config/config-schema.js'
import { ConfigError, loadConfig } from '../config/load-config.js'
import { createJsonLogger, type LogLevel } from '../observability/logger.js'
import { COMMANDS } from './commands.js'

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length))
  return [
    'usage: almanac <command> [options]   (almanac <command> --help: its options)',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Configuration comes from the environment (ALMANAC_PORT, ALMANAC_HOST, ALMANAC_DATABASE_URL, …);',
    'see README.md.',
  ].join('\n')
}

async function main(argv: readonly string[]): Promise<number> {
  const print = (line: string) => process.stdout.write(line + '\n')
  const [name, ...args] = argv
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    // `almanac help <command>` is `almanac <command> --help`.
    const topic = name === 'help' ? COMMANDS.find((c) => c.name === args[0]) : undefined
    print(topic === undefined ? usage() : topic.usage)
    return name === undefined ? 1 : 0
  }
  const command = COMMANDS.find((c) => c.name === name)
  if (command === undefined) {
    process.stderr.write(`almanac: unknown command '${name}'\n\n${usage()}\n`)
    return 1
  }
  let config: Config | undefined
  // The level comes from ALMANAC_LOG_LEVEL; a broken environment still logs (at info) and the
  // command reports the configuration error itself when it loads it.
  let level: LogLevel = 'info'
  try {
    level = (config = loadConfig(process.env)).observability.logLevel
  } catch {
    config = undefined
  }
  return command.run({
    args,
    config: () => (config ??= loadConfig(process.env)),
    logger: createJsonLogger(level),
    print,
  })
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    const message =
      error instanceof ConfigError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error)
    process.stderr.write(`almanac: ${message}\n`)
    process.exitCode = 1
  },
)
