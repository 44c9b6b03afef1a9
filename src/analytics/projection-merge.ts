/** @module Merging partial projection rows: the rules declared in the schema (analytics-schema.ts). */
import type { Row, TableSpec } from '../storage/sql/analytics-schema.js'

/** The key of a row as one string (for maps). */
export function keyOf(table: TableSpec, row: Row): string {
  return table.key.map((column) => String(row[column])).join('\u0000')
}

function before(a: Row, b: Row, group: string): boolean {
  const am = a[`${group}_ms`]
  const bm = b[`${group}_ms`]
  if (am === null || am === undefined) return false
  if (bm === null || bm === undefined) return true
  if (am !== bm) return Number(am) < Number(bm)
  return Number(a[`${group}_seq`]) < Number(b[`${group}_seq`])
}

/**
 * Merges two partial rows of one key. A column absent or null in a partial row contributes
 * nothing. The order columns of a group merge as the group does.
 */
export function mergeRows(table: TableSpec, a: Row, b: Row): Row {
  const merged: Row = {}
  for (const [column, merge] of Object.entries(table.columns)) {
    const x = a[column] ?? null
    const y = b[column] ?? null
    if (merge === 'key') merged[column] = x ?? y
    else if (merge === 'sum') merged[column] = Number(x ?? 0) + Number(y ?? 0)
    else if (x === null) merged[column] = y
    else if (y === null) merged[column] = x
    else if (merge === 'min') merged[column] = Math.min(Number(x), Number(y))
    else if (merge === 'max') merged[column] = Math.max(Number(x), Number(y))
    else if ('first' in merge) merged[column] = before(b, a, merge.first) ? y : x
    else merged[column] = before(a, b, merge.last) ? y : x
  }
  return merged
}

/** A row with every column present (nulls and zero sums for what no statement set). */
export function completeRow(table: TableSpec, row: Row): Row {
  const full: Row = {}
  for (const [column, merge] of Object.entries(table.columns))
    full[column] = row[column] ?? (merge === 'sum' ? 0 : null)
  return full
}
