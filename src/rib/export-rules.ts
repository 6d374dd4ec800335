/**
 * The protocol's own route propagation rules, as pure functions (no policy: that is src/policy).
 *
 *   import:  importVerdict()    RFC 4271 §9.1.2 AS loop (allowas-in), RFC 4456 §8 ORIGINATOR_ID / CLUSTER_LIST loops
 *            importAttributes() RFC 4271 §5.1.5 LOCAL_PREF from an external peer is ignored
 *   export:  exportVerdict()    RFC 4271 §9.2 iBGP split horizon, RFC 4456 §6 reflection, RFC 1997 communities
 *            exportAttributes() RFC 4271 §5.1.2-§5.1.5 AS_PATH / NEXT_HOP / MED / LOCAL_PREF, RFC 4456 §8
 *
 * Attribute functions take an AttrSet once per (set, peer group) and return new PathAttributes for the caller
 * to intern in the peer's output table; nothing here runs per prefix.
 */
import type { AsPathSegment, PathAttributes } from '../wire/types.js'
import { AsPathSegmentType, AttrFlag } from '../wire/iana.js'
import { CommunityFlag, type AttrSet } from './attr-set.js'
import type { PeerInfo } from './path.js'

/** The local router's identity. */
export interface LocalRouter {
  localAs: number
  /** BGP Identifier, dotted quad. */
  routerId: string
  /** RFC 4456 §7 CLUSTER_ID; the router id when absent. */
  clusterId?: string
  /** RFC 5065 confederation identifier, when localAs is a member AS of a confederation. */
  confedId?: number
  /** LOCAL_PREF put on routes to internal peers that have none (RFC 4271 §5.1.5 MUST include it). */
  defaultLocalPref?: number
}

/** The peer a route is exported to (one family of it). */
export interface ExportPeer {
  peerId: number
  ebgp: boolean
  /** RFC 5065: an external peer in another member AS of our confederation. */
  confed?: boolean
  /** RFC 4456: the peer is one of our route-reflector clients. */
  rrClient?: boolean
  /** Our address on this session for this family: the NEXT_HOP when we set next-hop self. */
  nextHopAddress: string
  /** iBGP: set next-hop self (eBGP always does unless nextHopUnchanged). */
  nextHopSelf?: boolean
  /** eBGP: keep the next hop (route server, third-party next hop, RFC 4271 §5.1.3). */
  nextHopUnchanged?: boolean
  /** eBGP: send MED received from another AS anyway (RFC 4271 §5.1.4 says it MUST NOT by default). */
  sendMed?: boolean
}

export const ImportVerdict = {
  ACCEPT: 0,
  AS_LOOP: 1,
  ORIGINATOR_ID_LOOP: 2,
  CLUSTER_LIST_LOOP: 3,
} as const
export type ImportVerdict = (typeof ImportVerdict)[keyof typeof ImportVerdict]

export const ExportVerdict = {
  ALLOW: 0,
  /** Not back to the peer it came from. */
  SAME_PEER: 1,
  /** RFC 4271 §9.2 iBGP-learned to an iBGP peer, and no route reflection applies. */
  IBGP_TO_IBGP: 2,
  NO_ADVERTISE: 3,
  NO_EXPORT: 4,
  NO_EXPORT_SUBCONFED: 5,
} as const
export type ExportVerdict = (typeof ExportVerdict)[keyof typeof ExportVerdict]

/** Occurrences of `asn` anywhere in the AS_PATH (all segment types). */
export function countAs(path: readonly AsPathSegment[] | undefined, asn: number): number {
  if (path === undefined) return 0
  let n = 0
  for (const seg of path) for (const a of seg.asns) if (a === asn) n++
  return n
}

/**
 * Whether a received route may enter the Adj-RIB-In's decision at all.
 * `allowAsIn`: how many occurrences of our AS are tolerated (0 = RFC behaviour).
 */
