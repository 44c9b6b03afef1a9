/**
 * @module The checkpoint of an import (`FILE.almanac-import` beside the file): how far the
 * statements are committed, so an interrupted import resumes there.
 */
import { createHash } from 'node:crypto'
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises'

export interface ImportCheckpoint {
  /** Byte offset just past the last line of the last committed batch. */
  readonly offset: number
  /** Number of that line. */
  readonly line: number
  /** SHA-256 of up to 4 KiB before `offset`: the file must still hold those bytes to resume. */
  readonly tail: string
}

const TAIL_BYTES = 4096

export function checkpointPath(file: string): string {
  return `${file}.almanac-import`
}

async function tailDigest(file: string, offset: number): Promise<string> {
  const start = Math.max(0, offset - TAIL_BYTES)
  const handle = await open(file, 'r')
  try {
    const buffer = Buffer.alloc(offset - start)
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start)
    return createHash('sha256').update(buffer.subarray(0, bytesRead)).digest('hex')
  } finally {
    await handle.close()
  }
}

/** A checkpoint at `offset` (after line `line`) of `file`. */
export async function makeCheckpoint(
  file: string,
  offset: number,
  line: number,
): Promise<ImportCheckpoint> {
  return { offset, line, tail: await tailDigest(file, offset) }
}

/**
 * The checkpoint of `file`, if there is one and it still fits the file (the bytes before its
 * offset are unchanged: appending to the file keeps it, editing what was imported does not).
 */
export async function readCheckpoint(file: string): Promise<ImportCheckpoint | undefined> {
  let text: string
  try {
    text = await readFile(checkpointPath(file), 'utf8')
  } catch {
    return undefined
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined
  const { offset, line, tail } = parsed as Record<string, unknown>
  if (typeof offset !== 'number' || typeof line !== 'number' || typeof tail !== 'string')
    return undefined
  try {
    if ((await tailDigest(file, offset)) !== tail) return undefined
  } catch {
    return undefined
  }
  return { offset, line, tail }
}

/** Replaces the checkpoint atomically (write, then rename), so a crash never leaves half of one. */
export async function writeCheckpoint(file: string, checkpoint: ImportCheckpoint): Promise<void> {
  const path = checkpointPath(file)
  await writeFile(`${path}.tmp`, `${JSON.stringify(checkpoint)}\n`)
  await rename(`${path}.tmp`, path)
}

export async function removeCheckpoint(file: string): Promise<void> {
  await rm(checkpointPath(file), { force: true })
}
