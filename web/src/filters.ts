/** The filters every page shares, read from and written to the URL: the store and the time window. */
import type { Location } from './router'

/** A day in milliseconds: the windows' presets and the UTC days reports answer by. */
export const DAY_MS = 86_400_000

export const WINDOWS = [
  { value: '7d', label: 'Last 7 days', days: 7 },
  { value: '30d', label: 'Last 30 days', days: 30 },
  { value: '90d', label: 'Last 90 days', days: 90 },
  { value: '365d', label: 'Last 12 months', days: 365 },
  { value: 'all', label: 'All time', days: undefined },
  { value: 'custom', label: 'Custom dates…', days: undefined },
] as const

export const DEFAULT_WINDOW = '90d'

export interface TimeWindow {
  /** ISO 8601, exclusive lower bound (xAPI `since`), or undefined for no bound. */
  since: string | undefined
  /** ISO 8601, inclusive upper bound (xAPI `until`). */
  until: string | undefined
  label: string
}

/** The store in the URL (`store=`), else the first one known. */
export function storeParam(location: Location, fallback: number | undefined): number | undefined {
  const text = location.params.get('store')
  const id = text === null ? NaN : Number(text)
  return Number.isSafeInteger(id) && id > 0 ? id : fallback
}

/** The time window of the URL: `window=7d|30d|90d|365d|all`, or `from=`/`to=` dates (UTC). */
export function timeWindow(location: Location, now = Date.now()): TimeWindow {
  const from = location.params.get('from')
  const to = location.params.get('to')
  if (from !== null || to !== null) {
    const since = from === null ? undefined : new Date(`${from}T00:00:00Z`)
    const until = to === null ? undefined : new Date(`${to}T23:59:59.999Z`)
    const valid = (d: Date | undefined) => d !== undefined && !Number.isNaN(d.getTime())
    return {
      since: valid(since) ? since?.toISOString() : undefined,
      until: valid(until) ? until?.toISOString() : undefined,
      label: `${from ?? '…'} to ${to ?? 'now'}`,
    }
  }
  const value = location.params.get('window') ?? DEFAULT_WINDOW
  const preset = WINDOWS.find((w) => w.value === value) ?? WINDOWS[2]
  return {
    since:
      preset.days === undefined ? undefined : new Date(now - preset.days * DAY_MS).toISOString(),
    until: undefined,
    label: preset.label,
  }
}