export function importVerdict(set: AttrSet, from: PeerInfo, self: LocalRouter, allowAsIn = 0): ImportVerdict {
  // RFC 4271 §9.1.2: "AS loop detection is done by scanning the full AS path ... and checking that the
  // autonomous system number of the local system does not appear in the AS path."
  const asPath = set.attrs.asPath
  if (countAs(asPath, self.localAs) > allowAsIn) return ImportVerdict.AS_LOOP
  if (self.confedId !== undefined && countAs(asPath, self.confedId) > allowAsIn) return ImportVerdict.AS_LOOP
  if (!from.ebgp) {
    // RFC 4456 §8: "A router that recognizes the ORIGINATOR_ID attribute SHOULD ignore a route received with
    // its BGP Identifier as the ORIGINATOR_ID."
    if (set.attrs.originatorId === self.routerId) return ImportVerdict.ORIGINATOR_ID_LOOP
    // RFC 4456 §8: "If the local CLUSTER_ID is found in the CLUSTER_LIST, the advertisement received SHOULD be ignored."
    const cl = set.attrs.clusterList
    if (cl !== undefined && cl.includes(self.clusterId ?? self.routerId)) return ImportVerdict.CLUSTER_LIST_LOOP
  }
  return ImportVerdict.ACCEPT
}

/**
 * RFC 4271 §5.1.5: LOCAL_PREF "contained in an UPDATE message that is received from an external peer ...
 * MUST be ignored by the receiving speaker, except in the case of BGP Confederations". Returns `attrs`
 * itself when nothing changes. `confed`: the external peer is in our confederation.
 */
export function importAttributes(attrs: PathAttributes, from: PeerInfo, confed = false): PathAttributes {
  if (!from.ebgp || confed || attrs.localPref === undefined) return attrs
  const { localPref: _drop, ...rest } = attrs
  return rest
}

/** Whether the Loc-RIB best `path` (its set and source peer) may be advertised to `to`. */
export function exportVerdict(set: AttrSet, from: PeerInfo, to: ExportPeer): ExportVerdict {
  if (!from.local && from.peerId === to.peerId) return ExportVerdict.SAME_PEER
  // RFC 1997 binds routes "received carrying" these communities. Our own routes carry them for the receiver
  // to honour (an anycast /32 tagged NO_EXPORT must reach the border router, which keeps it in its AS), as
  // ExaBGP and GoBGP send them; filtering them here would silently announce nothing.
  const f = from.local ? 0 : set.communityFlags
  // RFC 1997: NO_ADVERTISE "MUST NOT be advertised to other BGP peers".
  if (f & CommunityFlag.NO_ADVERTISE) return ExportVerdict.NO_ADVERTISE
  if (to.ebgp) {
    // RFC 1997: NO_EXPORT_SUBCONFED "MUST NOT be advertised to external BGP peers (this includes peers in
    // other members autonomous systems inside a BGP confederation)".
    if (f & CommunityFlag.NO_EXPORT_SUBCONFED) return ExportVerdict.NO_EXPORT_SUBCONFED
    // RFC 1997: NO_EXPORT "MUST NOT be advertised outside a BGP confederation boundary".
    if (f & CommunityFlag.NO_EXPORT && !to.confed) return ExportVerdict.NO_EXPORT
    return ExportVerdict.ALLOW
  }
  if (from.ebgp || from.local) return ExportVerdict.ALLOW
  // RFC 4271 §9.2: "the receiving BGP speaker SHALL NOT re-distribute the routing information contained in
  // that UPDATE message to other internal peers (unless the speaker acts as a BGP Route Reflector)".
  // RFC 4456 §6: from a non-client, "Reflect to all the Clients"; from a client, "Reflect to all the
  // Non-Client peers and also to the Client peers".
  if (from.rrClient || to.rrClient) return ExportVerdict.ALLOW
  return ExportVerdict.IBGP_TO_IBGP
}

/** RFC 4271 §5.1.2 rules 1-3: prepend `asn` as a leading AS_SEQUENCE element (type: the segment type to use). */
export function prependAs(path: readonly AsPathSegment[] | undefined, asn: number, type: number = AsPathSegmentType.AS_SEQUENCE): AsPathSegment[] {
  const p = path ?? []
  const first = p[0]
  // "If the act of prepending will cause an overflow in the AS_PATH segment (i.e., more than 255 ASes), it
  // SHOULD prepend a new segment of type AS_SEQUENCE".
  if (first !== undefined && first.type === type && first.asns.length < 255) {
    return [{ type, asns: [asn, ...first.asns] }, ...p.slice(1)]
  }
  return [{ type, asns: [asn] }, ...p]
}

/** RFC 5065 §5.3: confederation segments are removed before a route leaves the confederation. */
export function stripConfedSegments(path: readonly AsPathSegment[] | undefined): AsPathSegment[] | undefined {
  if (path === undefined) return undefined
  return path.filter((s) => s.type !== AsPathSegmentType.AS_CONFED_SEQUENCE && s.type !== AsPathSegmentType.AS_CONFED_SET)
}

