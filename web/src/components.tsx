/** Shared pieces: chart cards with their numbers and CSV, tables, KPIs, empty and error states. */
import { lazy, Suspense, useId, useState, type ReactNode } from 'react'
import { ApiError } from './api'
import type { ChartOption } from './chart'
import { downloadCsv, type Cell, type Table } from './csv'
import { numberFormat } from './format'

/** ECharts is most of the code: loaded after the first paint, only by pages that draw charts. */
const Chart = lazy(() => import('./chart').then((module) => ({ default: module.Chart })))

/** A chart with its numbers one click away (the table is also its text alternative) and a CSV. */
export function ChartCard(props: {
  title: string
  option: ChartOption
  table: Table
  csvName: string
  description?: string
  height?: number
  /** Drill-down from a row of the table (by index). */
  rowAction?: { label: (index: number) => string; run: (index: number) => void }
}) {
  const [showTable, setShowTable] = useState(false)
  const tableId = useId()
  const empty = props.table.rows.length === 0
  return (
    <section className="card" aria-label={props.title}>
      <header className="card-head">
        <h2>{props.title}</h2>
        <div className="card-actions">
          <button
            type="button"
            className="link-button"
            aria-expanded={showTable}
            aria-controls={tableId}
            onClick={() => setShowTable((shown) => !shown)}
            disabled={empty}
          >
            {showTable ? 'Show chart' : 'Show numbers'}
          </button>
          <button
            type="button"
            className="link-button"
            onClick={() => downloadCsv(props.table, props.csvName)}
            disabled={empty}
          >
            Download CSV
          </button>
        </div>
      </header>
      {props.description === undefined ? null : <p className="muted">{props.description}</p>}
      {empty ? (
        <p className="empty-chart">No data in this time window.</p>
      ) : showTable ? (
        <div id={tableId}>
          <DataTable
            table={props.table}
            caption={props.title}
            {...(props.rowAction === undefined
              ? {}
              : { onRow: props.rowAction.run, rowLabel: props.rowAction.label })}
          />
        </div>
      ) : (
        <Suspense fallback={<div className="chart" style={{ height: props.height ?? 280 }} />}>
          <Chart
            option={props.option}
            label={props.title}
            {...(props.height === undefined ? {} : { height: props.height })}
          />
        </Suspense>
      )}
    </section>
  )
}

function cellText(value: Cell): string {
  if (value === null || value === undefined) return '—'
  if (typeof value === 'number') return numberFormat.format(value)
  return String(value)
}

export function DataTable(props: {
  table: Table
  caption: string
  /** Makes a row clickable (keyboard too): drill-down. */
  onRow?: (index: number) => void
  rowLabel?: (index: number) => string
}) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="sr-only">{props.caption}</caption>
        <thead>
          <tr>
            {props.table.columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.table.rows.map((row, index) => (
            <tr key={index}>
              {row.map((cell, column) => (
                <td key={column} className={typeof cell === 'number' ? 'num' : undefined}>
                  {column === 0 && props.onRow !== undefined ? (
                    <button
                      type="button"
                      className="link-button"
                      onClick={() => props.onRow?.(index)}
                      aria-label={props.rowLabel?.(index)}
                    >
                      {cellText(cell)}
                    </button>
                  ) : (
                    cellText(cell)
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

export function Kpis({ items }: { items: { label: string; value: string; hint?: string }[] }) {
  return (
    <dl className="kpis">
      {items.map((item) => (
        <div key={item.label} className="kpi">
          <dt>{item.label}</dt>
          <dd>{item.value}</dd>
          {item.hint === undefined ? null : <span className="muted small">{item.hint}</span>}
        </div>
      ))}
    </dl>
  )
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  )
}

export function ErrorNote({ error }: { error: unknown }) {
  const message =
    error instanceof ApiError
      ? `${error.message} (${error.code})`
      : error instanceof Error
        ? error.message
        : String(error)
  return (
    <p className="error" role="alert">
      Something went wrong: {message}
    </p>
  )
}

/** What to do when a store has no statements yet: its endpoint and a curl that sends one. */
export function NoStatementsYet({ storeName }: { storeName: string }) {
  const endpoint = `${window.location.origin}/xapi/`
  const curl = [
    `curl -u "$KEY:$SECRET" -H 'X-Experience-API-Version: 2.0.0' \\`,
    `  -H 'Content-Type: application/json' -X POST ${endpoint}statements \\`,
    `  -d '{"actor":{"mbox":"mailto:ada@example.com","name":"Ada"},`,
    `       "verb":{"id":"http://adlnet.gov/expapi/verbs/completed","display":{"en-US":"completed"}},`,
    `       "object":{"id":"https://example.com/courses/intro","definition":{"name":{"en-US":"Intro"}}}}'`,
  ].join('\n')
  return (
    <section className="card empty-state">
      <h2>No statements in “{storeName}” yet</h2>
      <p>
        Point your LMS or course at the xAPI endpoint <code>{endpoint}</code> with a credential of
        this store (create one under <strong>Administration</strong>), or send a first statement
        yourself:
      </p>
      <pre className="code">{curl}</pre>
      <p className="muted">
        Loading many at once: <code>npx almanac import FILE.jsonl --store ID</code>; a realistic
        sample: <code>npx almanac simulate --out demo.jsonl</code>.
      </p>
    </section>
  )
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="page-head">
      <h1>{title}</h1>
      {children}
    </div>
  )
}
