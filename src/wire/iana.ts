/**
 * IANA code points used on the BGP wire, in one table.
 * Registries: "Border Gateway Protocol (BGP) Parameters" and "Capability Codes",
 * "Address Family Numbers", "SAFI Values", "BGP Well-known Communities"
 * (as published 2026-11; values cross-checked against RFC 4271, 4760, 5492, 6793, 7606, 9234).
 * Reverse maps are derived, never hand-kept (STYLE.md: two hand-kept tables drift).
 */

/** RFC 4271 §4.1 header and size limits; RFC 8654 extended messages. */
export const HEADER_LENGTH = 19
export const MARKER_LENGTH = 16
export const MAX_MESSAGE_LENGTH = 4096
export const MAX_EXTENDED_MESSAGE_LENGTH = 65535
export const BGP_VERSION = 4
/** RFC 6793 §9: the 2-octet placeholder for a 4-octet AS. */
export const AS_TRANS = 23456

export const MessageType = {
  OPEN: 1,
  UPDATE: 2,
  NOTIFICATION: 3,
  KEEPALIVE: 4,
  ROUTE_REFRESH: 5, // RFC 2918
} as const
export type MessageTypeCode = (typeof MessageType)[keyof typeof MessageType]

/** Names used in JSON output (`type` field). */
export const MessageTypeName: Record<number, string> = {
  1: 'OPEN',
  2: 'UPDATE',
  3: 'NOTIFICATION',
  4: 'KEEPALIVE',
  5: 'ROUTE-REFRESH',
}

/** Address Family Numbers. */
export const Afi = { IPV4: 1, IPV6: 2, L2VPN: 25, BGP_LS: 16388 } as const
/** SAFI values. */
export const Safi = {
  UNICAST: 1,
  MULTICAST: 2,
  MPLS_LABEL: 4, // RFC 8277
  MCAST_VPN: 5,
  VPLS: 65,
  EVPN: 70,
  BGP_LS: 71,
  MPLS_VPN: 128, // RFC 4364
  MCAST_MPLS_VPN: 129,
  RT_CONSTRAINT: 132,
  FLOWSPEC: 133, // RFC 8955
  FLOWSPEC_VPN: 134,
} as const

/** Key for per-family tables: afi * 256 + safi (AFI is 16 bits, SAFI 8 bits). */
export function familyKey(afi: number, safi: number): number {
  return afi * 256 + safi
}

/** RFC 4271 §4.2 optional parameter types; RFC 9072 extended length marker. */
export const OptParamType = {
  AUTHENTICATION: 1, // deprecated, RFC 5492
  CAPABILITIES: 2, // RFC 5492
  EXTENDED_LENGTH: 255, // RFC 9072 §2: Non-Ext OP Type
} as const

/** Capability codes (RFC 5492 registry). */
export const CapabilityCode = {
  MULTIPROTOCOL: 1, // RFC 4760
  ROUTE_REFRESH: 2, // RFC 2918
  OUTBOUND_ROUTE_FILTERING: 3, // RFC 5291
  EXTENDED_NEXT_HOP: 5, // RFC 8950
  EXTENDED_MESSAGE: 6, // RFC 8654
  BGPSEC: 7, // RFC 8205
  MULTIPLE_LABELS: 8, // RFC 8277
  BGP_ROLE: 9, // RFC 9234
  GRACEFUL_RESTART: 64, // RFC 4724
  FOUR_OCTET_AS: 65, // RFC 6793
  DYNAMIC_CAPABILITY: 67,
  MULTISESSION: 68,
  ADD_PATH: 69, // RFC 7911
  ENHANCED_ROUTE_REFRESH: 70, // RFC 7313
  LONG_LIVED_GRACEFUL_RESTART: 71, // RFC 9494
  ROUTING_POLICY_DISTRIBUTION: 72,
  FQDN: 73, // draft-walton-bgp-hostname-capability
  SOFTWARE_VERSION: 75,
  PATHS_LIMIT: 76,
  ROUTE_REFRESH_CISCO: 128, // pre-standard, still sent by some routers
} as const

export const CapabilityName: Record<number, string> = invert(CapabilityCode)

/** RFC 9234 §4.1 BGP Role values. */
export const BgpRole = { PROVIDER: 0, RS: 1, RS_CLIENT: 2, CUSTOMER: 3, PEER: 4 } as const
export const BgpRoleName: Record<number, string> = invert(BgpRole)

/** RFC 7911 §4 ADD-PATH Send/Receive field. */
export const AddPathMode = { RECEIVE: 1, SEND: 2, BOTH: 3 } as const

