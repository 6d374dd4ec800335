/**
 * MP_REACH_NLRI (type 14), RFC 4760 §3. Optional non-transitive.
 *
 *   +---------------------------------------------------------+
 *   | Address Family Identifier (2 octets)                    |
 *   | Subsequent Address Family Identifier (1 octet)          |
 *   | Length of Next Hop Network Address (1 octet)            |
 *   | Network Address of Next Hop (variable)                  |
 *   | Reserved (1 octet)                                      |
 *   | Network Layer Reachability Information (variable)       |
 *   +---------------------------------------------------------+
 *
 * Modeled families (IPv4/IPv6 unicast/multicast): next hop 4 (IPv4), 16 (IPv6 global) or 32
 * (global + link-local, RFC 2545 §3); IPv4 NLRI with an IPv6 next hop per RFC 8950 §3.
 * Other families keep next hop and NLRI octets raw and round-trip unchanged.
 *
 * MRT (RFC 6396 §4.3.4) abbreviates the attribute in RIB entries to
 *   | Next Hop Length (1) | Next Hop (variable) |
 * decodeMpReachMrt reads that form (and the full form, which some writers still use).
 *
 * RFC 7606 §5.3/§7.11: a malformed MP_REACH_NLRI ends the session (or disables the AFI/SAFI);
 * RFC 4760 §7 names the subcode: "UPDATE Message Error"/"Optional Attribute Error".
 */
import { ipv4ToString, ipv6ToString, isIpv4, writeIpv4, writeIpv6 } from '../address.js'
import type { WireContext } from '../context.js'
import { hasAddPath } from '../context.js'
import { UpdateSubcode } from '../iana.js'
import type { MpReach } from '../types.js'
import { attrError, writeU16 } from './attr-error.js'
import { decodeNlriList, encodeNlriList, isModeledFamily, nlriListLength } from './nlri-list.js'

function nextHopBytes(v: MpReach): number {
  if (v.nextHopRaw) return v.nextHopRaw.length
  let n = 0
  for (const nh of v.nextHop) n += isIpv4(nh) ? 4 : 16
  return n
}

export function mpReachLength(v: MpReach, ctx: WireContext): number {
  const nlri = 'raw' in v.nlri ? v.nlri.raw.length : nlriListLength(v.nlri, hasAddPath(ctx, v.afi, v.safi))
  return 5 + nextHopBytes(v) + nlri
}

export function encodeMpReach(v: MpReach, buf: Buffer, off: number, ctx: WireContext): number {
  off = writeU16(buf, off, v.afi)
  buf[off++] = v.safi
  off = encodeMpNextHop(v, buf, off)
  buf[off++] = v.reserved ?? 0
  if ('raw' in v.nlri) return off + v.nlri.raw.copy(buf, off)
  return encodeNlriList(v.nlri, hasAddPath(ctx, v.afi, v.safi), buf, off)
}

/** Length of Next Hop octet + next hop; shared with the UPDATE packer. */
export function encodeMpNextHop(v: MpReach, buf: Buffer, off: number): number {
  const n = nextHopBytes(v)
  if (n > 255) throw new TypeError('MP_REACH_NLRI next hop longer than 255 octets')
  buf[off++] = n
  if (v.nextHopRaw) return off + v.nextHopRaw.copy(buf, off)
  for (const nh of v.nextHop) off = isIpv4(nh) ? writeIpv4(nh, buf, off) : writeIpv6(nh, buf, off)
  return off
}
export function mpNextHopLength(v: MpReach): number {
  return 1 + nextHopBytes(v)
}

function malformed(reason: string, off: number): Error {
  return attrError(UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, `MP_REACH_NLRI: ${reason}`, off)
}

/**
 * Next hop text for a modeled family, or null when the length fits no address.
 * RFC 8950 §3: an IPv4 NLRI may carry a 16 or 32 octet IPv6 next hop. The reverse (IPv6 NLRI with a
 * 4-octet IPv4 next hop) is not standard but is sent by ExaBGP (its extended-nexthop test); it is
 * accepted and kept as IPv4 text so the policy above can judge it and the bytes round-trip.
 */
function decodeNextHop(buf: Buffer, off: number, len: number): string[] | null {
  if (len === 4) return [ipv4ToString(buf, off)]
  if (len === 16) return [ipv6ToString(buf, off)]
  if (len === 32) return [ipv6ToString(buf, off), ipv6ToString(buf, off + 16)]
  return null
}

export function decodeMpReach(buf: Buffer, off: number, end: number, ctx: WireContext): MpReach {
  if (end - off < 5) throw malformed(`length ${end - off} < 5`, off)
  const afi = (buf[off]! << 8) | buf[off + 1]!
  const safi = buf[off + 2]!
  const nhLen = buf[off + 3]!
  const nhOff = off + 4
  const resOff = nhOff + nhLen
  if (resOff + 1 > end) throw malformed('next hop overruns the attribute', off + 3)
  const reserved = buf[resOff]!
  let v: MpReach
  if (isModeledFamily(afi, safi)) {
    const nextHop = decodeNextHop(buf, nhOff, nhLen)
    if (nextHop === null) throw malformed(`next hop length ${nhLen} is not 4, 16 or 32`, off + 3)
    const nlri = decodeNlriList(afi as 1 | 2, buf, resOff + 1, end, hasAddPath(ctx, afi, safi))
    v = { afi, safi, nextHop, nlri }
  } else {
    v = {
      afi,
      safi,
      nextHop: [],
      nextHopRaw: Buffer.from(buf.subarray(nhOff, resOff)),
      nlri: { afi, safi, raw: Buffer.from(buf.subarray(resOff + 1, end)) },
    }
  }
  // RFC 4760 §3: "Reserved: A 1 octet field that MUST be set to 0, and SHOULD be ignored upon receipt." Kept for byte-exactness.
  if (reserved !== 0) v.reserved = reserved
  return v
}

/**
 * RFC 6396 §4.3.4: "the MP_REACH_NLRI attribute ... in the RIB Entry ... only the Next Hop Length and
 * Next Hop Address fields are included". A length octet equal to the remaining length marks the
 * abbreviated form; anything else is read as the full RFC 4760 form.
 */
export function decodeMpReachMrt(buf: Buffer, off: number, end: number, ctx: WireContext): MpReach {
  if (end - off >= 1 && buf[off]! === end - off - 1) {
    const len = buf[off]!
    const afi = len === 4 ? 1 : 2
    const nextHop = decodeNextHop(buf, off + 1, len)
    const v: MpReach = {
      afi,
      safi: 1,
      nextHop: nextHop ?? [],
      nlri: afi === 1 ? { afi: 1, keys: [], pathIds: null } : { afi: 2, keys: [], pathIds: null },
    }
    if (nextHop === null) v.nextHopRaw = Buffer.from(buf.subarray(off + 1, end))
    return v
  }
  return decodeMpReach(buf, off, end, ctx)
}
