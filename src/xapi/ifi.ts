/** @module Inverse Functional Identifiers (Data §2.4.2.3): the one canonical key per agent or group. */
import type { Ifi } from './types.js'

/**
 * The canonical key of an IFI, used as the agent's identity in storage and queries:
 * `mbox:mailto:a@b`, `mbox_sha1sum:<hex>`, `openid:<uri>`, `account:<homePage>|<name>`.
 * Undefined when the object carries no IFI (an anonymous group).
 *
 * mbox_sha1sum is lower-cased: it is a hex digest, and the same agent sent with upper-case hex
 * must match (Data §2.4.2.3 compares IFIs by value).
 */
export function ifiKey(agent: Ifi): string | undefined {
  if (agent.mbox !== undefined) return `mbox:${agent.mbox}`
  if (agent.mbox_sha1sum !== undefined) return `mbox_sha1sum:${agent.mbox_sha1sum.toLowerCase()}`
  if (agent.openid !== undefined) return `openid:${agent.openid}`
  if (agent.account !== undefined) return `account:${agent.account.homePage}|${agent.account.name}`
  return undefined
}

/** Only the IFI properties of an agent or group (the `ids` format, Communication §2.1.3). */
export function ifiOnly(agent: Ifi): Ifi {
  if (agent.mbox !== undefined) return { mbox: agent.mbox }
  if (agent.mbox_sha1sum !== undefined) return { mbox_sha1sum: agent.mbox_sha1sum }
  if (agent.openid !== undefined) return { openid: agent.openid }
  if (agent.account !== undefined)
    return { account: { homePage: agent.account.homePage, name: agent.account.name } }
  return {}
}
