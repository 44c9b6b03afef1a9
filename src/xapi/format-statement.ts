/** @module The `format` parameter of GET /statements (Communication §2.1.3): exact, ids and canonical. */
import { ifiOnly } from './ifi.js'
import type {
  Activity,
  ActivityDefinition,
  Actor,
  Agent,
  Group,
  Context,
  LanguageMap,
  StoredStatement,
  SubStatement,
  Verb,
} from './types.js'

/** The values of the `format` parameter of GET /statements (Communication §2.1.3). */
export type StatementFormat = 'exact' | 'ids' | 'canonical'

/** Looks up the LRS's canonical definition of an activity, for the `canonical` format. */
export type FindDefinition = (activityId: string) => ActivityDefinition | undefined

/**
 * Returns `statement` in the requested format, as a new object (the input is not changed):
 * - `exact`: as stored (Communication §2.1.3).
 * - `ids`: "only include minimum information necessary in Agent, Activity, Verb and Group Objects
 *   to identify them": Activities become `{ id }`, Verbs `{ id }`, Agents and identified Groups
 *   their IFI (plus objectType when the statement has it), anonymous Groups their objectType and
 *   members, each member reduced to its IFI (XAPI-00171). Applies to authority and the 2.0
 *   contextAgents/contextGroups too; StatementRefs and attachments are unchanged.
 * - `canonical`: Activities carry the canonical definition (from `findDefinition` when given,
 *   else the statement's own) and Verbs their display, with every language map of them reduced
 *   to one entry chosen by `languages` (Communication §2.1.3 "Language Filtering Requirements",
 *   XAPI-00169, XAPI-00172). Agents and Groups are returned as in `exact`.
 *
 * `languages` is the Accept-Language list in order of preference (q=0 entries removed); see
 * `pickLanguage` for how one entry is chosen.
 */
export function formatStatement(
  statement: StoredStatement,
  format: StatementFormat,
  languages: readonly string[],
  findDefinition?: FindDefinition,
): StoredStatement {
  const copy = structuredClone(statement)
  if (format === 'ids')
    applyToStatement(copy, {
      actor: actorIds,
      activity: (a) => ({ id: a.id }),
      verb: (v) => ({ id: v.id }),
    })
  if (format === 'canonical')
    applyToStatement(copy, {
      actor: (actor) => actor,
      activity: (activity) => canonicalActivity(activity, languages, findDefinition),
      verb: (verb) =>
        verb.display === undefined
          ? verb
          : { ...verb, display: pickLanguage(verb.display, languages) },
    })
  return copy
}

/**
 * The ids of every Activity the statements hold where `formatStatement` rewrites activities
 * (object, context activities, both inside a SubStatement): what the `canonical` format looks up.
 */
export function activityIdsOf(statements: readonly StoredStatement[]): string[] {
  const ids = new Set<string>()
  for (const statement of statements)
    applyToStatement(structuredClone(statement), {
      actor: (actor) => actor,
      verb: (verb) => verb,
      activity: (activity) => {
        ids.add(activity.id)
        return activity
      },
    })
  return [...ids]
}

interface Rewrites {
  actor: (actor: Actor) => Actor
  activity: (activity: Activity) => Activity
  verb: (verb: Verb) => Verb
}

/** Rewrites, in place, every Agent, Group, Activity and Verb of a (copied) statement. */
function applyToStatement(statement: StoredStatement | SubStatement, rewrite: Rewrites): void {
  statement.actor = rewrite.actor(statement.actor)
  statement.verb = rewrite.verb(statement.verb)
  const object = statement.object
  if (object.objectType === 'SubStatement') applyToStatement(object, rewrite)
  else if (object.objectType === 'Agent' || object.objectType === 'Group')
    statement.object = rewrite.actor(object)
  // An Agent object always has its objectType (Data §2.4.4.2), so what remains is an Activity.
  else if (object.objectType !== 'StatementRef')
    statement.object = rewrite.activity(object as Activity)
  if (statement.context !== undefined) applyToContext(statement.context, rewrite)
  if ('authority' in statement) statement.authority = rewrite.actor(statement.authority)
}

