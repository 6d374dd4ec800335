/**
 * LARGE_COMMUNITY (type 32), RFC 8092 §3. Optional transitive.
 *
 *   +--------------------------------+
 *   | Global Administrator (4 oct)   |
 *   | Local Data Part 1 (4 oct)      |  ... repeated, 12 octets each
 *   | Local Data Part 2 (4 oct)      |
 *   +--------------------------------+
 *
 * Kept flat: [global, local1, local2, global, ...].
 * RFC 8092 §5: a LARGE_COMMUNITY attribute whose length is not a non-zero multiple of 12 is
 * malformed and handled by treat-as-withdraw (RFC 7606).
 */
import type { WireContext } from '../context.js'
import { expectMultiple, readU32, writeU32 } from './attr-error.js'

export function largeCommunitiesLength(v: readonly number[], _ctx: WireContext): number {
  return v.length * 4
}
export function encodeLargeCommunities(v: readonly number[], buf: Buffer, off: number, _ctx: WireContext): number {
  if (v.length % 3 !== 0) throw new TypeError('largeCommunities must hold triples (global, local1, local2)')
  for (let i = 0; i < v.length; i++) off = writeU32(buf, off, v[i]!)
  return off
}
export function decodeLargeCommunities(buf: Buffer, off: number, end: number, _ctx: WireContext): number[] {
  expectMultiple('LARGE_COMMUNITY', off, end, 12)
  const out: number[] = new Array((end - off) / 4)
  for (let i = 0; off < end; off += 4) out[i++] = readU32(buf, off)
  return out
}

/** ["1:2:3", ...] */
export function formatLargeCommunities(v: readonly number[]): string[] {
  const out: string[] = []
  for (let i = 0; i + 2 < v.length; i += 3) out.push(`${v[i]}:${v[i + 1]}:${v[i + 2]}`)
  return out
}
