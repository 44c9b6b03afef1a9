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

/** One comment line: `# name: value` on a single line (line breaks in the value become spaces). */
function comment(name: string, value: unknown): string {
  const text =
    typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : value === null || value === undefined
        ? ''
        : JSON.stringify(value)
  return `# ${name}: ${text.replace(/[\r\n]+/g, ' ')}`
}

/**
 * The envelope as leading `#` comment lines, then the main table: the report's name, store,
 * window, `asOf`, `lagSeconds`, `caughtUp` and every definition it used, so a CSV on its own
 * says what it holds and how fresh it is (docs/analytics.md, "CSV"). Spreadsheet and data-frame
 * readers skip them with a comment character of `#` (pandas `comment='#'`, R `comment.char`).
 */
function preamble(report: Record<string, unknown>): string {
  const window = (report['window'] ?? {}) as { since?: string | null; until?: string | null }
  const lines = [
    comment('report', report['report']),
    comment('storeId', report['storeId']),
    comment('since', window.since ?? '(open)'),
    comment('until', window.until ?? '(open)'),
    comment('asOf', report['asOf'] ?? '(nothing projected yet)'),
    comment('lagSeconds', report['lagSeconds']),
    comment('caughtUp', report['caughtUp']),
    ...cohortLines(report),
    ...Object.entries((report['definitions'] ?? {}) as Record<string, string>).map(([k, v]) =>
      comment(`definition ${k}`, v),
    ),
  ]
  return `${lines.join('\r\n')}\r\n`
}

/**
 * The cohort a report was restricted to (`cohortFilter`; the overview's `cohort` object) or
 * compared with (`cohortComparison`), so a cohort's CSV does not pass for everyone's.
 */
function cohortLines(report: Record<string, unknown>): string[] {
  const overview = report['cohort']
  const filter = (report['cohortFilter'] ??
    (typeof overview === 'object' && overview !== null ? overview : undefined)) as
    { id: number; name: string; rule: string; people: number } | undefined
  const compared = report['cohortComparison'] as
    { id: number; name: string; rule: string; people: number } | undefined
  const describe = (c: { id: number; name: string; rule: string; people: number }) =>
    `${c.id} ${c.name} (${c.rule}; ${c.people} people)`
  return [
    ...(filter === undefined ? [] : [comment('cohort', describe(filter))]),
    ...(compared === undefined ? [] : [comment('compared with cohort', describe(compared))]),
  ]
}

export function reportCsv(report: { report: string }): string {
  const all = report as unknown as Record<string, unknown>
  return preamble(all) + table(csvRows(all) ?? [])
}
