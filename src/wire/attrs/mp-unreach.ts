/**
 * MP_UNREACH_NLRI (type 15), RFC 4760 §4. Optional non-transitive.
 *
 *   +---------------------------------------------------------+
 *   | Address Family Identifier (2 octets)                    |
 *   | Subsequent Address Family Identifier (1 octet)          |
 *   | Withdrawn Routes (variable)                             |
 *   +---------------------------------------------------------+
 *
 * With no Withdrawn Routes it is the End-of-RIB marker of a family (RFC 4724 §2).
 * RFC 7606 §5.3: malformed -> session reset (or AFI/SAFI disable); RFC 4760 §7: Optional Attribute Error.
 */
import type { WireContext } from '../context.js'
import { hasAddPath } from '../context.js'
import { UpdateSubcode } from '../iana.js'
import type { MpUnreach } from '../types.js'
import { attrError, writeU16 } from './attr-error.js'
import { decodeNlriList, encodeNlriList, isModeledFamily, nlriListLength } from './nlri-list.js'

export function mpUnreachLength(v: MpUnreach, ctx: WireContext): number {
  return 3 + ('raw' in v.withdrawn ? v.withdrawn.raw.length : nlriListLength(v.withdrawn, hasAddPath(ctx, v.afi, v.safi)))
}

export function encodeMpUnreach(v: MpUnreach, buf: Buffer, off: number, ctx: WireContext): number {
  off = writeU16(buf, off, v.afi)
  buf[off++] = v.safi
  if ('raw' in v.withdrawn) return off + v.withdrawn.raw.copy(buf, off)
  return encodeNlriList(v.withdrawn, hasAddPath(ctx, v.afi, v.safi), buf, off)
}

export function decodeMpUnreach(buf: Buffer, off: number, end: number, ctx: WireContext): MpUnreach {
  if (end - off < 3) throw attrError(UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, `MP_UNREACH_NLRI: length ${end - off} < 3`, off)
  const afi = (buf[off]! << 8) | buf[off + 1]!
  const safi = buf[off + 2]!
  if (isModeledFamily(afi, safi)) {
    return { afi, safi, withdrawn: decodeNlriList(afi as 1 | 2, buf, off + 3, end, hasAddPath(ctx, afi, safi)) }
  }
  return { afi, safi, withdrawn: { afi, safi, raw: Buffer.from(buf.subarray(off + 3, end)) } }
}