/**
 * The attributes sent to `to` for a route whose best path has `set` and came from `from`.
 * Call only after exportVerdict() allowed it; export policy runs on the result.
 */
export function exportAttributes(set: AttrSet, from: PeerInfo, to: ExportPeer, self: LocalRouter): PathAttributes {
  const a: PathAttributes = { ...set.attrs }
  // AS4_PATH/AS4_AGGREGATOR are rebuilt by the encoder from the 4-octet AS_PATH when the peer is 2-octet
  // (RFC 6793 §4.2.2); the received ones must not leak through.
  delete a.as4Path
  delete a.as4Aggregator
  if (a.unknown !== undefined) {
    // RFC 4271 §5: an unrecognized optional non-transitive attribute "is quietly ignored" (not passed on);
    // an optional transitive one "the Partial bit ... is set to 1, and the attribute is retained for propagation".
    const kept = a.unknown
      .filter((u) => (u.flags & AttrFlag.TRANSITIVE) !== 0)
      .map((u) => (from.local ? u : { code: u.code, flags: u.flags | AttrFlag.PARTIAL, data: u.data }))
    if (kept.length > 0) a.unknown = kept
    else delete a.unknown
  }

  if (to.ebgp && !to.confed) {
    // RFC 4271 §5.1.2: "When a given BGP speaker advertises the route to an external peer, the advertising
    // speaker updates the AS_PATH attribute"; RFC 5065 §5.3 with a confederation: strip, prepend its identifier.
    a.asPath = self.confedId !== undefined ? prependAs(stripConfedSegments(a.asPath), self.confedId) : prependAs(a.asPath, self.localAs)
    // RFC 4271 §5.1.5: "A BGP speaker MUST NOT include this attribute in UPDATE messages it sends to external peers".
    delete a.localPref
    // RFC 4271 §5.1.4: "The MULTI_EXIT_DISC attribute received from a neighboring AS MUST NOT be propagated to
    // other neighboring ASes." We keep MED only on our own routes, or when configured.
    if (!from.local && !to.sendMed) delete a.med
    // RFC 4456 §8: ORIGINATOR_ID and CLUSTER_LIST are optional non-transitive and describe our AS only.
    delete a.originatorId
    delete a.clusterList
    if (!to.nextHopUnchanged) setNextHop(a, to.nextHopAddress)
    return a
  }

  if (to.ebgp) {
    // RFC 5065 §5.3: to a peer in another member AS, prepend our member AS in an AS_CONFED_SEQUENCE; LOCAL_PREF,
    // MED and NEXT_HOP pass unchanged inside the confederation.
    a.asPath = prependAs(a.asPath, self.localAs, AsPathSegmentType.AS_CONFED_SEQUENCE)
    if (to.nextHopSelf) setNextHop(a, to.nextHopAddress)
    return a
  }

  // Internal peer. RFC 4271 §5.1.2: "SHALL NOT modify the AS_PATH attribute"; §5.1.5: "MUST include" LOCAL_PREF.
  if (a.localPref === undefined) a.localPref = self.defaultLocalPref ?? 100
  if (!from.ebgp && !from.local) {
    // Reflection (exportVerdict allowed iBGP → iBGP). RFC 4456 §8: the ORIGINATOR_ID "will carry the BGP
    // Identifier of the originator of the route in the local AS. A BGP speaker SHOULD NOT create an
    // ORIGINATOR_ID attribute if one already exists."
    if (a.originatorId === undefined) a.originatorId = from.peerBgpId
    // "When an RR reflects a route, it MUST prepend the local CLUSTER_ID to the CLUSTER_LIST."
    a.clusterList = [self.clusterId ?? self.routerId, ...(a.clusterList ?? [])]
  }
  if (to.nextHopSelf || (from.local && set.nextHop === '')) setNextHop(a, to.nextHopAddress)
  return a
}

/** Put `addr` in NEXT_HOP, or in MP_REACH_NLRI's next hop when the family carries it there (RFC 4760 §3). */
function setNextHop(a: PathAttributes, addr: string): void {
  if (a.mpReach !== undefined) {
    const { nextHopRaw: _raw, ...mp } = a.mpReach
    a.mpReach = { ...mp, nextHop: [addr] }
  } else {
    a.nextHop = addr
  }
}
