/**
 * @module Bounding how deeply the JSON Almanac parses may nest.
 *
 * `JSON.parse` in V8 is iterative, but `JSON.stringify`, structural comparison, validation and
 * canonicalisation recurse once per level: a 10,000-deep extension value blows the stack
 * (issue 13). Every statement therefore passes a depth check, done with an explicit stack, before
 * anything recursive sees it. Documents are stored as bytes and merged without re-serialising
 * nested values (document-merge.ts), so they need no such limit.
 */
import { BadRequestError } from '../errors/errors.js'

/**
 * The deepest nesting of objects and arrays a statement may have, counting the statement object
 * itself as level 1 (so `{"result":{"extensions":{"x":{…}}}}` spends 3 levels before the
 * extension value). Far beyond any real statement, far below what a recursive walk can take.
 * Also applies to a signature's JWS payload and to the `agent` parameter (docs/security.md).
 */
export const MAX_JSON_DEPTH = 100

/** The nesting depth of a parsed JSON value: 0 for a scalar, 1 for `{}` or `[1]`, and so on. */
export function jsonDepth(value: unknown, stopAbove = Infinity): number {
  let deepest = 0
  const pending: [unknown, number][] = [[value, 1]]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, depth] = next
    if (typeof node !== 'object' || node === null) continue
    deepest = Math.max(deepest, depth)
    if (deepest > stopAbove) return deepest
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) pending.push([child, depth + 1])
    }
  }
  return deepest
}

/** Throws a 400 naming `what` when `value` nests deeper than `MAX_JSON_DEPTH`. */
export function checkJsonDepth(value: unknown, what: string): void {
  if (jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH)
    throw BadRequestError(
      `${what} nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep; Almanac accepts at most ${MAX_JSON_DEPTH} (see docs/security.md, "Input limits")`,
    )
}
