/**
 * @module `almanac simulate`: generates realistic xAPI statements (src/simulate) into a JSONL
 * file, to stdout, or straight to an xAPI endpoint in POST batches.
 */
import { createWriteStream } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { finished } from 'node:stream/promises'
import type { Writable } from 'node:stream'
import { hrCsv } from '../../simulate/hr-export.js'
import {
  createSimulation,
  inBatches,
  type Simulation,
  type SimulationOptions,
} from '../../simulate/simulate-statements.js'
import type { Statement } from '../../xapi/types.js'
import type { Command } from '../command.js'
import {
  CommandFailure,
  integerOption,
  parseCommandLine,
  defineCommand,
  UsageError,
} from '../command-options.js'
import { createLineWriter } from '../jsonl.js'
import { createProgress, type Progress, type Terminal } from '../progress-bar.js'

export const SIMULATE_USAGE = `usage: almanac simulate [options]

Generates realistic xAPI statements (valid under 1.0.3 and 2.0): an organisation's courses of
cmi5 modules with pages and quizzes, informal learning (video, mobile, forum, social, live),
learners with a latent ability. The same seed and options always give the same statements.

  --seed S             seed of the generator (default: almanac)
  --statements N       exactly N statements (default: 1000)
  --learners N         learners (default: one per ~150 statements)
  --courses N          courses (default: about the square root of the learners, 3 to 40)
  --start DATE         start of the period, ISO 8601 (default: 2025-01-06)
  --days N             length of the period in days (default: 90)
  --app-email-share X  share (0..1) of mobile-app users whose app statements carry their work
                       email instead of their LMS account: one person, two IFIs (default: 0)
  --hr-export FILE     also write the organisation's HR export of the learners who appear
                       (CSV: identifiers, role, team, org unit, manager, location, start date),
                       for almanac people import
  --out FILE           write JSON Lines to FILE (default: stdout)
  --endpoint URL       POST to this xAPI endpoint instead (e.g. http://127.0.0.1:8080/xapi/)
  --key K --secret S   HTTP Basic credentials for --endpoint
  --batch N            statements per POST (default: 500)
  --concurrency N      POST requests in flight (default: 1)
  --xapi-version V     X-Experience-API-Version header (default: 2.0.0)`

/** Where the statements go. */
export type SimulateTarget =
  | { readonly kind: 'stream'; readonly stream: Writable }
  | { readonly kind: 'file'; readonly path: string }
  | {
      readonly kind: 'endpoint'
      readonly url: string
      readonly key: string
      readonly secret: string
      readonly batch: number
      readonly concurrency: number
      readonly version: string
    }

const ATTEMPTS = 5

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** One POST of a batch, retried on network errors, 429 and 5xx (re-sending the same ids is a no-op). */
async function postBatch(
  target: Extract<SimulateTarget, { kind: 'endpoint' }>,
  url: URL,
  batch: readonly Statement[],
): Promise<void> {
  const body = JSON.stringify(batch)
  const headers = {
    Authorization: `Basic ${Buffer.from(`${target.key}:${target.secret}`).toString('base64')}`,
    'Content-Type': 'application/json',
    'X-Experience-API-Version': target.version,
  }
  for (let attempt = 1; ; attempt++) {
    let response: Response
    try {
      response = await fetch(url, { method: 'POST', headers, body })
    } catch (error) {
      if (attempt >= ATTEMPTS)
        throw new CommandFailure(
          `POST ${url.href}: ${error instanceof Error ? error.message : String(error)}`,
        )
      await sleep(250 * 2 ** attempt)
      continue
    }
    const text = await response.text()
    if (response.ok) return
    const transient = response.status === 429 || response.status >= 500
    if (!transient || attempt >= ATTEMPTS)
      throw new CommandFailure(`POST ${url.href}: ${response.status} ${text.slice(0, 500)}`)
    await sleep(250 * 2 ** attempt)
  }
}

async function postAll(
  statements: Iterable<Statement>,
  target: Extract<SimulateTarget, { kind: 'endpoint' }>,
  progress: Progress,
): Promise<number> {
  const base = target.url.endsWith('/') ? target.url : `${target.url}/`
  const url = new URL('statements', base)
  const inFlight = new Set<Promise<void>>()
  let failure: unknown
  let done = 0
  for (const batch of inBatches(statements, target.batch)) {
    // Each request settles into the set; the first failure stops new requests.
    const request: Promise<void> = postBatch(target, url, batch).then(
      () => {
        done += batch.length
        progress.update(done)
        inFlight.delete(request)
      },
      (error: unknown) => {
        failure ??= error
        inFlight.delete(request)
      },
    )
    inFlight.add(request)
    if (inFlight.size >= target.concurrency) await Promise.race(inFlight)
    if (failure !== undefined) break
  }
  await Promise.all(inFlight)
  if (failure instanceof Error) throw failure
  if (failure !== undefined) throw new CommandFailure('a POST request failed')
  return done
}

async function writeAll(
  statements: Iterable<Statement>,
  stream: Writable,
  progress: Progress,
): Promise<number> {
  const writer = createLineWriter(stream)
  let done = 0
  for (const statement of statements) {
    if (writer.closed) break
    await writer.write(JSON.stringify(statement))
    done += 1
    if (done % 1000 === 0) progress.update(done)
  }
  await writer.flush()
  progress.update(done)
  return done
}

