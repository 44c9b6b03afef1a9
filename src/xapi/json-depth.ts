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

/**
 * The nesting depth of a parsed JSON value: 0 for a scalar, 1 for `{}` or `[1]`, and so on.
 * Every statement of every request passes here, so the walk allocates nothing per node: two
 * parallel stacks (values, depths) instead of a tuple per child and `for…in` instead of an
 * `Object.values` array per object (a parsed JSON object has only own, enumerable properties).
 */
export function jsonDepth(value: unknown, stopAbove = Infinity): number {
  if (typeof value !== 'object' || value === null) return 0
  let deepest = 0
  const nodes: object[] = [value]
  const depths: number[] = [1]
  while (nodes.length > 0) {
    const node = nodes.pop() as Record<string, unknown> | unknown[]
    const depth = depths.pop() as number
    if (depth > deepest) {
      deepest = depth
      if (deepest > stopAbove) return deepest
    }
    if (Array.isArray(node)) {
      for (const child of node)
        if (typeof child === 'object' && child !== null) {
          nodes.push(child)
          depths.push(depth + 1)
        }
    } else
      for (const key in node) {
        if (!Object.hasOwn(node, key)) continue
        const child = node[key]
        if (typeof child === 'object' && child !== null) {
          nodes.push(child)
          depths.push(depth + 1)
        }
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
