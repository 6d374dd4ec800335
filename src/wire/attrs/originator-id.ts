/**
 * ORIGINATOR_ID (type 9), RFC 4456 §8. Optional non-transitive, set by a route reflector.
 *
 *   +--------------------------------+
 *   |  BGP Identifier (4 octets)     |
 *   +--------------------------------+
 *
 * RFC 7606 §7.9: from an internal neighbor a length other than 4 is treat-as-withdraw; from an
 * external neighbor the attribute is discarded whatever it holds. The codec does not know the
 * neighbor's kind, so it reports treat-as-withdraw and the session layer relaxes it for eBGP.
 */
import { ipv4ToString, writeIpv4 } from '../address.js'
import type { WireContext } from '../context.js'
import { expectLength } from './attr-error.js'

export function originatorIdLength(_v: string, _ctx: WireContext): number {
  return 4
}
export function encodeOriginatorId(v: string, buf: Buffer, off: number, _ctx: WireContext): number {
  return writeIpv4(v, buf, off)
}
export function decodeOriginatorId(buf: Buffer, off: number, end: number, _ctx: WireContext): string {
  expectLength('ORIGINATOR_ID', off, end, 4)
  return ipv4ToString(buf, off)
}
