/** @module `almanac forwarding`: a store's forwarding targets (another LRS, a webhook), their status, pause, resume, replay. */
import { createForwardingUseCases } from '../../compose.js'
import type { TargetStatus } from '../../core/forwarding/forwarding.js'
import type { Command } from '../command.js'
import {
  defineCommand,
  parseCommandLine,
  positiveInteger,
  required,
  stringValue,
  UsageError,
} from '../command-options.js'
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

const ACTIONS = ['list', 'add-lrs', 'add-webhook', 'show', 'pause', 'resume', 'delete', 'replay']

/** The options each action takes (besides --store): any other is a usage error. */
function optionsOf(action: string) {
  const text = { type: 'string' } as const
  const definition = {
    name: text,
    url: text,
    filter: text,
    'batch-size': text,
    'max-failures': text,
    'start-at': text,
  }
  if (action === 'add-lrs')
    return { ...definition, username: text, password: text, 'xapi-version': text }
  if (action === 'add-webhook') return definition
  if (action === 'replay') return { target: text, from: text }
  if (action === 'list') return {}
  return { target: text }
}

export const forwardingCommand: Command = defineCommand({
  usage: USAGE,
  name: 'forwarding',
  summary: 'forward statements to another LRS or a webhook: forwarding list|add-lrs|add-webhook|…',
  run(context) {
    const [action, ...rest] = context.args
    if (action === undefined || !ACTIONS.includes(action))
      throw new UsageError(action === undefined ? 'which action?' : `unknown action '${action}'`)
    // The command line is checked before the database is opened: a typo costs nothing.
    const { values } = parseCommandLine(
      rest,
      { store: { type: 'string' }, ...optionsOf(action) },
      { min: 0, max: 0 },
    )
    const option = (name: string) => stringValue(values, name)
    const store = positiveInteger('store', required('store', values.store)) ?? 0
    const target =
      action === 'list' || action.startsWith('add-')
        ? 0
        : (positiveInteger('target', required('target', option('target'))) ?? 0)
    let filter: unknown
    const filterText = option('filter')
    if (filterText !== undefined)
      try {
        filter = JSON.parse(filterText)
      } catch {
        throw new UsageError('--filter must be JSON')
      }
    const from = action === 'replay' ? required('from', option('from')) : ''
    const batchSize = positiveInteger('batch-size', option('batch-size'))
    const maxFailures = positiveInteger('max-failures', option('max-failures'))
    return withAdmin(context, async (_admin, storage) => {
      const forwarding = createForwardingUseCases(storage, context.logger)
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
          const created = await forwarding.createTarget('cli', store, {
            name: required('name', option('name')),
            kind: action === 'add-lrs' ? 'lrs' : 'webhook',
            url: required('url', option('url')),
            username: option('username'),
            password: option('password'),
            xapiVersion: option('xapi-version'),
            filter: filter as never,
            batchSize,
            maxFailures,
            startAt: option('start-at'),
          })
          print(created.target)
          if (created.secret !== undefined)
            context.print(`  webhook secret (shown only this once): ${created.secret}`)
          return 0
        }
        case 'show':
          print(await forwarding.getTarget(store, target))
          return 0
        case 'pause':
          print(await forwarding.pause('cli', store, target))
          return 0
        case 'resume':
          print(await forwarding.resume('cli', store, target))
          return 0
        case 'delete':
          await forwarding.deleteTarget('cli', store, target)
          context.print(`target ${target} deleted`)
          return 0
        default:
          print(await forwarding.replay('cli', store, target, from))
          return 0
      }
    })
  },
})
