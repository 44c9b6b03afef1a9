/** @module `almanac analytics rebuild|status`: recompute or inspect the analytics projections. */
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { createAnalytics } from '../../analytics/analytics.js'
import {
  createLinksProjector,
  INSIGHTS_CONSUMER,
  resetLinksConsumer,
} from '../../analytics/insights/links-projector.js'
import {
  createPeopleHandler,
  PEOPLE_CONSUMER,
  resetPeopleConsumer,
} from '../../analytics/people/people-consumer.js'
import { createAnalyticsProjector } from '../../analytics/projector.js'
import { createStorage } from '../../compose.js'
import { createLogConsumer, type LogHandler } from '../../core/log/log-consumer.js'
import type { Command } from '../command.js'
import { CommandFailure, defineCommand, positiveInteger, UsageError } from '../command-options.js'
import { createProgress } from '../progress-bar.js'

const USAGE = [
  'usage: almanac analytics rebuild [--store N]   recompute the projections from the statements',
  '       almanac analytics status [--store N]    how far the projector is behind',
].join('\n')

export const analyticsCommand: Command = defineCommand({
  name: 'analytics',
  usage: USAGE,
  summary: 'rebuild the analytics projections from the statements, or show their status',
  async run({ args, config, print }) {
    const [action, ...rest] = args
    if (action !== 'rebuild' && action !== 'status')
      throw new UsageError(action === undefined ? 'which action?' : `unknown action '${action}'`)
    const { values } = parseArgs({
      args: rest,
      options: { store: { type: 'string' } },
      strict: true,
    })
    const store = positiveInteger('store', values.store)
    const storage = createStorage(config().storage)
    const consumerOf = (handler: LogHandler) =>
      createLogConsumer({
        log: storage.log,
        stores: () => Promise.resolve([]),
        handler,
        batchSize: config().analytics.batchSize,
      })
    const projector = consumerOf(createAnalyticsProjector())
    // The other consumers that keep projections, which a rebuild of "the projections" refolds
    // too, as `almanac serve` would: informal learning (analytics-definitions.md §15, the people
    // consumer) and the insights links (which activity is under which, aligned to which
    // objective). Each small beside the analytics ones: no progress bar of its own.
    const followers = [
      {
        name: PEOPLE_CONSUMER,
        what: 'people and informal learning',
        consumer: consumerOf(createPeopleHandler()),
        reset: resetPeopleConsumer,
      },
      {
        name: INSIGHTS_CONSUMER,
        what: 'insights links',
        consumer: consumerOf(createLinksProjector()),
        reset: resetLinksConsumer,
      },
    ]
    try {
      await storage.migrate()
      const stores = (await storage.admin.listStores()).map((s) => s.id)
      if (store !== undefined && !stores.includes(store))
        throw new CommandFailure(`no store with id ${store}`)
      const analytics = createAnalytics(storage.log, projector)
      for (const id of store === undefined ? stores : [store]) {
        if (action === 'status') {
          const f = await analytics.freshness(id)
          const others = []
          for (const { name, what } of followers) {
            const at = await storage.log.position(name, id)
            others.push(`; ${what}: cursor ${at.cursor} of ${at.watermark}`)
          }
          print(
            `store ${id}: cursor ${f.cursor} of ${f.watermark}, lag ${f.lagSeconds.toFixed(1)} s${f.caughtUp ? ' (caught up)' : ''}${others.join('')}`,
          )
          continue
        }
        const total = (await analytics.freshness(id)).watermark
        const progress = createProgress(process.stderr, {
          label: `store ${id}`,
          unit: 'statements',
          totalItems: total,
        })
        const started = Date.now()
        const { processed } = await analytics.rebuild(id, (p) => progress.update(p.processed))
        if (processed === undefined) {
          // Another process (a running server) holds the store's lease: it rebuilds; follow it.
          progress.log(`store ${id}: another process holds the projector's lease and is rebuilding`)
          for (;;) {
            const f = await analytics.freshness(id)
            progress.update(f.cursor)
            if (f.caughtUp) break
            await sleep(500)
          }
        }
        progress.finish()
        for (const { what, consumer, reset } of followers) {
          await storage.log.unitOfWork(id, ({ log, connection }) => reset(connection, log, id))
          if ((await consumer.catchUp(id)) === undefined)
            print(
              `store ${id}: the ${what} projection is refolded by the process holding its lease`,
            )
        }
        print(`store ${id}: projections rebuilt in ${((Date.now() - started) / 1000).toFixed(1)} s`)
      }
      return 0
    } finally {
      await projector.stop()
      for (const { consumer } of followers) await consumer.stop()
      await storage.close()
    }
  },
})
