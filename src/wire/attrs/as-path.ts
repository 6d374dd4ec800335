/**
 * AS_PATH (type 2), RFC 4271 §4.3 (b) and §5.1.2; confederation segments RFC 5065 §3;
 * 2- or 4-octet ASNs per RFC 6793 §3/§4. Also AS4_PATH (type 17, RFC 6793 §3), always 4-octet.
 *
 *   +----------------+----------------+----------------------------+
 *   | Segment type 1 | Segment length | ASNs (length x 2 or 4 oct) |  ... repeated
 *   +----------------+----------------+----------------------------+
 *   type: 1 AS_SET, 2 AS_SEQUENCE, 3 AS_CONFED_SEQUENCE, 4 AS_CONFED_SET
 *   length: number of ASNs (not octets)
 *
 * RFC 7606 §7.2: malformed AS_PATH -> treat-as-withdraw; RFC 6793 §6: malformed AS4_PATH -> attribute discard.
 */
import type { WireContext } from '../context.js'
import { AS_TRANS, UpdateSubcode } from '../iana.js'
import type { AsPathSegment } from '../types.js'
import { attrError, readU32, writeU32 } from './attr-error.js'

const MAX_SEGMENT = 255

/** Decode segments with ASNs of `asnSize` octets (2 or 4). */
export function decodeAsPathSegments(buf: Buffer, off: number, end: number, asnSize: 2 | 4, name: string): AsPathSegment[] {
  const segments: AsPathSegment[] = []
  while (off < end) {
    // RFC 7606 §7.2: "there is only a single octet remaining (that is, there is not enough unconsumed data to provide even an empty segment header)"
    if (end - off < 2) throw attrError(UpdateSubcode.MALFORMED_AS_PATH, `${name}: truncated segment header`, off)
    const type = buf[off]!
    const n = buf[off + 1]!
    // RFC 7606 §7.2: "An AS_PATH is considered malformed if an unrecognized segment type is encountered"
    if (type < 1 || type > 4) throw attrError(UpdateSubcode.MALFORMED_AS_PATH, `${name}: unknown segment type ${type}`, off)
    // RFC 7606 §7.2: "It has a Path Segment Length field of zero."
    if (n === 0) throw attrError(UpdateSubcode.MALFORMED_AS_PATH, `${name}: empty segment`, off)
    off += 2
    // RFC 7606 §7.2: "the Path Segment Length field of the last segment encoded would cause the Attribute Length to be exceeded"
    if (off + n * asnSize > end) throw attrError(UpdateSubcode.MALFORMED_AS_PATH, `${name}: segment overruns the attribute`, off - 2)
    const asns: number[] = new Array(n)
    if (asnSize === 4) {
      for (let i = 0; i < n; i++, off += 4) asns[i] = readU32(buf, off)
    } else {
      for (let i = 0; i < n; i++, off += 2) asns[i] = (buf[off]! << 8) | buf[off + 1]!
    }
    segments.push({ type, asns })
  }
  return segments
}

/** Segments longer than 255 ASNs are split into consecutive segments of the same type. */
export function asPathSegmentsLength(v: readonly AsPathSegment[], asnSize: 2 | 4): number {
  let n = 0
  for (const s of v) n += Math.ceil(s.asns.length / MAX_SEGMENT) * 2 + s.asns.length * asnSize
  return n
}

export function encodeAsPathSegments(v: readonly AsPathSegment[], buf: Buffer, off: number, asnSize: 2 | 4): number {
  for (const s of v) {
    for (let from = 0; from < s.asns.length; from += MAX_SEGMENT) {
      const to = Math.min(s.asns.length, from + MAX_SEGMENT)
      buf[off++] = s.type
      buf[off++] = to - from
      for (let i = from; i < to; i++) {
        const asn = s.asns[i]!
        if (asnSize === 4) off = writeU32(buf, off, asn)
        else {
          // RFC 6793 §4.2.2: an ASN that does not fit in 2 octets is sent as AS_TRANS to an OLD speaker.
          const a = asn > 0xffff ? AS_TRANS : asn
          buf[off++] = a >>> 8
          buf[off++] = a & 255
        }
      }
    }
  }
  return off
}

export function asPathLength(v: readonly AsPathSegment[], ctx: WireContext): number {
  return asPathSegmentsLength(v, ctx.as4 ? 4 : 2)
}
export function encodeAsPath(v: readonly AsPathSegment[], buf: Buffer, off: number, ctx: WireContext): number {
  return encodeAsPathSegments(v, buf, off, ctx.as4 ? 4 : 2)
}
export function decodeAsPath(buf: Buffer, off: number, end: number, ctx: WireContext): AsPathSegment[] {
  return decodeAsPathSegments(buf, off, end, ctx.as4 ? 4 : 2, 'AS_PATH')
}

/** AS4_PATH: "the AS4_PATH attribute ... has the same semantics and the same encoding as the AS_PATH attribute, except that it is optional transitive and carries four-octet AS numbers" (RFC 6793 §3). */
export function as4PathLength(v: readonly AsPathSegment[], _ctx: WireContext): number {
  return asPathSegmentsLength(v, 4)
}
export function encodeAs4Path(v: readonly AsPathSegment[], buf: Buffer, off: number, _ctx: WireContext): number {
  return encodeAsPathSegments(v, buf, off, 4)
}
export function decodeAs4Path(buf: Buffer, off: number, end: number, _ctx: WireContext): AsPathSegment[] {
  try {
    return decodeAsPathSegments(buf, off, end, 4, 'AS4_PATH')
  } catch (e) {
    // RFC 6793 §6 names it an optional attribute; report it with the optional-attribute subcode.
    throw attrError(UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, (e as Error).message, off)
  }
}
