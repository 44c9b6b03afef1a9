/** @module Starts the built Almanac (`node dist/cli/main.js`) on a SQLite file loaded with simulated statements. */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const MAIN = join(ROOT, 'dist/cli/main.js')

export const ADMIN = { username: 'e2e-admin', password: 'e2e-password-1234' }
export const BOOTSTRAP = { key: 'e2e-key', secret: 'e2e-secret-123456' }

export interface E2eServer {
  origin: string
  output: string[]
  /** The course IRIs the simulated statements name as their object, sorted. */
  courses: readonly string[]
  stop(): Promise<void>
}

function run(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('exit', (code) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`almanac ${args[0]} exited ${code}:\n${output}`)),
    )
  })
}

export interface E2eOptions {
  /**
   * Import each statement as stored at its timestamp (the import keeps a given `stored`), so the
   * store's history spans the 60 days: retention has something to purge.
   */
  storedAtTimestamp?: boolean
}

/** Simulates `statements` statements over the last 60 days, imports them, and serves. */
export async function startE2eServer(
  statements: number,
  options: E2eOptions = {},
): Promise<E2eServer> {
  if (!existsSync(join(ROOT, 'dist/web/index.html')) || !existsSync(MAIN))
    throw new Error('build first: npm run build (npm run test:e2e does)')
  const dir = mkdtempSync(join(tmpdir(), 'almanac-e2e-'))
  const env = {
    ALMANAC_DATABASE_URL: join(dir, 'almanac.db'),
    ALMANAC_BOOTSTRAP_KEY: BOOTSTRAP.key,
    ALMANAC_BOOTSTRAP_SECRET: BOOTSTRAP.secret,
    ALMANAC_ADMIN_USERNAME: ADMIN.username,
    ALMANAC_ADMIN_PASSWORD: ADMIN.password,
    ALMANAC_HOST: '127.0.0.1',
    ALMANAC_PORT: '0',
  }
  const start = new Date(Date.now() - 60 * 86_400_000).toISOString().slice(0, 10)
  const file = join(dir, 'simulated.jsonl')
  await run(
    [
      'simulate',
      '--seed',
      'e2e',
      '--statements',
      String(statements),
      '--start',
      start,
      '--days',
      '59',
      '--out',
      file,
    ],
    env,
  )
  const simulated = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { object: { id?: string }; timestamp: string })
  const courses = [
    ...new Set(
      simulated.map((s) => s.object.id ?? '').filter((id) => /\/courses\/[^/]+$/.test(id)),
    ),
  ].sort()
  if (options.storedAtTimestamp === true) {
    const stored = simulated
      .map((s) => ({ ...s, stored: s.timestamp }))
      .sort((a, b) => Date.parse(a.stored) - Date.parse(b.stored))
    writeFileSync(file, stored.map((s) => JSON.stringify(s)).join('\n') + '\n')
  }
  await run(['import', file, '--store', '1'], env)

  const child: ChildProcess = spawn(process.execPath, [MAIN, 'serve'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const output: string[] = []
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`almanac serve did not start:\n${output.join('')}`)),
      60_000,
    )
    child.stdout?.on('data', (chunk: Buffer) => {
      output.push(chunk.toString())
      const found = /endpoint (http:\/\/[^/\s]+)\/xapi\//.exec(output.join(''))
      if (found?.[1] !== undefined) {
        clearTimeout(timer)
        resolve(found[1])
      }
    })
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()))
    void exited.then(() => reject(new Error(`almanac serve exited:\n${output.join('')}`)))
  })
  return {
    origin,
    output,
    courses,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))])
      if (child.exitCode === null) child.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** HTTP Basic for the xAPI endpoint. */
export function basic(key: string, secret: string): string {
  return 'Basic ' + Buffer.from(`${key}:${secret}`).toString('base64')
}

/** Posts statements to /xapi/ with the bootstrap credential (or another). */
export async function postStatements(
  origin: string,
  statements: unknown[],
  credential = BOOTSTRAP,
): Promise<Response> {
  return fetch(`${origin}/xapi/statements`, {
    method: 'POST',
    headers: {
      Authorization: basic(credential.key, credential.secret),
      'X-Experience-API-Version': '2.0.0',
      'Content-Type': 'application/json',
    },
    body: JSON.stringify(statements),
  })
}
