/** @module `almanac erase`: erases an agent's personal data from a store (GDPR Art. 17), or lists the erasures. */
import { createPersonalDataUseCases } from '../../compose.js'
import type { ErasureView } from '../../core/personal-data/personal-data.js'
import type { Command } from '../command.js'
import {
  defineCommand,
  parseCommandLine,
  positiveInteger,
  required,
  UsageError,
} from '../command-options.js'
import { withAdmin } from '../with-admin.js'

const USAGE = [
  `usage: almanac erase --store N --agent '{"mbox":"mailto:learner@example.com"}'`,
  '       almanac erase --store N --person ID',
  '       almanac erase --store N --list',
  '',
  "Deletes the agent's own statements (and statements referring to them), their State and Agent",
  'Profile documents and attachments no other statement uses; anonymises the statements of others',
  'that mention them. docs/personal-data.md has the rule. Records who, when and how many.',
  '--person erases every identifier of a person of the people directory, and the person.',
].join('\n')

function describe(e: ErasureView): string {
  return [
    `erasure ${e.id} by ${e.requestedBy} at ${e.requestedAt}:`,
    `${e.statementsDeleted} statements deleted, ${e.statementsAnonymised} anonymised,`,
    `${e.documentsDeleted} documents, ${e.attachmentsDeleted} attachments, ${e.agentsDeleted} agent records deleted`,
  ].join(' ')
}

export const eraseCommand: Command = defineCommand({
  usage: USAGE,
  name: 'erase',
  summary:
    "erase an agent's or a person's personal data: erase --store N --agent JSON | --person ID | --list",
  run(context) {
    // The command line is checked before the database is opened: a typo costs nothing.
    const { values } = parseCommandLine(
      context.args,
      {
        store: { type: 'string' },
        agent: { type: 'string' },
        person: { type: 'string' },
        list: { type: 'boolean' },
      },
      { min: 0, max: 0 },
    )
    const store = positiveInteger('store', required('store', values.store)) ?? 0
    const given = [values.agent, values.person, values.list].filter((v) => v !== undefined)
    if (given.length > 1) throw new UsageError('give one of --agent, --person or --list')
    const person =
      values.person === undefined ? undefined : positiveInteger('person', values.person)
    let agent: unknown
    if (values.list !== true && person === undefined) {
      const text = required('agent', values.agent)
      try {
        agent = JSON.parse(text)
      } catch {
        throw new UsageError(`--agent must be an Agent as JSON, not '${text}'`)
      }
    }
    return withAdmin(context, async (_admin, storage) => {
      const data = createPersonalDataUseCases(storage, context.config(), context.logger)
      if (values.list === true) {
        const erasures = await data.listErasures(store)
        if (erasures.length === 0) context.print(`store ${store}: no erasures`)
        for (const erasure of erasures) context.print(describe(erasure))
        return 0
      }
      if (person !== undefined) {
        context.print(describe(await data.erasePerson('cli', store, person)))
        return 0
      }
      context.print(describe(await data.erase('cli', store, agent)))
      return 0
    })
  },
})
