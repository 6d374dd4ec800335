/**
 * TABLE_DUMP_V2 (RFC 6396 §4.3) with the RFC 8050 ADD-PATH subtypes.
 *
 * PEER_INDEX_TABLE (subtype 1, §4.3.1)            RIB_AFI_SAFI header (subtypes 2-5, 8-11, §4.3.2)
 *  +---------------------------------------+       +---------------------------------------+
 *  |        Collector BGP ID (4)           |       |         Sequence Number (4)           |
 *  +-------------------+-------------------+       +---------+-----------------------------+
 *  | View Name Len (2) | View Name (var)   |       | Pfx Len | Prefix (ceil(len/8))        |
 *  +-------------------+-------------------+       +---------+---------+-------------------+
 *  | Peer Count (2)    | Peer Entries...   |       | Entry Count (2)   | RIB Entries...    |
 *  +-------------------+-------------------+       +-------------------+-------------------+
 *  Peer Entry: Peer Type (1) | Peer BGP ID (4) | Peer IP (4/16) | Peer AS (2/4)
 *    Peer Type bits: 0x01 the Peer IP is IPv6 (else IPv4), 0x02 the Peer AS is 4 octets (else 2).
 *
 * RIB_GENERIC (6, §4.3.3): Sequence Number (4) | AFI (2) | SAFI (1) | NLRI (one) | Entry Count (2) | RIB Entries
 * RIB_GENERIC_ADDPATH (12, RFC 8050 §4.2): the NLRI is the ADD-PATH one (Path Identifier (4), then
 *   the prefix) and "the RIB Entries in this subtype are not redefined" (no Path Identifier there).
 *   OpenBGPD and GoBGP write it "like the other types" instead (plain NLRI, Path Identifier in each
 *   entry); a record that does not parse the RFC way is read that way.
 *
 * RIB Entry (§4.3.4; RFC 8050 §4.1 inserts the Path Identifier for subtypes 8-11):
 *  +-------------------+---------------------------+----------------------+--------------------+
 *  | Peer Index (2)    | Originated Time (4)       | [Path Identifier (4)] | Attribute Len (2) |
 *  +-------------------+---------------------------+----------------------+--------------------+
 *  | BGP Attributes (variable)                                                                 |
 *
 * §4.3.4: in RIB entries AS_PATH carries 4-octet AS numbers whatever the peer negotiated, and
 * MP_REACH_NLRI holds only the next hop length and next hop (the abbreviated form). The entries
 * are walked by visitRibEntries(); decodeRib() hands each attribute block to a caller-supplied
 * decoder (readMrt builds PathAttributes), while the CLI writes its JSON in place (ndjson.ts).
 */
import { MrtFormatError, address, need, prefixOctets, u16, u32, v4KeyAt, v6KeyAt } from './fields.js'
import type { V4Key, V6Key } from '../wire/prefix.js'
import { ipv4ToString } from '../wire/address.js'

export const TableDumpV2Subtype = {
  PEER_INDEX_TABLE: 1,
  RIB_IPV4_UNICAST: 2,
  RIB_IPV4_MULTICAST: 3,
  RIB_IPV6_UNICAST: 4,
  RIB_IPV6_MULTICAST: 5,
  RIB_GENERIC: 6,
  GEO_PEER_TABLE: 7, // RFC 6397; not decoded
  RIB_IPV4_UNICAST_ADDPATH: 8, // RFC 8050 §4.1
  RIB_IPV4_MULTICAST_ADDPATH: 9,
  RIB_IPV6_UNICAST_ADDPATH: 10,
  RIB_IPV6_MULTICAST_ADDPATH: 11,
  RIB_GENERIC_ADDPATH: 12,
} as const

export const TableDumpV2SubtypeName: Record<number, string> = Object.fromEntries(
  Object.entries(TableDumpV2Subtype).map(([k, v]) => [v, k]),
)

export interface MrtPeer {
  /** Peer Type octet as written: bit 0 IPv6 address, bit 1 4-octet AS. */
  peerType: number
  bgpId: string
  address: string
  asn: number
}

export interface PeerIndexTable {
  type: 'PEER_INDEX_TABLE'
  ts: number
  collectorId: string
  viewName: string
  peers: MrtPeer[]
}

export interface RibEntry<A> {
  peerIndex: number
  /** The PEER_INDEX_TABLE entry; null when the index is past the table (or no table was seen). */
  peer: MrtPeer | null
  originatedTime: number
  /** RFC 8050 Path Identifier, only for the _ADDPATH subtypes. */
  pathId?: number
  attributes: A
}

