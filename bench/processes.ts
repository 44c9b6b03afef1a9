/** @module Child processes for the bench scripts: run a command, read a process's CPU time. */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** Runs a command to its end; resolves with its stdout, rejects on a non-zero exit. */
export function run(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')} exited ${code}`)),
    )
  })
}

/** CPU seconds (user + system) the process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command name.
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return 0
  }
}

/**
 * The arguments of `node` that start the server `cli` (a checkout's `dist/cli/main.js`) the way
 * that checkout's `npm start` does, with the Node.js flags of its package.json `start` script:
 * the bench starts servers as a user does, and a `--before` build as its own checkout did.
 */
export function serveArgs(cli: string): string[] {
  return [...startFlags(join(dirname(cli), '../..')), cli, 'serve']
}

function startFlags(root: string): string[] {
  try {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts?: { start?: string }
    }
    const words = manifest.scripts?.start?.split(/\s+/) ?? []
    return words.slice(words.indexOf('node') + 1).filter((word) => word.startsWith('--'))
  } catch {
    return []
  }
}

/**
 * Waits until every process in `pids` used no CPU over one `stepMs` step (its clock ticks are
 * 10 ms, so at most one tick), or `maxMs` passed; resolves with the ms waited. After a warm-up
 * the server still works off what the warm-up's statements left to do (the log consumers catch
 * up once ingest pauses); a timed case that starts before that ends is charged for it.
 */
export async function waitForIdle(
  pids: readonly number[],
  stepMs = 250,
  maxMs = 30_000,
): Promise<number> {
  const started = performance.now()
  let before = pids.map(cpuSeconds)
  while (performance.now() - started < maxMs) {
    await new Promise((resolve) => setTimeout(resolve, stepMs))
    const now = pids.map(cpuSeconds)
    if (now.every((cpu, i) => cpu - (before[i] ?? 0) <= 0.01)) break
    before = now
  }
  return Math.round(performance.now() - started)
}
