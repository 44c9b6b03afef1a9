/** @module Small descriptive statistics for reports (analytics-definitions.md §3, §7). */

export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null
  let sum = 0
  for (const v of values) sum += v
  return sum / values.length
}

/** The median: the middle value, or the mean of the two middle values. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? null)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

/** Population standard deviation. */
export function sd(values: readonly number[]): number | null {
  const m = mean(values)
  if (m === null) return null
  let sum = 0
  for (const v of values) sum += (v - m) ** 2
  return Math.sqrt(sum / values.length)
}

export interface Histogram {
  /** Lower bound of each bin; bin i is [from, from + width), the last one closed. */
  bins: { from: number; to: number; count: number }[]
}

/** Ten equal bins over [0, 1]; values below 0 go to the first bin, above 1 to the last. */
export function scoreHistogram(values: readonly number[], binCount = 10): Histogram {
  const bins = Array.from({ length: binCount }, (_, i) => ({
    from: round(i / binCount),
    to: round((i + 1) / binCount),
    count: 0,
  }))
  for (const v of values) {
    const i = Math.min(binCount - 1, Math.max(0, Math.floor(v * binCount + 1e-9)))
    const bin = bins[i]
    if (bin !== undefined) bin.count += 1
  }
  return { bins }
}

/**
 * Rounds to 6 decimals: reports compare equal however the sums were ordered. A result that
 * rounds to zero from below is 0, not −0 (JSON writes both as 0; a difference of order 1e-16
 * between two ways of summing must not show in the objects either).
 */
export function round(value: number): number {
  return Math.round(value * 1e6) / 1e6 + 0
}

export function roundOrNull(value: number | null): number | null {
  return value === null ? null : round(value)
}

export function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : round(numerator / denominator)
}

export function summary(values: readonly number[]): {
  n: number
  mean: number | null
  median: number | null
  sd: number | null
} {
  return {
    n: values.length,
    mean: roundOrNull(mean(values)),
    median: roundOrNull(median(values)),
    sd: roundOrNull(sd(values)),
  }
}
