/**
 * OTC, Only to Customer (type 35), RFC 9234 §5. Optional transitive.
 *
 *   +--------------------------------+
 *   |  ASN (4 octets)                |
 *   +--------------------------------+
 *
 * RFC 9234 §5: an OTC attribute whose length is not 4 is malformed and the UPDATE is handled by
 * treat-as-withdraw (RFC 7606).
 */
import type { WireContext } from '../context.js'
import { expectLength, readU32, writeU32 } from './attr-error.js'

export function otcLength(_v: number, _ctx: WireContext): number {
  return 4
}
export function encodeOtc(v: number, buf: Buffer, off: number, _ctx: WireContext): number {
  return writeU32(buf, off, v)
}
export function decodeOtc(buf: Buffer, off: number, end: number, _ctx: WireContext): number {
  expectLength('OTC', off, end, 4)
  return readU32(buf, off)
}
