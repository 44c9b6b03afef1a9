/**
 * @module The bench's load generator: a separate process that replays JSONL statements against
 * an xAPI endpoint (ingest) or fires GET queries (latency), and prints one JSON result line.
 */
import { createReadStream } from 'node:fs'
import { Agent, request } from 'node:http'
import { createInterface } from 'node:readline'

export interface IngestJob {
  kind: 'ingest'
  endpoint: string
  /**
   * Several server processes behind one client, as a load balancer spreads one population of
   * clients over them: worker i sends to `endpoints[i % n]` (then `endpoint` is not used). One
   * generator for any number of processes keeps the client's own CPU, on a machine it shares
   * with the servers, the same whether one process or two serve the load.
   */
  endpoints?: readonly string[]
  authorization: string
  file: string
  /** Lines of the file to skip before this job's statements. */
  skip: number
  count: number
  /** 1 = single statement per request (sent as an object, not an array). */
  batchSize: number
  concurrency: number
}

export interface QueryJob {
  kind: 'query'
  endpoint: string
  authorization: string
  /** Paths relative to the endpoint, fired round-robin. */
  paths: string[]
  requests: number
  concurrency: number
  /** Follow `more` links this many pages deep per request (deep paging). */
  followMore?: number
}

export interface JobResult {
  requests: number
  statements: number
  seconds: number
  latenciesMs: { p50: number; p95: number; p99: number; max: number }
  errors: number
  firstError?: string
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0
  const i = Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))
  return sorted[i] ?? 0
}

function summarise(
  latencies: number[],
  statements: number,
  seconds: number,
  errors: number,
  firstError?: string,
): JobResult {
  latencies.sort((a, b) => a - b)
  return {
    requests: latencies.length,
    statements,
    seconds,
    latenciesMs: {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1] ?? 0,
    },
    errors,
    ...(firstError === undefined ? {} : { firstError }),
  }
}

async function* batches(job: IngestJob): AsyncGenerator<string[]> {
  const lines = createInterface({ input: createReadStream(job.file), crlfDelay: Infinity })
  let index = 0
  let taken = 0
  let batch: string[] = []
  for await (const line of lines) {
    if (line.trim() === '') continue
    if (index++ < job.skip) continue
    batch.push(line)
    taken++
    if (batch.length === job.batchSize) {
      yield batch
      batch = []
    }
    if (taken === job.count) break
  }
  if (batch.length > 0) yield batch
  lines.close()
}

/**
 * One POST over node:http with a kept-alive agent. The generator shares the machine with the
 * server, so its own cost per request counts against the server's figures: undici's `fetch`
 * (web streams, a Request and a Response object per call) took about as much CPU per request
 * as the server did, node:http a fraction of it.
 */
function post(
  agent: Agent,
  url: URL,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(body)
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { ...headers, 'Content-Length': String(payload.length) },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
        )
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}

async function runIngest(job: IngestJob): Promise<JobResult> {
  const headers = {
    Authorization: job.authorization,
    'X-Experience-API-Version': '2.0.0',
    'Content-Type': 'application/json',
  }
  const endpoints = job.endpoints ?? [job.endpoint]
  const targets = endpoints.map((endpoint) => ({
    agent: new Agent({
      keepAlive: true,
      maxSockets: Math.ceil(job.concurrency / endpoints.length),
    }),
    url: new URL(`${endpoint}/statements`),
  }))
  const source = batches(job)
  const latencies: number[] = []
  let statements = 0
  let errors = 0
  let firstError: string | undefined
  const started = performance.now()
  async function worker(_: unknown, i: number): Promise<void> {
    const { agent, url } = targets[i % targets.length]!
    for (;;) {
      const next = await source.next()
      if (next.done === true) return
      const body = job.batchSize === 1 ? next.value[0]! : `[${next.value.join(',')}]`
      const t0 = performance.now()
      // A kept-alive connection the server closed while idle fails once with ECONNRESET;
      // statements carry ids, so sending the batch again is safe (an equivalent re-send is a no-op).
      const send = () => post(agent, url, headers, body)
      const { status, text } = await send().catch(send)
      latencies.push(performance.now() - t0)
      if (status === 200) statements += next.value.length
      else {
        errors++
        firstError ??= `${status} ${text.slice(0, 300)}`
      }
    }
  }
  await Promise.all(Array.from({ length: job.concurrency }, worker))
  for (const { agent } of targets) agent.destroy()
  return summarise(latencies, statements, (performance.now() - started) / 1000, errors, firstError)
}

async function runQueries(job: QueryJob): Promise<JobResult> {
  const headers = { Authorization: job.authorization, 'X-Experience-API-Version': '2.0.0' }
  const base = new URL(job.endpoint)
  const latencies: number[] = []
  let statements = 0
  let errors = 0
  let firstError: string | undefined
  let issued = 0
  const started = performance.now()
  async function worker(): Promise<void> {
    while (issued < job.requests) {
      const path = job.paths[issued++ % job.paths.length]!
      let url = `${job.endpoint}${path}`
      for (let page = 0; page <= (job.followMore ?? 0); page++) {
        const t0 = performance.now()
        const res = await fetch(url, { headers }).catch(() => fetch(url, { headers }))
        const text = await res.text()
        latencies.push(performance.now() - t0)
        if (res.status !== 200) {
          errors++
          firstError ??= `${res.status} ${text.slice(0, 300)}`
          break
        }
        const body = JSON.parse(text) as { statements: unknown[]; more: string }
        statements += body.statements.length
        if (body.more === '') break
        url = new URL(body.more, base.origin).toString()
      }
    }
  }
  await Promise.all(Array.from({ length: job.concurrency }, worker))
  return summarise(latencies, statements, (performance.now() - started) / 1000, errors, firstError)
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as IngestJob | QueryJob
  const result = job.kind === 'ingest' ? await runIngest(job) : await runQueries(job)
  process.stdout.write(JSON.stringify(result) + '\n')
}

await main()
