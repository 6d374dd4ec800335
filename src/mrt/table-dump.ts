/**
 * TABLE_DUMP, the first RIB dump type (RFC 6396 §4.2). One route per record; subtype is the AFI.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |         View Number           |       Sequence Number         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                        Prefix (variable)                      |  4 or 16 octets
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Prefix Length |    Status     |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                         Originated Time                       |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Peer IP Address (variable)                 |  4 or 16 octets
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |           Peer AS             |       Attribute Length        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                   BGP Attribute... (variable)
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Subtypes: 1 AFI_IPv4, 2 AFI_IPv6. The Peer AS field is 2 octets, so the attributes carry
 * 2-octet AS numbers (AS4_PATH may follow, RFC 6793). The prefix is a full-width address field,
 * not NLRI octets; it is turned into the same compact key as everywhere else.
 */
import type { V4Key, V6Key } from '../wire/prefix.js'
import { address, need, u16, u32, MrtFormatError } from './fields.js'
import type { AttrDecoder } from './table-dump-v2.js'

export const TableDumpSubtype = { AFI_IPv4: 1, AFI_IPv6: 2 } as const
export const TableDumpSubtypeName: Record<number, string> = { 1: 'AFI_IPv4', 2: 'AFI_IPv6' }

export interface TableDumpRecord<A> {
  type: 'RIB'
  mrtType: 'TABLE_DUMP'
  subtype: number
  ts: number
  view: number
  seq: number
  afi: 1 | 2
  prefix: V4Key | V6Key
  status: number
  originatedTime: number
  peer: { address: string; asn: number }
  attributes: A
}

export function decodeTableDump<A>(
  buf: Buffer,
  off: number,
  end: number,
  subtype: number,
  ts: number,
  decodeAttrs: AttrDecoder<A>,
): TableDumpRecord<A> {
  const v6 = subtype === 2
  const alen = v6 ? 16 : 4
  need(off, 4 + alen + 6 + alen + 4, end, 'TABLE_DUMP header')
  const view = u16(buf, off)
  const seq = u16(buf, off + 2)
  const pOff = off + 4
  off = pOff + alen
  const len = buf[off]!
  if (len > alen * 8) throw new MrtFormatError(`prefix length ${len} > ${alen * 8}`, off)
  const status = buf[off + 1]!
  const originatedTime = u32(buf, off + 2)
  off += 6
  const peerAddress = address(buf, off, v6)
  off += alen
  const peerAs = u16(buf, off)
  const attrLen = u16(buf, off + 2)
  off += 4
  need(off, attrLen, end, 'BGP attributes')
  let prefix: V4Key | V6Key
  if (v6) {
    // same form as prefix.ts v6KeyFromBytes(..., mask=false): length char, then the prefix octets
    prefix = String.fromCharCode(len) + buf.toString('latin1', pOff, pOff + ((len + 7) >> 3))
  } else {
    prefix = u32(buf, pOff) * 64 + len
  }
  return {
    type: 'RIB',
    mrtType: 'TABLE_DUMP',
    subtype,
    ts,
    view,
    seq,
    afi: v6 ? 2 : 1,
    prefix,
    status,
    originatedTime,
    peer: { address: peerAddress, asn: peerAs },
    attributes: decodeAttrs(buf, off, off + attrLen, v6 ? 2 : 1, 1),
  }
}
