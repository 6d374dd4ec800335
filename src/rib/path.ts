/**
 * A Path: one route to a prefix as the decision process sees it (RFC 4271 §3.2 "route": a destination
 * with the attributes of a path to it, here the interned AttrSet plus who told us).
 *
 * Adj-RIBs-In do NOT store Path objects (a million of them would cost ~70 bytes per route); they store the
 * AttrSet per prefix and keep the peer once, in PeerInfo. Paths are made only when a prefix has more than one
 * candidate, for the decision, and for change records.
 */
import type { AttrSet } from './attr-set.js'
import { ipv4ToNumber, isIpv4, parseIpv6 } from '../wire/address.js'

/** Who a path came from. One object per peer, shared by all its paths. */
export interface PeerInfo {
  /** Stable small integer chosen by the speaker; 0 is the local router (locally originated paths). */
  readonly peerId: number
  /** Transport address of the session, text. '' for local paths. */
  readonly peerAddress: string
  /** BGP Identifier from the peer's OPEN, dotted quad. */
  readonly peerBgpId: string
  readonly peerAs: number
  /** RFC 4271 §9.1.2.2 d): the route "was received via EBGP". */
  readonly ebgp: boolean
  /** Locally originated (Speaker.announce), not learned from a peer. */
  readonly local: boolean
  /** RFC 4456: the peer is a route-reflector client of ours. */
  readonly rrClient: boolean
  /** peerBgpId as an unsigned 32-bit number (RFC 4271 §9.1.2.2 f compares it as a number). */
  readonly bgpIdNum: number
  /** peerAddress as a latin1 string that sorts like the address: family octet, then the address octets. */
  readonly addressKey: string
}

export interface PeerInfoInit {
  peerId: number
  peerAddress?: string
  peerBgpId: string
  peerAs: number
  ebgp?: boolean
  local?: boolean
  rrClient?: boolean
}

export function makePeerInfo(o: PeerInfoInit): PeerInfo {
  return Object.freeze({
    peerId: o.peerId,
    peerAddress: o.peerAddress ?? '',
    peerBgpId: o.peerBgpId,
    peerAs: o.peerAs,
    ebgp: o.ebgp ?? false,
    local: o.local ?? false,
    rrClient: o.rrClient ?? false,
    bgpIdNum: ipv4ToNumber(o.peerBgpId) >>> 0,
    addressKey: addressSortKey(o.peerAddress ?? ''),
  })
}

/** IPv4 sorts before IPv6 (OpenBGPD rde_decide.c does the same: compares aid first). */
export function addressSortKey(a: string): string {
  if (a === '') return ''
  if (isIpv4(a)) {
    const n = ipv4ToNumber(a) >>> 0
    return String.fromCharCode(4, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255)
  }
  const b = new Uint8Array(16)
  if (!parseIpv6(a, b)) return '\u00ff' + a
  return String.fromCharCode(6, ...b)
}

export const PathFlag = {
  /** RFC 4724 §4.2: retained across the peer's restart, not yet re-learned. */
  STALE: 1,
} as const

export class Path {
  /** Filled by the Loc-RIB from the next-hop resolver before the decision (RFC 4271 §9.1.2 / §9.1.2.2 e). */
  reachable = true
  igpCost = 0
  constructor(
    readonly attrSet: AttrSet,
    readonly peer: PeerInfo,
    /** RFC 7911 Path Identifier; 0 without ADD-PATH. */
    readonly pathId: number,
    /** Milliseconds (caller's clock) when this path replaced the previous one; 0 when not tracked. */
    readonly receivedAt: number,
    /** PathFlag bits. */
    readonly flags: number,
  ) {}

  get stale(): boolean {
    return (this.flags & PathFlag.STALE) !== 0
  }
}

/** Same route: same peer, same path id, same interned attributes. */
export function samePath(a: Path | null, b: Path | null): boolean {
  if (a === b) return true
  if (a === null || b === null) return false
  return a.attrSet === b.attrSet && a.peer === b.peer && a.pathId === b.pathId
}
