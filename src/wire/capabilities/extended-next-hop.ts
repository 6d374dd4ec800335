/**
 * Extended Next Hop Encoding capability, code 5 (RFC 8950 §3).
 *
 *   +-----------------------------------------------------+
 *   | NLRI AFI - 1 (2 octets)                             |
 *   | NLRI SAFI - 1 (2 octets)                            |
 *   | Nexthop AFI - 1 (2 octets)                          |
 *   | .....                                               |
 *   | NLRI AFI - N (2 octets)                             |
 *   | NLRI SAFI - N (2 octets)                            |
 *   | Nexthop AFI - N (2 octets)                          |
 *   +-----------------------------------------------------+
 *
 * The SAFI is 2 octets here, unlike everywhere else in BGP.
 */
import type { Capability } from '../types.js'
import type { CapabilityCodec } from './index.js'

export type ExtendedNextHopCapability = Extract<Capability, { code: 5 }>

export const extendedNextHop: CapabilityCodec<ExtendedNextHopCapability> = {
  code: 5,
  decode(buf, off, end) {
    // RFC 8950 §3: the value is a list of 6-octet triples; anything else cannot be parsed.
    if ((end - off) % 6 !== 0) return null
    const entries: ExtendedNextHopCapability['entries'] = []
    for (; off < end; off += 6) {
      entries.push({ afi: buf.readUInt16BE(off), safi: buf.readUInt16BE(off + 2), nextHopAfi: buf.readUInt16BE(off + 4) })
    }
    return { code: 5, entries }
  },
  length(c) {
    return 6 * c.entries.length
  },
  encode(c, buf, off) {
    for (const e of c.entries) {
      buf.writeUInt16BE(e.afi, off)
      buf.writeUInt16BE(e.safi, off + 2)
      buf.writeUInt16BE(e.nextHopAfi, off + 4)
      off += 6
    }
    return off
  },
}
