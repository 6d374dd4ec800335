/**
 * COMMUNITIES (type 8), RFC 1997. Optional transitive.
 *
 *   +------------------------------------------+
 *   | community (4 octets: ASN 16 | value 16)  |  ... repeated
 *   +------------------------------------------+
 *
 * Kept as 32-bit numbers in wire order (text "asn:value" only in JSON).
 * RFC 7606 §7.8: a COMMUNITIES attribute whose length is not a non-zero multiple of 4 is malformed
 * and handled by treat-as-withdraw.
 */
import type { WireContext } from '../context.js'
import { expectMultiple, readU32, writeU32 } from './attr-error.js'

export function communitiesLength(v: readonly number[], _ctx: WireContext): number {
  return v.length * 4
}
export function encodeCommunities(v: readonly number[], buf: Buffer, off: number, _ctx: WireContext): number {
  for (let i = 0; i < v.length; i++) off = writeU32(buf, off, v[i]!)
  return off
}
export function decodeCommunities(buf: Buffer, off: number, end: number, _ctx: WireContext): number[] {
  expectMultiple('COMMUNITIES', off, end, 4)
  const out: number[] = new Array((end - off) / 4)
  for (let i = 0; off < end; off += 4) out[i++] = readU32(buf, off)
  return out
}

/** "65000:1" */
export function formatCommunity(c: number): string {
  return `${c >>> 16}:${c & 0xffff}`
}
