/** @module ISO 8601 durations (Data §4.6) for `result.duration`. */

/**
 * Milliseconds as an ISO 8601 duration in hours, minutes and seconds, the seconds to 0.01 s
 * (the precision xAPI 2.0 keeps, Data §4.6): 75_500 → `PT1M15.5S`, 0 → `PT0S`.
 */
export function isoDuration(ms: number): string {
  const centis = Math.max(0, Math.round(ms / 10))
  const hours = Math.floor(centis / 360_000)
  const minutes = Math.floor((centis % 360_000) / 6_000)
  const seconds = (centis % 6_000) / 100
  let text = 'PT'
  if (hours > 0) text += `${hours}H`
  if (minutes > 0) text += `${minutes}M`
  if (seconds > 0 || (hours === 0 && minutes === 0)) text += `${seconds}S`
  return text
}
