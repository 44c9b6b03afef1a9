/** @module The State, Activity Profile, Agent Profile, Agents and Activities resources (Communication §2.2–2.7). */
import type { Context, Hono } from 'hono'
import type {
  DocumentPreconditions,
  DocumentResource,
  DocumentResult,
  Lrs,
} from '../../core/lrs.js'
import type { AppEnv } from '../app-env.js'

const DOCUMENT_RESOURCES: readonly (readonly [path: string, resource: DocumentResource])[] = [
  ['/xapi/activities/state', 'state'],
  ['/xapi/activities/profile', 'activityProfile'],
  ['/xapi/agents/profile', 'agentProfile'],
]

/** Stored without a Content-Type, a document is opaque bytes (RFC 9110 §8.3). */
const DEFAULT_CONTENT_TYPE = 'application/octet-stream'

/** A header's value, or undefined when absent or blank. */
function header(c: Context<AppEnv>, name: string): string | undefined {
  const value = c.req.header(name)
  return value === undefined || value.trim() === '' ? undefined : value
}

function readPreconditions(c: Context<AppEnv>): DocumentPreconditions {
  const preconditions: DocumentPreconditions = {}
  const ifMatch = header(c, 'If-Match')
  const ifNoneMatch = header(c, 'If-None-Match')
  if (ifMatch !== undefined) preconditions.ifMatch = ifMatch
  if (ifNoneMatch !== undefined) preconditions.ifNoneMatch = ifNoneMatch
  return preconditions
}

/**
 * A document as stored: its bytes and Content-Type unchanged, the quoted SHA-1 ETag
 * (Communication §3.1, XAPI-00322) and Last-Modified (Communication §2.2 "Last Modified").
 */
function renderDocument(c: Context<AppEnv>, document: DocumentResult): Response {
  return c.body(new Uint8Array(document.content), 200, {
    'Content-Type': document.contentType,
    ETag: `"${document.etag}"`,
    'Last-Modified': new Date(document.updated).toUTCString(),
  })
}

export function registerDocumentRoutes(app: Hono<AppEnv>, lrs: Lrs): void {
  for (const [path, resource] of DOCUMENT_RESOURCES) {
    // HEAD is served by this route too: Hono runs it as a GET and drops the body (Communication §1.1).
    app.get(path, async (c) => {
      const result = await lrs.getDocument(c.get('ctx'), resource, c.req.query())
      return Array.isArray(result) ? c.json(result, 200) : renderDocument(c, result)
    })

    for (const mode of ['put', 'post'] as const) {
      app.on(mode.toUpperCase(), path, async (c) => {
        const body = {
          contentType: header(c, 'Content-Type') ?? DEFAULT_CONTENT_TYPE,
          content: new Uint8Array(await c.req.arrayBuffer()),
        }
        await lrs.writeDocument(
          c.get('ctx'),
          resource,
          mode,
          c.req.query(),
          body,
          readPreconditions(c),
        )
        return c.body(null, 204)
      })
    }

    app.delete(path, async (c) => {
      await lrs.deleteDocument(c.get('ctx'), resource, c.req.query(), readPreconditions(c))
      return c.body(null, 204)
    })
  }

  app.get('/xapi/agents', async (c) =>
    c.json(await lrs.getPerson(c.get('ctx'), c.req.query()), 200),
  )

  app.get('/xapi/activities', async (c) =>
    c.json(await lrs.getActivity(c.get('ctx'), c.req.query()), 200),
  )
}
