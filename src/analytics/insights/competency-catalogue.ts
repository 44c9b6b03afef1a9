/**
 * @module The competency framework of a store: competencies discovered from alignments in
 * statements (contextActivities.other of formal answers, objective activities; analytics
 * definitions §8) plus those an operator defined, and which items and launchable activities
 * each one is aligned to. An item is aligned to a competency when it, or an activity above it
 * (its quiz, the quiz's module: contextActivities.parent links), is.
 */
import type { LinkRow } from './evidence.js'

export interface DefinedCompetency {
  readonly id: string
  readonly name: string
  readonly description: string
}

export interface Competency {
  readonly id: string
  readonly name: string
  readonly description: string
  /** 'defined' when an operator defined it (it may also be discovered). */
  readonly source: 'discovered' | 'defined'
  /** Activities aligned to it directly (statements or definitions). */
  readonly aligned: readonly string[]
  /** Questions (items) that are evidence of it, directly or through an activity above them. */
  readonly items: readonly string[]
  /** Launchable activities (modules) whose items are evidence of it: the content that closes a gap. */
  readonly content: readonly string[]
}

/** A readable name from an IRI's last path segment ("risk-analysis" → "Risk analysis"). */
export function nameFromId(id: string): string {
  const segment =
    id
      .replace(/[/#?]+$/, '')
      .split(/[/#]/)
      .pop() ?? id
  const words = decodeURIComponent(segment).replace(/[-_]+/g, ' ').trim()
  return words === '' ? id : words.charAt(0).toUpperCase() + words.slice(1)
}

export interface Catalogue {
  readonly competencies: readonly Competency[]
  /** Question → competencies it is evidence of. */
  readonly alignment: (question: string) => readonly string[]
  /** Competency → its items. */
  readonly itemsOf: ReadonlyMap<string, readonly string[]>
  /** Activity → its ancestors (parent, grandparent, …; at most 4 levels). */
  readonly ancestors: (activity: string) => readonly string[]
}

export function buildCatalogue(
  links: readonly LinkRow[],
  defined: readonly DefinedCompetency[],
  /** Launchable activities (modules) of the store. */
  launchable: ReadonlySet<string>,
  /** Every question with answers. */
  questions: readonly string[],
): Catalogue {
  const parents = new Map<string, string[]>()
  const alignedTo = new Map<string, Set<string>>()
  const directly = new Map<string, Set<string>>()
  const sources = new Map<string, Set<string>>()
  for (const link of links) {
    if (link.relation === 'parent') {
      const list = parents.get(link.activity) ?? []
      if (!list.includes(link.related)) list.push(link.related)
      parents.set(link.activity, list)
      continue
    }
    const set = alignedTo.get(link.activity) ?? new Set<string>()
    set.add(link.related)
    alignedTo.set(link.activity, set)
    const back = directly.get(link.related) ?? new Set<string>()
    back.add(link.activity)
    directly.set(link.related, back)
    const src = sources.get(link.related) ?? new Set<string>()
    src.add(link.source)
    sources.set(link.related, src)
  }
  const ancestors = (activity: string): string[] => {
    const found: string[] = []
    let frontier = [activity]
    for (let depth = 0; depth < 4 && frontier.length > 0; depth++) {
      const next: string[] = []
      for (const a of frontier)
        for (const p of parents.get(a) ?? [])
          if (!found.includes(p) && p !== activity) {
            found.push(p)
            next.push(p)
          }
      frontier = next
    }
    return found
  }
  const alignmentCache = new Map<string, string[]>()
  const alignment = (question: string): string[] => {
    let result = alignmentCache.get(question)
    if (result === undefined) {
      const set = new Set<string>()
      for (const a of [question, ...ancestors(question)])
        for (const c of alignedTo.get(a) ?? []) if (c !== question) set.add(c)
      result = [...set].sort()
      alignmentCache.set(question, result)
    }
    return result
  }
  const itemsOf = new Map<string, string[]>()
  for (const q of questions)
    for (const c of alignment(q)) {
      const list = itemsOf.get(c) ?? []
      list.push(q)
      itemsOf.set(c, list)
    }
  const definedById = new Map(defined.map((d) => [d.id, d]))
  const ids = new Set([...directly.keys(), ...definedById.keys()])
  const competencies = [...ids].sort().map((id): Competency => {
    const def = definedById.get(id)
    const items = (itemsOf.get(id) ?? []).sort()
    const content = new Set<string>()
    for (const a of directly.get(id) ?? []) if (launchable.has(a)) content.add(a)
    for (const item of items) for (const a of ancestors(item)) if (launchable.has(a)) content.add(a)
    return {
      id,
      name: def?.name ?? nameFromId(id),
      description: def?.description ?? '',
      source: def === undefined ? 'discovered' : 'defined',
      aligned: [...(directly.get(id) ?? [])].sort(),
      items,
      content: [...content].sort(),
    }
  })
  return { competencies, alignment, itemsOf, ancestors }
}

/** Module → the items under it and the competencies they are evidence of. */
export function moduleItems(
  catalogue: Catalogue,
  launchable: ReadonlySet<string>,
  questions: readonly string[],
): { items: Map<string, string[]>; competencies: Map<string, string[]> } {
  const items = new Map<string, string[]>()
  const competencies = new Map<string, string[]>()
  for (const q of questions)
    for (const a of catalogue.ancestors(q)) {
      if (!launchable.has(a)) continue
      const list = items.get(a) ?? []
      list.push(q)
      items.set(a, list)
      const comps = new Set(competencies.get(a) ?? [])
      for (const c of catalogue.alignment(q)) comps.add(c)
      competencies.set(a, [...comps].sort())
    }
  return { items, competencies }
}
