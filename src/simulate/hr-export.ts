/**
 * @module The simulated organisation's HR export: one record per learner (role, team, org unit,
 * manager, location, start date) and the identifiers they use — the LMS account and, for the
 * learners who use the mobile app with their work email, that email as well, so an import
 * merges their two IFIs into one person. Drawn from a stream of its own: the statements do not
 * change with it.
 */
import type { Agent } from '../xapi/types.js'
import type { LearnerProfile } from './learner.js'
import type { Organisation } from './organisation.js'
import { createRandom } from './random.js'

export interface HrRecord {
  /** Canonical IFI keys (`xapi/ifi.ts`): the LMS account, then the app email if any. */
  identifiers: string[]
  name: string
  email: string
  role: string
  team: string
  orgUnit: string
  manager: string
  location: string
  startDate: string
}

const REGIONS = [
  { team: 'EMEA', weight: 0.45, locations: ['London', 'Berlin', 'Paris', 'Madrid'] },
  { team: 'Americas', weight: 0.35, locations: ['New York', 'Toronto', 'São Paulo'] },
  { team: 'APAC', weight: 0.2, locations: ['Singapore', 'Sydney', 'Tokyo'] },
] as const

const ROLES: Readonly<Record<string, readonly string[]>> = {
  'Customer Support': ['Support engineer', 'Support engineer', 'Support lead'],
  Engineering: ['Software engineer', 'Software engineer', 'Engineering manager'],
  Sales: ['Account executive', 'Sales engineer', 'Sales manager'],
  Operations: ['Operations analyst', 'Operations manager'],
  Finance: ['Financial analyst', 'Accountant'],
}

/** Learners per manager: the first of each group of 8 manages the other 7. */
const SPAN = 8

const slug = (text: string): string =>
  text
    .normalize('NFD')
    .replace(/[^A-Za-z0-9]+/g, '.')
    .replace(/^\.|\.$/g, '')
    .toLowerCase()

/** The work email of a learner (what the mobile app identifies them by). */
export function workEmail(profile: LearnerProfile, org: Organisation): string {
  return `${slug(profile.actor.name ?? `learner ${profile.index + 1}`)}.${profile.index + 1}@${org.domain}`
}

/** True when the learner uses the mobile app, and with their work email (a `share` 0..1 of app users). */
export function usesAppEmail(seed: string, profile: LearnerProfile, share: number): boolean {
  return (
    share > 0 &&
    profile.mobile !== undefined &&
    createRandom(`${seed}/learner/${profile.index}/app-email`).chance(share)
  )
}

/** The agent the mobile app's statements of this learner carry. */
export function appActor(profile: LearnerProfile, org: Organisation): Agent {
  return {
    objectType: 'Agent',
    name: profile.actor.name ?? '',
    mbox: `mailto:${workEmail(profile, org)}`,
  }
}

export function hrRecord(
  seed: string,
  profile: LearnerProfile,
  org: Organisation,
  startIso: string,
  appEmail: boolean,
  managerOf: (index: number) => LearnerProfile,
): HrRecord {
  const random = createRandom(`${seed}/learner/${profile.index}/hr`)
  const region = random.weighted(
    REGIONS,
    REGIONS.map((r) => r.weight),
  )
  const roles = ROLES[profile.department] ?? [
    `${profile.department} specialist`,
    `${profile.department} manager`,
  ]
  const lead = profile.index - (profile.index % SPAN)
  const email = workEmail(profile, org)
  const account = profile.actor.account
  const identifiers = [
    ...(account === undefined ? [] : [`account:${account.homePage}|${account.name}`]),
    ...(appEmail ? [`mbox:mailto:${email}`] : []),
  ]
  const startMs = Date.parse(startIso) - random.int(30, 3000) * 86_400_000
  return {
    identifiers,
    name: profile.actor.name ?? '',
    email,
    role: random.pick(roles),
    team: region.team,
    orgUnit: profile.department,
    manager:
      lead === profile.index
        ? `Head of ${profile.department}`
        : (managerOf(lead).actor.name ?? `learner ${lead + 1}`),
    location: random.pick(region.locations),
    startDate: new Date(startMs).toISOString().slice(0, 10),
  }
}

const CSV_COLUMNS = [
  'identifiers',
  'name',
  'email',
  'role',
  'team',
  'org_unit',
  'manager',
  'location',
  'start_date',
] as const

function cell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/**
 * The records as CSV (the columns `almanac people import` reads). `email` is exported as the
 * contact address only when the learner uses it as an identifier: otherwise importing it would
 * give them an IFI no statement carries.
 */
export function hrCsv(records: Iterable<HrRecord>): string {
  const lines = [CSV_COLUMNS.join(',')]
  for (const r of records)
    lines.push(
      [
        r.identifiers.join(';'),
        r.name,
        r.identifiers.some((i) => i.startsWith('mbox:')) ? r.email : '',
        r.role,
        r.team,
        r.orgUnit,
        r.manager,
        r.location,
        r.startDate,
      ]
        .map(cell)
        .join(','),
    )
  return `${lines.join('\r\n')}\r\n`
}
