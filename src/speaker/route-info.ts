/**
 * Plain-data attributes at the library edge: RouteAttributes out (events, queries) and AnnounceAttributes in
 * (Speaker.announce). RFC 4271 §5 attribute names; communities as text (RFC 1997 "asn:value", RFC 8092
 * "g:l1:l2"), parsed once per announce() call and never per prefix.
 *
 * Locally originated routes (RFC 4271 §9.1: the speaker's own routes enter the decision like learned ones):
 * ORIGIN IGP and an empty AS_PATH by default (§5.1.2: "an originating speaker ... shall include an empty
 * AS_PATH" toward internal peers; the export rules prepend our AS toward external ones), no NEXT_HOP unless
 * given, so export puts the session's own address there (next hop self).
 */
import { formatCommunity } from '../wire/attrs/communities.js'
import { formatExtendedCommunity } from '../wire/attrs/extended-communities.js'
import { formatLargeCommunities } from '../wire/attrs/large-communities.js'
import { isIpv4 } from '../wire/address.js'
import { AsPathSegmentType, Origin } from '../wire/iana.js'
import type { PathAttributes } from '../wire/types.js'
import { parseCommunity, parseExtendedCommunity, parseLargeCommunity } from '../policy/community-text.js'
import type { RouteAttributes } from './events.js'
import { isAddress, type FamilyName } from './options.js'

export interface AnnounceAttributes {
  origin?: 'igp' | 'egp' | 'incomplete'
  /** AS numbers after ours (our AS is prepended toward eBGP peers by the export rules). */
  asPath?: number[]
  med?: number
  localPref?: number
  /** "65000:1", a 32-bit number, or a well-known name ("no-export", "graceful-shutdown"). */
  communities?: Array<string | number>
  /** "65000:1:2" or [65000, 1, 2]. */
  largeCommunities?: Array<string | [number, number, number]>
  /** "target:65000:100", "origin:192.0.2.1:7" or 16 hex digits. */
  extendedCommunities?: string[]
  /** Next hop toward iBGP peers for IPv4 prefixes (eBGP peers always get next hop self). */
  nextHop?: string
  /** Same for IPv6 prefixes. */
  nextHop6?: string
  atomicAggregate?: boolean
}

const ORIGIN_CODE = { igp: Origin.IGP, egp: Origin.EGP, incomplete: Origin.INCOMPLETE } as const
const ORIGIN_NAME = ['igp', 'egp', 'incomplete'] as const
const SEG_NAME: Record<number, NonNullable<RouteAttributes['asPathSegments']>[number]['type']> = {
  [AsPathSegmentType.AS_SET]: 'AS_SET',
  [AsPathSegmentType.AS_SEQUENCE]: 'AS_SEQUENCE',
  [AsPathSegmentType.AS_CONFED_SEQUENCE]: 'AS_CONFED_SEQUENCE',
  [AsPathSegmentType.AS_CONFED_SET]: 'AS_CONFED_SET',
}

const u32 = (n: unknown): boolean => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff

function fail(msg: string): never {
  throw new RangeError(`announce attributes: ${msg}`)
}

/** The PathAttributes of a locally originated route of `family`. Throws RangeError on a bad field. */
export function announceToPathAttributes(a: AnnounceAttributes | undefined, family: FamilyName): PathAttributes {
  const o: PathAttributes = {}
  const x = a ?? {}
  if (x.origin !== undefined && !(x.origin in ORIGIN_CODE)) fail(`origin ${String(x.origin)}`)
  o.origin = ORIGIN_CODE[x.origin ?? 'igp']
  const asns = x.asPath ?? []
  if (!asns.every((n) => u32(n) && n !== 0)) fail('asPath must hold AS numbers')
  o.asPath = asns.length === 0 ? [] : [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [...asns] }]
  if (x.med !== undefined) o.med = u32(x.med) ? x.med : fail(`med ${x.med}`)
  if (x.localPref !== undefined) o.localPref = u32(x.localPref) ? x.localPref : fail(`localPref ${x.localPref}`)
  if (x.atomicAggregate) o.atomicAggregate = true
  // An empty COMMUNITIES / LARGE_COMMUNITY / EXTENDED_COMMUNITIES attribute is malformed and makes the
  // receiver treat the UPDATE as withdraw (RFC 7606 §7.8, RFC 8092 §5, RFC 7606 §7.14): "no communities"
  // means no attribute at all.
  if (x.communities !== undefined && x.communities.length > 0) {
    o.communities = x.communities.map((c) => parseCommunity(c) ?? fail(`community ${String(c)}`))
  }
  if (x.largeCommunities !== undefined && x.largeCommunities.length > 0) {
    const flat: number[] = []
    for (const c of x.largeCommunities) flat.push(...(parseLargeCommunity(c) ?? fail(`large community ${String(c)}`)))
    o.largeCommunities = flat
  }
  if (x.extendedCommunities !== undefined && x.extendedCommunities.length > 0) {
    o.extendedCommunities = x.extendedCommunities.map((c) => parseExtendedCommunity(c) ?? fail(`extended community ${c}`))
  }
  if (family === 'ipv4') {
    if (x.nextHop !== undefined) o.nextHop = isIpv4(x.nextHop) ? x.nextHop : fail(`nextHop ${x.nextHop} is not IPv4`)
  } else {
    const nh = x.nextHop6
    if (nh !== undefined && (!isAddress(nh) || isIpv4(nh))) fail(`nextHop6 ${nh} is not IPv6`)
    // RFC 4760 §3: IPv6 reachability goes in MP_REACH_NLRI with its own next hop.
    o.mpReach = { afi: 2, safi: 1, nextHop: nh === undefined ? [] : [nh], nlri: { afi: 2, keys: [], pathIds: null } }
  }
  return o
}

/** The plain-data form of interned attributes. */
export function toRouteAttributes(a: Readonly<PathAttributes>): RouteAttributes {
  const r: RouteAttributes = {}
  if (a.origin !== undefined) r.origin = ORIGIN_NAME[a.origin] ?? 'incomplete'
  if (a.asPath !== undefined) {
    const seq: number[] = []
    for (const s of a.asPath) if (s.type === AsPathSegmentType.AS_SEQUENCE) seq.push(...s.asns)
    r.asPath = seq
    if (a.asPath.some((s) => s.type !== AsPathSegmentType.AS_SEQUENCE)) {
      r.asPathSegments = a.asPath.map((s) => ({ type: SEG_NAME[s.type] ?? 'AS_SET', asns: [...s.asns] }))
    }
  }
  const nh = a.nextHop ?? a.mpReach?.nextHop[0]
  if (nh !== undefined) r.nextHop = nh
  if (a.med !== undefined) r.med = a.med
  if (a.localPref !== undefined) r.localPref = a.localPref
  if (a.atomicAggregate) r.atomicAggregate = true
  if (a.aggregator !== undefined) r.aggregator = { asn: a.aggregator.asn, address: a.aggregator.address }
  if (a.communities !== undefined) r.communities = a.communities.map(formatCommunity)
  if (a.largeCommunities !== undefined) r.largeCommunities = formatLargeCommunities(a.largeCommunities)
  if (a.extendedCommunities !== undefined) r.extendedCommunities = a.extendedCommunities.map(formatExtendedCommunity)
  if (a.originatorId !== undefined) r.originatorId = a.originatorId
  if (a.clusterList !== undefined) r.clusterList = [...a.clusterList]
  if (a.otc !== undefined) r.otc = a.otc
  return r
}
