/**
 * Erasure of a learner (GDPR Art. 17) through the admin API, on SQLite and PostgreSQL: afterwards
 * no xAPI read (every filter, `more` links issued before, single statements, documents, agents),
 * no export, no report (course, learner, overview; JSON and CSV; the learner looked up by IFI,
 * name or address), no replay of the console's live tail from before (Last-Event-ID) and no table
 * holds any of their identifiers or data; everyone else's data (statements, documents, their
 * reports) is as it was; the audit record lists who, when, what and how many.
 */
import { createHash, randomUUID } from 'node:crypto'
import Database from 'better-sqlite3'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliRequestContext } from '../../src/cli/cli-context.js'
import { createThrowawayDatabase, TEST_POSTGRES_URL } from '../fixtures/throwaway-postgres.js'
import { stableReportCsv, stableReportJson } from '../fixtures/stable-report.js'
import { createTestApp, type TestApp } from './test-app.js'

const ADMIN = { username: 'dpo', password: 'dpo-password-123' }
const ADA_MBOX = 'mailto:ada@example.com'
const ADA_SHA1 = createHash('sha1').update(ADA_MBOX).digest('hex')
const ADA = { objectType: 'Agent', name: 'Ada Lovelace', mbox: ADA_MBOX }
const ADA_BY_SHA1 = { objectType: 'Agent', name: 'Ada Lovelace', mbox_sha1sum: ADA_SHA1 }
const BOB = { objectType: 'Agent', name: 'Bob Bobson', mbox: 'mailto:bob@example.com' }
/** A learner who never meets Ada: everything of hers must stay exactly as it was. */
const CY = { objectType: 'Agent', name: 'Cy Cyrus', mbox: 'mailto:cy@example.com' }
const IAN = { objectType: 'Agent', name: 'Ian Instructor', mbox: 'mailto:ian@example.com' }
const COMPLETED = { id: 'http://adlnet.gov/expapi/verbs/completed' }
const ATTEMPTED = { id: 'http://adlnet.gov/expapi/verbs/attempted' }
const MENTORED = { id: 'http://example.com/verbs/mentored' }
const COMMENTED = { id: 'http://adlnet.gov/expapi/verbs/commented' }
const VOIDED = { id: 'http://adlnet.gov/expapi/verbs/voided' }
const A = 'http://example.com/activities/a'
const B = 'http://example.com/activities/b'
const P = 'http://example.com/activities/parent'
const REGISTRATION = randomUUID()
const CERTIFICATE = 'ADA-PRIVATE-CERTIFICATE-CONTENT'

interface BackendCase {
  name: string
  skip: boolean
  open(): Promise<{
    env: Record<string, string>
    rows(app: TestApp): Promise<string>
    drop(): Promise<void>
  }>
}

/**
 * Every table of the database, whatever module owns it (statements, documents, projections, the
 * people directory, insights, forwarding…): a table added later is scanned without listing it.
 */
const ALL_TABLES_SQLITE = `select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`
const ALL_TABLES_POSTGRES = `select tablename as name from pg_tables where schemaname = current_schema()`

/** Every row of every table holding statement or agent data, as text (blobs as latin1). */
function tableText(rows: unknown[][]): string {
  return rows
    .map((table) =>
      JSON.stringify(table, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('latin1') : v)),
    )
    .join('\n')
}

const BACKEND_CASES: BackendCase[] = [
  {
    name: 'sqlite',
    skip: false,
    open: () =>
      Promise.resolve({
        env: {},
        rows: (app: TestApp) => {
          const db = new Database(app.databaseFile, { readonly: true })
          try {
            return Promise.resolve(
              tableText(
                (db.prepare(ALL_TABLES_SQLITE).all() as { name: string }[]).map(({ name }) =>
                  db.prepare(`select * from "${name}"`).all(),
                ),
              ),
            )
          } finally {
            db.close()
          }
        },
        drop: () => Promise.resolve(),
      }),
  },
  {
    name: 'postgres',
    skip: TEST_POSTGRES_URL === undefined,
    async open() {
      const database = await createThrowawayDatabase(TEST_POSTGRES_URL ?? '')
      return {
        env: { ALMANAC_DATABASE_URL: database.url },
        async rows() {
          const client = new pg.Client({ connectionString: database.url })
          await client.connect()
          try {
            const tables: unknown[][] = []
            const names = (await client.query<{ name: string }>(ALL_TABLES_POSTGRES)).rows
            for (const { name } of names)
              tables.push((await client.query(`select * from "${name}"`)).rows)
            return tableText(tables)
          } finally {
            await client.end()
          }
        },
        drop: () => database.drop(),
      }
    },
  },
]

