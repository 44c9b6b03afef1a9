/**
 * @module People files: an HR or LMS export (CSV, RFC 4180, or JSON) read into rows of
 * identifiers and attributes, the input of `almanac people import` and `POST …/people/import`.
 */
import { BadRequestError } from '../../errors/errors.js'
import { type PersonAttributes, STANDARD_ATTRIBUTES } from '../../storage/people-port.js'
import { ifiKey } from '../../xapi/ifi.js'

/** One person of the file as read; `problem` says why the row cannot be imported. */
export interface PeopleFileRow {
  /** 1-based row number (data rows, the header excluded). */
  row: number
  identifiers: string[]
  attributes: PersonAttributes
  problem?: string
}

/** Records of an RFC 4180 CSV text (quoted fields, doubled quotes, CRLF or LF). */
export function parseCsv(text: string): string[][] {
  const records: string[][] = []
  let record: string[] = []
  let field = ''
  let quoted = false
  let i = text.startsWith('\uFEFF') ? 1 : 0
  for (; i < text.length; i++) {
    const c = text.charAt(i)
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i++
        } else quoted = false
      } else field += c
      continue
    }
    if (c === '"' && field === '') quoted = true
    else if (c === ',') {
      record.push(field)
      field = ''
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      record.push(field)
      records.push(record)
      record = []
      field = ''
    } else field += c
  }
  if (quoted) throw BadRequestError('the CSV ends inside a quoted field')
  if (field !== '' || record.length > 0) {
    record.push(field)
    records.push(record)
  }
  return records.filter((r) => !(r.length === 1 && r[0]?.trim() === ''))
}

/** Column names as written in exports → the attribute they fill (compared without case, spaces, `_`, `-`). */
const ALIASES: Record<string, string> = {
  name: 'name',
  fullname: 'name',
  displayname: 'name',
  email: 'email',
  mail: 'email',
  emailaddress: 'email',
  role: 'role',
  jobtitle: 'role',
  title: 'role',
  team: 'team',
  orgunit: 'orgUnit',
  department: 'orgUnit',
  manager: 'manager',
  managername: 'manager',
  manageremail: 'manager',
  location: 'location',
  office: 'location',
  startdate: 'startDate',
  hiredate: 'startDate',
  identifiers: 'identifiers',
  ifis: 'identifiers',
  accounthomepage: 'accountHomePage',
  accountname: 'accountName',
}

const squash = (column: string): string => column.toLowerCase().replace(/[\s_-]/g, '')

/** An identifier as written: a canonical IFI key, a `mailto:` IRI, or a bare email address. */
function identifierOf(text: string): string | undefined {
  const t = text.trim()
  if (t === '') return undefined
  if (/^(mbox:mailto:|mbox_sha1sum:|openid:|account:)/.test(t)) return t
  if (t.startsWith('mailto:')) return `mbox:${t}`
  if (/^[^\s@]+@[^\s@]+$/.test(t)) return `mbox:mailto:${t}`
  return undefined
}

/** An xAPI agent object in a JSON file's `identifiers`. */
function agentIdentifier(value: unknown): string | undefined {
  if (typeof value === 'string') return identifierOf(value)
  if (typeof value !== 'object' || value === null) return undefined
  const agent = value as {
    mbox?: unknown
    mbox_sha1sum?: unknown
    openid?: unknown
    account?: { homePage?: unknown; name?: unknown }
  }
  if (typeof agent.mbox === 'string') return ifiKey({ mbox: agent.mbox })
  if (typeof agent.mbox_sha1sum === 'string') return ifiKey({ mbox_sha1sum: agent.mbox_sha1sum })
  if (typeof agent.openid === 'string') return ifiKey({ openid: agent.openid })
  if (typeof agent.account?.homePage === 'string' && typeof agent.account.name === 'string')
    return ifiKey({ account: { homePage: agent.account.homePage, name: agent.account.name } })
  return undefined
}

