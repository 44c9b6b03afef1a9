/** @module Runs the real `almanac` command (from the TypeScript source, through tsx) as child processes. */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const CLI = ['--import', 'tsx', 'src/cli/main.ts']

/** How long a process may take to start (tsx compiles the sources on the way). */
const START_TIMEOUT_MS = 60_000

export interface AlmanacProcess {
  /** `http://127.0.0.1:PORT`, where the process listens. */
  readonly origin: string
  readonly child: ChildProcess
  /** Everything it wrote to stdout and stderr, for failure messages. */
  readonly output: string[]
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number | null>
  /** Sends SIGTERM (a graceful stop) and waits for the exit code. */
  stop(): Promise<number | null>
}

function almanac(args: readonly string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [...CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode)
    else child.once('exit', (code) => resolve(code))
  })
}

/** Runs `almanac <args>` to the end. */
export async function runAlmanac(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const child = almanac(args, env)
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const code = await exitOf(child)
  return { code, output }
}

/** Starts `almanac serve` on a free port and resolves once it listens. */
export async function startAlmanac(env: Record<string, string>): Promise<AlmanacProcess> {
  const child = almanac(['serve'], { ALMANAC_HOST: '127.0.0.1', ALMANAC_PORT: '0', ...env })
  const output: string[] = []
  const exited = exitOf(child)
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`almanac serve did not start:\n${output.join('')}`))
    }, START_TIMEOUT_MS)
    const read = (chunk: Buffer): void => {
      output.push(chunk.toString())
      const listening = /endpoint (http:\/\/[^/\s]+)\/xapi\//.exec(output.join(''))
      if (listening?.[1] !== undefined) {
        clearTimeout(timer)
        resolve(listening[1])
      }
    }
    child.stdout?.on('data', read)
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()))
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`almanac serve exited with ${code}:\n${output.join('')}`))
    })
  })
  return {
    origin,
    child,
    output,
    exited,
    stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      return exited
    },
  }
}
