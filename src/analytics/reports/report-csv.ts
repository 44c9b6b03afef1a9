/** @module Reports as CSV (RFC 4180): each report's main table, one row per line. */

type Cells = Record<string, unknown>

function cell(value: unknown): string {
  if (value === null || value === undefined) return ''
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : JSON.stringify(value)
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

export function table(rows: readonly Cells[]): string {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))]
  const lines = [columns.map(cell).join(',')]
  for (const row of rows) lines.push(columns.map((c) => cell(row[c])).join(','))
  return `${lines.join('\r\n')}\r\n`
}

/** The rows a report's CSV holds: its main table (named per report in the OpenAPI document). */
export function csvRows(report: Record<string, unknown>): Cells[] {
  const get = (path: string): unknown =>
    path
      .split('.')
      .reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], report)
  switch (report['report']) {
    case 'overview':
      return get('series') as Cells[]
    case 'course':
      return get('learners.rows') as Cells[]
    case 'learner':
      return get('sessions') as Cells[]
    case 'items':
      return get('items') as Cells[]
    case 'pages':
      return get('pages') as Cells[]
    case 'objectives':
      return get('matrix.cells') as Cells[]
    default:
      return [report]
  }
}

export function reportCsv(report: { report: string }): string {
  return table(csvRows(report) ?? [])
}