export interface RibRecord<A> {
  type: 'RIB'
  mrtType: 'TABLE_DUMP_V2'
  subtype: number
  ts: number
  seq: number
  afi: 1 | 2
  safi: number
  /** Compact key (prefix.ts): a number for IPv4, a latin1 string for IPv6. */
  prefix: V4Key | V6Key
  entries: Array<RibEntry<A>>
  /**
   * A fault after the header: the entries before it are kept, the rest of the record is not read.
   * decodeRib() sets `offset` to the buffer index; decodeRecord() turns it into the stream offset.
   */
  error?: { reason: string; offset: number }
}

/** Decodes one BGP Attributes field buf[start, end) of a route of family afi/safi. */
export type AttrDecoder<A> = (buf: Buffer, start: number, end: number, afi: number, safi: number) => A

export function isRibSubtype(subtype: number): boolean {
  return (subtype >= 2 && subtype <= 6) || (subtype >= 8 && subtype <= 12)
}

export function isAddPathSubtype(subtype: number): boolean {
  return subtype >= 8 && subtype <= 12
}

/** §4.3.1 PEER_INDEX_TABLE. Throws MrtFormatError on a short field. */
export function decodePeerIndexTable(buf: Buffer, off: number, end: number, ts: number): PeerIndexTable {
  need(off, 6, end, 'PEER_INDEX_TABLE header')
  const collectorId = ipv4ToString(buf, off)
  const nameLen = u16(buf, off + 4)
  off += 6
  need(off, nameLen, end, 'view name')
  const viewName = buf.toString('utf8', off, off + nameLen)
  off += nameLen
  need(off, 2, end, 'peer count')
  const count = u16(buf, off)
  off += 2
  const peers: MrtPeer[] = new Array(count)
  for (let i = 0; i < count; i++) {
    need(off, 1, end, 'peer type')
    const peerType = buf[off]!
    const v6 = (peerType & 1) !== 0
    const as4 = (peerType & 2) !== 0
    const n = 1 + 4 + (v6 ? 16 : 4) + (as4 ? 4 : 2)
    need(off, n, end, `peer entry ${i}`)
    const bgpId = ipv4ToString(buf, off + 1)
    const addr = address(buf, off + 5, v6)
    const asOff = off + 5 + (v6 ? 16 : 4)
    peers[i] = { peerType, bgpId, address: addr, asn: as4 ? u32(buf, asOff) : u16(buf, asOff) }
    off += n
  }
  return { type: 'PEER_INDEX_TABLE', ts, collectorId, viewName, peers }
}

/** The RIB header of §4.3.2 / §4.3.3: the route and where its entries start. */
export interface RibHeader {
  seq: number
  afi: 1 | 2
  safi: number
  prefix: V4Key | V6Key
  count: number
  /** Offset of the first RIB Entry. */
  entries: number
  /** The RIB Entries carry a Path Identifier (RFC 8050 §4.1). */
  addPath: boolean
  /** RIB_GENERIC_ADDPATH (RFC 8050 §4.2): the NLRI's Path Identifier, shared by all entries; else -1. */
  nlriPathId: number
}

/**
 * Reads a RIB header. Returns null for a RIB_GENERIC family tsbgp does not model (§4.3.3: "An
 * implementation that does not recognize particular AFI and SAFI values SHOULD discard the
 * remainder of the MRT record"). Throws MrtFormatError when the header is short.
 */
export function decodeRibHeader(buf: Buffer, off: number, end: number, subtype: number, genericLikeOthers = false): RibHeader | null {
  need(off, 4, end, 'sequence number')
  const seq = u32(buf, off)
  off += 4
  let afi: 1 | 2
  let safi: number
  switch (subtype) {
    case 2:
    case 8:
      afi = 1
      safi = 1
      break
    case 3:
    case 9:
      afi = 1
      safi = 2
      break
    case 4:
    case 10:
      afi = 2
      safi = 1
      break
    case 5:
    case 11:
      afi = 2
      safi = 2
      break
    default: {
      need(off, 3, end, 'RIB_GENERIC AFI/SAFI')
      const a = u16(buf, off)
      safi = buf[off + 2]!
      off += 3
      if ((a !== 1 && a !== 2) || (safi !== 1 && safi !== 2)) return null
      afi = a
    }
  }
  let nlriPathId = -1
  let addPath = isAddPathSubtype(subtype)
  if (subtype === 12 && !genericLikeOthers) {
    need(off, 4, end, 'NLRI path identifier')
    nlriPathId = u32(buf, off)
    off += 4
    addPath = false
  }
  const pfxOff = off
  off = prefixOctets(buf, off, end, afi === 1 ? 32 : 128)
  const prefix = afi === 1 ? v4KeyAt(buf, pfxOff) : v6KeyAt(buf, pfxOff)
  need(off, 2, end, 'entry count')
  return { seq, afi, safi, prefix, count: u16(buf, off), entries: off + 2, addPath, nlriPathId }
}

