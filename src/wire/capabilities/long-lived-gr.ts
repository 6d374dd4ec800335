/**
 * Long-Lived Graceful Restart capability, code 71 (RFC 9494 §3).
 *
 *   +--------------------------------------------------+
 *   | Address Family Identifier (16 bits)              |
 *   +--------------------------------------------------+
 *   | Subsequent Address Family Identifier (8 bits)    |
 *   +--------------------------------------------------+
 *   | Flags for Address Family (8 bits)                |   bit 0x80: F (forwarding state)
 *   +--------------------------------------------------+
 *   | Long-Lived Stale Time (24 bits)                  |
 *   +--------------------------------------------------+   ... repeated per family
 */
import type { Capability } from '../types.js'
import type { CapabilityCodec } from './index.js'

export type LongLivedGrCapability = Extract<Capability, { code: 71 }>

export const longLivedGr: CapabilityCodec<LongLivedGrCapability> = {
  code: 71,
  decode(buf, off, end) {
    // RFC 9494 §3: the value is a sequence of 7-octet tuples; a partial tuple cannot be parsed.
    if ((end - off) % 7 !== 0) return null
    const families: LongLivedGrCapability['families'] = []
    for (; off < end; off += 7) {
      families.push({ afi: buf.readUInt16BE(off), safi: buf[off + 2]!, flags: buf[off + 3]!, staleTime: buf.readUIntBE(off + 4, 3) })
    }
    return { code: 71, families }
  },
  length(c) {
    return 7 * c.families.length
  },
  encode(c, buf, off) {
    for (const f of c.families) {
      buf.writeUInt16BE(f.afi, off)
      buf.writeUInt8(f.safi, off + 2)
      buf.writeUInt8(f.flags, off + 3)
      buf.writeUIntBE(f.staleTime, off + 4, 3)
      off += 7
    }
    return off
  },
}
