/** @module Option parsing shared by the `almanac` commands: `node:util` parseArgs plus typed values. */
import { parseArgs, type ParseArgsConfig } from 'node:util'
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

/**
 * Runs a command body: usage errors print the usage (exit 2), failures their message (exit 1).
 * Anything else is a bug and propagates to `cli/main.ts`.
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
    if (error instanceof CommandFailure) {
      terminal.write(`almanac ${command}: ${error.message}\n`)
      return 1
    }
    throw error
  }
}
