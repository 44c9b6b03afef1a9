/**
 * @module Statement comparison (Data §2.3.1 "Statement Comparison Requirements", xAPI 2.0): whether
 * two statements are the same statement, ignoring what the immutability exceptions allow to differ.
 */
import { isJsonObject, type JsonObject } from './validate-values.js'
import { parseTimestamp } from './timestamps.js'
import type { Statement } from './types.js'

/**
 * True when `a` and `b` are the same statement under Data §2.3.1: "Differences which could have
 * been caused by exceptions to Statement immutability MUST be ignored", all others must not.
 * Used for a statement id that already exists (equal → no-op, different → 409; Communication
 * §2.1.1/§2.1.2) and for signed statements (the JWS payload must match; Data §2.6).
 *
 * Ignored:
 * - `stored` and `authority`, which the LRS always sets, and `version` (set by the LRS when
 *   absent; every 1.0.x and 2.0.x statement shares one data model);
 * - `id` and `timestamp` when only one side has them (the LRS assigns them when absent);
 * - activity definitions and verb `display` (not part of the statement, Data §2.3.1);
 * - `attachments` (not part of statements; a signature's payload lacks its own attachment);
 * - timestamp serialization: compared as points in time at millisecond precision (Data §4.5);
 * - the order of group members (an unordered list, Data §2.4.2.2);
 * - case where it carries no meaning: UUIDs, the domain of an mbox, mbox_sha1sum hex, language tags;
 * - the single-object form of contextActivities values (returned as arrays, Data §2.4.6.2);
 * - an absent objectType where the default applies (Agent for actors, Activity for objects);
 * - duration precision beyond 0.01 s (Data §4.6; xAPI 2.0).
 * Key order never matters; array order does, except for group members.
 */
export function statementsEquivalent(a: Statement, b: Statement): boolean {
  const left = a as unknown as JsonObject
  const right = b as unknown as JsonObject
  return stableJson(comparable(left, right)) === stableJson(comparable(right, left))
}

/** The parts of `statement` that take part in the comparison with `other`, canonicalized. */
function comparable(statement: JsonObject, other: JsonObject): JsonObject {
  const out: JsonObject = core(statement)
  if (statement['id'] !== undefined && other['id'] !== undefined) out['id'] = lower(statement['id'])
  if (statement['timestamp'] !== undefined && other['timestamp'] !== undefined)
    out['timestamp'] = instant(statement['timestamp'])
  return out
}

/** actor, verb, object, result, context, plus a SubStatement's own timestamp. */
function core(statement: JsonObject): JsonObject {
  const out: JsonObject = {
    actor: actor(statement['actor']),
    verb: isJsonObject(statement['verb']) ? { id: statement['verb']['id'] } : statement['verb'],
    object: object(statement['object']),
  }
  if (statement['result'] !== undefined) out['result'] = result(statement['result'])
  if (statement['context'] !== undefined) out['context'] = context(statement['context'])
  return out
}

function object(value: unknown): unknown {
  if (!isJsonObject(value)) return value
  switch (value['objectType']) {
    case 'Agent':
    case 'Group':
      return actor(value)
    case 'StatementRef':
      return { objectType: 'StatementRef', id: lower(value['id']) }
    case 'SubStatement': {
      const sub = core(value)
      sub['objectType'] = 'SubStatement'
      if (value['timestamp'] !== undefined) sub['timestamp'] = instant(value['timestamp'])
      return sub
    }
    default:
      return activity(value)
  }
}

/** An Activity by its id only: definitions are not part of the statement (Data §2.3.1). */
function activity(value: unknown): unknown {
  return isJsonObject(value) ? { objectType: 'Activity', id: value['id'] } : value
}

function actor(value: unknown): unknown {
  if (!isJsonObject(value)) return value
  const out: JsonObject = { ...value, objectType: value['objectType'] ?? 'Agent' }
  if (typeof value['mbox'] === 'string') out['mbox'] = mbox(value['mbox'])
  if (typeof value['mbox_sha1sum'] === 'string')
    out['mbox_sha1sum'] = value['mbox_sha1sum'].toLowerCase()
  if (Array.isArray(value['member']))
    out['member'] = value['member']
      .map((member) => actor(member))
      .sort((x, y) => compareText(stableJson(x), stableJson(y)))
  return out
}

/** The domain part of an email address is case insensitive (Data §2.3.1, §2.4.2.3). */
function mbox(value: string): string {
  const at = value.lastIndexOf('@')
  return at < 0 ? value : value.slice(0, at) + value.slice(at).toLowerCase()
}

function result(value: unknown): unknown {
  if (!isJsonObject(value)) return value
  const out: JsonObject = { ...value }
  if (typeof value['duration'] === 'string') out['duration'] = duration(value['duration'])
  return out
}

/** Seconds truncated to 0.01 s, trailing zeros dropped: PT1.1267S ≡ PT1.12S ≡ PT1.120S (Data §4.6). */
function duration(value: string): string {
  return value.replace(/([0-9]+)[.,]([0-9]+)S$/, (_match, whole: string, fraction: string) => {
    const kept = fraction.slice(0, 2).replace(/0+$/, '')
    return kept === '' ? `${whole}S` : `${whole}.${kept}S`
  })
}

function context(value: unknown): unknown {
  if (!isJsonObject(value)) return value
  const out: JsonObject = { ...value }
  if (value['registration'] !== undefined) out['registration'] = lower(value['registration'])
  if (value['instructor'] !== undefined) out['instructor'] = actor(value['instructor'])
  if (value['team'] !== undefined) out['team'] = actor(value['team'])
  if (typeof value['language'] === 'string') out['language'] = value['language'].toLowerCase()
  if (value['statement'] !== undefined) out['statement'] = object(value['statement'])
  if (isJsonObject(value['contextActivities'])) {
    const activities: JsonObject = {}
    for (const [kind, entry] of Object.entries(value['contextActivities']))
      activities[kind] = (Array.isArray(entry) ? entry : [entry]).map(activity)
    out['contextActivities'] = activities
  }
  if (Array.isArray(value['contextAgents']))
    out['contextAgents'] = (value['contextAgents'] as unknown[]).map((entry) =>
      isJsonObject(entry) ? { ...entry, agent: actor(entry['agent']) } : entry,
    )
  if (Array.isArray(value['contextGroups']))
    out['contextGroups'] = (value['contextGroups'] as unknown[]).map((entry) =>
      isJsonObject(entry) ? { ...entry, group: actor(entry['group']) } : entry,
    )
  return out
}

/** A timestamp as epoch milliseconds; an unparsable one compares as its text. */
function instant(value: unknown): unknown {
  return typeof value === 'string' ? (parseTimestamp(value)?.epochMillis ?? value) : value
}

function lower(value: unknown): unknown {
  return typeof value === 'string' ? value.toLowerCase() : value
}

function compareText(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0
}

/** JSON with object keys sorted, so that key order never matters. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`
  if (isJsonObject(value)) {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort()
    return `{${keys.map((key) => `${JSON.stringify(key)}:${stableJson(value[key])}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'undefined'
}
