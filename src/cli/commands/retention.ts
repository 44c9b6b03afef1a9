/** @module `almanac retention`: a store's retention policy (keep statements / documents N days) and its purge. */
import { createPersonalDataUseCases } from '../../compose.js'
import type { RetentionView } from '../../core/personal-data/personal-data.js'
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
  'usage: almanac retention show --store N',
  '       almanac retention set --store N [--statement-days D|forever] [--document-days D|forever]',
  '       almanac retention purge --store N [--dry-run]',
  '',
  'The server applies the policy in the background (ALMANAC_RETENTION_INTERVAL_SECONDS);',
  'purge applies it now, --dry-run only says what would go.',
].join('\n')

const ACTIONS = ['show', 'set', 'purge']

function days(name: string, value: string | undefined): number | null | undefined {
  if (value === undefined) return undefined
  if (value === 'forever' || value === 'none') return null
  return positiveInteger(name, value)
}

function show(view: RetentionView): string {
  const keep = (d: number | null) => (d === null ? 'for ever' : `${d} days`)
  return `store ${view.storeId}: statements kept ${keep(view.statementDays)}, documents kept ${keep(view.documentDays)}`
}

export const retentionCommand: Command = defineCommand({
  usage: USAGE,
  name: 'retention',
  summary: 'retention policy of a store: retention show|set|purge --store N',
  run(context) {
    const [action, ...rest] = context.args
    if (action === undefined || !ACTIONS.includes(action))
      throw new UsageError(action === undefined ? 'which action?' : `unknown action '${action}'`)
    // The command line is checked before the database is opened: a typo costs nothing.
    const { values } = parseCommandLine(
      rest,
      {
        store: { type: 'string' },
        ...(action === 'set'
          ? { 'statement-days': { type: 'string' }, 'document-days': { type: 'string' } }
          : {}),
        ...(action === 'purge' ? { 'dry-run': { type: 'boolean' } } : {}),
      },
      { min: 0, max: 0 },
    )
    const text = (name: string) => stringValue(values, name)
    const store = positiveInteger('store', required('store', text('store'))) ?? 0
    const update = {
      statementDays: days('statement-days', text('statement-days')),
      documentDays: days('document-days', text('document-days')),
    }
    if (action === 'set' && update.statementDays === undefined && update.documentDays === undefined)
      throw new UsageError('set needs --statement-days or --document-days')
    const dryRun = 'dry-run' in values && values['dry-run'] === true
    return withAdmin(context, async (_admin, storage) => {
      const data = createPersonalDataUseCases(storage, context.config(), context.logger)
      if (action === 'show') {
        context.print(show(await data.getRetention(store)))
        return 0
      }
      if (action === 'set') {
        context.print(show(await data.setRetention('cli', store, update)))
        return 0
      }
      const report = await data.purge('cli', store, { dryRun })
      const range =
        report.oldestStored === undefined
          ? ''
          : ` (stored ${report.oldestStored} to ${report.newestStored ?? ''})`
      context.print(
        `${dryRun ? 'would purge' : 'purged'}: ${report.statements} statements${range}, ${report.documents} documents`,
      )
      return 0
    })
  },
})
