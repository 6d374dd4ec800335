/**
 * Unrecognized path attributes, RFC 4271 §5 and §9.
 *
 *   +-------+------+---------------------+
 *   | Flags | Type | Length | Value ...  |  kept raw: {code, flags, data}
 *   +-------+------+---------------------+
 *
 * "If any of the well-known mandatory attributes are not recognized, then the Error Subcode MUST be
 * set to Unrecognized Well-known Attribute" (§6.3) - checked by the attribute list.
 * The codec re-encodes flags exactly as received; markPartialForPropagation applies the §5 rule
 * when a speaker passes the attributes on.
 */
import type { WireContext } from '../context.js'
import { AttrFlag } from '../iana.js'
import type { PathAttributes, UnknownAttribute } from '../types.js'

export function unknownLength(v: UnknownAttribute, _ctx: WireContext): number {
  return v.data.length
}
export function encodeUnknown(v: UnknownAttribute, buf: Buffer, off: number, _ctx: WireContext): number {
  return off + v.data.copy(buf, off)
}
export function decodeUnknown(buf: Buffer, off: number, end: number, code: number, flags: number): UnknownAttribute {
  // A copy: the decoded UPDATE may outlive the receive buffer.
  return { code, flags, data: Buffer.from(buf.subarray(off, end)) }
}

/**
 * RFC 4271 §5: "If an optional transitive attribute is unrecognized, the Partial bit in the attribute
 * flags octet is set to 1, and the attribute is retained for propagation to other BGP speakers."
 * and §9: "Unrecognized non-transitive optional attributes MUST be quietly ignored and not passed
 * along to other BGP peers." Returns a new PathAttributes; the input is not changed.
 */
export function markPartialForPropagation(attrs: PathAttributes): PathAttributes {
  if (!attrs.unknown || attrs.unknown.length === 0) return attrs
  const kept: UnknownAttribute[] = []
  for (const u of attrs.unknown) {
    if (!(u.flags & AttrFlag.OPTIONAL)) continue
    if (!(u.flags & AttrFlag.TRANSITIVE)) continue
    kept.push({ code: u.code, flags: u.flags | AttrFlag.PARTIAL, data: u.data })
  }
  const out: PathAttributes = { ...attrs }
  if (kept.length) out.unknown = kept
  else delete out.unknown
  if (attrs.wire) {
    const flagsOf = new Map(kept.map((u) => [u.code, u.flags]))
    const dropped = new Set(attrs.unknown.filter((u) => !flagsOf.has(u.code)).map((u) => u.code))
    out.wire = attrs.wire
      .filter((w) => !dropped.has(w.code))
      .map((w) => (flagsOf.has(w.code) ? { code: w.code, flags: flagsOf.get(w.code)! } : w))
  }
  return out
}
