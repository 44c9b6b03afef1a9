/** @module What every report shares: the window, the "as of" of the projections, the read handle. */
import { type Kysely, PostgresAdapter } from 'kysely'
import { InvalidParameterError } from '../../errors/errors.js'
import type { StatementLogStorage, StoreId } from '../../storage/ports.js'
import { ANALYTICS_CONSUMER } from '../projector.js'

/** Projection tables addressed by name (they are not in the storage's `Database` type). */
export type AnyDb = Kysely<Record<string, Record<string, unknown>>>
export type AnyRow = Record<string, unknown>

export const DAY_MS = 86_400_000

/** True when the report reads PostgreSQL (some queries are shaped for its planner). */
export function onPostgres(db: AnyDb): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter
}

/** `[since, until)` in epoch ms; open ends are ±infinity as far as SQL is concerned. */
export interface ReportWindow {
  readonly sinceMs: number
  readonly untilMs: number
}

const FAR_FUTURE_MS = 8_640_000_000_000_000

/** Parses `since`/`until` (ISO 8601); a bad value is a 400 that names the parameter. */
export function parseWindow(since: string | undefined, until: string | undefined): ReportWindow {
  const parse = (name: string, value: string | undefined, fallback: number): number => {
    if (value === undefined || value === '') return fallback
    const ms = Date.parse(value)
    if (Number.isNaN(ms)) throw InvalidParameterError(name, 'must be an ISO 8601 date or time')
    return ms
  }
  const sinceMs = parse('since', since, 0)
  const untilMs = parse('until', until, FAR_FUTURE_MS)
  if (untilMs <= sinceMs) throw InvalidParameterError('until', 'must be later than since')
  return { sinceMs, untilMs }
}

/**
 * True for the window without `since` or `until`: every first statement from the epoch on. The
 * projections kept for open-window reports (e.g. migration 0030) count exactly these.
 */
export function isOpenWindow(window: ReportWindow): boolean {
  return window.sinceMs === 0 && window.untilMs === FAR_FUTURE_MS
}

export function windowJson(window: ReportWindow): { since: string | null; until: string | null } {
  return {
    since: window.sinceMs === 0 ? null : new Date(window.sinceMs).toISOString(),
    until: window.untilMs === FAR_FUTURE_MS ? null : new Date(window.untilMs).toISOString(),
  }
}

/** The first and the after-last UTC day of the window (a day is in when its start is). */
export function windowDays(window: ReportWindow): { fromDay: number; toDay: number } {
  return {
    fromDay: Math.ceil(window.sinceMs / DAY_MS),
    toDay: Math.min(Math.ceil(window.untilMs / DAY_MS), 100_000_000),
  }
}

/**
 * The window as whole UTC days `[fromDay, toDay)` (days lying entirely inside it, none before
 * `minDay`) and the parts of it outside them, `edges`: from `since` to the first whole day, and
 * from the end of the last one to `until`. Both are empty when each end is at 00:00 UTC, and a
 * window within one day is all edge. The per-day projections (migration 0040) answer the days;
 * the edges are read row by row.
 */
export function wholeDays(
  window: ReportWindow,
  minDay = Number.NEGATIVE_INFINITY,
): { fromDay: number; toDay: number; edges: ReportWindow[] } {
  const fromDay = Math.max(Math.ceil(window.sinceMs / DAY_MS), minDay)
  const toDay = Math.floor(window.untilMs / DAY_MS)
  if (fromDay >= toDay) return { fromDay, toDay: fromDay, edges: [window] }
  const edges: ReportWindow[] = []
  if (window.sinceMs < fromDay * DAY_MS)
    edges.push({ sinceMs: window.sinceMs, untilMs: fromDay * DAY_MS })
  if (toDay * DAY_MS < window.untilMs)
    edges.push({ sinceMs: toDay * DAY_MS, untilMs: window.untilMs })
  return { fromDay, toDay, edges }
}

/** How fresh the projections are. */
export interface Freshness {
  /** The time through which the report reflects every statement stored (ISO 8601). */
  asOf: string | null
  /** Age of the oldest statement not yet projected, in seconds; 0 when caught up. */
  lagSeconds: number
  caughtUp: boolean
  /** The projector's cursor and the store's watermark (seqs). */
  cursor: number
  watermark: number
}

export async function freshness(
  log: StatementLogStorage,
  storeId: StoreId,
  nowMs = Date.now(),
): Promise<Freshness> {
  const position = await log.position(ANALYTICS_CONSUMER, storeId)
  const caughtUp = position.cursor >= position.watermark
  return {
    asOf: caughtUp
      ? new Date(nowMs).toISOString()
      : position.cursorStoredMs === undefined
        ? null
        : new Date(position.cursorStoredMs).toISOString(),
    lagSeconds:
      caughtUp || position.nextStoredMs === undefined
        ? 0
        : Math.max(0, (nowMs - position.nextStoredMs) / 1000),
    caughtUp,
    cursor: position.cursor,
    watermark: position.watermark,
  }
}

export const num = (value: unknown): number => Number(value ?? 0)
export const numOrNull = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value)
