/**
 * Multiprotocol Extensions capability, code 1 (RFC 4760 §8).
 *
 *    0       7      15      23      31
 *   +-------+-------+-------+-------+
 *   |      AFI      | Res.  | SAFI  |
 *   +-------+-------+-------+-------+
 */
import type { Capability } from '../types.js'
import type { CapabilityCodec } from './index.js'

export type MultiprotocolCapability = Extract<Capability, { code: 1 }>

export const multiprotocol: CapabilityCodec<MultiprotocolCapability> = {
  code: 1,
  decode(buf, off, end) {
    // RFC 4760 §8: "The Capability Length field is set to 4."
    if (end - off !== 4) return null
    const c: MultiprotocolCapability = { code: 1, afi: buf.readUInt16BE(off), safi: buf[off + 3]! }
    // RFC 4760 §8: "Res. - Reserved (8 bit) field. SHOULD be set to 0 by the sender and ignored
    // by the receiver." Ignored for meaning, kept when non-zero so the bytes round-trip.
    if (buf[off + 2] !== 0) c.reserved = buf[off + 2]!
    return c
  },
  length() {
    return 4
  },
  encode(c, buf, off) {
    buf.writeUInt16BE(c.afi, off)
    buf[off + 2] = c.reserved ?? 0
    buf.writeUInt8(c.safi, off + 3)
    return off + 4
  },
}