/** `YYYY-MM-DD` of a date or date-time, or undefined when it is not one. */
function calendarDate(text: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:$|T)/.exec(text.trim())
  if (match === null) return undefined
  const date = `${match[1]}-${match[2]}-${match[3]}`
  return Number.isNaN(Date.parse(`${date}T00:00:00Z`)) ? undefined : date
}

/** One record (column → value) as a row of identifiers and attributes. */
function rowOf(row: number, record: Readonly<Record<string, unknown>>): PeopleFileRow {
  const identifiers = new Set<string>()
  const attributes: Record<string, string> = {}
  const custom: Record<string, string> = {}
  const problems: string[] = []
  let homePage: string | undefined
  let accountName: string | undefined
  for (const [column, raw] of Object.entries(record)) {
    const target = ALIASES[squash(column)]
    if (target === 'identifiers') {
      const values = Array.isArray(raw)
        ? raw
        : typeof raw === 'string'
          ? raw.split(/[;\n]/).filter((s) => s.trim() !== '')
          : []
      for (const value of values) {
        const ifi = agentIdentifier(value)
        if (ifi === undefined) problems.push(`identifier ${JSON.stringify(value)} is not an IFI`)
        else identifiers.add(ifi)
      }
      continue
    }
    if (raw === null || raw === undefined) continue
    const value = (typeof raw === 'string' ? raw : JSON.stringify(raw)).trim()
    if (value === '') continue
    if (target === 'accountHomePage') homePage = value
    else if (target === 'accountName') accountName = value
    else if (target === 'email') {
      attributes['email'] = value
      const ifi = identifierOf(value)
      if (ifi === undefined) problems.push(`email "${value}" is not an email address`)
      else identifiers.add(ifi)
    } else if (target === 'startDate') {
      const date = calendarDate(value)
      if (date === undefined) problems.push(`start date "${value}" is not YYYY-MM-DD`)
      else attributes['startDate'] = date
    } else if (target !== undefined && (STANDARD_ATTRIBUTES as readonly string[]).includes(target))
      attributes[target] = value
    else custom[column.trim()] = value
  }
  if (homePage !== undefined && accountName !== undefined)
    identifiers.add(`account:${homePage}|${accountName}`)
  else if (homePage !== undefined || accountName !== undefined)
    problems.push('an account needs both account_homepage and account_name')
  if (identifiers.size === 0 && problems.length === 0)
    problems.push('no identifier (identifiers, email, or account_homepage + account_name)')
  const result: PeopleFileRow = {
    row,
    identifiers: [...identifiers].sort(),
    attributes: {
      ...attributes,
      ...(Object.keys(custom).length === 0 ? {} : { custom }),
    },
  }
  if (problems.length > 0) result.problem = problems.join('; ')
  return result
}

/** The rows of a CSV (a header line, then one person per line) or JSON (an array, or `{people: [...]}`) file. */
export function parsePeopleFile(text: string, format: 'csv' | 'json'): PeopleFileRow[] {
  if (format === 'json') {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      throw BadRequestError('the file is not valid JSON')
    }
    const list = Array.isArray(parsed) ? parsed : (parsed as { people?: unknown } | null)?.people
    if (!Array.isArray(list))
      throw BadRequestError('a JSON people file is an array of objects, or {"people": [...]}')
    return list.map((record, i) =>
      typeof record === 'object' && record !== null && !Array.isArray(record)
        ? rowOf(i + 1, record as Record<string, unknown>)
        : { row: i + 1, identifiers: [], attributes: {}, problem: 'not an object' },
    )
  }
  const [header, ...records] = parseCsv(text)
  if (header === undefined) throw BadRequestError('the CSV file is empty')
  return records.map((record, i) =>
    rowOf(i + 1, Object.fromEntries(header.map((column, c) => [column, record[c] ?? '']))),
  )
}

/** The format of a file by its content type or name (`.json` / `.csv`), else by its first character. */
export function peopleFileFormat(text: string, hint?: string): 'csv' | 'json' {
  if (hint !== undefined && /json/i.test(hint)) return 'json'
  if (hint !== undefined && /csv/i.test(hint)) return 'csv'
  const first = text.trimStart()[0]
  return first === '[' || first === '{' ? 'json' : 'csv'
}
