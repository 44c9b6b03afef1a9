/** @module Operations endpoints outside /xapi and /api: liveness, readiness and Prometheus metrics. */
import { timingSafeEqual } from 'node:crypto'
import type { Hono } from 'hono'
import { UnauthorizedError } from '../../errors/errors.js'
import type { Metrics } from '../../observability/metrics.js'
import type { AppEnv } from '../app-env.js'
import { bearerToken } from '../middleware/admin-session.js'

/** One readiness check: passed or not, and why not. */
export interface ReadinessCheck {
  readonly ok: boolean
  readonly detail?: string
}

/** The answer of `/readyz`: ready only when every check passed. */
export interface Readiness {
  readonly ready: boolean
  readonly checks: Readonly<Record<string, ReadinessCheck>>
}

export interface OpsDeps {
  /** Database reachable, migrations applied, not shutting down (compose.ts). */
  readonly readiness: () => Promise<Readiness>
  readonly metrics: Metrics
  /** When set, `/metrics` requires `Authorization: Bearer <token>`. */
  readonly metricsToken: string | undefined
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * `/healthz` answers 200 while the process runs its event loop (a liveness probe: restart me if
 * not); `/readyz` answers 503 while a dependency is missing or the process is draining (a
 * readiness probe: send me no traffic). Neither needs credentials nor reveals data.
 */
export function registerOpsRoutes(app: Hono<AppEnv>, deps: OpsDeps): void {
  app.get('/healthz', (c) => {
    c.header('Cache-Control', 'no-store')
    return c.json({ status: 'alive' }, 200)
  })

  app.get('/readyz', async (c) => {
    const readiness = await deps.readiness()
    c.header('Cache-Control', 'no-store')
    return c.json(
      { status: readiness.ready ? 'ready' : 'not ready', checks: readiness.checks },
      readiness.ready ? 200 : 503,
    )
  })

  app.get('/metrics', async (c) => {
    const expected = deps.metricsToken
    if (expected !== undefined) {
      const given = bearerToken(c.req.header('Authorization'))
      if (given === undefined || !sameToken(given, expected)) {
        c.header('WWW-Authenticate', 'Bearer realm="Almanac metrics"')
        throw UnauthorizedError('GET /metrics needs Authorization: Bearer <ALMANAC_METRICS_TOKEN>')
      }
    }
    const { contentType, body } = await deps.metrics.render()
    c.header('Cache-Control', 'no-store')
    return c.body(body, 200, { 'Content-Type': contentType })
  })
}
