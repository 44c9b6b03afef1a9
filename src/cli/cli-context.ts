/** @module The identity the bulk commands (import, export) act as, and what they print on opening the database. */
import type { Almanac } from '../compose.js'
import type { RequestContext } from '../core/lrs.js'
import { isLrsError } from '../errors/lrs-error.js'
import type { XapiVersion } from '../xapi/versions.js'
import { CommandFailure } from './command-options.js'
import type { Terminal } from './progress-bar.js'

/**
 * A request context for a command run by the operator: full access to one store. Statements
 * imported without an `authority` get this one (an account named after the command on the
 * server's public URL), as a POST gives them its credential's (Data §2.4.9).
 */
export function cliRequestContext(
  command: string,
  storeId: number,
  publicUrl: string,
  version: XapiVersion,
): RequestContext {
  return {
    principal: {
      key: `almanac-${command}`,
      storeId,
      scopes: ['all'],
      authority: {
        objectType: 'Agent',
        name: `almanac ${command}`,
        account: { homePage: publicUrl, name: `almanac-${command}` },
      },
    },
    version,
  }
}

/**
 * Opening a new database creates its first credential (as `almanac serve` does); its secret is
 * shown only now, so a bulk command must show it too, or nobody ever could.
 */
export function announceGeneratedCredential(almanac: Almanac, terminal: Terminal): void {
  const credential = almanac.generatedCredential
  if (credential === undefined) return
  terminal.write(
    'No credential existed, so one was created. It is shown only this once:\n' +
      `  key:    ${credential.key}\n  secret: ${credential.secret}\n`,
  )
}

/** Fails unless store `storeId` exists: statements must not land in a store nobody can see. */
export async function requireStore(almanac: Almanac, storeId: number): Promise<void> {
  try {
    await almanac.admin.getStore(storeId)
  } catch (error) {
    if (isLrsError(error) && error.kind === 'NotFound')
      throw new CommandFailure(`there is no store ${storeId} (almanac store list shows them)`)
    throw error
  }
}
