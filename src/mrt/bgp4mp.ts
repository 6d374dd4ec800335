/**
 * BGP4MP and BGP4MP_ET (RFC 6396 §4.4, §3) with the RFC 8050 ADD-PATH subtypes.
 *
 * STATE_CHANGE (0) / STATE_CHANGE_AS4 (5), §4.4.1 / §4.4.4:
 *  +-------------------------------+-------------------------------+
 *  |   Peer AS Number (2 or 4)     |   Local AS Number (2 or 4)    |
 *  +-------------------------------+-------------------------------+
 *  |   Interface Index (2)         |   Address Family (2)          |
 *  +-------------------------------+-------------------------------+
 *  |   Peer IP Address (4 or 16)   |   Local IP Address (4 or 16)  |
 *  +-------------------------------+-------------------------------+
 *  |   Old State (2)               |   New State (2)               |
 *  +-------------------------------+-------------------------------+
 *
 * MESSAGE (1), MESSAGE_AS4 (4), MESSAGE_LOCAL (6), MESSAGE_AS4_LOCAL (7), §4.4.2-§4.4.6, and
 * RFC 8050 §4.2 MESSAGE_ADDPATH (8), MESSAGE_AS4_ADDPATH (9), MESSAGE_LOCAL_ADDPATH (10),
 * MESSAGE_AS4_LOCAL_ADDPATH (11): the same peer/local header, then one whole BGP message
 * (marker included). "_AS4" widens the two AS fields to 4 octets and means the session
 * negotiated 4-octet AS (RFC 6793), so the message's AS_PATH is read with 4-octet ASNs.
 * "_LOCAL" messages were sent by the collector, not received. "_ADDPATH" NLRI carry Path
 * Identifiers (RFC 7911).
 *
 * BGP4MP_ENTRY (2, deprecated: Zebra's format, still written by OpenBGPD `dump table-mp`): the same
 * header (2-octet AS fields), then View (2) | Status (2) | Originated Time (4) | AFI (2) | SAFI (1) |
 * Next Hop Length (1) | Next Hop | Prefix Length (1) | Prefix | Attribute Length (2) | Attributes.
 *
 * The BGP message itself is decoded by a caller-supplied function (src/wire does it); this file
 * owns only the MRT framing around it.
 */
import { MrtFormatError, address, need, prefixOctets, u16, u32, v4KeyAt, v6KeyAt } from './fields.js'
import type { AttrDecoder } from './table-dump-v2.js'
import type { V4Key, V6Key } from '../wire/prefix.js'

export const Bgp4mpSubtype = {
  STATE_CHANGE: 0,
  MESSAGE: 1,
  ENTRY: 2, // deprecated (Zebra); decoded for OpenBGPD table-mp dumps
  MESSAGE_AS4: 4,
  STATE_CHANGE_AS4: 5,
  MESSAGE_LOCAL: 6,
  MESSAGE_AS4_LOCAL: 7,
  MESSAGE_ADDPATH: 8, // RFC 8050 §4.2
  MESSAGE_AS4_ADDPATH: 9,
  MESSAGE_LOCAL_ADDPATH: 10,
  MESSAGE_AS4_LOCAL_ADDPATH: 11,
} as const

export const Bgp4mpSubtypeName: Record<number, string> = Object.fromEntries(
  Object.entries(Bgp4mpSubtype).map(([k, v]) => [v, k]),
)

/** RFC 6396 §4.4.1 state values (RFC 4271 §8.2.2 states); 7 and 8 are Quagga's Clearing/Deleted. */
export const BgpStateName: Record<number, string> = {
  1: 'Idle',
  2: 'Connect',
  3: 'Active',
  4: 'OpenSent',
  5: 'OpenConfirm',
  6: 'Established',
  7: 'Clearing',
  8: 'Deleted',
}

export function stateName(n: number): string {
  return BgpStateName[n] ?? `UNKNOWN_${n}`
}

export interface Bgp4mpEndpoint {
  address: string
  asn: number
}

interface Bgp4mpCommon {
  mrtType: 'BGP4MP' | 'BGP4MP_ET'
  subtype: number
  ts: number
  /** BGP4MP_ET only (§3). */
  microseconds?: number
  peer: Bgp4mpEndpoint
  local: Bgp4mpEndpoint
  interfaceIndex: number
  /** Address Family of the two IP fields: 1 IPv4, 2 IPv6. */
  afi: number
}

export interface Bgp4mpStateChange extends Bgp4mpCommon {
  type: 'STATE_CHANGE'
  oldState: number
  newState: number
}

export interface Bgp4mpMessage<M> extends Bgp4mpCommon {
  type: 'BGP4MP_MESSAGE'
  /** Sent by the collector (MESSAGE_LOCAL*) rather than received from the peer. */
  localSent: boolean
  as4: boolean
  addPath: boolean
  /** The decoded BGP message, or the decoder's verdict on it. */
  message: M
  /** Length of the BGP message field (the record body after the header). */
  messageLength: number
}

/** A BGP4MP_ENTRY route (deprecated subtype 2). */
export interface Bgp4mpEntry<A> extends Bgp4mpCommon {
  type: 'RIB'
  view: number
  status: number
  originatedTime: number
  /** Family of the route (the header's `afi` is that of the peer/local addresses). */
  routeAfi: 1 | 2
  safi: number
  nextHop: string
  prefix: V4Key | V6Key
  attributes: A
}

export function isStateChangeSubtype(subtype: number): boolean {
  return subtype === 0 || subtype === 5
}

