/**
 * BGP Role capability, code 9 (RFC 9234 §4.1).
 *
 *   +--------------------+
 *   | Role (1 octet)     |   0 Provider, 1 RS, 2 RS-Client, 3 Customer, 4 Peer
 *   +--------------------+
 *
 * Unknown role values are kept: whether they are acceptable is the session layer's call
 * (RFC 9234 §4.2 Role Mismatch).
 */
import type { Capability } from '../types.js'
import type { CapabilityCodec } from './index.js'

export type BgpRoleCapability = Extract<Capability, { code: 9 }>

export const bgpRole: CapabilityCodec<BgpRoleCapability> = {
  code: 9,
  decode(buf, off, end) {
    // RFC 9234 §4.1: "The BGP Role Capability ... Length: 1 octet".
    if (end - off !== 1) return null
    return { code: 9, role: buf[off]! }
  },
  length() {
    return 1
  },
  encode(c, buf, off) {
    buf.writeUInt8(c.role, off)
    return off + 1
  },
}