/** A statement POST with one attachment, as multipart/mixed (Communication §1.5.2). */
function multipart(statement: unknown, content: string) {
  const boundary = 'erasure-test-boundary'
  const body = [
    `--${boundary}`,
    'Content-Type: application/json',
    '',
    JSON.stringify(statement),
    `--${boundary}`,
    'Content-Type: text/plain',
    'Content-Transfer-Encoding: binary',
    `X-Experience-API-Hash: ${createHash('sha256').update(content).digest('hex')}`,
    '',
    content,
    `--${boundary}--`,
    '',
  ].join('\r\n')
  return { body, contentType: `multipart/mixed; boundary=${boundary}` }
}

for (const backend of BACKEND_CASES) {
  describe.skipIf(backend.skip)(`erasure on ${backend.name}`, () => {
    let app: TestApp
    let opened: Awaited<ReturnType<BackendCase['open']>>
    let token: string
    const ids = {
      adaOwn: randomUUID(),
      adaAttempt: randomUUID(),
      adaAttachment: randomUUID(),
      adaSha1: randomUUID(),
      voiding: randomUUID(),
      comment: randomUUID(),
      bobOwn: randomUUID(),
      cyFormal: randomUUID(),
      cyInformal: randomUUID(),
      mentor: randomUUID(),
      team: randomUUID(),
      bobWithAda: randomUUID(),
      planned: randomUUID(),
    }
    const deletedIds: string[] = [
      ids.adaOwn,
      ids.adaAttempt,
      ids.adaAttachment,
      ids.adaSha1,
      ids.voiding,
      ids.comment,
    ]
    const anonymisedIds = [ids.mentor, ids.team, ids.bobWithAda, ids.planned]
    /** Strings that must not appear anywhere once Ada is erased. */
    const secrets = ['ada@example.com', ADA_SHA1, 'Ada Lovelace', CERTIFICATE, ...deletedIds]

    const post = async (statement: unknown) => {
      const response = await app.request('/xapi/statements', { method: 'POST', json: statement })
      expect(response.status, await response.clone().text()).toBe(200)
    }
    const get = async (path: string) => {
      const response = await app.request(path)
      return { status: response.status, text: await response.text() }
    }
    const api = async (path: string, method = 'GET', json?: unknown) => {
      const response = await app.request(`/api${path}`, {
        method,
        auth: null,
        version: null,
        headers: { Authorization: `Bearer ${token}` },
        ...(json === undefined ? {} : { json }),
      })
      const text = await response.text()
      return { status: response.status, body: text === '' ? undefined : JSON.parse(text) }
    }
    /** Every statement a query returns, following `more` to the end; the raw page texts too. */
    const everyPage = async (query: string) => {
      const texts: string[] = []
      const statements: { id: string }[] = []
      let path: string | undefined = `/xapi/statements?${query}`
      while (path !== undefined && path !== '') {
        const page = await get(path)
        expect(page.status, page.text).toBe(200)
        texts.push(page.text)
        const body = JSON.parse(page.text) as { statements: { id: string }[]; more: string }
        statements.push(...body.statements)
        path = body.more
      }
      return { texts, statements }
    }
    const documents = async () => ({
      bobState: await get(
        `/xapi/activities/state?activityId=${encodeURIComponent(A)}&agent=${encodeURIComponent(JSON.stringify(BOB))}&stateId=s1`,
      ),
      bobPerson: await get(`/xapi/agents?agent=${encodeURIComponent(JSON.stringify(BOB))}`),
      activityProfile: await get(
        `/xapi/activities/profile?activityId=${encodeURIComponent(A)}&profileId=p1`,
      ),
    })

    /**
     * The console's live tail replayed from log position `from` (as a reconnecting EventSource
     * does with `Last-Event-ID`, or `?after=` on a first connection): read until the statement
     * `lastId` has come, then a few more poll periods (the test app polls every 20 ms) so that
     * anything after it would show too.
     */
    const sseReplay = async (from: string, lastId: string, how: 'header' | 'query') => {
      const response = await app.request(
        `/api/stores/1/statements/stream${how === 'query' ? `?after=${from}` : ''}`,
        {
          auth: null,
          version: null,
          headers: {
            Authorization: `Bearer ${token}`,
            ...(how === 'header' ? { 'Last-Event-ID': from } : {}),
          },
        },
      )
      expect(response.status).toBe(200)
      const reader = response.body!.getReader()
      const decoder = new TextDecoder()
      let text = ''
      let seenAt: number | undefined
      const deadline = Date.now() + 20_000
      while (seenAt === undefined || Date.now() - seenAt < 300) {
        if (Date.now() > deadline) throw new Error(`the stream never sent ${lastId}:\n${text}`)
        const next = await Promise.race([
          reader.read(),
          new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 100)),
        ])
        if (next?.done === true) break
        if (next?.value !== undefined) text += decoder.decode(next.value, { stream: true })
        if (seenAt === undefined && text.includes(lastId)) seenAt = Date.now()
      }
      await reader.cancel()
      return text
    }
    const sseIds = (text: string) =>
      [...text.matchAll(/^event: statement\ndata: (.*)$/gm)].map(
        (m) => (JSON.parse(m[1]!) as { id: string }).id,
      )
    /** Reports as an admin reads them; the volatile parts (as of, lag) left out. */
    const report = async (path: string) => {
      const response = await app.request(`/api/stores/1/reports/${path}`, {
        auth: null,
        version: null,
        headers: { Authorization: `Bearer ${token}` },
      })
      const text = await response.text()
      return { status: response.status, text }
    }
    const learnerKeys = {
      ada: [`mbox:${ADA_MBOX}`, `mbox_sha1sum:${ADA_SHA1}`, 'Ada Lovelace', 'ada@example.com'],
      cy: 'mbox:mailto:cy@example.com',
    }
    const reportPaths = [
      `course?activity=${encodeURIComponent(A)}`,
      `course?activity=${encodeURIComponent(A)}&format=csv`,
      `course?activity=${encodeURIComponent(B)}`,
      `course?activity=${encodeURIComponent(B)}&format=csv`,
      `course?activity=${encodeURIComponent(P)}`,
      `learner?learner=${encodeURIComponent(learnerKeys.cy)}`,
      `learner?learner=${encodeURIComponent(learnerKeys.cy)}&format=csv`,
      'overview',
      'overview?format=csv',
    ]

    beforeAll(async () => {
      opened = await backend.open()
      app = await createTestApp({
        ...opened.env,
        ALMANAC_ADMIN_USERNAME: ADMIN.username,
        ALMANAC_ADMIN_PASSWORD: ADMIN.password,
      })
      const session = await app.request('/api/session', {
        method: 'POST',
        json: ADMIN,
        auth: null,
        version: null,
      })
      token = ((await session.json()) as { token: string }).token

      const context = {
        registration: REGISTRATION,
        instructor: IAN,
        contextActivities: { parent: [{ id: P }] },
      }
      await post({ id: ids.adaOwn, actor: ADA, verb: COMPLETED, object: { id: A }, context })
      await post({ id: ids.adaAttempt, actor: ADA, verb: ATTEMPTED, object: { id: B } })
      await post({ id: ids.adaSha1, actor: ADA_BY_SHA1, verb: ATTEMPTED, object: { id: A } })
      const withAttachment = multipart(
        {
          id: ids.adaAttachment,
          actor: ADA,
          verb: COMPLETED,
          object: { id: B },
          attachments: [
            {
              usageType: 'http://example.com/certificate',
              display: { 'en-US': 'certificate' },
              contentType: 'text/plain',
              length: CERTIFICATE.length,
              sha2: createHash('sha256').update(CERTIFICATE).digest('hex'),
            },
          ],
        },
        CERTIFICATE,
      )
      const attached = await app.request('/xapi/statements', {
        method: 'POST',
        body: withAttachment.body,
        contentType: withAttachment.contentType,
      })
      expect(attached.status, await attached.clone().text()).toBe(200)
      await post({ id: ids.bobOwn, actor: BOB, verb: COMPLETED, object: { id: A }, context })
      await post({
        id: ids.cyFormal,
        actor: CY,
        verb: COMPLETED,
        object: { id: A },
        result: { score: { scaled: 0.8 }, success: true },
        context: { registration: randomUUID(), platform: 'web' },
      })
      await post({
        id: ids.cyInformal,
        actor: CY,
        verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
        object: { id: B },
        context: { platform: 'video' },
      })
      await post({ id: ids.mentor, actor: IAN, verb: MENTORED, object: ADA })
      await post({
        id: ids.team,
        actor: { objectType: 'Group', name: 'Pair', member: [ADA, BOB] },
        verb: COMPLETED,
        object: { id: A },
      })
      await post({
        id: ids.bobWithAda,
        actor: BOB,
        verb: COMPLETED,
        object: { id: B },
        context: { instructor: ADA, team: { objectType: 'Group', member: [ADA_BY_SHA1, IAN] } },
      })
      await post({
        id: ids.planned,
        actor: IAN,
        verb: { id: 'http://example.com/verbs/planned' },
        object: { objectType: 'SubStatement', actor: ADA, verb: COMPLETED, object: { id: B } },
      })
      await post({
        id: ids.voiding,
        actor: IAN,
        verb: VOIDED,
        object: { objectType: 'StatementRef', id: ids.adaAttempt },
      })
      await post({
        id: ids.comment,
        actor: BOB,
        verb: COMMENTED,
        object: { objectType: 'StatementRef', id: ids.adaOwn },
      })
      const agentQuery = (a: unknown) => encodeURIComponent(JSON.stringify(a))
      for (const [path, body] of [
        [
          `/xapi/activities/state?activityId=${encodeURIComponent(A)}&agent=${agentQuery(ADA)}&stateId=s1`,
          '{"page":7}',
        ],
        [
          `/xapi/activities/state?activityId=${encodeURIComponent(A)}&agent=${agentQuery(ADA)}&registration=${REGISTRATION}&stateId=s2`,
          '{"page":8}',
        ],
        [`/xapi/agents/profile?agent=${agentQuery(ADA)}&profileId=prefs`, '{"lang":"en"}'],
        [
          `/xapi/activities/state?activityId=${encodeURIComponent(A)}&agent=${agentQuery(BOB)}&stateId=s1`,
          '{"page":3}',
        ],
        [`/xapi/activities/profile?activityId=${encodeURIComponent(A)}&profileId=p1`, '{"x":1}'],
      ] as const) {
        const response = await app.request(path, {
          method: 'PUT',
          body,
          contentType: 'application/json',
        })
        expect(response.status, await response.clone().text()).toBe(204)
      }
    })
    afterAll(async () => {
      await app.close()
      await opened.drop()
    })

    it('leaves no trace of the learner anywhere, keeps everyone else, and records the erasure', async () => {
      // Before: everything as stored, a `more` link issued now, and other learners' data.
      const before = await everyPage('ascending=true&limit=100')
      expect(before.statements).toHaveLength(12) // the voided one is not returned
      const firstPage = JSON.parse((await get('/xapi/statements?ascending=true&limit=2')).text)
      expect(firstPage.more).not.toBe('')
      const untouched = before.statements.filter(
        (s) =>
          !deletedIds.includes(s.id) &&
          !secrets.some((secret) => JSON.stringify(s).includes(secret)),
      )
      expect(untouched.map((s) => s.id)).toEqual([ids.bobOwn, ids.cyFormal, ids.cyInformal])
      const documentsBefore = await documents()
      // Reports (analytics projections) show the learner before.
      await app.almanac.projector.catchUp(1)
      const reports = async () => [
        await get('/api/stores/1/reports/overview'),
        await get('/api/stores/1/reports/overview?format=csv'),
      ]
      for (const report of await reports()) expect(report.status, report.text).toBe(200)
      // The live tail replayed from the start carries the learner before.
      const streamBefore = await sseReplay('0', ids.comment, 'header')
      expect(streamBefore).toContain('ada@example.com')
      expect(sseIds(streamBefore)).toContain(ids.adaOwn)
      // So do the course and learner reports, JSON and CSV; Cy's are kept to compare.
      const adaReport = await report(`learner?learner=${encodeURIComponent(learnerKeys.ada[0]!)}`)
      expect(adaReport.status, adaReport.text).toBe(200)
      const reportsBefore = new Map<string, { status: number; text: string }>()
      for (const path of reportPaths) reportsBefore.set(path, await report(path))
      const courseA = reportsBefore.get(reportPaths[0]!)!
      expect(courseA.status, courseA.text).toBe(200)
      expect(courseA.text).toContain(`mbox:${ADA_MBOX}`)
      expect(reportsBefore.get(reportPaths[1]!)!.text).toContain(ADA_MBOX)
      type CourseRows = { learners: { rows: { learner: string }[] } }
      const cyRow = (text: string) =>
        (JSON.parse(text) as CourseRows).learners.rows.find((r) => r.learner === learnerKeys.cy)
      expect(cyRow(courseA.text)).toBeDefined()
      // The projections hold the learner (an_learner_sources is keyed by the learner's IFI).
      expect(await opened.rows(app)).toMatch(/"learner":"mbox:mailto:ada@example.com"/)
      expect((await opened.rows(app)).includes('ada@example.com')).toBe(true)

      const erased = await api(`/stores/1/erasures`, 'POST', { agent: { mbox: ADA_MBOX } })
      expect(erased.status, JSON.stringify(erased.body)).toBe(201)
      expect(erased.body).toMatchObject({
        requestedBy: `admin:${ADMIN.username}`,
        statementsDeleted: 6,
        statementsAnonymised: 4,
        documentsDeleted: 3,
        attachmentsDeleted: 1,
        // Recorded under both IFIs it was sent with: mbox and mbox_sha1sum.
        agentsDeleted: 2,
      })
      expect(Date.now() - Date.parse(erased.body.requestedAt)).toBeLessThan(60_000)
      expect(erased.body.ifiHashes).toEqual([
        createHash('sha256').update(`mbox:${ADA_MBOX}`).digest('hex'),
        createHash('sha256').update(`mbox_sha1sum:${ADA_SHA1}`).digest('hex'),
      ])
      const listed = await api('/stores/1/erasures')
      expect(listed.body).toEqual({ erasures: [erased.body] })

      // Every response after the erasure, collected to be searched.
      const seen: string[] = []
      const keep = (text: string) => {
        seen.push(text)
        return text
      }
      const q = (value: unknown) => encodeURIComponent(JSON.stringify(value))
      const queries = [
        '',
        'ascending=true',
        'limit=1',
        `agent=${q(ADA)}`,
        `agent=${q(ADA)}&related_agents=true`,
        `agent=${q(ADA_BY_SHA1)}&related_agents=true`,
        `agent=${q(IAN)}&related_agents=true`,
        `agent=${q(BOB)}&related_agents=true`,
        `verb=${encodeURIComponent(ATTEMPTED.id)}`,
        `verb=${encodeURIComponent(VOIDED.id)}`,
        `activity=${encodeURIComponent(A)}`,
        `activity=${encodeURIComponent(B)}&related_activities=true`,
        `activity=${encodeURIComponent(P)}&related_activities=true`,
        `registration=${REGISTRATION}`,
        'since=2000-01-01T00:00:00Z',
        'until=2999-01-01T00:00:00Z',
        'format=exact',
        'format=ids',
        'format=canonical',
      ]
      const after = await everyPage('ascending=true&limit=100')
      for (const query of queries) (await everyPage(query)).texts.forEach(keep)
      // With attachments the answer is multipart/mixed: kept raw, content parts included.
      const withAttachments = await get('/xapi/statements?attachments=true&limit=100')
      expect(withAttachments.status).toBe(200)
      keep(withAttachments.text)
      for (const id of deletedIds) {
        const one = await get(`/xapi/statements?statementId=${id}`)
        // (The 404 message echoes the id asked for; nothing else.)
        expect(one.status).toBe(404)
        const voided = await get(`/xapi/statements?voidedStatementId=${id}`)
        expect(voided.status).toBe(404)
      }
      // The `more` link issued before the erasure: deleted rows are simply gone.
      const rest = await get(firstPage.more)
      expect(rest.status).toBe(200)
      keep(rest.text)
      const agentRead = await get(`/xapi/agents?agent=${q({ mbox: ADA_MBOX })}`)
      // The Person echoes the IFI asked for (Communication §2.4) and nothing the LRS kept.
      expect(JSON.parse(agentRead.text)).toEqual({ objectType: 'Person', mbox: [ADA_MBOX] })
      for (const path of [
        `/xapi/activities/state?activityId=${encodeURIComponent(A)}&agent=${q(ADA)}&stateId=s1`,
        `/xapi/activities/state?activityId=${encodeURIComponent(A)}&agent=${q(ADA)}&registration=${REGISTRATION}&stateId=s2`,
        `/xapi/agents/profile?agent=${q(ADA)}&profileId=prefs`,
      ])
        expect((await get(path)).status).toBe(404)
      for (const path of [
        `/xapi/activities/state?activityId=${encodeURIComponent(A)}&agent=${q(ADA)}`,
        `/xapi/agents/profile?agent=${q(ADA)}`,
      ])
        expect(JSON.parse(keep((await get(path)).text))).toEqual([])
      for (const report of await reports()) {
        expect(report.status, report.text).toBe(200)
        keep(report.text)
      }
      // Course, learner and overview reports, JSON and CSV: nothing of the learner. Her own
      // learner report, looked up by either IFI key, by her name or by her address, is a 404
      // (whose message echoes only what was asked for).
      for (const key of learnerKeys.ada) {
        const own = await report(`learner?learner=${encodeURIComponent(key)}`)
        expect(own.status, own.text).toBe(404)
        expect(own.text.replace(key, '')).not.toContain('ada@example.com')
      }
      const reportsAfter = new Map<string, { status: number; text: string }>()
      for (const path of reportPaths) {
        const read = await report(path)
        expect(read.status, `${path}: ${read.text}`).toBe(reportsBefore.get(path)!.status)
        reportsAfter.set(path, read)
        keep(read.text)
      }
      // Others are unchanged: Cy's learner report (JSON and CSV) and her row of the course
      // report are as before the erasure. (Bob's are not: his comment on Ada's statement went
      // with it, by the rule in docs/personal-data.md.)
      const cyPath = reportPaths[5]!
      expect(stableReportJson(reportsAfter.get(cyPath)!.text)).toEqual(
        stableReportJson(reportsBefore.get(cyPath)!.text),
      )
      expect(stableReportCsv(reportsAfter.get(reportPaths[6]!)!.text)).toBe(
        stableReportCsv(reportsBefore.get(reportPaths[6]!)!.text),
      )
      expect(cyRow(reportsAfter.get(reportPaths[0]!)!.text)).toEqual(cyRow(courseA.text))
      // The live tail replayed from a position before the erasure (Last-Event-ID, or ?after=)
      // sends what is left, anonymised, and nothing of the learner.
      for (const how of ['header', 'query'] as const) {
        const replay = keep(await sseReplay('0', ids.planned, how))
        expect(sseIds(replay)).toEqual([
          ids.bobOwn,
          ids.cyFormal,
          ids.cyInformal,
          ids.mentor,
          ids.team,
          ids.bobWithAda,
          ids.planned,
        ])
      }
      // The projections were rebuilt from what is left: the table scan below covers them.
      const exported: unknown[] = []
      for await (const s of app.almanac.lrs.exportStatements(
        cliRequestContext('export', 1, 'http://127.0.0.1', '2.0.0'),
        {},
      ))
        exported.push(s)
      keep(JSON.stringify(exported))
      expect(exported).toHaveLength(7)
      const tables = await opened.rows(app)

      for (const secret of secrets) {
        for (const text of seen) expect(text).not.toContain(secret)
        expect(tables, `a table still holds ${secret}`).not.toContain(secret)
      }
      expect(tables).not.toContain(`mbox:${ADA_MBOX}`)

      // Others: untouched statements and documents are exactly as before; anonymised ones stay.
      const afterById = new Map(after.statements.map((s) => [s.id, s]))
      for (const statement of untouched) expect(afterById.get(statement.id)).toEqual(statement)
      expect(after.statements.map((s) => s.id).sort()).toEqual(
        [ids.bobOwn, ids.cyFormal, ids.cyInformal, ...anonymisedIds].sort(),
      )
      const anonymised = JSON.stringify(anonymisedIds.map((id) => afterById.get(id)))
      expect(anonymised).toContain('erased.almanac.invalid')
      expect(anonymised).toContain('bob@example.com')
      expect(anonymised).toContain('ian@example.com')
      expect(await documents()).toEqual(documentsBefore)
      const restIds = (JSON.parse(rest.text) as { statements: { id: string }[] }).statements.map(
        (s) => s.id,
      )
      expect(restIds.every((id) => !deletedIds.includes(id))).toBe(true)
    })

    it('answers bad erasure requests with a 4xx that says what is wrong', async () => {
      const missing = await api('/stores/1/erasures', 'POST', {})
      expect(missing.status).toBe(400)
      const noIfi = await api('/stores/1/erasures', 'POST', { agent: { name: 'x' } })
      expect(noIfi.status).toBe(400)
      expect(JSON.stringify(noIfi.body)).toMatch(/agent/)
      const twoIfis = await api('/stores/1/erasures', 'POST', {
        agent: { mbox: ADA_MBOX, openid: 'http://x.org/a' },
      })
      expect(twoIfis.status).toBe(400)
      expect((await api('/stores/99/erasures', 'POST', { agent: { mbox: ADA_MBOX } })).status).toBe(
        404,
      )
      const anonymous = await app.request('/api/stores/1/erasures', {
        auth: null,
        version: null,
      })
      expect(anonymous.status).toBe(401)
    })
  })
}
