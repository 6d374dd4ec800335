/**
 * CLUSTER_LIST (type 10), RFC 4456 §8. Optional non-transitive.
 *
 *   +--------------------------------+
 *   |  CLUSTER_ID (4 octets)         |  ... repeated
 *   +--------------------------------+
 *
 * RFC 7606 §7.10: from an internal neighbor a length that is not a non-zero multiple of 4 is
 * treat-as-withdraw; from an external neighbor the attribute is discarded whatever it holds. The
 * codec does not know the neighbor's kind, so it reports treat-as-withdraw and the session layer
 * relaxes it for eBGP.
 */
import { ipv4ToString, writeIpv4 } from '../address.js'
import type { WireContext } from '../context.js'
import { expectMultiple } from './attr-error.js'

export function clusterListLength(v: readonly string[], _ctx: WireContext): number {
  return v.length * 4
}
export function encodeClusterList(v: readonly string[], buf: Buffer, off: number, _ctx: WireContext): number {
  for (const id of v) off = writeIpv4(id, buf, off)
  return off
}
export function decodeClusterList(buf: Buffer, off: number, end: number, _ctx: WireContext): string[] {
  expectMultiple('CLUSTER_LIST', off, end, 4)
  const out: string[] = []
  for (; off < end; off += 4) out.push(ipv4ToString(buf, off))
  return out
}
