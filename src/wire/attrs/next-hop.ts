/**
 * NEXT_HOP (type 3), RFC 4271 §4.3 (c), §5.1.3. Well-known mandatory when the UPDATE carries IPv4 NLRI.
 *
 *   +----------------------------+
 *   |  IPv4 address (4 octets)   |
 *   +----------------------------+
 *
 * RFC 7606 §7.3: a wrong length is handled as treat-as-withdraw. Semantic checks (own address,
 * martians) need session knowledge and belong above the codec.
 */
import { ipv4ToString, writeIpv4 } from '../address.js'
import type { WireContext } from '../context.js'
import { expectLength } from './attr-error.js'

export function nextHopLength(_v: string, _ctx: WireContext): number {
  return 4
}
export function encodeNextHop(v: string, buf: Buffer, off: number, _ctx: WireContext): number {
  return writeIpv4(v, buf, off)
}
export function decodeNextHop(buf: Buffer, off: number, end: number, _ctx: WireContext): string {
  expectLength('NEXT_HOP', off, end, 4)
  return ipv4ToString(buf, off)
}
