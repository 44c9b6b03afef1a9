/** @module What every use case receives from the composition root. */
import type { Storage } from '../storage/ports.js'

/** Limits core enforces itself (HTTP enforces body size). */
export interface CoreLimits {
  /** The largest `limit` a statement query may ask for; also the default when `limit=0`. */
  readonly maxStatementsPerPage: number
}

export interface CoreDeps {
  readonly storage: Storage
  readonly limits: CoreLimits
  /** The public base of the xAPI endpoint, e.g. `/xapi`, used to build `more` IRLs. */
  readonly xapiBasePath: string
  /** The IRI used as homePage of credential authorities (`account.homePage`). */
  readonly authorityHomePage: string
}
