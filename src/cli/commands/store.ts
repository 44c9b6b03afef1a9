/** @module `almanac store create|list`: the stores (tenants) of this LRS. */
import { parseArgs } from 'node:util'
import type { Command } from '../command.js'
import { withAdmin } from '../with-admin.js'
import { UsageError, required, defineCommand } from '../command-options.js'

const USAGE = ['usage: almanac store create --name NAME', '       almanac store list'].join('\n')

export const storeCommand: Command = defineCommand({
  name: 'store',
  usage: USAGE,
  summary: 'create or list stores (tenants): store create --name N | store list',
  run(context) {
    return withAdmin(context, async (admin) => {
      const [action, ...rest] = context.args
      if (action === 'create') {
        const { values } = parseArgs({
          args: rest,
          options: { name: { type: 'string' } },
          strict: true,
        })
        const store = await admin.createStore('cli', { name: required('name', values.name) })
        context.print(`store ${store.id} created: ${store.name}`)
        return 0
      }
      if (action === 'list') {
        parseArgs({ args: rest, options: {}, strict: true })
        const stores = await admin.listStores()
        context.print('id\tname\tcreated')
        for (const store of stores) context.print(`${store.id}\t${store.name}\t${store.createdAt}`)
        return 0
      }
      throw new UsageError(action === undefined ? 'which action?' : `unknown action '${action}'`)
    })
  },
})
