/** ECharts, tree-shaken (only the charts and components the console uses), on canvas. */
import {
  BarChart,
  BoxplotChart,
  FunnelChart,
  HeatmapChart,
  LineChart,
  PieChart,
} from 'echarts/charts'
import {
  AriaComponent,
  DatasetComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components'
import * as echarts from 'echarts/core'
import type { EChartsCoreOption } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'
import { useEffect, useRef } from 'react'

echarts.use([
  BarChart,
  BoxplotChart,
  FunnelChart,
  HeatmapChart,
  LineChart,
  PieChart,
  AriaComponent,
  DatasetComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  VisualMapComponent,
  CanvasRenderer,
])

export type ChartOption = EChartsCoreOption

/** The house palette: distinguishable, with enough contrast on white. */
export const PALETTE = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#dc2626', '#0891b2', '#4b5563']

export function Chart({
  option,
  label,
  height = 280,
}: {
  option: ChartOption
  label: string
  height?: number
}) {
  const element = useRef<HTMLDivElement>(null)
  const instance = useRef<echarts.ECharts | undefined>(undefined)

  useEffect(() => {
    if (element.current === null) return undefined
    const chart = echarts.init(element.current, undefined, { renderer: 'canvas' })
    instance.current = chart
    const resize = new ResizeObserver(() => chart.resize())
    resize.observe(element.current)
    return () => {
      resize.disconnect()
      chart.dispose()
      instance.current = undefined
    }
  }, [])

  useEffect(() => {
    // Tooltips are rendered as text (renderMode 'richText' draws them on the canvas), so no
    // statement content ever becomes HTML.
    instance.current?.setOption(
      {
        color: PALETTE,
        aria: { enabled: true },
        animationDuration: 300,
        textStyle: { fontFamily: 'system-ui, sans-serif' },
        ...option,
        tooltip: { renderMode: 'richText', ...(option['tooltip'] as object | undefined) },
      },
      true,
    )
  }, [option])

  return (
    <div
      ref={element}
      className="chart"
      role="img"
      aria-label={label}
      data-chart={label}
      style={{ height }}
    />
  )
}
