import { describe, expect, it } from 'vitest'
import { createProgress } from './progress-bar.js'

function capture(isTTY: boolean) {
  const writes: string[] = []
  return { writes, terminal: { isTTY, write: (text: string) => writes.push(text) } }
}

describe('createProgress', () => {
  it('prints plain periodic lines when stderr is not a terminal', () => {
    let now = 0
    const { writes, terminal } = capture(false)
    const progress = createProgress(terminal, {
      label: 'import',
      unit: 'statements',
      totalBytes: 2_000_000,
      intervalSeconds: 5,
      now: () => now,
    })
    now = 1000
    progress.update(1000, 500_000) // within 5 s of the start: not printed
    now = 5000
    progress.update(5000, 500_000)
    now = 7000
    progress.update(7000, 2_000_000) // within 5 s of the last line
    progress.finish()
    expect(writes.every((w) => w.endsWith('\n') && !w.includes('\r'))).toBe(true)
    expect(writes).toHaveLength(2)
    expect(writes[0]).toContain('5,000 statements')
    expect(writes[0]).toContain('0.5/2.0 MB')
    expect(writes[0]).toContain('1,000 statements/s')
    expect(writes[0]).toContain('25.0%')
    expect(writes[1]).toContain('7,000 statements')
    expect(writes[1]).toContain('100.0%')
  })

  it('redraws one line with a bar on a terminal, and keeps logged lines above it', () => {
    let now = 0
    const { writes, terminal } = capture(true)
    const progress = createProgress(terminal, {
      label: 'simulate',
      unit: 'statements',
      totalItems: 100,
      now: () => now,
    })
    now = 500
    progress.update(50)
    progress.log('a.jsonl:3: not JSON')
    progress.finish()
    const ERASE_LINE = '\r\u001b[2K'
    expect(writes[0]?.startsWith(ERASE_LINE)).toBe(true)
    expect(writes[0]?.slice(ERASE_LINE.length)).toMatch(/^\[#{12}-{12}\] +simulate: 50 statements/)
    expect(writes).toContain('a.jsonl:3: not JSON\n')
    expect(writes.at(-1)).toMatch(/simulate: 50 statements.*50\.0%.*\n$/)
  })
})
