/** @module The Activities resource (Communication §2.5) and the canonical Activity definitions kept from statements. */
import { mergeActivityDefinitions } from '../xapi/activity-definition-merge.js'
import type {
  Activity,
  ActivityDefinition,
  Context,
  Statement,
  StoredStatement,
  SubStatement,
} from '../xapi/types.js'
import type { StoreScope } from '../storage/ports.js'
import { recordAgents } from './agents.js'
import type { CoreDeps } from './core-deps.js'
import {
  parseActivityIdParameter,
  rejectUnknownParameters,
} from './documents/document-parameters.js'
import type { DocumentParameters, RequestContext } from './lrs.js'

function hasContent(definition: ActivityDefinition | undefined): definition is ActivityDefinition {
  return definition !== undefined && Object.keys(definition).length > 0
}

/** Folds every definition of a batch, in statement order, into one definition per activity id. */
class DefinitionCollector {
  readonly definitions = new Map<string, ActivityDefinition>()

  add(activity: Activity): void {
    if (!hasContent(activity.definition)) return
    const previous = this.definitions.get(activity.id)
    this.definitions.set(activity.id, mergeActivityDefinitions(previous, activity.definition))
  }

  addContext(context: Context | undefined): void {
    const activities = context?.contextActivities
    if (activities === undefined) return
    for (const list of [
      activities.parent,
      activities.grouping,
      activities.category,
      activities.other,
    ])
      for (const activity of list ?? []) this.add(activity)
  }

  addStatement(statement: Statement | SubStatement): void {
    const object = statement.object
    // Data §2.4.4: an object without objectType is an Activity.
    if (object.objectType === undefined || object.objectType === 'Activity')
      this.add(object as Activity)
    else if (object.objectType === 'SubStatement') this.addStatement(object)
    this.addContext(statement.context)
  }
}

/**
 * Updates the canonical definitions with the activities of a batch: the object, the context
 * activities, and both inside SubStatements. Definitions of one id are merged in statement
 * order, then into the stored canonical one (Data §2.4.4.1, `mergeActivityDefinitions`); only
 * changed definitions are written, in one upsert.
 */
async function recordActivities(
  scope: StoreScope,
  statements: readonly Statement[],
): Promise<void> {
  const collector = new DefinitionCollector()
  for (const statement of statements) collector.addStatement(statement)
  if (collector.definitions.size === 0) return
  // One read for the whole batch: a query per activity dominated ingest time.
  const stored = await scope.actorsActivities.findActivityDefinitions([
    ...collector.definitions.keys(),
  ])
  const changing = mergeChanges(collector.definitions, stored)
  if (changing.length === 0) return
  // Usually nothing changes (the same definitions are sent again and again) and nothing is
  // locked. A unit of work that does change some reads them again holding them, so that a
  // parallel writer of the store (PostgreSQL) cannot write in between and lose its merge.
  const held = await scope.actorsActivities.findActivityDefinitions(
    changing.map((c) => c.id),
    { forUpdate: true },
  )
  const changed = mergeChanges(
    new Map(changing.map((c) => [c.id, collector.definitions.get(c.id) ?? {}])),
    held,
  )
  if (changed.length > 0) await scope.actorsActivities.upsertActivities(changed)
}

/** The definitions that `incoming` changes when merged into `stored`, merged. */
function mergeChanges(
  incoming: ReadonlyMap<string, ActivityDefinition>,
  stored: ReadonlyMap<string, ActivityDefinition>,
): { id: string; definition: ActivityDefinition }[] {
  const changed: { id: string; definition: ActivityDefinition }[] = []
  for (const [id, definition] of incoming) {
    const known = stored.get(id)
    const canonical = known === undefined || Object.keys(known).length === 0 ? undefined : known
    const merged = mergeActivityDefinitions(canonical, definition)
    if (JSON.stringify(merged) !== JSON.stringify(canonical))
      changed.push({ id, definition: merged })
  }
  return changed
}

/**
 * The projection step of statement ingest, run by the statement pipeline inside the ingest unit
 * of work: keeps the canonical Activity definitions (Activities resource, Communication §2.5,
 * XAPI-00254) and the identified agents and groups seen (Agents resource, §2.4) up to date.
 */
export async function projectActivitiesAndAgents(
  scope: StoreScope,
  statements: readonly StoredStatement[],
): Promise<void> {
  await recordActivities(scope, statements)
  await recordAgents(scope.actorsActivities, statements)
}

/**
 * GET /activities: the canonical Activity with its definition when one is known, otherwise an
 * Activity object holding just the id (Communication §2.5 "SHOULD* still return an Activity
 * Object"; required in xAPI 2.0). A missing or non-IRI `activityId` is a 400 (XAPI-00250).
 */
export async function getActivity(
  deps: CoreDeps,
  ctx: RequestContext,
  parameters: DocumentParameters,
): Promise<Activity> {
  rejectUnknownParameters(parameters, ['activityId'])
  const activityId = parseActivityIdParameter(parameters)
  const known = await deps.storage
    .scope(ctx.principal.storeId)
    .actorsActivities.findActivity(activityId)
  const activity: Activity = { objectType: 'Activity', id: activityId }
  if (hasContent(known?.definition)) activity.definition = known.definition
  return activity
}
