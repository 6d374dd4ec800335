/**
 * The WireContext of one direction of a captured session, learned from the two OPENs
 * (RFC 5492 §3: a capability is in use when both speakers advertised it), with user overrides for
 * captures that start after the OPENs.
 *
 * - 4-octet AS (RFC 6793 §4.1): both OPENs carry capability 65.
 * - ADD-PATH (RFC 7911 §4): "the sender ... MAY send multiple paths for a given <AFI, SAFI> ...
 *   if the Send/Receive field ... is set to 2 or 3 [by the sender] and ... the Send/Receive field ...
 *   received from the peer is set to 1 or 3" — so it is per direction.
 * - Extended Message (RFC 8654 §3): "a BGP speaker MAY send ... messages up to 65535 octets ... only
 *   if both ... advertised the BGP Extended Message Capability".
 * - Extended next hop (RFC 8950 §4): the receiver advertised capability 5 for the family.
 */
import { isRawCapability } from '../wire/capabilities/index.js'
import { makeWireContext, type WireContext } from '../wire/context.js'
import { AddPathMode, Afi, CapabilityCode, Safi } from '../wire/iana.js'
import { openCapabilities } from '../wire/open.js'
import type { Capability, Open } from '../wire/types.js'

export type Family = readonly [afi: number, safi: number]

/** What the command line forces regardless of (or in the absence of) the OPENs. */
export interface ContextOverrides {
  /** Force 4-octet AS on (true) or off (false). */
  as4?: boolean
  /** Families whose NLRI carry path identifiers, in both directions. */
  addPath?: readonly Family[]
  /** Force 65535-octet messages. */
  extendedMessage?: boolean
}

const FAMILY_NAMES: Record<string, Family> = {
  ipv4: [Afi.IPV4, Safi.UNICAST],
  'ipv4-unicast': [Afi.IPV4, Safi.UNICAST],
  'ipv4-multicast': [Afi.IPV4, Safi.MULTICAST],
  'ipv4-labeled': [Afi.IPV4, Safi.MPLS_LABEL],
  'ipv4-mpls-vpn': [Afi.IPV4, Safi.MPLS_VPN],
  ipv6: [Afi.IPV6, Safi.UNICAST],
  'ipv6-unicast': [Afi.IPV6, Safi.UNICAST],
  'ipv6-multicast': [Afi.IPV6, Safi.MULTICAST],
  'ipv6-labeled': [Afi.IPV6, Safi.MPLS_LABEL],
  'ipv6-mpls-vpn': [Afi.IPV6, Safi.MPLS_VPN],
}

/**
 * Parse family names ("ipv4", "ipv6-unicast", "1/1", "2/128"); a comma-separated item is split.
 * Throws Error naming the bad item.
 */
export function parseFamilies(items: readonly string[]): Family[] {
  const out: Family[] = []
  for (const item of items.flatMap((s) => s.split(','))) {
    const s = item.trim().toLowerCase()
    if (s === '') continue
    const named = FAMILY_NAMES[s]
    if (named !== undefined) {
      out.push(named)
      continue
    }
    const m = /^(\d+)\/(\d+)$/.exec(s)
    if (m && Number(m[1]) <= 0xffff && Number(m[2]) <= 0xff) {
      out.push([Number(m[1]), Number(m[2])])
      continue
    }
    throw new Error(`unknown address family "${item}" (use ${Object.keys(FAMILY_NAMES).join(', ')} or AFI/SAFI numbers like 1/1)`)
  }
  return out
}

/** The context before any OPEN is known: defaults plus overrides. */
export function contextFromOverrides(o: ContextOverrides): WireContext {
  return makeWireContext({ as4: o.as4 ?? false, extendedMessage: o.extendedMessage ?? false, addPath: o.addPath ?? [] })
}

/**
 * Context for the bytes `sender` sends to `receiver`. Either OPEN may be null (not captured);
 * a capability that needs both sides is then off unless overridden.
 */
export function contextFromOpens(sender: Open | null, receiver: Open | null, o: ContextOverrides): WireContext {
  const s = sender ? openCapabilities(sender).filter((c) => !isRawCapability(c)) : []
  const r = receiver ? openCapabilities(receiver).filter((c) => !isRawCapability(c)) : []
  const both = (code: number): boolean => s.some((c) => c.code === code) && r.some((c) => c.code === code)

  const addPath: Family[] = [...(o.addPath ?? [])]
  const sendFams = addPathFamilies(s, AddPathMode.SEND)
  const recvFams = addPathFamilies(r, AddPathMode.RECEIVE)
  for (const [afi, safi] of sendFams) {
    if (recvFams.some(([a, b]) => a === afi && b === safi) && !addPath.some(([a, b]) => a === afi && b === safi)) addPath.push([afi, safi])
  }
  const extendedNextHop: Family[] = []
  for (const c of r) {
    if (c.code === CapabilityCode.EXTENDED_NEXT_HOP && 'entries' in c) for (const e of c.entries) extendedNextHop.push([e.afi, e.safi])
  }
  return makeWireContext({
    as4: o.as4 ?? both(CapabilityCode.FOUR_OCTET_AS),
    extendedMessage: o.extendedMessage || both(CapabilityCode.EXTENDED_MESSAGE),
    addPath,
    extendedNextHop,
  })
}

/** Families of the ADD-PATH capability whose Send/Receive field includes `bit` (1 receive, 2 send). */
function addPathFamilies(caps: readonly Capability[], bit: number): Family[] {
  const out: Family[] = []
  for (const c of caps) {
    if (c.code !== CapabilityCode.ADD_PATH || !('families' in c)) continue
    for (const f of (c as Extract<Capability, { code: 69 }>).families) if (f.mode & bit) out.push([f.afi, f.safi])
  }
  return out
}
