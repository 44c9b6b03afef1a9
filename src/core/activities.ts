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
  const changed: { id: string; definition: ActivityDefinition }[] = []
  for (const [id, incoming] of collector.definitions) {
    const known = stored.get(id)
    const canonical = known === undefined || Object.keys(known).length === 0 ? undefined : known
    const definition = mergeActivityDefinitions(canonical, incoming)
    if (JSON.stringify(definition) !== JSON.stringify(canonical)) changed.push({ id, definition })
  }
  if (changed.length > 0) await scope.actorsActivities.upsertActivities(changed)
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
