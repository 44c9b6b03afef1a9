/** @module `almanac admin create|password|list`: the accounts people sign in to the admin API with. */
import { parseArgs } from 'node:util'
import type { Command } from '../command.js'
import { readPassword } from '../read-password.js'
import { withAdmin } from '../with-admin.js'
import { UsageError, required, defineCommand } from '../command-options.js'

const USAGE = [
  'usage: almanac admin create --username NAME',
  '       almanac admin password --username NAME   (set a new password; ends its sessions)',
  '       almanac admin list',
  '',
  'The password comes from ALMANAC_ADMIN_PASSWORD, else it is asked for on the terminal',
  '(twice, not echoed), else read from the first line of standard input.',
].join('\n')

export const adminCommand: Command = defineCommand({
  name: 'admin',
  usage: USAGE,
  summary:
    'manage admin accounts: admin create --username U | admin password --username U | admin list',
  run(context) {
    return withAdmin(context, async (admin) => {
      const [action, ...rest] = context.args
      if (action === 'list') {
        parseArgs({ args: rest, options: {}, strict: true })
        context.print('username\tcreated\tlast login')
        for (const account of await admin.listAccounts())
          context.print(
            `${account.username}\t${account.createdAt}\t${account.lastLoginAt ?? 'never'}`,
          )
        return 0
      }
      if (action !== 'create' && action !== 'password')
        throw new UsageError(action === undefined ? 'which action?' : `unknown action '${action}'`)
      const { values } = parseArgs({
        args: rest,
        options: { username: { type: 'string' } },
        strict: true,
      })
      const username = required('username', values.username)
      const password =
        context.config().admin.password ?? (await readPassword(`password for ${username}: `))
      if (action === 'create') {
        await admin.createAccount('cli', { username, password })
        context.print(`admin account ${username} created`)
      } else {
        await admin.changePassword('cli', username, password)
        context.print(`password of ${username} changed; its sessions were ended`)
      }
      return 0
    })
  },
})
