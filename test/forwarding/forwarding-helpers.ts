/** @module Shared steps of the forwarding tests: loopback HTTP receivers, admin calls, waiting. */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

export interface Received {
  at: number
  headers: IncomingMessage['headers']
  body: string
  status: number
}

export interface Receiver {
  readonly url: string
  readonly requests: Received[]
  /** The status the next requests get (200 by default). */
  answer: number
  close(): Promise<void>
}

/** An HTTP server on 127.0.0.1 (loopback only) recording every request. */
export async function startReceiver(): Promise<Receiver> {
  const requests: Received[] = []
  const receiver = { answer: 200 }
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const status = receiver.answer
      requests.push({
        at: Date.now(),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        status,
      })
      res.writeHead(status, { 'Content-Type': 'application/json' })
      res.end(status === 200 ? '[]' : '{"error":"receiver says no"}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  })
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}