/** Called once per RIB Entry, in order; the attributes are buf[attrStart, attrEnd). */
export interface RibEntryVisitor {
  entry(peerIndex: number, originatedTime: number, pathId: number, attrStart: number, attrEnd: number): void
}

/**
 * Walks the RIB Entries of a record (§4.3.4; RFC 8050 §4.1 adds the Path Identifier; pathId is -1
 * without it). Returns the fault that stopped the walk, with its buffer index, or null.
 */
export function visitRibEntries(buf: Buffer, h: RibHeader, end: number, v: RibEntryVisitor): { reason: string; offset: number } | null {
  const fixed = h.addPath ? 12 : 8
  let off = h.entries
  for (let i = 0; i < h.count; i++) {
    if (off + fixed > end) return { reason: `truncated RIB entry ${i} of ${h.count}`, offset: off }
    const attrLen = u16(buf, off + fixed - 2)
    const attrs = off + fixed
    if (attrs + attrLen > end) {
      return { reason: `RIB entry ${i}: attribute length ${attrLen} runs past the record (${end - attrs} left)`, offset: attrs - 2 }
    }
    v.entry(u16(buf, off), u32(buf, off + 2), h.addPath ? u32(buf, off + 6) : h.nlriPathId, attrs, attrs + attrLen)
    off = attrs + attrLen
  }
  return off === end ? null : { reason: `${end - off} octets after the last RIB entry`, offset: off }
}

const CHECK_ONLY: RibEntryVisitor = { entry() {} }

function headerIfClean(buf: Buffer, off: number, end: number, likeOthers: boolean): RibHeader | null {
  try {
    const h = decodeRibHeader(buf, off, end, 12, likeOthers)
    return h !== null && visitRibEntries(buf, h, end, CHECK_ONLY) === null ? h : null
  } catch (e) {
    if (e instanceof MrtFormatError) return null
    throw e
  }
}

/**
 * decodeRibHeader, choosing the RIB_GENERIC_ADDPATH layout: the RFC 8050 §4.2 one when the record
 * parses that way, else the OpenBGPD/GoBGP one when it parses that way, else the RFC one (whose
 * faults are then reported). Throws MrtFormatError like decodeRibHeader.
 */
export function decodeRibLayout(buf: Buffer, off: number, end: number, subtype: number): RibHeader | null {
  if (subtype !== 12) return decodeRibHeader(buf, off, end, subtype)
  return headerIfClean(buf, off, end, false) ?? headerIfClean(buf, off, end, true) ?? decodeRibHeader(buf, off, end, subtype)
}

/** Collects the entries of one record as RibEntry objects (decodeRib). */
class EntryCollector<A> implements RibEntryVisitor {
  readonly entries: Array<RibEntry<A>> = []
  constructor(
    private readonly buf: Buffer,
    private readonly h: RibHeader,
    private readonly peers: readonly MrtPeer[] | null,
    private readonly decodeAttrs: AttrDecoder<A>,
  ) {}

  entry(peerIndex: number, originatedTime: number, pathId: number, attrStart: number, attrEnd: number): void {
    const attributes = this.decodeAttrs(this.buf, attrStart, attrEnd, this.h.afi, this.h.safi)
    const peer = this.peers !== null && peerIndex < this.peers.length ? this.peers[peerIndex]! : null
    this.entries.push(
      pathId >= 0 ? { peerIndex, peer, originatedTime, pathId, attributes } : { peerIndex, peer, originatedTime, attributes },
    )
  }
}

/**
 * §4.3.2 / §4.3.3 RIB records as typed records. Null for a RIB_GENERIC family not modeled; throws
 * MrtFormatError when the header is short; a fault inside the entries is returned in `error` with
 * the entries decoded so far.
 */
export function decodeRib<A>(
  buf: Buffer,
  off: number,
  end: number,
  subtype: number,
  ts: number,
  peers: readonly MrtPeer[] | null,
  decodeAttrs: AttrDecoder<A>,
): RibRecord<A> | null {
  const h = decodeRibLayout(buf, off, end, subtype)
  if (h === null) return null
  const c = new EntryCollector(buf, h, peers, decodeAttrs)
  const error = visitRibEntries(buf, h, end, c)
  const rec: RibRecord<A> = { type: 'RIB', mrtType: 'TABLE_DUMP_V2', subtype, ts, seq: h.seq, afi: h.afi, safi: h.safi, prefix: h.prefix, entries: c.entries }
  if (error !== null) rec.error = error
  return rec
}

export { MrtFormatError }
