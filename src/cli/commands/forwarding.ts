/** @module `almanac forwarding`: a store's forwarding targets (another LRS, a webhook), their status, pause, resume, replay. */
import { parseArgs } from 'node:util'
import { createForwardingUseCases } from '../../compose.js'
import type { TargetStatus } from '../../core/forwarding/forwarding.js'
import type { Command } from '../command.js'
import { defineCommand, positiveInteger, required, UsageError } from '../command-options.js'
import { withAdmin } from '../with-admin.js'

const USAGE = [
  'usage: almanac forwarding list --store N',
  '       almanac forwarding add-lrs --store N --name NAME --url https://lrs/xapi --username U --password P',
  '                 [--xapi-version 2.0.0|1.0.3] [--filter JSON] [--batch-size B] [--max-failures F] [--start-at now|beginning|TIME]',
  '       almanac forwarding add-webhook --store N --name NAME --url https://hook [--filter JSON] …',
  '       almanac forwarding show|pause|resume|delete --store N --target T',
  '       almanac forwarding replay --store N --target T --from ISO-TIME',
  '',
  'A running server picks changes up within ALMANAC_FORWARDING_REFRESH_MS.',
  'A filter: {"verbs":[…],"activities":[…],"activityPrefixes":[…],"actors":[{"mbox":…}],"platforms":[…]}',
].join('\n')

function describe(t: TargetStatus): string[] {
  return [
    `target ${t.id} (${t.kind}) ${t.name} -> ${t.url} [${t.state}]`,
    `  cursor ${t.cursor} of ${t.watermark}, lag ${t.lag.seqs} seqs / ${t.lag.seconds.toFixed(1)} s`,
    `  delivered ${t.counts.delivered} in ${t.counts.batches} batches, ${t.counts.failures} failed attempts` +
      ` (${t.consecutiveFailures} in a row); last success ${t.lastSuccessAt ?? 'never'}`,
    ...(t.lastError === null ? [] : [`  last error at ${t.lastErrorAt ?? ''}: ${t.lastError}`]),
  ]
}

export const forwardingCommand: Command = defineCommand({
  usage: USAGE,
  name: 'forwarding',
  summary: 'forward statements to another LRS or a webhook: forwarding list|add-lrs|add-webhook|…',
  run(context) {
    return withAdmin(context, async (_admin, storage) => {
      const [action, ...rest] = context.args
      const { values } = parseArgs({
        args: rest,
        options: {
          store: { type: 'string' },
          target: { type: 'string' },
          name: { type: 'string' },
          url: { type: 'string' },
          username: { type: 'string' },
          password: { type: 'string' },
          'xapi-version': { type: 'string' },
          filter: { type: 'string' },
          'batch-size': { type: 'string' },
          'max-failures': { type: 'string' },
          'start-at': { type: 'string' },
          from: { type: 'string' },
        },
        strict: true,
      })
      const store = positiveInteger('store', required('store', values.store)) ?? 0
      const forwarding = createForwardingUseCases(storage, context.logger)
      const target = () => positiveInteger('target', required('target', values.target)) ?? 0
      const print = (t: TargetStatus) => describe(t).forEach((line) => context.print(line))
      switch (action) {
        case 'list': {
          const targets = await forwarding.listTargets(store)
          if (targets.length === 0) context.print(`store ${store}: no forwarding targets`)
          targets.forEach(print)
          return 0
        }
        case 'add-lrs':
        case 'add-webhook': {
          let filter: unknown
          if (values.filter !== undefined)
            try {
              filter = JSON.parse(values.filter)
            } catch {
              throw new UsageError('--filter must be JSON')
            }
          const created = await forwarding.createTarget('cli', store, {
            name: required('name', values.name),
            kind: action === 'add-lrs' ? 'lrs' : 'webhook',
            url: required('url', values.url),
            username: values.username,
            password: values.password,
            xapiVersion: values['xapi-version'],
            filter: filter as never,
            batchSize: positiveInteger('batch-size', values['batch-size']),
            maxFailures: positiveInteger('max-failures', values['max-failures']),
            startAt: values['start-at'],
          })
          print(created.target)
          if (created.secret !== undefined)
            context.print(`  webhook secret (shown only this once): ${created.secret}`)
          return 0
        }
        case 'show':
          print(await forwarding.getTarget(store, target()))
          return 0
        case 'pause':
          print(await forwarding.pause('cli', store, target()))
          return 0
        case 'resume':
          print(await forwarding.resume('cli', store, target()))
          return 0
        case 'delete':
          await forwarding.deleteTarget('cli', store, target())
          context.print(`target ${values.target ?? ''} deleted`)
          return 0
        case 'replay':
          print(await forwarding.replay('cli', store, target(), required('from', values.from)))
          return 0
        default:
          throw new UsageError(
            action === undefined ? 'which action?' : `unknown action '${action}'`,
          )
      }
    })
  },
})
