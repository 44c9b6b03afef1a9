import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { createLineWriter, listJsonlFiles, readJsonlLines, type JsonlLine } from './jsonl.js'

const dir = mkdtempSync(join(tmpdir(), 'almanac-jsonl-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function readAll(file: string, from?: { offset: number; line: number }) {
  const lines: JsonlLine[] = []
  for await (const line of readJsonlLines(file, from)) lines.push(line)
  return lines
}

describe('readJsonlLines', () => {
  it('gives each line with its number and the byte offset where the next one starts', async () => {
    const file = join(dir, 'a.jsonl')
    // Multi-byte characters: offsets are bytes, not characters.
    writeFileSync(file, '{"a":"é"}\n\r\n{"b":2}\r\n{"c":3}')
    const lines = await readAll(file)
    expect(lines.map((l) => [l.text, l.number, l.end])).toEqual([
      ['{"a":"é"}', 1, 11],
      ['', 2, 13],
      ['{"b":2}', 3, 22],
      ['{"c":3}', 4, 29],
    ])
  })

  it('resumes at a stored offset with the right line numbers', async () => {
    const file = join(dir, 'b.jsonl')
    writeFileSync(file, '1\n22\n333\n')
    const all = await readAll(file)
    const second = all[1]!
    const rest = await readAll(file, { offset: second.end, line: second.number })
    expect(rest.map((l) => [l.text, l.number])).toEqual([['333', 3]])
  })

  it('reads lines longer than one read chunk', async () => {
    const file = join(dir, 'c.jsonl')
    const long = 'x'.repeat(3 * (1 << 20))
    writeFileSync(file, `${long}\nshort\n`)
    const lines = await readAll(file)
    expect(lines.map((l) => l.text.length)).toEqual([long.length, 5])
    expect(lines[1]?.end).toBe(long.length + 7)
  })
})

describe('listJsonlFiles', () => {
  it('lists the *.jsonl files of a directory in name order, or a file itself', async () => {
    const folder = join(dir, 'folder')
    await mkdir(folder)
    for (const name of ['b.jsonl', 'a.jsonl', 'notes.txt', 'c.jsonl.almanac-import'])
      writeFileSync(join(folder, name), '')
    expect(await listJsonlFiles(folder)).toEqual([join(folder, 'a.jsonl'), join(folder, 'b.jsonl')])
    expect(await listJsonlFiles(join(folder, 'notes.txt'))).toEqual([join(folder, 'notes.txt')])
  })
})

describe('createLineWriter', () => {
  it('writes every line, in order, in large writes', async () => {
    const stream = new PassThrough()
    const chunks: string[] = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()))
    const writer = createLineWriter(stream, 100)
    for (let i = 0; i < 50; i++) await writer.write(`line ${i}`)
    await writer.flush()
    const text = chunks.join('')
    expect(text.split('\n').slice(0, -1)).toEqual(Array.from({ length: 50 }, (_, i) => `line ${i}`))
    expect(chunks.length).toBeLessThan(50)
  })
})
