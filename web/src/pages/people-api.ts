/** The people and cohorts API (/api/stores/:id/people|cohorts, …/reports/informal|ineffective|compare): the types the console draws. */
import type { ReportEnvelope } from '../reports'

export const ATTRIBUTES: [string, string][] = [
  ['name', 'Name'],
  ['email', 'Email'],
  ['role', 'Role'],
  ['team', 'Team'],
  ['orgUnit', 'Org unit'],
  ['manager', 'Manager'],
  ['location', 'Location'],
  ['startDate', 'Start date'],
]

export interface Person {
  id: number
  attributes: Partial<Record<string, string>> & { custom?: Record<string, string> }
  identifiers: string[]
  source: string
  createdAt: string
  updatedAt: string
}

export interface PeoplePage {
  total: number
  page: number
  pageSize: number
  people: Person[]
}

export interface Condition {
  attribute: string
  op: string
  value?: string | string[]
}

export interface Cohort {
  id: number
  name: string
  description: string
  filter: { all: Condition[] }
  rule: string
  members: number
}

export interface ImportResult {
  dryRun: boolean
  summary: Record<'create' | 'update' | 'merge' | 'unchanged' | 'skip', number>
  changes: {
    row: number
    action: string
    person?: number
    changes: Record<string, { from?: string; to?: string }>
    linked: string[]
    reason?: string
  }[]
}

interface Tally {
  statements: number
  hours: number
  people: number
}

export interface InformalReport extends ReportEnvelope {
  totals: {
    informalStatements: number
    informalHours: number
    formalStatements: number
    formalHours: number
    ratio: number | null
    people: number
    activePeople: number
    sources: number
  }
  bySource: (Tally & { source: string })[]
  byCredential: (Tally & { credential: string })[]
  byKind: (Tally & { kind: string })[]
  trend: {
    start: string
    informalStatements: number
    informalHours: number
    formalStatements: number
    formalHours: number
    ratio: number | null
  }[]
  people: {
    learner: string
    name: string | null
    informalStatements: number
    informalHours: number
    formalHours: number
    ratio: number | null
    sources: number
  }[]
  byCohort: {
    cohort: number
    name: string
    people: number | null
    suppressed: boolean
    informalHoursPerPerson: number | null
    ratio: number | null
  }[]
}

export interface Signal {
  signal: string
  value: number | null
  n: number
  threshold: number
  flagged: boolean
}

export interface IneffectiveReport extends ReportEnvelope {
  rules: Record<string, { definition: string; minimumN: number } | string>
  evaluated: number
  flagged: number
  activities: {
    rank: number
    activity: string
    course: string | null
    kind: string
    flags: number
    signals: Signal[]
  }[]
}

export interface CompareReport extends ReportEnvelope {
  groups: { label: string; rule: string; people: number | null; suppressed: boolean }[]
  minimumGroup: number
  measures: {
    measure: string
    groups: { label: string; n: number | null; value: number | null; suppressed: boolean }[]
    test: {
      test: string
      statistic: number | null
      df?: number | null
      p: number | null
      ci: [number, number] | null
    } | null
  }[]
}
