/**
 * @module `almanac insights train|models|competencies|import-competencies`: retrain the at-risk
 * models, show them with their measured quality, list competencies, or import competency
 * definitions from a JSON file (docs/insights.md).
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { createInsights } from '../../analytics/insights/insights.js'
import { createLinksProjector } from '../../analytics/insights/links-projector.js'
import type { CompetencyInput } from '../../analytics/insights/insights-store.js'
import { createStorage } from '../../compose.js'
import { createLogConsumer } from '../../core/log/log-consumer.js'
import type { Command } from '../command.js'
import { CommandFailure, defineCommand, positiveInteger, UsageError } from '../command-options.js'

const USAGE = [
  'usage: almanac insights train [--store N] [--course IRI]   retrain the at-risk models now',
  '       almanac insights models [--store N]                 the models, coefficients and quality',
  '       almanac insights competencies [--store N]           competencies, discovered and defined',
  '       almanac insights import-competencies FILE [--store N]',
  '         FILE: JSON [{"id": IRI, "name": text, "description"?: text, "activities"?: [IRI]}]',
].join('\n')

const ACTIONS = ['train', 'models', 'competencies', 'import-competencies'] as const

function competencies(file: string): CompetencyInput[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new CommandFailure(`cannot read ${file}: ${(error as Error).message}`)
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { competencies?: unknown }).competencies
  if (!Array.isArray(list))
    throw new CommandFailure(`${file}: expected a JSON array of competencies`)
  return list.map((item: unknown, i) => {
    const c = item as Record<string, unknown>
    const iri = (v: unknown) => typeof v === 'string' && /^[a-z][a-z0-9+.-]*:\S+$/i.test(v)
    if (!iri(c['id'])) throw new CommandFailure(`${file}: item ${i}: id must be an absolute IRI`)
    if (typeof c['name'] !== 'string' || c['name'].trim() === '')
      throw new CommandFailure(`${file}: item ${i}: name is required`)
    const activities = c['activities'] ?? []
    if (!Array.isArray(activities) || !activities.every(iri))
      throw new CommandFailure(`${file}: item ${i}: activities must be a list of IRIs`)
    return {
      id: c['id'] as string,
      name: c['name'].trim(),
      description: typeof c['description'] === 'string' ? c['description'] : '',
      activities: activities as string[],
    }
  })
}

export const insightsCommand: Command = defineCommand({
  name: 'insights',
  usage: USAGE,
  summary: 'retrain the at-risk models, show them, list or import competencies',
  async run({ args, config, print }) {
    const [action, ...rest] = args
    if (!(ACTIONS as readonly (string | undefined)[]).includes(action))
      throw new UsageError(action === undefined ? 'which action?' : `unknown action '${action}'`)
    const { values, positionals } = parseArgs({
      args: rest,
      options: { store: { type: 'string' }, course: { type: 'string' } },
      allowPositionals: action === 'import-competencies',
      strict: true,
    })
    const store = positiveInteger('store', values.store) ?? 1
    const storage = createStorage(config().storage)
    try {
      await storage.migrate()
      if (!(await storage.admin.listStores()).some((s) => s.id === store))
        throw new CommandFailure(`no store with id ${store}`)
      const insights = createInsights(storage.log)
      switch (action) {
        case 'train': {
          // The links (alignments, hierarchy) first, so training sees every module.
          const links = createLogConsumer({
            log: storage.log,
            stores: () => Promise.resolve([store]),
            handler: createLinksProjector(),
          })
          await links.catchUp(store)
          await links.stop()
          for (const m of await insights.trainRisk(store, values.course)) {
            const quality =
              m.quality === null
                ? ''
                : `, holdout AUC ${m.quality.auc ?? '—'} (baseline ${m.quality.baselineAuc ?? '—'})`
            print(
              `${m.course}: ${m.kind === 'logistic' ? 'logistic regression' : `rules (${m.fallbackReason ?? ''})`}, ${m.knownOutcomes} known outcomes${quality}`,
            )
          }
          break
        }
        case 'models':
          print(JSON.stringify((await insights.riskModels(store)).models, null, 2))
          break
        case 'competencies':
          for (const c of (await insights.competencies(store)).competencies)
            print(
              `${c.id}\t${c.name}\t${c.source}\t${c.items.length} items\t${c.content.length} modules`,
            )
          break
        default: {
          const file = positionals[0]
          if (file === undefined) throw new UsageError('which file?')
          const result = await insights.defineCompetencies(store, competencies(file))
          print(`competencies: ${result.created} created, ${result.updated} updated`)
        }
      }
      return 0
    } finally {
      await storage.close()
    }
  },
})
