/**
 * @module Cohort filters (saved filters over person attributes, analytics-definitions.md §10):
 * checking one given by a client, and deciding whether a person's attributes satisfy it. Pure.
 */
import { InvalidParameterError } from '../../errors/errors.js'
import {
  type CohortCondition,
  type CohortFilter,
  type PersonAttributes,
  STANDARD_ATTRIBUTES,
} from '../../storage/people-port.js'

const OPS = ['eq', 'ne', 'in', 'contains', 'gte', 'lte', 'exists', 'missing'] as const

/** The value of an attribute (`role`, `custom.shift`), or undefined when unknown. */
export function attributeValue(
  attributes: PersonAttributes,
  attribute: string,
): string | undefined {
  if (attribute.startsWith('custom.')) return attributes.custom?.[attribute.slice('custom.'.length)]
  return (STANDARD_ATTRIBUTES as readonly string[]).includes(attribute)
    ? (attributes[attribute as (typeof STANDARD_ATTRIBUTES)[number]] ?? undefined)
    : undefined
}

const norm = (text: string): string => text.trim().toLowerCase()

function holds(attributes: PersonAttributes, condition: CohortCondition): boolean {
  const value = attributeValue(attributes, condition.attribute)
  const wanted = condition.value
  switch (condition.op) {
    case 'exists':
      return value !== undefined && value.trim() !== ''
    case 'missing':
      return value === undefined || value.trim() === ''
    case 'eq':
      return value !== undefined && typeof wanted === 'string' && norm(value) === norm(wanted)
    case 'ne':
      return value === undefined || typeof wanted !== 'string' || norm(value) !== norm(wanted)
    case 'in':
      return (
        value !== undefined &&
        typeof wanted !== 'string' &&
        wanted !== undefined &&
        wanted.some((w) => norm(w) === norm(value))
      )
    case 'contains':
      return value !== undefined && typeof wanted === 'string' && norm(value).includes(norm(wanted))
    case 'gte':
      return value !== undefined && typeof wanted === 'string' && value.trim() >= wanted.trim()
    case 'lte':
      return value !== undefined && typeof wanted === 'string' && value.trim() <= wanted.trim()
  }
}

/** True when the attributes satisfy every condition of the filter. */
export function matchesCohort(attributes: PersonAttributes, filter: CohortFilter): boolean {
  return filter.all.every((condition) => holds(attributes, condition))
}

/** A filter as a client sent it, checked; a bad one is a 400 naming what is wrong. */
export function parseCohortFilter(input: unknown, name = 'filter'): CohortFilter {
  const all = (input as { all?: unknown } | null)?.all
  if (typeof input !== 'object' || input === null || !Array.isArray(all))
    throw InvalidParameterError(name, 'must be an object {"all": [conditions]}')
  if (all.length > 50) throw InvalidParameterError(name, 'may have at most 50 conditions')
  const conditions = all.map((raw: unknown, i): CohortCondition => {
    const at = `${name}.all[${i}]`
    const c = raw as Record<string, unknown> | null
    if (typeof c !== 'object' || c === null) throw InvalidParameterError(at, 'must be an object')
    const attribute = c['attribute']
    const op = c['op']
    const value = c['value']
    if (
      typeof attribute !== 'string' ||
      !(
        (STANDARD_ATTRIBUTES as readonly string[]).includes(attribute) ||
        /^custom\.[^\s]{1,100}$/.test(attribute)
      )
    )
      throw InvalidParameterError(
        `${at}.attribute`,
        `must be one of ${STANDARD_ATTRIBUTES.join(', ')} or custom.<field>`,
      )
    if (typeof op !== 'string' || !(OPS as readonly string[]).includes(op))
      throw InvalidParameterError(`${at}.op`, `must be one of ${OPS.join(', ')}`)
    const typed = op as CohortCondition['op']
    if (typed === 'exists' || typed === 'missing') {
      if (value !== undefined) throw InvalidParameterError(`${at}.value`, `is not used by ${op}`)
      return { attribute, op: typed }
    }
    if (typed === 'in') {
      if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string'))
        throw InvalidParameterError(`${at}.value`, 'must be a non-empty list of strings for in')
      return { attribute, op: typed, value: value as string[] }
    }
    if (typeof value !== 'string')
      throw InvalidParameterError(`${at}.value`, `must be a string for ${op}`)
    return { attribute, op: typed, value }
  })
  return { all: conditions }
}

/** A filter in words, e.g. `role = "Support engineer" AND team = "EMEA"`. */
export function describeCohortFilter(filter: CohortFilter): string {
  if (filter.all.length === 0) return 'everyone'
  const symbol: Record<CohortCondition['op'], string> = {
    eq: '=',
    ne: '≠',
    in: 'in',
    contains: 'contains',
    gte: '≥',
    lte: '≤',
    exists: 'is known',
    missing: 'is unknown',
  }
  return filter.all
    .map((c) => {
      const value =
        c.value === undefined
          ? ''
          : typeof c.value === 'string'
            ? ` "${c.value}"`
            : ` [${c.value.map((v) => `"${v}"`).join(', ')}]`
      return `${c.attribute} ${symbol[c.op]}${value}`
    })
    .join(' AND ')
}
