/** @module `almanac serve`: runs the LRS until SIGINT/SIGTERM, then drains and closes. */
import { serve as serveHttp } from '@hono/node-server'
import { createAlmanac } from '../../compose.js'
import type { Command } from '../command.js'

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the LRS (xAPI endpoint at http://HOST:PORT/xapi/)',
  async run({ config: loadConfig, logger, print }) {
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
    print(`Almanac LRS listening: xAPI endpoint http://${config.http.host}:${port}/xapi/`)
    logger.log('info', 'listening', { host: config.http.host, port, storage: config.storage.kind })

    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        logger.log('info', 'shutting down', { signal })
        // Stop accepting, let in-flight requests finish, then close the database.
        server.close(() => resolve())
      }
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
    await almanac.close()
    return 0
  },
}
