/** @module JSON Lines files (one JSON value per line): streaming reads with byte offsets, buffered writes. */
import { createReadStream } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Writable } from 'node:stream'

/** One line of a JSONL file. */
export interface JsonlLine {
  /** The line without its line break (a trailing `\r` is dropped too). */
  readonly text: string
  /** 1-based line number in the file. */
  readonly number: number
  /** The byte offset just past this line's line break: where the next line starts. */
  readonly end: number
}

/** Where reading starts: a byte offset at the start of a line, and that line's number − 1. */
export interface JsonlPosition {
  readonly offset: number
  readonly line: number
}

const NEWLINE = 0x0a

/**
 * The lines of `file` from `from` on, read in large chunks (constant memory whatever the file
 * size; one line must fit in memory). Offsets are bytes, so a position can be stored and
 * reading resumed exactly there.
 */
export async function* readJsonlLines(
  file: string,
  from: JsonlPosition = { offset: 0, line: 0 },
): AsyncGenerator<JsonlLine, void, undefined> {
  let pending: Buffer = Buffer.alloc(0)
  /** File offset of pending[0]. */
  let base = from.offset
  let number = from.line
  const lineOf = (bytes: Buffer, start: number, stop: number, end: number): JsonlLine => {
    let last = stop
    if (last > start && bytes[last - 1] === 0x0d) last -= 1
    number += 1
    return { text: bytes.toString('utf8', start, last), number, end }
  }
  for await (const chunk of createReadStream(file, {
    start: from.offset,
    highWaterMark: 1 << 20,
  })) {
    const bytes =
      pending.length === 0 ? (chunk as Buffer) : Buffer.concat([pending, chunk as Buffer])
    let start = 0
    for (let at = bytes.indexOf(NEWLINE, start); at >= 0; at = bytes.indexOf(NEWLINE, start)) {
      yield lineOf(bytes, start, at, base + at + 1)
      start = at + 1
    }
    pending = bytes.subarray(start)
    base += start
  }
  if (pending.length > 0) yield lineOf(pending, 0, pending.length, base + pending.length)
}

/** A file: itself. A directory: its `*.jsonl` files in name order (not recursive). */
export async function listJsonlFiles(path: string): Promise<string[]> {
  const info = await stat(path)
  if (!info.isDirectory()) return [path]
  const names = await readdir(path)
  return names
    .filter((name) => name.endsWith('.jsonl'))
    .sort()
    .map((name) => join(path, name))
}

/** Writes lines to a stream in large writes, waiting for the stream when it is saturated. */
export interface LineWriter {
  write(line: string): Promise<void>
  /** Writes what is buffered (does not end the stream). */
  flush(): Promise<void>
  /** True once the stream is gone (e.g. the reader of a pipe quit): stop producing. */
  readonly closed: boolean
}

/**
 * A writer of lines to `stream`. When the reader of a pipe quits (`almanac simulate | head`),
 * writing fails with EPIPE: that is how a pipe says "enough", so the writer drops the rest and
 * reports `closed`, and the command stops. Other stream errors are thrown by the next call.
 */
export function createLineWriter(stream: Writable, bufferBytes = 1 << 16): LineWriter {
  let buffer: string[] = []
  let size = 0
  let broken = false
  let failure: Error | undefined
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') broken = true
    else failure ??= error
  })
  const closed = (): boolean => broken || stream.destroyed
  const rethrow = (): void => {
    if (failure !== undefined) throw failure
  }
  const flush = async (): Promise<void> => {
    rethrow()
    if (buffer.length === 0) return
    const text = buffer.join('')
    buffer = []
    size = 0
    if (closed() || stream.write(text)) return
    await new Promise<void>((resolve) => {
      const done = () => {
        stream.off('drain', done)
        stream.off('close', done)
        stream.off('error', done)
        resolve()
      }
      stream.once('drain', done)
      stream.once('close', done)
      stream.once('error', done)
    })
    rethrow()
  }
  return {
    async write(line) {
      buffer.push(line, '\n')
      size += line.length + 1
      if (size >= bufferBytes) await flush()
    },
    flush,
    get closed() {
      return closed()
    },
  }
}
