/** @module Reads a password for a command: from the terminal without echo, or from standard input. */
import { createInterface } from 'node:readline'
import { BadRequestError } from '../errors/errors.js'

/** One line typed on a raw-mode terminal, not echoed; Ctrl-C or Ctrl-D aborts. */
function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin
  process.stderr.write(prompt)
  return new Promise((resolve, reject) => {
    let value = ''
    const finish = (error?: Error) => {
      stdin.setRawMode(false)
      stdin.pause()
      stdin.off('data', onData)
      process.stderr.write('\n')
      if (error === undefined) resolve(value)
      else reject(error)
    }
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish()
        if (char === '\u0003' || char === '\u0004') return finish(BadRequestError('aborted'))
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1)
        else value += char
      }
    }
    stdin.setRawMode(true)
    stdin.resume()
    stdin.on('data', onData)
  })
}

/** The first line of a piped standard input. */
async function readFirstLine(): Promise<string> {
  const lines = createInterface({ input: process.stdin })
  for await (const line of lines) {
    lines.close()
    return line
  }
  return ''
}

/**
 * A new password: asked twice on a terminal (a typo would lock the account out), else the first
 * line of standard input (`echo "$PW" | almanac admin create …`).
 */
export async function readPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) return readFirstLine()
  const first = await readHidden(prompt)
  const second = await readHidden('again: ')
  if (first !== second) throw BadRequestError('the passwords differ')
  return first
}
