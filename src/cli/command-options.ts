/**
 * @module What every `almanac` command shares: `--help`, option parsing (`node:util` parseArgs
 * plus typed values), and the one way errors are reported and turned into exit codes.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { isLrsError } from '../errors/lrs-error.js'
import type { Command, CommandContext } from './command.js'
import type { Terminal } from './progress-bar.js'

/** A command line the command cannot run with; the command prints it with its usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** Parses `args` strictly: unknown options and a wrong number of positionals are usage errors. */
export function parseCommandLine<T extends NonNullable<ParseArgsConfig['options']>>(
  args: readonly string[],
  options: T,
  positionals: { min: number; max: number },
) {
  let parsed
  try {
    parsed = parseArgs({
      args: [...args],
      options,
      allowPositionals: positionals.max > 0,
      strict: true,
    })
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
  const count = parsed.positionals.length
  if (count < positionals.min || count > positionals.max)
    throw new UsageError(
      positionals.max === 0
        ? 'takes no positional arguments'
        : `expects ${positionals.min === positionals.max ? positionals.min : `${positionals.min} to ${positionals.max}`} argument(s), got ${count}`,
    )
  return parsed
}

/** An integer option within [min, max], or `fallback` when absent. */
export function integerOption(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback
  // Accept 1e6 and 1_000_000 as well as plain digits: sizes are typed by people.
  const number = Number(value.replaceAll('_', ''))
  if (!Number.isInteger(number) || number < min || number > max)
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, not '${value}'`)
  return number
}

/** Prints a usage error the way every command does; returns the exit code 2. */
export function reportUsageError(
  terminal: Terminal,
  command: string,
  usage: string,
  error: UsageError,
): number {
  terminal.write(`almanac ${command}: ${error.message}\n\n${usage}\n`)
  return 2
}

/** A command that cannot complete (a file it cannot read, a server that refuses); exit code 1. */
export class CommandFailure extends Error {
  override readonly name = 'CommandFailure'
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
 * Runs a command body, the one way every command reports errors: a usage error (a `UsageError`
 * or an option `parseArgs` refuses) prints the message and the usage, exit 2; a failure (a
 * `CommandFailure`, or an action the use cases refuse with an `LrsError`: unknown store, invalid
 * scope, last admin account…) prints its message, exit 1. Anything else is a bug and propagates
 * to `cli/main.ts`, which prints its stack (exit 1).
 */
export async function runReportingErrors(
  terminal: Terminal,
  command: string,
  usage: string,
  body: () => Promise<number>,
): Promise<number> {
  try {
    return await body()
  } catch (error) {
    if (error instanceof UsageError) return reportUsageError(terminal, command, usage, error)
    if (isParseArgsError(error))
      return reportUsageError(terminal, command, usage, new UsageError(error.message))
    if (error instanceof CommandFailure || isLrsError(error)) {
      terminal.write(`almanac ${command}: ${error.message}\n`)
      return 1
    }
    throw error
  }
}

/** True when the arguments ask for help: `--help` or `-h` before any `--`. */
export function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--')
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h')
}

/**
 * A command with the shared behaviour: `--help` / `-h` anywhere prints its usage on stdout and
 * exits 0 without touching the configuration or the database; errors are reported by
 * `runReportingErrors`.
 */
export function defineCommand(spec: Command): Command {
  return {
    ...spec,
    run(context: CommandContext) {
      if (asksForHelp(context.args)) {
        context.print(spec.usage)
        return Promise.resolve(0)
      }
      const terminal = context.stderr ?? process.stderr
      return runReportingErrors(terminal, spec.name, spec.usage, () => spec.run(context))
    },
  }
}

/** A positive integer option, or undefined when absent. */
export function positiveInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^[1-9][0-9]*$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw new UsageError(`--${name} must be a positive integer, not '${value}'`)
  return Number(value)
}

/** A required option. */
export function required(name: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`)
  return value
}

/**
 * A string option of `values` from `parseCommandLine`, when the options differ per action and
 * their static type is a union: undefined when absent (or given as a flag).
 */
export function stringValue(values: object, name: string): string | undefined {
  const value: unknown = (values as Record<string, unknown>)[name]
  return typeof value === 'string' ? value : undefined
}
