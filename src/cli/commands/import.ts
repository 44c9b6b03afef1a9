/**
 * @module `almanac import`: loads JSON Lines statements into a store through the core use cases,
 * in batches, idempotently and resumably.
 */
import { createHash } from 'node:crypto'
import { stat } from 'node:fs/promises'
import { createAlmanac } from '../../compose.js'
import type { Lrs, RequestContext } from '../../core/lrs.js'
import { DEFAULT_STORE_ID } from '../../storage/ports.js'
import { parseVersionHeader, type XapiVersion } from '../../xapi/versions.js'
import type { Command } from '../command.js'
import {
  CommandFailure,
  integerOption,
  parseCommandLine,
  defineCommand,
  UsageError,
} from '../command-options.js'
import { announceGeneratedCredential, cliRequestContext, requireStore } from '../cli-context.js'
import {
  makeCheckpoint,
  readCheckpoint,
  removeCheckpoint,
  writeCheckpoint,
} from '../import-checkpoint.js'
import { listJsonlFiles, readJsonlLines, type JsonlPosition } from '../jsonl.js'
import { createProgress, type Terminal } from '../progress-bar.js'

export const IMPORT_USAGE = `usage: almanac import FILE.jsonl|DIR [options]

Imports statements, one JSON object per line (a DIR: every *.jsonl in it, in name order), into
the database of ALMANAC_DATABASE_URL. Statements keep the id, stored, authority, version and
timestamp they carry (an export imports as it was); others get them as on POST, and a statement
without an id gets one derived from its line, so importing a file twice stores nothing twice.
Invalid lines and conflicts (another statement under a stored id) are reported with their line
numbers. A checkpoint (FILE.jsonl.almanac-import) lets an interrupted import resume.
Attachment contents are not part of JSONL: attachments keep their metadata only.

  --store ID           the store to import into (default: ${DEFAULT_STORE_ID})
  --batch N            statements per transaction (default: 1000)
  --strict             stop at the first batch with an invalid line or a conflict (exit 1);
                       nothing of that batch is stored
  --restart            ignore the checkpoint and read the file from its start
  --xapi-version V     rules for statements without a version (default: 2.0.0)

Exit status: 0 all imported, 2 some lines rejected, 1 failure or --strict stop, 130 interrupted.`

export interface ImportRequest {
  /** A JSONL file or a directory of them. */
  readonly path: string
  readonly batch: number
  readonly strict: boolean
  readonly restart: boolean
}

export interface ImportSummary {
  stored: number
  present: number
  rejected: number
  /** Why it ended. */
  outcome: 'done' | 'strict-stop' | 'interrupted'
}

/** Problems printed per file; more are only counted. */
const MAX_REPORTED = 1000

/** The UUID name space of ids derived from lines (a version-5 UUID needs one, RFC 9562 §5.5). */
const LINE_NAMESPACE = Buffer.from('8e1f4a3c6b2d4f0e9a7c5d3b1e0f2a4c', 'hex')

/** A version-5-style UUID from the line's text: the same line always gets the same id. */
export function lineUuid(text: string): string {
  const hash = createHash('sha1').update(LINE_NAMESPACE).update(text).digest()
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80
  const hex = hash.subarray(0, 16).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

interface Batch {
  items: unknown[]
  /** Line number of each item. */
  lines: number[]
  /** Lines that are not JSON, with the parser's message. */
  unparsable: { line: number; message: string }[]
}

function emptyBatch(): Batch {
  return { items: [], lines: [], unparsable: [] }
}

/** Parses one line into `batch`; blank lines are skipped. */
function addLine(batch: Batch, text: string, line: number): void {
  if (text.trim() === '') return
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    batch.unparsable.push({
      line,
      message: `not JSON (${error instanceof Error ? error.message : String(error)})`,
    })
    return
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && !('id' in value))
    value = { id: lineUuid(text), ...value }
  batch.items.push(value)
  batch.lines.push(line)
}