export function isMessageSubtype(subtype: number): boolean {
  return subtype === 1 || subtype === 4 || (subtype >= 6 && subtype <= 11)
}

export function subtypeIsAs4(subtype: number): boolean {
  return subtype === 4 || subtype === 5 || subtype === 7 || subtype === 9 || subtype === 11
}

export function subtypeIsLocal(subtype: number): boolean {
  return subtype === 6 || subtype === 7 || subtype === 10 || subtype === 11
}

export function subtypeIsAddPath(subtype: number): boolean {
  return subtype >= 8 && subtype <= 11
}

/** Decodes the BGP message buf[start, end); as4/addPath say how the session was negotiated. */
export type MessageDecoder<M> = (buf: Buffer, start: number, end: number, as4: boolean, addPath: boolean) => M

/** Reads the peer/local header; returns the offset after it. Throws MrtFormatError. */
function decodeHeader(
  buf: Buffer,
  off: number,
  end: number,
  as4Fields: boolean,
  out: { peer: Bgp4mpEndpoint; local: Bgp4mpEndpoint; interfaceIndex: number; afi: number },
): number {
  const asLen = as4Fields ? 4 : 2
  need(off, 2 * asLen + 4, end, 'BGP4MP header')
  const peerAs = as4Fields ? u32(buf, off) : u16(buf, off)
  const localAs = as4Fields ? u32(buf, off + asLen) : u16(buf, off + asLen)
  off += 2 * asLen
  out.interfaceIndex = u16(buf, off)
  const afi = u16(buf, off + 2)
  off += 4
  if (afi !== 1 && afi !== 2) throw new MrtFormatError(`BGP4MP address family ${afi} is neither IPv4 (1) nor IPv6 (2)`, off - 2)
  const alen = afi === 2 ? 16 : 4
  need(off, 2 * alen, end, 'BGP4MP peer/local address')
  out.peer = { address: address(buf, off, afi === 2), asn: peerAs }
  out.local = { address: address(buf, off + alen, afi === 2), asn: localAs }
  out.afi = afi
  return off + 2 * alen
}

export function decodeBgp4mp<A, M>(
  buf: Buffer,
  off: number,
  end: number,
  mrtType: number,
  subtype: number,
  ts: number,
  microseconds: number | null,
  decodeMessage: MessageDecoder<M>,
  decodeAttrs: AttrDecoder<A>,
  as4Override?: boolean,
): Bgp4mpStateChange | Bgp4mpMessage<M> | Bgp4mpEntry<A> {
  const h = { peer: { address: '', asn: 0 }, local: { address: '', asn: 0 }, interfaceIndex: 0, afi: 0 }
  off = decodeHeader(buf, off, end, subtypeIsAs4(subtype), h)
  const common: Bgp4mpCommon = {
    mrtType: mrtType === 17 ? 'BGP4MP_ET' : 'BGP4MP',
    subtype,
    ts,
    ...(microseconds !== null ? { microseconds } : {}),
    peer: h.peer,
    local: h.local,
    interfaceIndex: h.interfaceIndex,
    afi: h.afi,
  }
  if (subtype === Bgp4mpSubtype.ENTRY) return decodeEntry(buf, off, end, common, decodeAttrs)
  if (isStateChangeSubtype(subtype)) {
    need(off, 4, end, 'BGP4MP state values')
    return { type: 'STATE_CHANGE', ...common, oldState: u16(buf, off), newState: u16(buf, off + 2) }
  }
  const as4 = as4Override ?? subtypeIsAs4(subtype)
  const addPath = subtypeIsAddPath(subtype)
  return {
    type: 'BGP4MP_MESSAGE',
    ...common,
    localSent: subtypeIsLocal(subtype),
    as4,
    addPath,
    message: decodeMessage(buf, off, end, as4, addPath),
    messageLength: end - off,
  }
}

function decodeEntry<A>(buf: Buffer, off: number, end: number, common: Bgp4mpCommon, decodeAttrs: AttrDecoder<A>): Bgp4mpEntry<A> {
  need(off, 12, end, 'BGP4MP_ENTRY header')
  const view = u16(buf, off)
  const status = u16(buf, off + 2)
  const originatedTime = u32(buf, off + 4)
  const afi = u16(buf, off + 8)
  const safi = buf[off + 10]!
  const nhLen = buf[off + 11]!
  off += 12
  if (afi !== 1 && afi !== 2) throw new MrtFormatError(`BGP4MP_ENTRY AFI ${afi} is neither IPv4 nor IPv6`, off - 4)
  if (nhLen !== 4 && nhLen !== 16) throw new MrtFormatError(`BGP4MP_ENTRY next hop length ${nhLen}`, off - 1)
  need(off, nhLen, end, 'BGP4MP_ENTRY next hop')
  const nextHop = address(buf, off, nhLen === 16)
  off += nhLen
  const pfx = off
  off = prefixOctets(buf, off, end, afi === 1 ? 32 : 128)
  const prefix = afi === 1 ? v4KeyAt(buf, pfx) : v6KeyAt(buf, pfx)
  need(off, 2, end, 'attribute length')
  const attrLen = u16(buf, off)
  off += 2
  need(off, attrLen, end, 'BGP attributes')
  return {
    type: 'RIB',
    ...common,
    view,
    status,
    originatedTime,
    routeAfi: afi,
    safi,
    nextHop,
    prefix,
    attributes: decodeAttrs(buf, off, off + attrLen, afi, safi),
  }
}
