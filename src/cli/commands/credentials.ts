/** @module `almanac credentials create|list|revoke|enable|rotate`: the credentials xAPI clients use. */
import { parseArgs } from 'node:util'
import type { CredentialView, IssuedCredential } from '../../core/admin/admin.js'
import { XAPI_SCOPES } from '../../core/auth/scopes.js'
import type { CommandContext, Command } from '../command.js'
import { withAdmin } from '../with-admin.js'
import { UsageError, positiveInteger, required, defineCommand } from '../command-options.js'

const USAGE = [
  'usage: almanac credentials create --store ID --name NAME [--scopes a,b] [--rate-limit N] [--max-body-bytes N]',
  '       almanac credentials list --store ID',
  '       almanac credentials revoke KEY     (disable; enable KEY undoes it)',
  '       almanac credentials rotate KEY     (a new secret; the old one stops working)',
  '',
  `scopes (xAPI Communication §4.2): ${XAPI_SCOPES.join(', ')}`,
  'without --scopes a credential gets statements/write,statements/read/mine',
].join('\n')

function storeOption(value: string | undefined): number {
  const id = positiveInteger('store', required('store', value))
  return id ?? 0
}

/** The secret is printed here and never again: only its hash is stored. */
function printIssued(context: CommandContext, issued: IssuedCredential, what: string): void {
  const { credential, secret } = issued
  context.print(
    `${what} for store ${credential.storeId} (${credential.name}), scopes ${credential.scopes.join(',')}`,
  )
  context.print('The secret is shown only this once; store it now:')
  context.print(`  key:    ${credential.key}`)
  context.print(`  secret: ${secret}`)
}

function describe(credential: CredentialView): string {
  const limits = [
    credential.rateLimitPerMinute === null ? '' : `${credential.rateLimitPerMinute}/min`,
    credential.maxBodyBytes === null ? '' : `${credential.maxBodyBytes} B`,
  ]
    .filter((l) => l !== '')
    .join(' ')
  return [
    credential.key,
    credential.name,
    credential.scopes.join(','),
    credential.enabled ? 'enabled' : 'disabled',
    credential.lastUsedAt ?? 'never',
    limits === '' ? '-' : limits,
  ].join('\t')
}

function keyArgument(rest: readonly string[]): string {
  const { positionals } = parseArgs({
    args: [...rest],
    options: {},
    allowPositionals: true,
    strict: true,
  })
  if (positionals.length !== 1 || positionals[0] === undefined)
    throw new UsageError('expects one credential KEY')
  return positionals[0]
}

export const credentialsCommand: Command = defineCommand({
  name: 'credentials',
  usage: USAGE,
  summary: 'manage xAPI credentials: credentials create|list|revoke|enable|rotate',
  run(context) {
    return withAdmin(context, async (admin) => {
      const [action, ...rest] = context.args
      switch (action) {
        case 'create': {
          const { values } = parseArgs({
            args: rest,
            options: {
              store: { type: 'string' },
              name: { type: 'string' },
              scopes: { type: 'string' },
              'rate-limit': { type: 'string' },
              'max-body-bytes': { type: 'string' },
            },
            strict: true,
          })
          const issued = await admin.createCredential('cli', storeOption(values.store), {
            name: required('name', values.name),
            scopes: (values.scopes ?? '')
              .split(',')
              .map((s) => s.trim())
              .filter((s) => s !== ''),
            rateLimitPerMinute: positiveInteger('rate-limit', values['rate-limit']),
            maxBodyBytes: positiveInteger('max-body-bytes', values['max-body-bytes']),
          })
          printIssued(context, issued, 'credential created')
          return 0
        }
        case 'list': {
          const { values } = parseArgs({
            args: rest,
            options: { store: { type: 'string' } },
            strict: true,
          })
          const credentials = await admin.listCredentials(storeOption(values.store))
          context.print('key\tname\tscopes\tstate\tlast used\tlimits')
          for (const credential of credentials) context.print(describe(credential))
          return 0
        }
        case 'revoke':
        case 'enable': {
          const key = keyArgument(rest)
          await admin.updateCredential('cli', key, { enabled: action === 'enable' })
          context.print(
            `credential ${key} ${action === 'enable' ? 'enabled' : 'revoked (disabled)'}`,
          )
          return 0
        }
        case 'rotate': {
          printIssued(
            context,
            await admin.rotateCredential('cli', keyArgument(rest)),
            'secret rotated',
          )
          return 0
        }
        default:
          throw new UsageError(
            action === undefined ? 'which action?' : `unknown action '${action}'`,
          )
      }
    })
  },
})
