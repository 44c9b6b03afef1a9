/** @module Progress of a long command on stderr: a live bar on a terminal, periodic lines otherwise. */

/** Where progress and diagnostics go (stderr); `isTTY` selects the live bar. */
export interface Terminal {
  write(text: string): unknown
  readonly isTTY?: boolean
}

export interface ProgressOptions {
  readonly label: string
  /** What is counted, plural (`statements`). */
  readonly unit: string
  /** Known total of items, for the percentage and ETA (else of bytes, else none). */
  readonly totalItems?: number
  readonly totalBytes?: number
  /** Seconds between plain lines when not on a terminal. Default 5. */
  readonly intervalSeconds?: number
  readonly now?: () => number
}

export interface Progress {
  /** Items and bytes done so far (absolute, not increments). */
  update(items: number, bytes?: number): void
  /** Clears the bar and prints a last line with the totals. */
  finish(): void
  /** Prints a line above the bar (a diagnostic) without garbling it. */
  log(line: string): void
}

const BAR_WIDTH = 24
const REDRAW_MS = 100

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1)
}

export function createProgress(terminal: Terminal, options: ProgressOptions): Progress {
  const now = options.now ?? (() => Date.now())
  const started = now()
  const interval = (options.intervalSeconds ?? 5) * 1000
  const live = terminal.isTTY === true
  let items = 0
  let bytes = 0
  // The first line comes one interval after the start, not on the first update.
  let lastDrawn = started
  let drawn = false

  const describe = (): string => {
    const seconds = Math.max(0.001, (now() - started) / 1000)
    const rate = Math.round(items / seconds)
    const parts = [`${options.label}: ${items.toLocaleString('en-US')} ${options.unit}`]
    let fraction: number | undefined
    if (options.totalItems !== undefined && options.totalItems > 0)
      fraction = items / options.totalItems
    else if (options.totalBytes !== undefined && options.totalBytes > 0)
      fraction = bytes / options.totalBytes
    if (options.totalBytes !== undefined)
      parts.push(`${megabytes(bytes)}/${megabytes(options.totalBytes)} MB`)
    parts.push(`${rate.toLocaleString('en-US')} ${options.unit}/s`)
    if (fraction !== undefined) {
      const done = Math.min(1, fraction)
      parts.push(`${(done * 100).toFixed(1)}%`)
      if (done > 0 && done < 1) parts.push(`ETA ${Math.ceil((seconds / done) * (1 - done))}s`)
      if (live) {
        const filled = Math.round(done * BAR_WIDTH)
        parts.unshift(`[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`)
      }
    }
    return parts.join('  ')
  }

  const clear = (): void => {
    if (live && drawn) terminal.write('\r\x1b[2K')
    drawn = false
  }

  return {
    update(doneItems, doneBytes) {
      items = doneItems
      if (doneBytes !== undefined) bytes = doneBytes
      const at = now()
      if (at - lastDrawn < (live ? REDRAW_MS : interval)) return
      lastDrawn = at
      if (live) {
        terminal.write(`\r\x1b[2K${describe()}`)
        drawn = true
      } else terminal.write(`${describe()}\n`)
    },
    finish() {
      clear()
      terminal.write(`${describe()}\n`)
    },
    log(line) {
      const redraw = live && drawn
      clear()
      terminal.write(`${line}\n`)
      // Put the bar back at once under the line.
      if (redraw) lastDrawn = -Infinity
    },
  }
}
