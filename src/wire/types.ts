/**
 * The decoded (internal, compact) form of every BGP message: plain data, discriminated unions.
 * Prefixes are compact keys (prefix.ts); the NDJSON text form is made by json.ts at the edge.
 * Optional `wire*` fields record encoding choices seen on the wire (attribute order and flags,
 * optional parameter grouping, RFC 9072 form) so encode(decode(bytes)) = bytes; when they are
 * absent the encoder uses the canonical form.
 */
import type { AttrError } from './errors.js'
import type { NlriList } from './prefix.js'

// ---------------------------------------------------------------- OPEN (RFC 4271 §4.2)

export type Capability =
  | { code: 1; afi: number; safi: number; reserved?: number } // RFC 4760 §8
  | { code: 2 } // RFC 2918
  | { code: 5; entries: Array<{ afi: number; safi: number; nextHopAfi: number }> } // RFC 8950
  | { code: 6 } // RFC 8654
  | { code: 9; role: number } // RFC 9234
  | {
      code: 64 // RFC 4724 §3
      restartState: boolean // R bit
      notification: boolean // N bit, RFC 8538
      restartTime: number // seconds, 12 bits
      families: Array<{ afi: number; safi: number; forwardingState: boolean; flags?: number }>
      flagBits?: number // the 4 flag bits as received, to round-trip reserved bits
    }
  | { code: 65; asn: number } // RFC 6793
  | { code: 69; families: Array<{ afi: number; safi: number; mode: number }> } // RFC 7911 §4
  | { code: 70 } // RFC 7313
  | { code: 71; families: Array<{ afi: number; safi: number; flags: number; staleTime: number }> } // RFC 9494
  | { code: 73; hostname: string; domain: string } // FQDN
  | { code: 128 } // Cisco pre-standard route refresh
  | UnknownCapability

export interface UnknownCapability {
  code: number
  /** Value bytes, kept and re-encoded identically. */
  raw: Buffer
}

/** RFC 4271 §4.2 optional parameter: a Capabilities parameter (type 2) or any other kept raw. */
export type OptionalParam = { type: 2; capabilities: Capability[] } | { type: number; raw: Buffer }

export interface Open {
  type: 'OPEN'
  version: number
  /** The 2-octet "My Autonomous System" field (AS_TRANS when the real ASN is 4-octet). */
  myAs: number
  holdTime: number
  /** BGP Identifier, dotted quad. */
  bgpId: string
  params: OptionalParam[]
  /** RFC 9072: the optional parameters used the extended-length encoding. */
  extendedParams?: boolean
}

// ---------------------------------------------------------------- UPDATE (RFC 4271 §4.3)

export interface AsPathSegment {
  type: number // AsPathSegmentType: 1 AS_SET, 2 AS_SEQUENCE, 3 AS_CONFED_SEQUENCE, 4 AS_CONFED_SET
  asns: number[]
}

export interface Aggregator {
  asn: number
  address: string
}

/** Families tsbgp models in depth: IPv4/IPv6 unicast and multicast. Everything else is RawNlri. */
export interface RawNlri {
  afi: number
  safi: number
  /** NLRI octets as received (they round-trip unchanged). */
  raw: Buffer
}

export interface MpReach {
  afi: number
  safi: number
  /** Modeled families: the next hops as text (IPv6 global, and link-local when 32 octets). */
  nextHop: string[]
  /** Next hop octets as received when the family is not modeled (VPN RD+address, etc.). */
  nextHopRaw?: Buffer
  /** RFC 4760 §3 Reserved octet (was SNPA count); kept for byte-exactness. */
  reserved?: number
  nlri: NlriList | RawNlri
}

export interface MpUnreach {
  afi: number
  safi: number
  withdrawn: NlriList | RawNlri
}

export interface UnknownAttribute {
  code: number
  flags: number
  data: Buffer
}

export interface PathAttributes {
  origin?: number
  asPath?: AsPathSegment[]
  nextHop?: string
  med?: number
  localPref?: number
  atomicAggregate?: boolean
  aggregator?: Aggregator
  /** RFC 1997 communities as 32-bit numbers (asn << 16 | value), in wire order. */
  communities?: number[]
  originatorId?: string
  clusterList?: string[]
  mpReach?: MpReach
  mpUnreach?: MpUnreach
  /** RFC 4360 extended communities, 8 octets each as 16 hex digits. */
  extendedCommunities?: string[]
  as4Path?: AsPathSegment[]
  as4Aggregator?: Aggregator
  /** RFC 8092 large communities, flat: [global, local1, local2, global, ...]. */
  largeCommunities?: number[]
  /** RFC 9234 Only to Customer. */
  otc?: number
  unknown?: UnknownAttribute[]
  /** Attribute codes with their flag octets in wire order, for byte-exact re-encoding. */
  wire?: Array<{ code: number; flags: number }>
}

export interface Update {
  type: 'UPDATE'
  /** IPv4 unicast Withdrawn Routes field. */
  withdrawn: NlriList
  attributes: PathAttributes
  /** IPv4 unicast NLRI field. */
  nlri: NlriList
  /** RFC 7606 outcomes found while decoding; absent when the UPDATE was clean. */
  errors?: AttrError[]
}

// ---------------------------------------------------------------- NOTIFICATION (RFC 4271 §4.5)

export interface Notification {
  type: 'NOTIFICATION'
  code: number
  subcode: number
  data: Buffer
  /** RFC 9003 Shutdown Communication (Cease / Administrative Shutdown or Reset). */
  message?: string
  /** RFC 8538 §4: Cease/Hard Reset carries the original NOTIFICATION's code/subcode/data. */
  hardReset?: { code: number; subcode: number; data: Buffer }
}

export interface Keepalive {
  type: 'KEEPALIVE'
}

// ---------------------------------------------------------------- ROUTE-REFRESH (RFC 2918, RFC 7313)

export interface RouteRefresh {
  type: 'ROUTE-REFRESH'
  afi: number
  safi: number
  /** RFC 7313 §3.2: 0 normal request, 1 BoRR, 2 EoRR. */
  subtype: number
  /** Anything after AFI/Subtype/SAFI (ORF entries, RFC 5291), kept raw. */
  orf?: Buffer
}

export type Message = Open | Update | Notification | Keepalive | RouteRefresh
