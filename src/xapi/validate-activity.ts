/** @module Validation of Activities and Activity Definitions, interactions included (Data §2.4.4.1). */
import { InvalidStatementError } from '../errors/errors.js'
import type { Activity } from './types.js'
import {
  expectArray,
  expectExtensions,
  expectIri,
  expectIrl,
  expectLanguageMap,
  expectObject,
  expectString,
  itemPath,
  propertyPath,
  required,
} from './validate-values.js'

const ACTIVITY_KEYS: ReadonlySet<string> = new Set(['objectType', 'id', 'definition'])
const COMPONENT_LISTS = ['choices', 'scale', 'source', 'target', 'steps'] as const
type ComponentList = (typeof COMPONENT_LISTS)[number]
const DEFINITION_KEYS: ReadonlySet<string> = new Set([
  'name',
  'description',
  'type',
  'moreInfo',
  'extensions',
  'interactionType',
  'correctResponsesPattern',
  ...COMPONENT_LISTS,
])
const COMPONENT_KEYS: ReadonlySet<string> = new Set(['id', 'description'])

/**
 * The interaction types and the component lists each supports (Data §2.4.4.1 "Interaction
 * Components" table). Values are case sensitive (Data §2.2, XAPI-00009).
 */
const INTERACTION_TYPES: ReadonlyMap<string, readonly ComponentList[]> = new Map([
  ['true-false', []],
  ['choice', ['choices']],
  ['fill-in', []],
  ['long-fill-in', []],
  ['matching', ['source', 'target']],
  ['performance', ['steps']],
  ['sequencing', ['choices']],
  ['likert', ['scale']],
  ['numeric', []],
  ['other', []],
])

/**
 * An Activity (Data §2.4.4.1): objectType `Activity` when present, an IRI `id` (XAPI-00047) and
 * an optional definition (XAPI-00048). Used for statement objects and contextActivities.
 */
export function validateActivity(value: unknown, path: string): Activity {
  const activity = expectObject(value, path, 'an Activity', ACTIVITY_KEYS)
  if (activity['objectType'] !== undefined && activity['objectType'] !== 'Activity')
    throw InvalidStatementError(
      propertyPath(path, 'objectType'),
      "must be 'Activity' (Data §2.4.4.1)",
    )
  expectIri(required(activity, 'id', path, 'Data §2.4.4.1, XAPI-00047'), propertyPath(path, 'id'))
  if (activity['definition'] !== undefined)
    validateDefinition(activity['definition'], propertyPath(path, 'definition'))
  return activity as unknown as Activity
}

/** An Activity Definition (Data §2.4.4.1 "Activity Definition", XAPI-00048 to XAPI-00064). */
function validateDefinition(value: unknown, path: string): void {
  const definition = expectObject(value, path, 'an Activity Definition', DEFINITION_KEYS)
  if (definition['name'] !== undefined)
    expectLanguageMap(definition['name'], propertyPath(path, 'name'))
  if (definition['description'] !== undefined)
    expectLanguageMap(definition['description'], propertyPath(path, 'description'))
  if (definition['type'] !== undefined) expectIri(definition['type'], propertyPath(path, 'type'))
  if (definition['moreInfo'] !== undefined)
    expectIrl(definition['moreInfo'], propertyPath(path, 'moreInfo'))
  if (definition['extensions'] !== undefined)
    expectExtensions(definition['extensions'], propertyPath(path, 'extensions'))

  const interactionType = definition['interactionType']
  let supported: readonly ComponentList[] = []
  if (interactionType !== undefined) {
    const typePath = propertyPath(path, 'interactionType')
    const lists = INTERACTION_TYPES.get(expectString(interactionType, typePath))
    if (lists === undefined)
      throw InvalidStatementError(
        typePath,
        `must be one of ${[...INTERACTION_TYPES.keys()].join(', ')} (Data §2.4.4.1 Interaction Types)`,
      )
    supported = lists
  }

  const patterns = definition['correctResponsesPattern']
  if (patterns !== undefined) {
    const patternsPath = propertyPath(path, 'correctResponsesPattern')
    requireInteractionType(interactionType, patternsPath)
    expectArray(patterns, patternsPath).forEach((pattern, index) =>
      expectString(pattern, itemPath(patternsPath, index)),
    )
  }

  for (const list of COMPONENT_LISTS) {
    if (definition[list] === undefined) continue
    const listPath = propertyPath(path, list)
    requireInteractionType(interactionType, listPath)
    // The LRS MAY validate the remaining properties of an interaction (Data §2.4.4.1 Requirements);
    // a list the interactionType does not support is rejected, as conformant peers do.
    if (!supported.includes(list))
      throw InvalidStatementError(
        listPath,
        `is not an interaction component list of interactionType '${String(interactionType)}' (Data §2.4.4.1 Interaction Components)`,
      )
    validateComponents(definition[list], listPath)
  }
}

/** XAPI-00064: correctResponsesPattern and component lists need an interactionType. */
function requireInteractionType(interactionType: unknown, path: string): void {
  if (interactionType === undefined)
    throw InvalidStatementError(
      path,
      'requires the definition to have an interactionType (Data §2.4.4.1, XAPI-00064)',
    )
}

/** An interaction component list: objects with a string id, distinct within the list. */
function validateComponents(value: unknown, path: string): void {
  const seen = new Set<string>()
  expectArray(value, path).forEach((item, index) => {
    const componentPath = itemPath(path, index)
    const component = expectObject(item, componentPath, 'an interaction component', COMPONENT_KEYS)
    const idPath = propertyPath(componentPath, 'id')
    const id = expectString(required(component, 'id', componentPath, 'Data §2.4.4.1'), idPath)
    if (seen.has(id))
      throw InvalidStatementError(
        idPath,
        'interaction component ids must be distinct within a list (Data §2.4.4.1 Interaction Components)',
      )
    seen.add(id)
    if (component['description'] !== undefined)
      expectLanguageMap(component['description'], propertyPath(componentPath, 'description'))
  })
}
