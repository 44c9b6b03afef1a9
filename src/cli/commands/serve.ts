/** @module `almanac serve`: runs the LRS until SIGINT/SIGTERM, then drains and closes. */
import type { Server } from 'node:http'
import { serve as serveHttp } from '@hono/node-server'
import { createAlmanac } from '../../compose.js'
import type { Logger } from '../../observability/logger.js'
import type { Command } from '../command.js'
import { defineCommand, parseCommandLine } from '../command-options.js'

/** How often a draining server closes the keep-alive connections that fell idle. */
const IDLE_SWEEP_MS = 50

/**
 * Stops accepting connections and waits for the requests in flight, at most `timeoutMs`:
 * `server.close()` refuses new connections and closes the idle ones; a connection busy with a
 * request is closed as soon as its answer is written (a sweep, since keep-alive would keep it
 * open), so a client never sees its request cut. At the deadline the rest are cut.
 */
async function drain(server: Server, timeoutMs: number, logger: Logger): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS)
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<true>((resolve) => {
    timer = setTimeout(() => resolve(true), timeoutMs)
  })
  const late = await Promise.race([closed.then(() => false), timedOut])
  clearInterval(sweep)
  clearTimeout(timer)
  if (late) {
    logger.log('warn', 'requests still running at the shutdown deadline were cut', { timeoutMs })
    server.closeAllConnections()
    await closed
  }
}

const USAGE = `usage: almanac serve

Runs the LRS until SIGINT or SIGTERM: the xAPI endpoint at http://HOST:PORT/xapi/ and the admin
API under /api/. Every setting comes from the environment (ALMANAC_PORT, ALMANAC_HOST,
ALMANAC_DATABASE_URL, …; see README.md). Migrates the database at start.`

export const serveCommand: Command = defineCommand({
  name: 'serve',
  usage: USAGE,
  summary: 'run the LRS (xAPI endpoint at http://HOST:PORT/xapi/)',
  async run({ args, config: loadConfig, logger, print }) {
    parseCommandLine(args, {}, { min: 0, max: 0 })
    const config = loadConfig()
    const almanac = await createAlmanac(config, logger, { background: true })
    if (almanac.generatedCredential !== undefined) {
      const { key, secret } = almanac.generatedCredential
      print('No credential existed, so one was created. It is shown only this once:')
      print(`  key:    ${key}`)
      print(`  secret: ${secret}`)
    }
    const server = serveHttp({
      fetch: almanac.app.fetch,
      port: config.http.port,
      hostname: config.http.host,
    })
    // Idle keep-alive connections outlive a load balancer's (commonly 60 s), so the proxy, not
    // Almanac, closes them: a server closing first races with a request already on its way.
    if ('keepAliveTimeout' in server) {
      server.keepAliveTimeout = 65_000
      server.headersTimeout = 66_000
    }
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve)
      server.once('error', reject)
    })
    const address = server.address()
    const port = typeof address === 'object' && address !== null ? address.port : config.http.port
    const base = `http://${config.http.host}:${port}`
    const noAdmin = (await almanac.admin.listAccounts()).length === 0
    print(`Almanac LRS listening: xAPI endpoint ${base}/xapi/`)
    print(`Web console: ${base}/`)
    if (noAdmin) {
      print('No admin account exists yet, so nobody can sign in to the console. Create one with')
      print('  npx almanac admin create --username YOU      (asks for a password), or start with')
      print('  ALMANAC_ADMIN_USERNAME=YOU ALMANAC_ADMIN_PASSWORD=<12+ characters> npm start')
    }
    logger.log('info', 'listening', { host: config.http.host, port, storage: config.storage.kind })

    const signal = await new Promise<string>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    // A second signal while draining is not fatal (orchestrators resend); SIGKILL is the hard stop.
    const again = (repeat: string) =>
      logger.log('warn', 'already shutting down', { signal: repeat })
    process.on('SIGINT', again)
    process.on('SIGTERM', again)
    const timeoutMs = config.http.shutdownTimeoutMs
    logger.log('info', 'shutting down', { signal, timeoutMs })
    // Readiness fails first, so a load balancer stops sending; then stop accepting and let the
    // requests in flight finish (the console's live tails end now: they never finish by
    // themselves); then stop background work and close the database.
    almanac.beginShutdown()
    almanac.endStreams()
    await drain(server as Server, timeoutMs, logger)
    await almanac.close()
    logger.log('info', 'stopped', { signal })
    return 0
  },
})
