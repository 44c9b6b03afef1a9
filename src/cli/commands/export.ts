/**
 * @module `almanac export`: every statement of a store as JSON Lines, in stored order, voided
 * ones included, streamed page by page.
 */
import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import type { Writable } from 'node:stream'
import { finished } from 'node:stream/promises'
import { createAlmanac } from '../../compose.js'
import type { ExportOptions, Lrs, RequestContext } from '../../core/lrs.js'
import { isLrsError } from '../../errors/lrs-error.js'
import { DEFAULT_STORE_ID } from '../../storage/ports.js'
import type { Command } from '../command.js'
import { integerOption, parseCommandLine, defineCommand, UsageError } from '../command-options.js'
import { announceGeneratedCredential, cliRequestContext, requireStore } from '../cli-context.js'
import { createLineWriter } from '../jsonl.js'
import { createProgress, type Terminal } from '../progress-bar.js'

export const EXPORT_USAGE = `usage: almanac export [options]

Writes every statement of a store, one JSON object per line, exactly as stored (with id, stored,
authority, version, timestamp), oldest first. Voided statements are included, unmarked, at
their stored time; their voiding statements follow them, so \`almanac import\` of the file
voids them again. Export, import into an empty store and export again give the same file.

  --out FILE.jsonl     write to FILE.jsonl (default: stdout)
  --store ID           the store to export (default: ${DEFAULT_STORE_ID})
  --since T            only statements stored after T (ISO 8601)
  --until T            only statements stored at or before T (ISO 8601)`

/** Writes the statements of `options` to `out`; returns how many. */
export async function runExport(
  lrs: Lrs,
  ctx: RequestContext,
  options: ExportOptions,
  out: Writable,
  stderr: Terminal,
): Promise<number> {
  const progress = createProgress(stderr, { label: 'export', unit: 'statements' })
  const writer = createLineWriter(out)
  let count = 0
  try {
    for await (const statement of lrs.exportStatements(ctx, options)) {
      if (writer.closed) break
      await writer.write(JSON.stringify(statement))
      count += 1
      if (count % 1000 === 0) progress.update(count)
    }
  } catch (error) {
    // A bad since/until is the user's mistake, not a crash.
    if (isLrsError(error) && error.kind === 'BadRequest') throw new UsageError(error.message)
    throw error
  }
  await writer.flush()
  progress.update(count)
  progress.finish()
  return count
}

/** Exports into `path` through a temporary file, so a failed export leaves no partial file. */
export async function exportToFile(
  lrs: Lrs,
  ctx: RequestContext,
  options: ExportOptions,
  path: string,
  stderr: Terminal,
): Promise<number> {
  const partial = `${path}.partial`
  const file = createWriteStream(partial)
  try {
    const count = await runExport(lrs, ctx, options, file, stderr)
    file.end()
    await finished(file)
    await rename(partial, path)
    return count
  } catch (error) {
    // The stream opens its file asynchronously: wait until it has closed, or a failure that
    // comes first (a malformed since) would see the file appear after the rm below.
    if (!file.closed)
      await new Promise<void>((resolve) => {
        file.once('close', () => resolve())
        file.destroy()
      })
    await rm(partial, { force: true })
    throw error
  }
}

export const exportCommand: Command = defineCommand({
  name: 'export',
  usage: EXPORT_USAGE,
  summary: 'export the statements of a store as JSON Lines, in stored order',
  async run(context) {
    const { args, logger } = context
    const { values } = parseCommandLine(
      args,
      {
        out: { type: 'string' },
        store: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
      },
      { min: 0, max: 0 },
    )
    const storeId = integerOption(
      'store',
      values.store,
      DEFAULT_STORE_ID,
      1,
      Number.MAX_SAFE_INTEGER,
    )
    const options: ExportOptions = {
      ...(values.since === undefined ? {} : { since: values.since }),
      ...(values.until === undefined ? {} : { until: values.until }),
    }
    const settings = context.config()
    const almanac = await createAlmanac(settings, logger)
    try {
      announceGeneratedCredential(almanac, process.stderr)
      await requireStore(almanac, storeId)
      const ctx = cliRequestContext('export', storeId, settings.publicUrl, '2.0.0')
      const count =
        values.out === undefined
          ? await runExport(almanac.lrs, ctx, options, process.stdout, process.stderr)
          : await exportToFile(almanac.lrs, ctx, options, values.out, process.stderr)
      process.stderr.write(`export: ${count} statements\n`)
      return 0
    } finally {
      await almanac.close()
    }
  },
})