async function importFile(
  lrs: Lrs,
  ctx: RequestContext,
  file: string,
  request: ImportRequest,
  stderr: Terminal,
  signal: AbortSignal | undefined,
): Promise<ImportSummary> {
  const summary: ImportSummary = { stored: 0, present: 0, rejected: 0, outcome: 'done' }
  const size = (await stat(file)).size
  let from: JsonlPosition = { offset: 0, line: 0 }
  const checkpoint = request.restart ? undefined : await readCheckpoint(file)
  if (checkpoint !== undefined) {
    from = checkpoint
    stderr.write(`${file}: resuming after line ${checkpoint.line} (byte ${checkpoint.offset})\n`)
  }
  const progress = createProgress(stderr, { label: file, unit: 'statements', totalBytes: size })
  let reported = 0
  const report = (line: number, message: string): void => {
    summary.rejected += 1
    if (reported < MAX_REPORTED) progress.log(`${file}:${line}: ${message}`)
    else if (reported === MAX_REPORTED) progress.log(`${file}: more rejected lines are not shown`)
    reported += 1
  }

  let done = 0
  /** Where reading got to, and where the committed statements end. */
  let position = from
  let committed = from
  let batch = emptyBatch()
  /** Commits `batch`; false when --strict stops the import. */
  const flush = async (until: JsonlPosition): Promise<boolean> => {
    const current = batch
    batch = emptyBatch()
    const problems: { line: number; message: string }[] = [...current.unparsable]
    if (!(request.strict && problems.length > 0) && current.items.length > 0) {
      const result = await lrs.importStatements(ctx, current.items, {
        preserve: true,
        partial: !request.strict,
      })
      summary.stored += result.stored
      summary.present += result.present
      for (const { index, error } of result.rejected)
        problems.push({ line: current.lines[index] ?? 0, message: error.message })
    }
    for (const problem of problems.sort((a, b) => a.line - b.line))
      report(problem.line, problem.message)
    if (request.strict && problems.length > 0) return false
    // The batch is committed: a crash from here on resumes after it (re-importing it is a no-op).
    await writeCheckpoint(file, await makeCheckpoint(file, until.offset, until.line))
    committed = until
    done += current.items.length + current.unparsable.length
    progress.update(done, until.offset)
    return true
  }

  for await (const line of readJsonlLines(file, from)) {
    addLine(batch, line.text, line.number)
    if (batch.items.length + batch.unparsable.length >= request.batch) {
      if (!(await flush({ offset: line.end, line: line.number }))) {
        summary.outcome = 'strict-stop'
        break
      }
      if (signal?.aborted === true) {
        summary.outcome = 'interrupted'
        break
      }
    }
    position = { offset: line.end, line: line.number }
  }
  if (summary.outcome === 'done' && !(await flush(position))) summary.outcome = 'strict-stop'
  progress.finish()
  if (summary.outcome === 'done') await removeCheckpoint(file)
  stderr.write(
    `${file}: ${summary.stored} stored, ${summary.present} already present, ` +
      `${summary.rejected} rejected${summary.outcome === 'done' ? '' : ` (${summary.outcome}; resume from line ${committed.line + 1})`}\n`,
  )
  return summary
}

/**
 * Imports every file of `request.path` with `lrs`. Stops at the first file that does not finish
 * (a --strict stop or `signal`); returns the totals and how it ended.
 */
export async function runImport(
  lrs: Lrs,
  ctx: RequestContext,
  request: ImportRequest,
  stderr: Terminal,
  signal?: AbortSignal,
): Promise<ImportSummary> {
  let files: string[]
  try {
    files = await listJsonlFiles(request.path)
  } catch (error) {
    throw new CommandFailure(
      `cannot read ${request.path}: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
  const total: ImportSummary = { stored: 0, present: 0, rejected: 0, outcome: 'done' }
  for (const file of files) {
    const summary = await importFile(lrs, ctx, file, request, stderr, signal)
    total.stored += summary.stored
    total.present += summary.present
    total.rejected += summary.rejected
    total.outcome = summary.outcome
    if (summary.outcome !== 'done') break
  }
  return total
}

/** The exit status of an import (see IMPORT_USAGE). */
export function importExitCode(summary: ImportSummary): number {
  if (summary.outcome === 'interrupted') return 130
  if (summary.outcome === 'strict-stop') return 1
  return summary.rejected > 0 ? 2 : 0
}

function parseImport(args: readonly string[]) {
  const { values, positionals } = parseCommandLine(
    args,
    {
      store: { type: 'string' },
      batch: { type: 'string' },
      strict: { type: 'boolean' },
      restart: { type: 'boolean' },
      'xapi-version': { type: 'string' },
    },
    { min: 1, max: 1 },
  )
  let version: XapiVersion
  try {
    version = parseVersionHeader(values['xapi-version'] ?? '2.0.0')
  } catch {
    throw new UsageError(`--xapi-version must be 1.0.x or 2.0.x`)
  }
  return {
    storeId: integerOption('store', values.store, DEFAULT_STORE_ID, 1, Number.MAX_SAFE_INTEGER),
    version,
    request: {
      path: positionals[0] ?? '',
      batch: integerOption('batch', values.batch, 1000, 1, 100_000),
      strict: values.strict ?? false,
      restart: values.restart ?? false,
    },
  }
}

export const importCommand: Command = defineCommand({
  name: 'import',
  usage: IMPORT_USAGE,
  summary: 'import statements from JSON Lines files (resumable, idempotent)',
  async run(context) {
    const { args, logger } = context
    const { storeId, version, request } = parseImport(args)
    // Before opening (and perhaps creating) the database.
    await stat(request.path).catch((error: unknown) => {
      throw new CommandFailure(
        `cannot read ${request.path}: ${error instanceof Error ? error.message : String(error)}`,
      )
    })
    const settings = context.config()
    const almanac = await createAlmanac(settings, logger)
    // Ctrl-C finishes the batch in progress, so the checkpoint matches what is committed.
    const interrupt = new AbortController()
    const onSignal = () => interrupt.abort()
    process.once('SIGINT', onSignal)
    try {
      announceGeneratedCredential(almanac, process.stderr)
      await requireStore(almanac, storeId)
      const ctx = cliRequestContext('import', storeId, settings.publicUrl, version)
      const summary = await runImport(almanac.lrs, ctx, request, process.stderr, interrupt.signal)
      return importExitCode(summary)
    } finally {
      process.off('SIGINT', onSignal)
      await almanac.close()
    }
  },
})
