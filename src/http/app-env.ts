/** @module The Hono environment shared by every xAPI route: what middleware puts on the context. */
import type { RequestContext } from '../core/lrs.js'
import type { XapiVersion } from '../xapi/versions.js'

/** Variables set by the xAPI middleware before any route runs. */
export interface AppEnv {
  Bindings: {
    /** Set on a request rebuilt from the alternate request syntax, so it is not rewritten twice. */
    almanacAlternateSyntax?: true
  }
  Variables: {
    /** The negotiated version, also echoed in `X-Experience-API-Version`. */
    version: XapiVersion
    /** The authenticated caller and version; set on every route except `/about`. */
    ctx: RequestContext
  }
}