/** Path attribute type codes. */
export const AttrType = {
  ORIGIN: 1,
  AS_PATH: 2,
  NEXT_HOP: 3,
  MULTI_EXIT_DISC: 4,
  LOCAL_PREF: 5,
  ATOMIC_AGGREGATE: 6,
  AGGREGATOR: 7,
  COMMUNITIES: 8, // RFC 1997
  ORIGINATOR_ID: 9, // RFC 4456
  CLUSTER_LIST: 10, // RFC 4456
  MP_REACH_NLRI: 14, // RFC 4760
  MP_UNREACH_NLRI: 15, // RFC 4760
  EXTENDED_COMMUNITIES: 16, // RFC 4360
  AS4_PATH: 17, // RFC 6793
  AS4_AGGREGATOR: 18, // RFC 6793
  PMSI_TUNNEL: 22,
  TUNNEL_ENCAPSULATION: 23,
  AIGP: 26,
  LARGE_COMMUNITY: 32, // RFC 8092
  BGPSEC_PATH: 33,
  OTC: 35, // RFC 9234
  PREFIX_SID: 40,
  ATTR_SET: 128,
} as const
export const AttrTypeName: Record<number, string> = invert(AttrType)

/** RFC 4271 §4.3 attribute flag bits. */
export const AttrFlag = {
  OPTIONAL: 0x80,
  TRANSITIVE: 0x40,
  PARTIAL: 0x20,
  EXTENDED_LENGTH: 0x10,
} as const

/** RFC 4271 §5.1.1 ORIGIN values. */
export const Origin = { IGP: 0, EGP: 1, INCOMPLETE: 2 } as const
export const OriginName: Record<number, string> = invert(Origin)

/** RFC 4271 §4.3 AS_PATH segment types; RFC 5065 §3 confederation segments. */
export const AsPathSegmentType = {
  AS_SET: 1,
  AS_SEQUENCE: 2,
  AS_CONFED_SEQUENCE: 3,
  AS_CONFED_SET: 4,
} as const
export const AsPathSegmentTypeName: Record<number, string> = invert(AsPathSegmentType)

/** Well-known communities (RFC 1997, RFC 8326, RFC 7999, RFC 8642). */
export const WellKnownCommunity = {
  GRACEFUL_SHUTDOWN: 0xffff0000, // RFC 8326
  ACCEPT_OWN: 0xffff0001,
  LLGR_STALE: 0xffff0006,
  NO_LLGR: 0xffff0007,
  BLACKHOLE: 0xffff029a, // RFC 7999
  NO_EXPORT: 0xffffff01,
  NO_ADVERTISE: 0xffffff02,
  NO_EXPORT_SUBCONFED: 0xffffff03,
  NOPEER: 0xffffff04, // RFC 3765
} as const

/** RFC 4271 §4.5 NOTIFICATION error codes; RFC 6608 FSM error; RFC 7313 ROUTE-REFRESH error. */
export const ErrorCode = {
  MESSAGE_HEADER: 1,
  OPEN_MESSAGE: 2,
  UPDATE_MESSAGE: 3,
  HOLD_TIMER_EXPIRED: 4,
  FSM: 5,
  CEASE: 6,
  ROUTE_REFRESH_MESSAGE: 7,
  SEND_HOLD_TIMER_EXPIRED: 8, // RFC 9687
} as const
export const ErrorCodeName: Record<number, string> = {
  1: 'Message Header Error',
  2: 'OPEN Message Error',
  3: 'UPDATE Message Error',
  4: 'Hold Timer Expired',
  5: 'Finite State Machine Error',
  6: 'Cease',
  7: 'ROUTE-REFRESH Message Error',
  8: 'Send Hold Timer Expired',
}

