/** @module Structured logging: one JSON object per line, passed down as a dependency. */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

export interface Logger {
  log(level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>): void
}

const RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 }

/** Writes JSON lines to `write` (stderr by default), dropping levels below `minLevel`. */
export function createJsonLogger(
  minLevel: LogLevel = 'info',
  write: (line: string) => void = (line) => process.stderr.write(line + '\n'),
): Logger {
  return {
    log(level, message, fields) {
      if (RANK[level] < RANK[minLevel]) return
      write(JSON.stringify({ time: new Date().toISOString(), level, message, ...fields }))
    },
  }
}

/** Turns an unknown thrown value into loggable fields without leaking request data. */
export function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof Error)
    return { error: error.name, detail: error.message, stack: error.stack }
  return { error: String(error) }
}
