/**
 * EXTENDED_COMMUNITIES (type 16), RFC 4360 §2. Optional transitive.
 *
 *   +--------+---------+------------------------------+
 *   | Type 1 | Subtype | Value (6 octets)             |  ... repeated, 8 octets each
 *   +--------+---------+------------------------------+
 *
 * Kept as 16 lowercase hex digits each (opaque to the codec; RFC 4360 types are many).
 * RFC 7606 §7.14: an EXTENDED_COMMUNITIES attribute whose length is not a non-zero multiple of 8
 * is malformed and handled by treat-as-withdraw.
 */
import { ipv4ToString } from '../address.js'
import type { WireContext } from '../context.js'
import { expectMultiple } from './attr-error.js'

const HEX = /^[0-9a-fA-F]{16}$/

export function extendedCommunitiesLength(v: readonly string[], _ctx: WireContext): number {
  return v.length * 8
}
export function encodeExtendedCommunities(v: readonly string[], buf: Buffer, off: number, _ctx: WireContext): number {
  for (const c of v) {
    if (!HEX.test(c)) throw new TypeError(`extended community must be 16 hex digits: ${c}`)
    off += buf.write(c, off, 8, 'hex')
  }
  return off
}
export function decodeExtendedCommunities(buf: Buffer, off: number, end: number, _ctx: WireContext): string[] {
  expectMultiple('EXTENDED_COMMUNITIES', off, end, 8)
  const out: string[] = []
  for (; off < end; off += 8) out.push(buf.toString('hex', off, off + 8))
  return out
}

/**
 * Text form for JSON: route target / route origin of the three transitive types of RFC 4360 §3
 * (0x00 two-octet AS, 0x01 IPv4 address) and RFC 5668 §2 (0x02 four-octet AS),
 * "target:65000:100", "origin:192.0.2.1:7"; anything else stays as its 16 hex digits.
 */
export function formatExtendedCommunity(hex: string): string {
  if (!HEX.test(hex)) return hex
  const b = Buffer.from(hex, 'hex')
  const sub = b[1] === 0x02 ? 'target' : b[1] === 0x03 ? 'origin' : null
  if (sub === null) return hex.toLowerCase()
  switch (b[0]) {
    case 0x00:
      return `${sub}:${b.readUInt16BE(2)}:${b.readUInt32BE(4)}`
    case 0x01:
      return `${sub}:${ipv4ToString(b, 2)}:${b.readUInt16BE(6)}`
    case 0x02:
      return `${sub}:${b.readUInt32BE(2)}:${b.readUInt16BE(6)}`
    default:
      return hex.toLowerCase()
  }
}
