/** @module The request body limit (413), without building a web Request for bodies that declare their length. */
import type { MiddlewareHandler } from 'hono'
import { bodyLimit as streamingBodyLimit } from 'hono/body-limit'

/**
 * Answers 413 (through `onError`) for a body larger than `maxSize`. A body with a
 * Content-Length (and no Transfer-Encoding) is judged by that header alone, as Hono's
 * `bodyLimit` does, but without touching `c.req.raw.body`: on @hono/node-server that getter
 * builds a whole web Request and a ReadableStream over the socket, which the route's own
 * `arrayBuffer()` then does not need (it reads the IncomingMessage directly). Profiling
 * single-statement POSTs showed that conversion as the largest cost of the HTTP path. Node's
 * HTTP parser rejects a body longer than its Content-Length, so the header is binding. Chunked
 * bodies (no length) are counted as they stream, by Hono's middleware.
 */
export function bodyLimit(options: { maxSize: number; onError: () => never }): MiddlewareHandler {
  const streaming = streamingBodyLimit(options)
  return async (c, next) => {
    const length = c.req.header('Content-Length')
    if (length !== undefined && c.req.header('Transfer-Encoding') === undefined) {
      if (Number.parseInt(length, 10) > options.maxSize) options.onError()
      await next()
      return
    }
    // No declared length: a GET or HEAD has no body to count; anything else streams.
    if (c.req.method === 'GET' || c.req.method === 'HEAD') {
      await next()
      return
    }
    await streaming(c, next)
  }
}
