/** Tables as CSV (RFC 4180), for the download next to every chart. */

export type Cell = string | number | boolean | null | undefined

export interface Table {
  columns: string[]
  rows: Cell[][]
}

function csvCell(value: Cell): string {
  if (value === null || value === undefined) return ''
  let text = String(value)
  // A cell starting with = + - @ (or tab/CR) is a formula in spreadsheets (OWASP CSV injection).
  if (/^[=+\-@\t\r]/.test(text) && typeof value === 'string') text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

export function toCsv(table: Table): string {
  return (
    [table.columns, ...table.rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n'
  )
}

/** Offers `table` as a file download (a Blob URL: no data in the page's markup). */
export function downloadCsv(table: Table, name: string): void {
  const blob = new Blob([toCsv(table)], { type: 'text/csv;charset=utf-8' })
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.csv`
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
