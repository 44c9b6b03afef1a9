/** @module How a new Activity Definition updates the LRS's canonical one (Data §2.4.4.1). */
import type { ActivityDefinition, InteractionComponent, LanguageMap } from './types.js'

/** The interaction component lists of a definition (Data §2.4.4.1 "Interaction Components"). */
const COMPONENT_LISTS = ['choices', 'scale', 'source', 'target', 'steps'] as const

function mergeMaps<T>(older: Record<string, T> | undefined, newer: Record<string, T> | undefined) {
  if (older === undefined) return newer === undefined ? undefined : { ...newer }
  return { ...older, ...newer }
}

/** Keeps the canonical components (their ids and order) and adds newer descriptions per language. */
function mergeComponents(
  older: readonly InteractionComponent[],
  newer: readonly InteractionComponent[] | undefined,
): InteractionComponent[] {
  const updates = new Map((newer ?? []).map((component) => [component.id, component.description]))
  return older.map((component) => {
    const description: LanguageMap | undefined = mergeMaps(
      component.description,
      updates.get(component.id),
    )
    return description === undefined ? { id: component.id } : { id: component.id, description }
  })
}

/**
 * Merges `newer` (from a statement just received) into `canonical` (what the LRS holds):
 * - `name`, `description` and `extensions` merge per key, the newer entry winning, so the LRS
 *   accumulates every language it has seen (XAPI-00254);
 * - `type` and `moreInfo` take the newer value: the "small corrections" an LRS MAY apply;
 * - `interactionType`, `correctResponsesPattern` and the component lists are kept once known,
 *   only gaining descriptions: the LRS SHOULD NOT make significant changes such as to correct
 *   responses (Data §2.4.4.1, Activity id LRS Requirements).
 * Properties absent from both stay absent.
 */
export function mergeActivityDefinitions(
  canonical: ActivityDefinition | undefined,
  newer: ActivityDefinition,
): ActivityDefinition {
  const older = canonical ?? {}
  const merged: ActivityDefinition = {}
  const name = mergeMaps(older.name, newer.name)
  const description = mergeMaps(older.description, newer.description)
  const type = newer.type ?? older.type
  const moreInfo = newer.moreInfo ?? older.moreInfo
  const extensions = mergeMaps(older.extensions, newer.extensions)
  const interactionType = older.interactionType ?? newer.interactionType
  const correctResponsesPattern = older.correctResponsesPattern ?? newer.correctResponsesPattern
  if (name !== undefined) merged.name = name
  if (description !== undefined) merged.description = description
  if (type !== undefined) merged.type = type
  if (moreInfo !== undefined) merged.moreInfo = moreInfo
  if (extensions !== undefined) merged.extensions = extensions
  if (interactionType !== undefined) merged.interactionType = interactionType
  if (correctResponsesPattern !== undefined)
    merged.correctResponsesPattern = [...correctResponsesPattern]
  for (const list of COMPONENT_LISTS) {
    const known = older[list]
    const incoming = newer[list]
    if (known !== undefined) merged[list] = mergeComponents(known, incoming)
    else if (incoming !== undefined) merged[list] = mergeComponents(incoming, undefined)
  }
  return merged
}