function applyToContext(context: Context, rewrite: Rewrites): void {
  if (context.instructor !== undefined) context.instructor = rewrite.actor(context.instructor)
  if (context.team !== undefined) context.team = rewrite.actor(context.team) as typeof context.team
  const activities = context.contextActivities
  if (activities !== undefined) {
    for (const kind of ['parent', 'grouping', 'category', 'other'] as const) {
      const list = activities[kind]
      if (list !== undefined) activities[kind] = list.map(rewrite.activity)
    }
  }
  for (const entry of context.contextAgents ?? []) entry.agent = rewrite.actor(entry.agent) as Agent
  for (const entry of context.contextGroups ?? []) entry.group = rewrite.actor(entry.group) as Group
}

/** The `ids` form of an Agent or Group. */
function actorIds(actor: Actor): Actor {
  const ids = ifiOnly(actor)
  if (actor.objectType === 'Group') {
    const group: Group = { objectType: 'Group', ...ids }
    const identified = Object.keys(ids).length > 0
    const members = actor.member
    if (!identified && members !== undefined)
      group.member = members.map((m) => actorIds(m) as Agent)
    return group
  }
  return actor.objectType === undefined ? ids : { objectType: actor.objectType, ...ids }
}

function canonicalActivity(
  activity: Activity,
  languages: readonly string[],
  findDefinition: FindDefinition | undefined,
): Activity {
  const definition = findDefinition?.(activity.id) ?? activity.definition
  if (definition === undefined) return activity
  const filtered: ActivityDefinition = { ...definition }
  if (definition.name !== undefined) filtered.name = pickLanguage(definition.name, languages)
  if (definition.description !== undefined)
    filtered.description = pickLanguage(definition.description, languages)
  for (const list of ['choices', 'scale', 'source', 'target', 'steps'] as const) {
    const components = definition[list]
    if (components !== undefined)
      filtered[list] = components.map((component) =>
        component.description === undefined
          ? component
          : { ...component, description: pickLanguage(component.description, languages) },
      )
  }
  return { ...activity, definition: filtered }
}

/**
 * Reduces a language map to the one entry that best matches `languages` (Communication §2.1.3:
 * apply Accept-Language "to each language map individually"). Per RFC 2616 §14.4, a range matches
 * a tag equal to it or starting with it followed by `-` (`en` matches `en-GB`), case-insensitively;
 * the first preference with a match wins, and `*` matches any tag. When nothing matches, a tag
 * with the same primary language as a preference is taken (`en-GB` → `en-US`), else the map's
 * first entry, so that a map is never emptied.
 */
export function pickLanguage(map: LanguageMap, languages: readonly string[]): LanguageMap {
  const tags = Object.keys(map)
  const chosen = chooseTag(tags, languages)
  if (chosen === undefined) return {}
  return { [chosen]: map[chosen] ?? '' }
}

function chooseTag(tags: readonly string[], languages: readonly string[]): string | undefined {
  const lowered = tags.map((tag) => tag.toLowerCase())
  for (const preference of languages) {
    const range = preference.trim().toLowerCase()
    if (range === '') continue
    if (range === '*') return tags[0]
    const exact = lowered.indexOf(range)
    if (exact >= 0) return tags[exact]
    const prefixed = lowered.findIndex((tag) => tag.startsWith(`${range}-`))
    if (prefixed >= 0) return tags[prefixed]
  }
  for (const preference of languages) {
    const primary = preference.trim().toLowerCase().split('-')[0] ?? ''
    if (primary === '' || primary === '*') continue
    const related = lowered.findIndex((tag) => tag.split('-')[0] === primary)
    if (related >= 0) return tags[related]
  }
  return tags[0]
}
