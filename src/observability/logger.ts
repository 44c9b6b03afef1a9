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

/** Names already classified: a few dozen field names recur in every line (bounded all the same). */
const secretNames = new Map<string, boolean>()
const SECRET_NAMES_MAX = 1000

function isSecretName(name: string): boolean {
  let secret = secretNames.get(name)
  if (secret === undefined) {
    secret = SECRET_NAME.test(name.replace(/[-_]/g, ''))
    if (secretNames.size >= SECRET_NAMES_MAX) secretNames.clear()
    secretNames.set(name, secret)
  }
  return secret
}

/**
 * A copy of `value` with every secret-named field replaced by `[redacted]`. Also masks the
 * credentials of URLs in strings (`postgres://user:password@host` → `postgres://user:[redacted]@host`).
 */
export function redact(value: unknown, depth = 0): unknown {
  // Only a string with an `@` can hold URL credentials; the access log line of every request
  // has none, so the pattern is not run for it.
  if (typeof value === 'string')
    return value.includes('@')
      ? value.replace(/(\/\/[^/:@\s]*:)[^@\s/]*@/g, `$1${REDACTED}@`)
      : value
  if (value === null || typeof value !== 'object') return value
  if (depth >= MAX_DEPTH) return '[too deep]'
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1))
  if (value instanceof Headers) return redact(Object.fromEntries(value.entries()), depth)
  const out: Record<string, unknown> = {}
  for (const [name, field] of Object.entries(value))
    out[name] = isSecretName(name) ? REDACTED : redact(field, depth + 1)
  return out
}

/** Flush the lines gathered so far at this size, without waiting for the end of the turn. */
const FLUSH_CHARS = 64 * 1024

/**
 * Writes lines to stderr, gathered per turn of the event loop: one `write` (a system call when
 * stderr is a file or a pipe) for all the lines of a turn instead of one per line. Under
 * single-statement ingest that was one system call per request for the access log. A `warn`
 * or `error` line is written at once, after what was gathered, so what precedes a crash is on
 * disk; the rest is written at the end of the turn or when the process exits. Order is kept.
 */
export function stderrLineWriter(
  out: (text: string) => void = (text) => process.stderr.write(text),
): (line: string, level?: LogLevel) => void {
  let pending = ''
  let scheduled = false
  const flush = (): void => {
    scheduled = false
    if (pending === '') return
    const text = pending
    pending = ''
    out(text)
  }
  process.once('exit', flush)
  return (line, level) => {
    pending += line + '\n'
    if (level === 'warn' || level === 'error' || pending.length >= FLUSH_CHARS) flush()
    else if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  }
}

/** Writes JSON lines to `write` (stderr by default), dropping levels below `minLevel`. */
export function createJsonLogger(
  minLevel: LogLevel = 'info',
  write: (line: string, level: LogLevel) => void = stderrLineWriter(),
): Logger {
  function withBase(base: Readonly<Record<string, unknown>>): Logger {
    return {
      log(level, message, fields) {
        if (RANK[level] < RANK[minLevel]) return
        const line = redact({ ...base, ...fields }) as Record<string, unknown>
        write(JSON.stringify({ time: new Date().toISOString(), level, message, ...line }), level)
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
