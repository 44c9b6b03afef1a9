/** @module Structured logging: one JSON object per line, passed down as a dependency, secrets redacted. */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error']

export interface Logger {
  log(level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>): void
  /** A logger that adds `fields` (e.g. the request id) to every line it writes. */
  child(fields: Readonly<Record<string, unknown>>): Logger
  /** True when a line of `level` would be written: skip building costly fields otherwise. */
  enabled(level: LogLevel): boolean
}

const RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 }

/**
 * Field names whose values are never written, at any depth: credentials (HTTP Basic and bearer
 * `Authorization`, cookies), passwords, secrets, tokens and key material. Matched on the whole
 * name, case-insensitively, ignoring `-` and `_`, so `Authorization`, `x-api-key`,
 * `secret_hash` and `newPassword` are all caught.
 */
const SECRET_NAME =
  /^(authorization|proxyauthorization|cookie|setcookie|.*password.*|.*secret.*|.*token.*|.*apikey|privatekey|passphrase|credentials?)$/i

export const REDACTED = '[redacted]'

/** How deep a logged value is walked; deeper parts are summarised (a log line must not blow the stack). */
const MAX_DEPTH = 8

function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name.replace(/[-_]/g, ''))
}

/**
 * A copy of `value` with every secret-named field replaced by `[redacted]`. Also masks the
 * credentials of URLs in strings (`postgres://user:password@host` → `postgres://user:[redacted]@host`).
 */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string')
    return value.replace(/(\/\/[^/:@\s]*:)[^@\s/]*@/g, `$1${REDACTED}@`)
  if (value === null || typeof value !== 'object') return value
  if (depth >= MAX_DEPTH) return '[too deep]'
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1))
  if (value instanceof Headers) return redact(Object.fromEntries(value.entries()), depth)
  const out: Record<string, unknown> = {}
  for (const [name, field] of Object.entries(value))
    out[name] = isSecretName(name) ? REDACTED : redact(field, depth + 1)
  return out
}

/** Writes JSON lines to `write` (stderr by default), dropping levels below `minLevel`. */
export function createJsonLogger(
  minLevel: LogLevel = 'info',
  write: (line: string) => void = (line) => process.stderr.write(line + '\n'),
): Logger {
  function withBase(base: Readonly<Record<string, unknown>>): Logger {
    return {
      log(level, message, fields) {
        if (RANK[level] < RANK[minLevel]) return
        const line = redact({ ...base, ...fields }) as Record<string, unknown>
        write(JSON.stringify({ time: new Date().toISOString(), level, message, ...line }))
      },
      child(fields) {
        return withBase({ ...base, ...fields })
      },
      enabled(level) {
        return RANK[level] >= RANK[minLevel]
      },
    }
  }
  return withBase({})
}

/** Turns an unknown thrown value into loggable fields without leaking request data. */
export function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof Error)
    return { error: error.name, detail: error.message, stack: error.stack }
  return { error: String(error) }
}
