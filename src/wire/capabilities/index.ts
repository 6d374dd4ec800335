/**
 * Capabilities Optional Parameter value (RFC 5492 §4): a list of capability TLVs.
 *
 *   +------------------------------+
 *   | Capability Code (1 octet)    |
 *   +------------------------------+
 *   | Capability Length (1 octet)  |
 *   +------------------------------+
 *   | Capability Value (variable)  |
 *   +------------------------------+
 *
 * One codec per capability code (one file each); codes without a codec, and values that do not
 * parse for their code, are kept raw (see unknown.ts) so the list always re-encodes identically.
 */
import { BgpError } from '../errors.js'
import { CapabilityName, ErrorCode } from '../iana.js'
import type { Capability, UnknownCapability } from '../types.js'
import { addPath } from './add-path.js'
import { bgpRole } from './bgp-role.js'
import { enhancedRouteRefresh } from './enhanced-route-refresh.js'
import { extendedMessage } from './extended-message.js'
import { extendedNextHop } from './extended-next-hop.js'
import { fourOctetAs } from './four-octet-as.js'
import { fqdn } from './fqdn.js'
import { gracefulRestart } from './graceful-restart.js'
import { longLivedGr } from './long-lived-gr.js'
import { multiprotocol } from './multiprotocol.js'
import { ciscoRouteRefresh, routeRefresh } from './route-refresh.js'
import { decodeRawCapability, encodeRawCapability, rawCapabilityLength } from './unknown.js'

/** Codec of one capability's value (the bytes after Code and Length). */
export interface CapabilityCodec<C extends { code: number }> {
  readonly code: number
  /** Decode buf[off, end) exactly; null when the value is malformed for this code. Never throws. */
  decode(buf: Buffer, off: number, end: number): C | null
  length(c: C): number
  encode(c: C, buf: Buffer, off: number): number
}

type AnyCodec = CapabilityCodec<{ code: number }>

const CODECS: ReadonlyMap<number, AnyCodec> = new Map<number, AnyCodec>(
  [
    multiprotocol,
    routeRefresh,
    extendedNextHop,
    extendedMessage,
    bgpRole,
    gracefulRestart,
    fourOctetAs,
    addPath,
    enhancedRouteRefresh,
    longLivedGr,
    fqdn,
    ciscoRouteRefresh,
  ].map((c) => [c.code, c as unknown as AnyCodec]),
)

/** Capability codes tsbgp decodes into fields. */
export function isModeledCapabilityCode(code: number): boolean {
  return CODECS.has(code)
}

/** Kept as raw bytes: an unmodeled code, or a modeled one whose value did not parse. */
export function isRawCapability(c: Capability): c is UnknownCapability {
  return 'raw' in c && Buffer.isBuffer((c as UnknownCapability).raw)
}

/** A modeled code whose value did not parse (kept raw; the session layer rejects or ignores it). */
export function capabilityIsMalformed(c: Capability): boolean {
  return isRawCapability(c) && CODECS.has(c.code)
}

/** IANA name ("MULTIPROTOCOL", "ADD_PATH"), or undefined when the code is not in iana.ts. */
export function capabilityName(code: number): string | undefined {
  return CapabilityName[code]
}

/** Decode one capability value buf[off, end) of the given code. Never throws. */
export function decodeCapability(code: number, buf: Buffer, off: number, end: number): Capability {
  const codec = CODECS.get(code)
  const c = codec === undefined ? null : codec.decode(buf, off, end)
  return c === null ? decodeRawCapability(code, buf, off, end) : (c as Capability)
}

/** Value length of one capability (without Code and Length). */
export function capabilityValueLength(c: Capability): number {
  if (isRawCapability(c)) return rawCapabilityLength(c)
  const codec = CODECS.get(c.code)
  if (codec === undefined) throw new TypeError(`capability ${c.code} has neither a codec nor raw bytes`)
  return codec.length(c)
}

/**
 * Decode the capability TLVs of one Capabilities Optional Parameter, buf[off, end).
 * A TLV that runs past the parameter is a malformed parameter: RFC 4271 §6.2 "If one of the
 * Optional Parameters in the OPEN message is recognized, but is malformed, then the Error
 * Subcode MUST be set to 0 (Unspecific)."
 */
export function decodeCapabilities(buf: Buffer, off: number, end: number): Capability[] {
  const out: Capability[] = []
  while (off < end) {
    if (off + 2 > end) {
      throw new BgpError(ErrorCode.OPEN_MESSAGE, 0, 'truncated capability header', undefined, off)
    }
    const code = buf[off]!
    const vEnd = off + 2 + buf[off + 1]!
    if (vEnd > end) {
      throw new BgpError(ErrorCode.OPEN_MESSAGE, 0, `capability ${code} length overruns its parameter`, undefined, off)
    }
    out.push(decodeCapability(code, buf, off + 2, vEnd))
    off = vEnd
  }
  return out
}

export function capabilitiesLength(caps: readonly Capability[]): number {
  let n = 0
  for (const c of caps) n += 2 + capabilityValueLength(c)
  return n
}

/** Encode capability TLVs at buf[off]; returns the new offset. RangeError for a value over 255 octets. */
export function encodeCapabilities(caps: readonly Capability[], buf: Buffer, off: number): number {
  for (const c of caps) {
    const len = capabilityValueLength(c)
    // RFC 5492 §4: Capability Length is one octet, even inside an RFC 9072 extended parameter.
    if (len > 255) throw new RangeError(`capability ${c.code} value is ${len} octets, more than 255`)
    buf.writeUInt8(c.code, off)
    buf[off + 1] = len
    const end = isRawCapability(c) ? encodeRawCapability(c, buf, off + 2) : CODECS.get(c.code)!.encode(c, buf, off + 2)
    if (end !== off + 2 + len) throw new Error(`capability ${c.code} codec wrote ${end - off - 2} octets, expected ${len}`)
    off = end
  }
  return off
}
