/** @module The real `almanac` CLI (src/cli/main.ts under tsx) in a child process, for the CLI tests. */
import { spawnSync } from 'node:child_process'

export interface CliResult {
  /** The exit code; null when the child was killed (its timeout). */
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs `almanac …args` on the SQLite file `db`, with only PATH inherited, and `env` added. A fixed
 * bootstrap credential: no generated one is announced on stderr.
 */
export function runAlmanac(
  db: string,
  args: readonly string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): CliResult {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8',
    env: {
      PATH: process.env['PATH'] ?? '',
      ALMANAC_DATABASE_URL: db,
      ALMANAC_BOOTSTRAP_KEY: 'cli-key',
      ALMANAC_BOOTSTRAP_SECRET: 'cli-secret-123',
      ...options.env,
    },
    timeout: options.timeoutMs ?? 60_000,
  })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}
