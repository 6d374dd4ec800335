/**
 * ADD-PATH capability, code 69 (RFC 7911 §4).
 *
 *   +------------------------------------------------+
 *   | Address Family Identifier (2 octets)           |
 *   +------------------------------------------------+
 *   | Subsequent Address Family Identifier (1 octet) |
 *   +------------------------------------------------+
 *   | Send/Receive (1 octet)                         |   1 receive, 2 send, 3 both
 *   +------------------------------------------------+   ... repeated per family
 *
 * Send/Receive values other than 1..3 are kept: RFC 7911 §4 says "If any other value is
 * received, then the capability SHOULD be treated as not understood and ignored" — a session
 * decision, not a syntax fault.
 */
import type { Capability } from '../types.js'
import type { CapabilityCodec } from './index.js'

export type AddPathCapability = Extract<Capability, { code: 69 }>

export const addPath: CapabilityCodec<AddPathCapability> = {
  code: 69,
  decode(buf, off, end) {
    // RFC 7911 §4: "the Capability Value field ... is a variable-length field that contains
    // one or more tuples <AFI, SAFI, Send/Receive>" of 4 octets each.
    if ((end - off) % 4 !== 0) return null
    const families: AddPathCapability['families'] = []
    for (; off < end; off += 4) families.push({ afi: buf.readUInt16BE(off), safi: buf[off + 2]!, mode: buf[off + 3]! })
    return { code: 69, families }
  },
  length(c) {
    return 4 * c.families.length
  },
  encode(c, buf, off) {
    for (const f of c.families) {
      buf.writeUInt16BE(f.afi, off)
      buf.writeUInt8(f.safi, off + 2)
      buf.writeUInt8(f.mode, off + 3)
      off += 4
    }
    return off
  },
}
