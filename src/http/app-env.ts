/** @module The Hono environment shared by every xAPI route: what middleware puts on the context. */
import type { RequestContext } from '../core/lrs.js'
import type { XapiVersion } from '../xapi/versions.js'
import type { RequestObservation } from './middleware/observe-requests.js'

/** Variables set by the xAPI middleware before any route runs. */
export interface AppEnv {
  Bindings: {
    /** Set on a request rebuilt from the alternate request syntax, so it is not rewritten twice. */
    almanacAlternateSyntax?: true
    /** The outer request's observation, passed to a request rebuilt from the alternate syntax. */
    almanacObservation?: RequestObservation
  }
  Variables: {
    /** The negotiated version, also echoed in `X-Experience-API-Version`. */
    version: XapiVersion
    /** The authenticated caller and version; set on every route except `/about`. */
    ctx: RequestContext
    /** The request id and what the error renderer noted; set first, on every route. */
    observation: RequestObservation
  }
}
