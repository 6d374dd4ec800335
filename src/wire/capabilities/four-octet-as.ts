/**
 * Support for 4-octet AS number capability, code 65 (RFC 6793 §3).
 *
 *   +------------------------------+
 *   | 4-octet AS number (4 octets) |
 *   +------------------------------+
 */
import type { Capability } from '../types.js'
import type { CapabilityCodec } from './index.js'

export type FourOctetAsCapability = Extract<Capability, { code: 65 }>

export const fourOctetAs: CapabilityCodec<FourOctetAsCapability> = {
  code: 65,
  decode(buf, off, end) {
    // RFC 6793 §3: "the Capability Length field of the Capability is set to 4".
    if (end - off !== 4) return null
    return { code: 65, asn: buf.readUInt32BE(off) }
  },
  length() {
    return 4
  },
  encode(c, buf, off) {
    buf.writeUInt32BE(c.asn, off)
    return off + 4
  },
}
