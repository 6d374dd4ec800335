/**
 * AGGREGATOR (type 7), RFC 4271 §4.3 (g), §5.1.7; RFC 6793 §3: 4-octet ASN when both sides are NEW.
 * AS4_AGGREGATOR (type 18), RFC 6793 §3: always the 4-octet form.
 *
 *   +---------------------------+--------------------------+
 *   | ASN (2, or 4 when as4)    | IPv4 address (4 octets)  |
 *   +---------------------------+--------------------------+
 *
 * RFC 7606 §7.7: an AGGREGATOR whose length is not 6 (8 with 4-octet ASNs) is handled by attribute
 * discard; RFC 6793 §6 likewise discards a malformed AS4_AGGREGATOR.
 */
import { ipv4ToString, writeIpv4 } from '../address.js'
import type { WireContext } from '../context.js'
import { AS_TRANS } from '../iana.js'
import type { Aggregator } from '../types.js'
import { expectLength, readU32, writeU16, writeU32 } from './attr-error.js'

function decodeWith(buf: Buffer, off: number, end: number, asnSize: 2 | 4, name: string): Aggregator {
  expectLength(name, off, end, asnSize + 4)
  const asn = asnSize === 4 ? readU32(buf, off) : (buf[off]! << 8) | buf[off + 1]!
  return { asn, address: ipv4ToString(buf, off + asnSize) }
}

function encodeWith(v: Aggregator, buf: Buffer, off: number, asnSize: 2 | 4): number {
  // RFC 6793 §4.2.2: a 4-octet ASN goes to an OLD speaker as AS_TRANS (the real one in AS4_AGGREGATOR).
  off = asnSize === 4 ? writeU32(buf, off, v.asn) : writeU16(buf, off, v.asn > 0xffff ? AS_TRANS : v.asn)
  return writeIpv4(v.address, buf, off)
}

export function aggregatorLength(_v: Aggregator, ctx: WireContext): number {
  return ctx.as4 ? 8 : 6
}
export function encodeAggregator(v: Aggregator, buf: Buffer, off: number, ctx: WireContext): number {
  return encodeWith(v, buf, off, ctx.as4 ? 4 : 2)
}
export function decodeAggregator(buf: Buffer, off: number, end: number, ctx: WireContext): Aggregator {
  return decodeWith(buf, off, end, ctx.as4 ? 4 : 2, 'AGGREGATOR')
}

export function as4AggregatorLength(_v: Aggregator, _ctx: WireContext): number {
  return 8
}
export function encodeAs4Aggregator(v: Aggregator, buf: Buffer, off: number, _ctx: WireContext): number {
  return encodeWith(v, buf, off, 4)
}
export function decodeAs4Aggregator(buf: Buffer, off: number, end: number, _ctx: WireContext): Aggregator {
  return decodeWith(buf, off, end, 4, 'AS4_AGGREGATOR')
}
