/**
 * @module Chart options the console's pages share. Plain objects, apart from chart.tsx, which
 * loads ECharts and is split from the main bundle (components.tsx imports it lazily).
 */
import type { ChartOption } from './chart'

/**
 * One bar per labelled row, top to bottom in the given order (rankings, pages in course order):
 * the option the console's list-like charts of counts share (whole numbers on the axis).
 * `left` is the room kept for the labels.
 */
export function barList(
  labels: readonly string[],
  series: { readonly name: string; readonly data: readonly (number | null)[] },
  left = 180,
): ChartOption {
  return {
    tooltip: { trigger: 'axis' },
    grid: { left, right: 24, top: 8, bottom: 24 },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', inverse: true, data: labels },
    series: [{ name: series.name, type: 'bar', data: series.data }],
  }
}
