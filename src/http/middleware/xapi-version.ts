/** @module Version negotiation middleware (Communication §3.3): reads, enforces and echoes the version. */
import { hash } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { LATEST_VERSION, parseVersionHeader, type XapiVersion } from '../../xapi/versions.js'
import type { AppEnv } from '../app-env.js'

export const VERSION_HEADER = 'X-Experience-API-Version'

/**
 * Remembers which version each client (by its Authorization header, hashed) last spoke, so
 * that the answer to a request without a usable version header is labelled with the version
 * that client uses: a 1.0.3 client is told "1.0.3", a 2.0 client "2.0.0". Purely a label on
 * an error answer; bounded, per process, and safe to lose.
 */
export interface VersionMemory {
  remember(authorization: string | undefined, version: XapiVersion): void
  recall(authorization: string | undefined): XapiVersion | undefined
}

export function createVersionMemory(maxClients = 10_000): VersionMemory {
  const versions = new Map<string, XapiVersion>()
  // One-shot `hash` (Node ≥ 20.12): a fifth of `createHash`'s cost for a short input; this
  // runs on every request (issue 14, CPU per single-statement POST).
  const keyOf = (authorization: string) => hash('sha256', authorization, 'base64')
  return {
    remember(authorization, version) {
      if (authorization === undefined) return
      const key = keyOf(authorization)
      if (versions.get(key) === version) return
      if (versions.size >= maxClients) versions.clear()
      versions.set(key, version)
    },
    recall(authorization) {
      return authorization === undefined ? undefined : versions.get(keyOf(authorization))
    },
  }
}

/**
 * Every xAPI response carries `X-Experience-API-Version` (XAPI-00314). A request without a usable
 * version is rejected with 400 (XAPI-00331), except on `/about`, which answers with the latest.
 * The header is set before the handler runs so that error responses carry it too.
 */
export function xapiVersion(options: {
  optional: boolean
  memory: VersionMemory
}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header(VERSION_HEADER)
    if (options.optional && (header === undefined || header.trim() === '')) {
      c.header(VERSION_HEADER, LATEST_VERSION)
      c.set('version', LATEST_VERSION)
      return next()
    }
    let version: XapiVersion
    try {
      version = parseVersionHeader(header)
    } catch (error) {
      // The error answer is labelled with the version this client last spoke (the memory is
      // asked only here: a request with a usable version is labelled with that one).
      c.header(
        VERSION_HEADER,
        options.memory.recall(c.req.header('Authorization')) ?? LATEST_VERSION,
      )
      throw error
    }
    c.header(VERSION_HEADER, version)
    c.set('version', version)
    return next()
  }
}
