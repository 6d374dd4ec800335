/**
 * FQDN capability, code 73 (draft-walton-bgp-hostname-capability-02 §3; sent by FRR, ExaBGP).
 *
 *   +--------------------------------+
 *   | Hostname Length (1 octet)      |
 *   +--------------------------------+
 *   | Hostname (variable)            |
 *   +--------------------------------+
 *   | Domain Name Length (1 octet)   |
 *   +--------------------------------+
 *   | Domain Name (variable)         |
 *   +--------------------------------+
 *
 * The draft says the names are UTF-8. A value that is not valid UTF-8 or whose lengths do not add
 * up exactly is treated as malformed (kept raw), because a string could not re-encode its bytes.
 */
import type { Capability } from '../types.js'
import type { CapabilityCodec } from './index.js'

export type FqdnCapability = Extract<Capability, { code: 73 }>

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function text(buf: Buffer, off: number, end: number): string | null {
  try {
    return utf8.decode(buf.subarray(off, end))
  } catch {
    return null
  }
}

export const fqdn: CapabilityCodec<FqdnCapability> = {
  code: 73,
  decode(buf, off, end) {
    if (off >= end) return null
    const hEnd = off + 1 + buf[off]!
    if (hEnd >= end) return null
    const dEnd = hEnd + 1 + buf[hEnd]!
    if (dEnd !== end) return null
    const hostname = text(buf, off + 1, hEnd)
    const domain = text(buf, hEnd + 1, dEnd)
    if (hostname === null || domain === null) return null
    return { code: 73, hostname, domain }
  },
  length(c) {
    return 2 + Buffer.byteLength(c.hostname) + Buffer.byteLength(c.domain)
  },
  encode(c, buf, off) {
    off = writeName(c.hostname, 'hostname', buf, off)
    return writeName(c.domain, 'domain', buf, off)
  },
}

function writeName(s: string, what: string, buf: Buffer, off: number): number {
  const n = buf.write(s, off + 1, 'utf8')
  if (n !== Buffer.byteLength(s) || n > 255) throw new RangeError(`FQDN capability ${what} is longer than 255 octets`)
  buf[off] = n
  return off + 1 + n
}
