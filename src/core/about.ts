/** @module The About resource (Communication §2.8). */
import { SUPPORTED_VERSIONS } from '../xapi/versions.js'
import type { AboutResource } from './lrs.js'

/** Every version served, and what this LRS is; extension keys are IRIs as §2.8 requires. */
export function about(productVersion: string): AboutResource {
  return {
    version: [...SUPPORTED_VERSIONS],
    extensions: {
      'https://almanac-lrs.org/xapi/about/product': { name: 'Almanac', version: productVersion },
    },
  }
}
