/** @module `almanac retention`: a store's retention policy (keep statements / documents N days) and its purge. */
import { parseArgs } from 'node:util'
import { createPersonalDataUseCases } from '../../compose.js'
import type { RetentionView } from '../../core/personal-data/personal-data.js'
import type { Command } from '../command.js'
import { defineCommand, positiveInteger, required, UsageError } from '../command-options.js'
import { withAdmin } from '../with-admin.js'

const USAGE = [
  'usage: almanac retention show --store N',
  '       almanac retention set --store N [--statement-days D|forever] [--document-days D|forever]',
  '       almanac retention purge --store N [--dry-run]',
  '',
  'The server applies the policy in the background (ALMANAC_RETENTION_INTERVAL_SECONDS);',
  'purge applies it now, --dry-run only says what would go.',
].join('\n')

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
    return withAdmin(context, async (_admin, storage) => {
      const [action, ...rest] = context.args
      const { values } = parseArgs({
        args: rest,
        options: {
          store: { type: 'string' },
          'statement-days': { type: 'string' },
          'document-days': { type: 'string' },
          'dry-run': { type: 'boolean' },
        },
        strict: true,
      })
      const store = positiveInteger('store', required('store', values.store)) ?? 0
      const data = createPersonalDataUseCases(storage, context.config(), context.logger)
      if (action === 'show') {
        context.print(show(await data.getRetention(store)))
        return 0
      }
      if (action === 'set') {
        const update = {
          statementDays: days('statement-days', values['statement-days']),
          documentDays: days('document-days', values['document-days']),
        }
        if (update.statementDays === undefined && update.documentDays === undefined)
          throw new UsageError('set needs --statement-days or --document-days')
        context.print(show(await data.setRetention('cli', store, update)))
        return 0
      }
      if (action === 'purge') {
        const dryRun = values['dry-run'] === true
        const report = await data.purge('cli', store, { dryRun })
        const range =
          report.oldestStored === undefined
            ? ''
            : ` (stored ${report.oldestStored} to ${report.newestStored ?? ''})`
        context.print(
          `${dryRun ? 'would purge' : 'purged'}: ${report.statements} statements${range}, ${report.documents} documents`,
        )
        return 0
      }
      throw new UsageError(action === undefined ? 'which action?' : `unknown action '${action}'`)
    })
  },
})
