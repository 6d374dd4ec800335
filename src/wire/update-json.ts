/**
 * The JSON text form of a decoded UPDATE (RFC 4271 §4.3 field names in camelCase), for the CLI,
 * logs, the control API and rfc-fixtures. Prefixes and communities become text only here.
 *
 *   { type: "UPDATE", withdrawn: [...], nlri: [...], attributes: {...}, errors?: [...] }
 *
 * Absent attributes are omitted; the `wire` encoding record is not shown.
 */
import { formatCommunity } from './attrs/communities.js'
import { formatExtendedCommunity } from './attrs/extended-communities.js'
import { formatLargeCommunities } from './attrs/large-communities.js'
import { AsPathSegmentTypeName, OriginName } from './iana.js'
import type { NlriList } from './prefix.js'
import { formatNlriList } from './prefix.js'
import type { AsPathSegment, MpReach, MpUnreach, RawNlri, Update } from './types.js'


function asPathJson(p: readonly AsPathSegment[]): Array<{ type: string; asns: number[] }> {
  return p.map((s) => ({ type: AsPathSegmentTypeName[s.type] ?? `SEGMENT_${s.type}`, asns: [...s.asns] }))
}

function nlriJson(l: NlriList | RawNlri): unknown {
  return 'raw' in l ? { hex: l.raw.toString('hex') } : formatNlriList(l)
}

function mpReachJson(m: MpReach): object {
  return {
    afi: m.afi,
    safi: m.safi,
    // Families not modeled: the next hop octets as one hex string.
    nextHop: m.nextHopRaw !== undefined ? [m.nextHopRaw.toString('hex')] : [...m.nextHop],
    nlri: nlriJson(m.nlri),
  }
}

function mpUnreachJson(m: MpUnreach): object {
  return { afi: m.afi, safi: m.safi, withdrawn: nlriJson(m.withdrawn) }
}

export function updateToJson(u: Update): object {
  const a = u.attributes
  const attributes: Record<string, unknown> = {}
  if (a.origin !== undefined) attributes.origin = OriginName[a.origin] ?? a.origin
  if (a.asPath !== undefined) attributes.asPath = asPathJson(a.asPath)
  if (a.nextHop !== undefined) attributes.nextHop = a.nextHop
  if (a.med !== undefined) attributes.med = a.med
  if (a.localPref !== undefined) attributes.localPref = a.localPref
  if (a.atomicAggregate) attributes.atomicAggregate = true
  if (a.aggregator !== undefined) attributes.aggregator = { asn: a.aggregator.asn, address: a.aggregator.address }
  if (a.communities !== undefined) attributes.communities = a.communities.map(formatCommunity)
  if (a.largeCommunities !== undefined) attributes.largeCommunities = formatLargeCommunities(a.largeCommunities)
  if (a.extendedCommunities !== undefined) attributes.extendedCommunities = a.extendedCommunities.map(formatExtendedCommunity)
  if (a.originatorId !== undefined) attributes.originatorId = a.originatorId
  if (a.clusterList !== undefined) attributes.clusterList = [...a.clusterList]
  if (a.mpReach !== undefined) attributes.mpReach = mpReachJson(a.mpReach)
  if (a.mpUnreach !== undefined) attributes.mpUnreach = mpUnreachJson(a.mpUnreach)
  if (a.as4Path !== undefined) attributes.as4Path = asPathJson(a.as4Path)
  if (a.as4Aggregator !== undefined) attributes.as4Aggregator = { asn: a.as4Aggregator.asn, address: a.as4Aggregator.address }
  if (a.otc !== undefined) attributes.otc = a.otc
  if (a.unknown !== undefined) attributes.unknown = a.unknown.map((x) => ({ code: x.code, flags: x.flags, hex: x.data.toString('hex') }))
  const out: Record<string, unknown> = {
    type: 'UPDATE',
    withdrawn: formatNlriList(u.withdrawn),
    nlri: formatNlriList(u.nlri),
    attributes,
  }
  if (u.errors !== undefined && u.errors.length > 0) {
    out.errors = u.errors.map((e) => ({ action: e.action, attrType: e.attrType, subcode: e.subcode, reason: e.reason, offset: e.offset }))
  }
  return out
}