/** Generates the statements of `options` into `target`; progress and summary on `stderr`. */
export async function runSimulate(
  options: SimulationOptions,
  target: SimulateTarget,
  stderr: Terminal,
  hrExport?: string,
): Promise<number> {
  let simulation: Simulation
  try {
    simulation = createSimulation(options)
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message)
    throw error
  }
  const resolved = simulation.options
  const progress = createProgress(stderr, {
    label: 'simulate',
    unit: 'statements',
    totalItems: resolved.statements,
  })
  const started = Date.now()
  // The learners who appear (by their LMS account `u000123` or app email `….123@`).
  const seen = new Set<number>()
  function* tracked(): Generator<Statement, void, undefined> {
    for (const statement of simulation.statements()) {
      const actor = statement.actor
      const number =
        /^u(\d+)$/.exec(actor.account?.name ?? '')?.[1] ?? /\.(\d+)@/.exec(actor.mbox ?? '')?.[1]
      if (number !== undefined) seen.add(Number(number) - 1)
      yield statement
    }
  }
  const statements = hrExport === undefined ? simulation.statements() : tracked()
  let count: number
  if (target.kind === 'endpoint') count = await postAll(statements, target, progress)
  else if (target.kind === 'stream') count = await writeAll(statements, target.stream, progress)
  else {
    const file = createWriteStream(target.path)
    count = await writeAll(statements, file, progress)
    file.end()
    await finished(file)
  }
  progress.finish()
  if (hrExport !== undefined)
    await writeFile(
      hrExport,
      hrCsv([...seen].sort((a, b) => a - b).map((index) => simulation.hrRecord(index))),
    )
  const seconds = (Date.now() - started) / 1000
  const org = simulation.organisation
  stderr.write(
    `simulate: ${count} statements, seed '${resolved.seed}', ${resolved.learners} learners, ` +
      `${org.courses.length} courses of ${org.name}, ${resolved.days} days from ${resolved.start}, ` +
      `in ${seconds.toFixed(1)} s\n`,
  )
  return 0
}

function parseSimulate(args: readonly string[]): {
  options: SimulationOptions
  target: SimulateTarget | { kind: 'stdout' }
  hrExport: string | undefined
} {
  const { values } = parseCommandLine(
    args,
    {
      seed: { type: 'string' },
      statements: { type: 'string' },
      learners: { type: 'string' },
      courses: { type: 'string' },
      start: { type: 'string' },
      days: { type: 'string' },
      out: { type: 'string' },
      endpoint: { type: 'string' },
      key: { type: 'string' },
      secret: { type: 'string' },
      batch: { type: 'string' },
      concurrency: { type: 'string' },
      'xapi-version': { type: 'string' },
      'app-email-share': { type: 'string' },
      'hr-export': { type: 'string' },
    },
    { min: 0, max: 0 },
  )
  const options: SimulationOptions = {
    ...(values.seed === undefined ? {} : { seed: values.seed }),
    statements: integerOption('statements', values.statements, 1000, 0, 1e10),
    ...(values.learners === undefined
      ? {}
      : { learners: integerOption('learners', values.learners, 1, 1, 1e7) }),
    ...(values.courses === undefined
      ? {}
      : { courses: integerOption('courses', values.courses, 1, 1, 10_000) }),
    ...(values.start === undefined ? {} : { start: values.start }),
    ...(values.days === undefined ? {} : { days: Number(values.days) }),
    ...(values['app-email-share'] === undefined
      ? {}
      : { appEmailShare: Number(values['app-email-share']) }),
  }
  const hrExport = values['hr-export']
  if (values.endpoint !== undefined) {
    if (values.out !== undefined) throw new UsageError('--out and --endpoint exclude each other')
    if (values.key === undefined || values.secret === undefined)
      throw new UsageError('--endpoint needs --key and --secret')
    if (!URL.canParse(values.endpoint))
      throw new UsageError(`--endpoint: not a URL: ${values.endpoint}`)
    return {
      options,
      hrExport,
      target: {
        kind: 'endpoint',
        url: values.endpoint,
        key: values.key,
        secret: values.secret,
        batch: integerOption('batch', values.batch, 500, 1, 100_000),
        concurrency: integerOption('concurrency', values.concurrency, 1, 1, 64),
        version: values['xapi-version'] ?? '2.0.0',
      },
    }
  }
  return {
    options,
    hrExport,
    target: values.out === undefined ? { kind: 'stdout' } : { kind: 'file', path: values.out },
  }
}

export const simulateCommand: Command = defineCommand({
  name: 'simulate',
  usage: SIMULATE_USAGE,
  summary: 'generate realistic xAPI statements (JSONL file, stdout or an xAPI endpoint)',
  run({ args }) {
    const { options, target, hrExport } = parseSimulate(args)
    return runSimulate(
      options,
      target.kind === 'stdout' ? { kind: 'stream', stream: process.stdout } : target,
      process.stderr,
      hrExport,
    )
  },
})
