/** Turns statements into readable text ("Ada completed Intro, 92%, 3 min ago"). Everything here returns plain strings: React renders them as text. */
import type { Statement } from './api'

/** The best text of a language map (Data §5.2.2): en-US, any English, else the first. */
export function languageText(map: unknown): string | undefined {
  if (map === null || typeof map !== 'object') return undefined
  const entries = Object.entries(map as Record<string, unknown>).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string',
  )
  const pick =
    entries.find(([tag]) => tag === 'en-US') ??
    entries.find(([tag]) => tag.toLowerCase().startsWith('en')) ??
    entries[0]
  return pick?.[1]
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** The last path segment of an IRI, for a verb or activity without a display name. */
export function iriTail(iri: string): string {
  const trimmed = iri.replace(/[/#]+$/, '')
  const tail = trimmed.slice(Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('#')) + 1)
  return tail === '' ? iri : tail
}

/** An agent or group's name, else its identifier. */
export function actorName(actor: unknown): string {
  if (actor === null || typeof actor !== 'object') return 'someone'
  const a = actor as Record<string, unknown>
  const account = a['account'] as Record<string, unknown> | undefined
  return (
    text(a['name']) ??
    text(a['mbox'])?.replace(/^mailto:/, '') ??
    text(account?.['name']) ??
    text(a['openid']) ??
    (text(a['mbox_sha1sum']) !== undefined ? 'an anonymous learner' : undefined) ??
    (a['objectType'] === 'Group' ? 'a group' : 'someone')
  )
}

export function verbText(verb: Statement['verb']): string {
  return languageText(verb.display) ?? iriTail(verb.id)
}

/** The object of a statement as text: an activity's name, an agent, or a statement reference. */
export function objectText(object: Record<string, unknown>): string {
  const type = object['objectType']
  if (type === 'Agent' || type === 'Group') return actorName(object)
  if (type === 'StatementRef') return `statement ${String(object['id'])}`
  if (type === 'SubStatement') return 'a sub-statement'
  const definition = object['definition'] as Record<string, unknown> | undefined
  const id = text(object['id']) ?? 'an activity'
  return languageText(definition?.['name']) ?? iriTail(id)
}

/** Score and outcome: "92%", "passed", "3 min". */
export function resultText(result: Record<string, unknown> | undefined): string[] {
  if (result === undefined) return []
  const parts: string[] = []
  const score = result['score'] as Record<string, unknown> | undefined
  const scaled = score?.['scaled']
  const raw = score?.['raw']
  const max = score?.['max']
  if (typeof scaled === 'number') parts.push(`${Math.round(scaled * 100)}%`)
  else if (typeof raw === 'number')
    parts.push(typeof max === 'number' ? `${raw}/${max}` : `score ${raw}`)
  if (result['success'] === true) parts.push('passed')
  if (result['success'] === false) parts.push('failed')
  const duration = text(result['duration'])
  if (duration !== undefined) {
    const seconds = durationSeconds(duration)
    if (seconds !== undefined) parts.push(`took ${formatDuration(seconds)}`)
  }
  const response = text(result['response'])
  if (response !== undefined) parts.push(`answered “${response.slice(0, 80)}”`)
  return parts
}

/** Seconds of an ISO 8601 duration (PnDTnHnMnS); undefined when not one. */
export function durationSeconds(duration: string): number | undefined {
  const match =
    /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(
      duration,
    )
  if (match === null) return undefined
  const [, d, h, m, s] = match.map((part) => (part === undefined ? 0 : Number(part)))
  return (d ?? 0) * 86400 + (h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0)
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`
  return `${(seconds / 3600).toFixed(1)} h`
}

const RELATIVE = new Intl.RelativeTimeFormat('en', { numeric: 'auto' })

/** "3 min ago", "yesterday", "2 months ago". */
export function timeAgo(iso: string | undefined, now = Date.now()): string {
  if (iso === undefined) return ''
  const seconds = (Date.parse(iso) - now) / 1000
  if (Number.isNaN(seconds)) return ''
  const steps: [Intl.RelativeTimeFormatUnit, number][] = [
    ['second', 60],
    ['minute', 60],
    ['hour', 24],
    ['day', 30],
    ['month', 12],
    ['year', Infinity],
  ]
  let value = seconds
  for (const [unit, size] of steps) {
    if (Math.abs(value) < size) return RELATIVE.format(Math.round(value), unit)
    value /= size
  }
  return ''
}

/** "Ada completed Intro, 92%, passed, 3 min ago". */
export function describeStatement(statement: Statement, now = Date.now()): string {
  const sentence = `${actorName(statement.actor)} ${verbText(statement.verb)} ${objectText(statement.object)}`
  const parts = [sentence, ...resultText(statement.result)]
  const when = timeAgo(statement.timestamp ?? statement.stored, now)
  if (when !== '') parts.push(when)
  return parts.join(', ')
}

/** An http(s) URL as a link target; anything else (javascript:, data:, …) is not linkable. */
export function safeHref(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined
  } catch {
    return undefined
  }
}

export const numberFormat = new Intl.NumberFormat('en')

export function formatDate(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '—'
  const date = new Date(iso)
  return Number.isNaN(date.getTime())
    ? '—'
    : date.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' })
}
