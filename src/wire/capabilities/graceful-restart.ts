/**
 * Graceful Restart capability, code 64 (RFC 4724 §3; N bit from RFC 8538 §2).
 *
 *   +--------------------------------------------------+
 *   | Restart Flags (4 bits) | Restart Time in sec (12)|   flags: 0x8 R, 0x4 N, 0x3 reserved
 *   +--------------------------------------------------+
 *   | Address Family Identifier (16 bits)              |
 *   +--------------------------------------------------+
 *   | Subsequent Address Family Identifier (8 bits)    |
 *   +--------------------------------------------------+
 *   | Flags for Address Family (8 bits)                |   0x80 F, the rest reserved
 *   +--------------------------------------------------+   ... repeated per family
 *
 * Reserved bits are kept (flagBits / flags) only when non-zero, so the bytes round-trip and a
 * clean capability decodes to the plain form.
 */
import type { Capability } from '../types.js'
import type { CapabilityCodec } from './index.js'

export type GracefulRestartCapability = Extract<Capability, { code: 64 }>

export const gracefulRestart: CapabilityCodec<GracefulRestartCapability> = {
  code: 64,
  decode(buf, off, end) {
    // RFC 4724 §3: 2 octets of flags and time, then 4-octet tuples per family.
    if (end - off < 2 || (end - off - 2) % 4 !== 0) return null
    const head = buf.readUInt16BE(off)
    const flagBits = head >>> 12
    const c: GracefulRestartCapability = {
      code: 64,
      restartState: (flagBits & 0x8) !== 0,
      notification: (flagBits & 0x4) !== 0,
      restartTime: head & 0x0fff,
      families: [],
    }
    // RFC 4724 §3: "The remaining bits are reserved and MUST be set to zero by the sender and
    // ignored by the receiver."
    if ((flagBits & 0x3) !== 0) c.flagBits = flagBits
    for (off += 2; off < end; off += 4) {
      const flags = buf[off + 3]!
      const f: GracefulRestartCapability['families'][number] = {
        afi: buf.readUInt16BE(off),
        safi: buf[off + 2]!,
        forwardingState: (flags & 0x80) !== 0,
      }
      if ((flags & 0x7f) !== 0) f.flags = flags
      c.families.push(f)
    }
    return c
  },
  length(c) {
    return 2 + 4 * c.families.length
  },
  encode(c, buf, off) {
    if (c.restartTime < 0 || c.restartTime > 0xfff) throw new RangeError(`graceful restart time ${c.restartTime} is not 12 bits`)
    const flagBits = ((c.flagBits ?? 0) & 0x3) | (c.restartState ? 0x8 : 0) | (c.notification ? 0x4 : 0)
    buf.writeUInt16BE((flagBits << 12) | c.restartTime, off)
    off += 2
    for (const f of c.families) {
      buf.writeUInt16BE(f.afi, off)
      buf.writeUInt8(f.safi, off + 2)
      buf[off + 3] = ((f.flags ?? 0) & 0x7f) | (f.forwardingState ? 0x80 : 0)
      off += 4
    }
    return off
  },
}