/** RFC 4271 §6.1 */
export const HeaderSubcode = {
  CONNECTION_NOT_SYNCHRONIZED: 1,
  BAD_MESSAGE_LENGTH: 2,
  BAD_MESSAGE_TYPE: 3,
} as const
/** RFC 4271 §6.2, RFC 5492 §5 (7), RFC 9234 §4.2 (11) */
export const OpenSubcode = {
  UNSUPPORTED_VERSION_NUMBER: 1,
  BAD_PEER_AS: 2,
  BAD_BGP_IDENTIFIER: 3,
  UNSUPPORTED_OPTIONAL_PARAMETER: 4,
  AUTHENTICATION_FAILURE: 5, // deprecated
  UNACCEPTABLE_HOLD_TIME: 6,
  UNSUPPORTED_CAPABILITY: 7,
  ROLE_MISMATCH: 11,
} as const
/** RFC 4271 §6.3 */
export const UpdateSubcode = {
  MALFORMED_ATTRIBUTE_LIST: 1,
  UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE: 2,
  MISSING_WELL_KNOWN_ATTRIBUTE: 3,
  ATTRIBUTE_FLAGS_ERROR: 4,
  ATTRIBUTE_LENGTH_ERROR: 5,
  INVALID_ORIGIN_ATTRIBUTE: 6,
  AS_ROUTING_LOOP: 7, // deprecated
  INVALID_NEXT_HOP_ATTRIBUTE: 8,
  OPTIONAL_ATTRIBUTE_ERROR: 9,
  INVALID_NETWORK_FIELD: 10,
  MALFORMED_AS_PATH: 11,
} as const
/** RFC 6608 §4 */
export const FsmSubcode = {
  UNSPECIFIED: 0,
  UNEXPECTED_MESSAGE_IN_OPENSENT: 1,
  UNEXPECTED_MESSAGE_IN_OPENCONFIRM: 2,
  UNEXPECTED_MESSAGE_IN_ESTABLISHED: 3,
} as const
/** RFC 4486 §4, RFC 8538 §5 (9) */
export const CeaseSubcode = {
  MAXIMUM_PREFIXES_REACHED: 1,
  ADMINISTRATIVE_SHUTDOWN: 2,
  PEER_DECONFIGURED: 3,
  ADMINISTRATIVE_RESET: 4,
  CONNECTION_REJECTED: 5,
  OTHER_CONFIGURATION_CHANGE: 6,
  CONNECTION_COLLISION_RESOLUTION: 7,
  OUT_OF_RESOURCES: 8,
  HARD_RESET: 9,
  BFD_DOWN: 10, // RFC 9384
} as const
/** RFC 7313 §5 */
export const RouteRefreshSubcode = { INVALID_MESSAGE_LENGTH: 1 } as const

export const SubcodeName: Record<number, Record<number, string>> = {
  1: { 1: 'Connection Not Synchronized', 2: 'Bad Message Length', 3: 'Bad Message Type' },
  2: {
    0: 'Unspecific',
    1: 'Unsupported Version Number',
    2: 'Bad Peer AS',
    3: 'Bad BGP Identifier',
    4: 'Unsupported Optional Parameter',
    5: 'Authentication Failure',
    6: 'Unacceptable Hold Time',
    7: 'Unsupported Capability',
    11: 'Role Mismatch',
  },
  3: {
    0: 'Unspecific',
    1: 'Malformed Attribute List',
    2: 'Unrecognized Well-known Attribute',
    3: 'Missing Well-known Attribute',
    4: 'Attribute Flags Error',
    5: 'Attribute Length Error',
    6: 'Invalid ORIGIN Attribute',
    7: 'AS Routing Loop',
    8: 'Invalid NEXT_HOP Attribute',
    9: 'Optional Attribute Error',
    10: 'Invalid Network Field',
    11: 'Malformed AS_PATH',
  },
  4: { 0: 'Unspecific' },
  5: {
    0: 'Unspecified Error',
    1: 'Receive Unexpected Message in OpenSent State',
    2: 'Receive Unexpected Message in OpenConfirm State',
    3: 'Receive Unexpected Message in Established State',
  },
  6: {
    0: 'Unspecific',
    1: 'Maximum Number of Prefixes Reached',
    2: 'Administrative Shutdown',
    3: 'Peer De-configured',
    4: 'Administrative Reset',
    5: 'Connection Rejected',
    6: 'Other Configuration Change',
    7: 'Connection Collision Resolution',
    8: 'Out of Resources',
    9: 'Hard Reset',
    10: 'BFD Down',
  },
  7: { 0: 'Reserved', 1: 'Invalid Message Length' },
  8: { 0: 'Unspecific' },
}

/** RFC 2918 / RFC 7313 §3.2 ROUTE-REFRESH message subtypes (the former Reserved octet). */
export const RouteRefreshSubtype = { NORMAL: 0, BORR: 1, EORR: 2 } as const

export function errorName(code: number): string {
  return ErrorCodeName[code] ?? `Unknown error code ${code}`
}
export function subcodeName(code: number, subcode: number): string {
  return SubcodeName[code]?.[subcode] ?? `Unknown subcode ${subcode}`
}

function invert(o: Record<string, number>): Record<number, string> {
  const r: Record<number, string> = {}
  for (const [k, v] of Object.entries(o)) r[v] = k
  return r
}
