/** @module `almanac people`: import people from an HR/LMS export (CSV or JSON), or list them. */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { parsePeopleFile, peopleFileFormat } from '../../analytics/people/people-file.js'
import { createPeople, type ImportChange } from '../../analytics/people/people.js'
import type { Command } from '../command.js'
import {
  CommandFailure,
  defineCommand,
  positiveInteger,
  required,
  UsageError,
} from '../command-options.js'
import { withAdmin } from '../with-admin.js'

const USAGE = [
  'usage: almanac people import --store N FILE [--dry-run] [--format csv|json]',
  '       almanac people list --store N [--search TEXT] [--cohort N]',
  '',
  'import: reads a CSV (header line: identifiers, email, account_homepage, account_name, name,',
  'role, team, org_unit, manager, location, start_date; other columns are custom fields) or JSON',
  'export. A row lands on the person owning one of its identifiers (several: merged) or a new',
  'person; non-empty values replace attributes. Running it twice changes nothing the second time.',
  '--dry-run prints what would change and writes nothing. docs/people.md has the details.',
].join('\n')

function describeChange(change: ImportChange): string {
  const who = change.person === undefined ? 'new person' : `person ${change.person}`
  const parts = [`row ${change.row}: ${change.action}`]
  if (change.action === 'skip') return `${parts[0]} (${change.reason ?? ''})`
  parts.push(who, change.identifiers.join(' '))
  const changed = Object.entries(change.changes).map(
    ([k, v]) => `${k}: ${v.from ?? '∅'} → ${v.to ?? '∅'}`,
  )
  if (changed.length > 0) parts.push(changed.join(', '))
  if (change.merged.length > 0) parts.push(`merges person ${change.merged.join(', ')}`)
  return parts.join(' · ')
}

export const peopleCommand: Command = defineCommand({
  usage: USAGE,
  name: 'people',
  summary: 'people import --store N FILE [--dry-run] | people list --store N',
  run(context) {
    return withAdmin(context, async (_admin, storage) => {
      const [action, ...rest] = context.args
      const { values, positionals } = parseArgs({
        args: rest,
        options: {
          store: { type: 'string' },
          'dry-run': { type: 'boolean' },
          format: { type: 'string' },
          search: { type: 'string' },
          cohort: { type: 'string' },
        },
        allowPositionals: true,
        strict: true,
      })
      const store = positiveInteger('store', required('store', values.store)) ?? 0
      await storage.admin.findStore(store).then((found) => {
        if (found === undefined)
          throw new CommandFailure(`there is no store ${store} (almanac store list shows them)`)
      })
      const people = createPeople(storage.log)
      if (action === 'import') {
        const [file, ...extra] = positionals
        if (file === undefined || extra.length > 0)
          throw new UsageError('name exactly one FILE to import')
        if (values.format !== undefined && values.format !== 'csv' && values.format !== 'json')
          throw new UsageError('--format must be csv or json')
        let text: string
        try {
          text = await readFile(file, 'utf8')
        } catch (error) {
          throw new CommandFailure(`cannot read ${file}: ${(error as Error).message}`)
        }
        const format = values.format ?? peopleFileFormat(text, file)
        const dryRun = values['dry-run'] === true
        const result = await people.import(store, parsePeopleFile(text, format), { dryRun })
        for (const change of result.changes)
          if (dryRun || change.action !== 'unchanged') context.print(describeChange(change))
        const s = result.summary
        context.print(
          `${dryRun ? 'dry run (nothing written): would ' : ''}create ${s.create}, update ${s.update}, merge ${s.merge}; ${s.unchanged} unchanged, ${s.skip} skipped`,
        )
        return 0
      }
      if (action === 'list') {
        if (positionals.length > 0) throw new UsageError('list takes no FILE')
        const cohort =
          values.cohort === undefined ? undefined : positiveInteger('cohort', values.cohort)
        const page = await people.list(store, {
          ...(values.search === undefined ? {} : { search: values.search }),
          ...(cohort === undefined ? {} : { cohort }),
          limit: 10_000,
          offset: 0,
        })
        for (const p of page.people)
          context.print(
            [
              p.id,
              p.attributes.name ?? '',
              p.attributes.role ?? '',
              p.attributes.team ?? '',
              p.identifiers.join(' '),
            ].join('\t'),
          )
        context.print(`${page.total} people`)
        return 0
      }
      throw new UsageError(`unknown action '${action ?? ''}': import or list`)
    })
  },
})
