/** @module `almanac analytics rebuild|status`: recompute or inspect the analytics projections. */
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { createAnalytics } from '../../analytics/analytics.js'
import {
  createLinksProjector,
  INSIGHTS_CONSUMER,
  resetLinksConsumer,
} from '../../analytics/insights/links-projector.js'
import { createPeopleHandler, PEOPLE_CONSUMER } from '../../analytics/people/people-consumer.js'
import { createPeopleReports } from '../../analytics/people/people-reports.js'
import { createAnalyticsProjector } from '../../analytics/projector.js'
import { createStorage } from '../../compose.js'
import { createLogConsumer } from '../../core/log/log-consumer.js'
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
    const projector = createLogConsumer({
      log: storage.log,
      stores: () => Promise.resolve([]),
      handler: createAnalyticsProjector(),
      batchSize: config().analytics.batchSize,
    })
    // The people consumer keeps the informal-learning projection (analytics-definitions.md
    // §15): a rebuild of "the projections" refolds it too, as `almanac serve` would.
    const people = createLogConsumer({
      log: storage.log,
      stores: () => Promise.resolve([]),
      handler: createPeopleHandler(),
      batchSize: config().analytics.batchSize,
    })
    // And the insights links (which activity is under which, aligned to which objective).
    const links = createLogConsumer({
      log: storage.log,
      stores: () => Promise.resolve([]),
      handler: createLinksProjector(),
      batchSize: config().analytics.batchSize,
    })
    try {
      await storage.migrate()
      const stores = (await storage.admin.listStores()).map((s) => s.id)
      if (store !== undefined && !stores.includes(store))
        throw new CommandFailure(`no store with id ${store}`)
      const analytics = createAnalytics(storage.log, projector)
      const peopleReports = createPeopleReports(storage.log, people)
      for (const id of store === undefined ? stores : [store]) {
        if (action === 'status') {
          const f = await analytics.freshness(id)
          const informal = await storage.log.position(PEOPLE_CONSUMER, id)
          const linked = await storage.log.position(INSIGHTS_CONSUMER, id)
          print(
            `store ${id}: cursor ${f.cursor} of ${f.watermark}, lag ${f.lagSeconds.toFixed(1)} s${f.caughtUp ? ' (caught up)' : ''}; people and informal learning: cursor ${informal.cursor} of ${informal.watermark}; insights links: cursor ${linked.cursor} of ${linked.watermark}`,
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
        // The informal and links projections are small beside the analytics ones (one row per
        // learner, day, source and kind; per pair of activities): no progress bar of their own.
        await peopleReports.rebuild(id)
        await storage.log.unitOfWork(id, ({ log, connection }) =>
          resetLinksConsumer(connection, log, id),
        )
        await links.catchUp(id)
        for (const [consumer, what] of [
          [PEOPLE_CONSUMER, 'informal-learning'],
          [INSIGHTS_CONSUMER, 'insights links'],
        ] as const) {
          const at = await storage.log.position(consumer, id)
          if (at.cursor < at.watermark)
            print(
              `store ${id}: the ${what} projection is refolded by the process holding its lease`,
            )
        }
        print(`store ${id}: projections rebuilt in ${((Date.now() - started) / 1000).toFixed(1)} s`)
      }
      return 0
    } finally {
      await projector.stop()
      await people.stop()
      await links.stop()
      await storage.close()
    }
  },
})
