/**
 * OPEN message body (RFC 4271 §4.2; Capabilities parameter RFC 5492 §4; extended optional
 * parameters length RFC 9072 §2).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+
 *   |    Version    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     My Autonomous System      |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |           Hold Time           |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                         BGP Identifier                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Opt Parm Len  |  Optional Parameters: Type (1) Length (1) Value ...
 *   +-+-+-+-+-+-+-+-+
 *
 *   RFC 9072 extended form (Non-Ext OP Type = 255 marks it):
 *   |Non-Ext OP Len.|Non-Ext OP Type| Extended Opt. Parm. Length    |
 *   |  Optional Parameters: Type (1) Length (2) Value ...            |
 *
 * The decoder checks syntax only. Version, peer AS, hold time, BGP Identifier and unknown
 * parameter types are semantic (RFC 4271 §6.2 subcodes 1-4, 6) and left to the session layer:
 * unknown parameters are kept raw. Capabilities stay grouped in parameters as received (some
 * routers send one parameter per capability, others one for all), so the bytes round-trip.
 */
import { ipv4ToString, writeIpv4 } from './address.js'
import {
  capabilitiesLength,
  decodeCapabilities,
  encodeCapabilities,
  isRawCapability,
} from './capabilities/index.js'
import type { WireContext } from './context.js'
import { BgpError } from './errors.js'
import { badMessageLength } from './header.js'
import { AS_TRANS, BGP_VERSION, ErrorCode, HEADER_LENGTH, OptParamType } from './iana.js'
import type { Capability, Open, OptionalParam } from './types.js'

/** Version .. Opt Parm Len: RFC 4271 §4.2 "the minimum length of the OPEN message is 29 octets". */
export const OPEN_FIXED_LENGTH = 10

function unspecific(reason: string, offset: number): BgpError {
  // RFC 4271 §6.2: "If one of the Optional Parameters in the OPEN message is recognized, but is
  // malformed, then the Error Subcode MUST be set to 0 (Unspecific)."
  return new BgpError(ErrorCode.OPEN_MESSAGE, 0, reason, undefined, offset)
}

/** Decode the OPEN body buf[off, end). Throws BgpError for a syntax fault only. */
export function decodeOpen(buf: Buffer, off: number, end: number, _ctx: WireContext): Open {
  if (end - off < OPEN_FIXED_LENGTH) {
    // RFC 4271 §6.1: an OPEN shorter than 29 octets is Bad Message Length.
    throw badMessageLength(end - off + HEADER_LENGTH, 'OPEN shorter than 29 octets', off)
  }
  const open: Open = {
    type: 'OPEN',
    version: buf[off]!,
    myAs: buf.readUInt16BE(off + 1),
    holdTime: buf.readUInt16BE(off + 3),
    bgpId: ipv4ToString(buf, off + 5),
    params: [],
  }
  const optLen = buf[off + 9]!
  let p = off + OPEN_FIXED_LENGTH
  let extended = false
  let pEnd: number
  // RFC 9072 §2: "if the one-octet "Optional Parameters Length" field ... is non-zero, a BGP
  // speaker MUST use the value of the octet following [it] ... to determine both the encoding of
  // the Optional Parameters length and the size of the "Parameter Length" field". A value of 255
  // means the extended format; Non-Ext OP Len. "MUST be ignored on receipt" then (we re-encode it
  // as the recommended 255).
  if (optLen !== 0 && p < end && buf[p] === OptParamType.EXTENDED_LENGTH) {
    if (p + 3 > end) throw unspecific('truncated extended optional parameters length', p)
    extended = true
    pEnd = p + 3 + buf.readUInt16BE(p + 1)
    p += 3
  } else {
    pEnd = p + optLen
  }
  // RFC 4271 §4.2: "Optional Parameters Length: ... the total length of the Optional Parameters
  // field in octets." It must end exactly where the message ends.
  if (pEnd !== end) {
    throw unspecific(`optional parameters length ${pEnd - p} does not match the ${end - p} octets left`, off + 9)
  }
  const hdr = extended ? 3 : 2
  while (p < pEnd) {
    if (p + hdr > pEnd) throw unspecific('truncated optional parameter header', p)
    const type = buf[p]!
    const vStart = p + hdr
    const vEnd = vStart + (extended ? buf.readUInt16BE(p + 1) : buf[p + 1]!)
    if (vEnd > pEnd) throw unspecific(`optional parameter ${type} overruns the optional parameters`, p)
    if (type === OptParamType.CAPABILITIES) {
      open.params.push({ type: 2, capabilities: decodeCapabilities(buf, vStart, vEnd) })
    } else {
      // RFC 4271 §6.2 Unsupported Optional Parameter is the session layer's verdict; keep the bytes.
      open.params.push({ type, raw: Buffer.from(buf.subarray(vStart, vEnd)) })
    }
    p = vEnd
  }
  if (extended) open.extendedParams = true
  return open
}

function paramValueLength(p: OptionalParam): number {
  return isCapabilitiesParam(p) ? capabilitiesLength(p.capabilities) : p.raw.length
}

function isCapabilitiesParam(p: OptionalParam): p is { type: 2; capabilities: Capability[] } {
  return p.type === OptParamType.CAPABILITIES && 'capabilities' in p
}

/**
 * RFC 9072 §2: "if the length of the Optional Parameters in the BGP OPEN message does exceed 255,
 * the OPEN message MUST be encoded according to the procedure below" — so the extended form is
 * used when asked for (extendedParams) or when the plain one cannot hold the parameters.
 */
function usesExtended(open: Open): boolean {
  if (open.extendedParams) return true
  let total = 0
  for (const p of open.params) {
    const n = paramValueLength(p)
    if (n > 255) return true
    total += 2 + n
  }
  return total > 255
}

/** Length of the OPEN body. */
export function openLength(open: Open, _ctx: WireContext): number {
  const ext = usesExtended(open)
  let n = OPEN_FIXED_LENGTH + (ext ? 3 : 0)
  for (const p of open.params) n += (ext ? 3 : 2) + paramValueLength(p)
  return n
}

/** Encode the OPEN body at buf[off]; returns the new offset. */
export function encodeOpen(open: Open, buf: Buffer, off: number, ctx: WireContext): number {
  const ext = usesExtended(open)
  const total = openLength(open, ctx) - OPEN_FIXED_LENGTH - (ext ? 3 : 0)
  buf.writeUInt8(open.version, off)
  buf.writeUInt16BE(open.myAs, off + 1)
  buf.writeUInt16BE(open.holdTime, off + 3)
  writeIpv4(open.bgpId, buf, off + 5)
  let p = off + OPEN_FIXED_LENGTH
  if (ext) {
    // RFC 9072 §2: Non-Ext OP Len. "SHOULD be set to 255 on transmission"; Non-Ext OP Type "MUST
    // be set to 255 on transmission".
    if (total > 0xffff) throw new RangeError(`OPEN optional parameters are ${total} octets, more than 65535`)
    buf[off + 9] = 255
    buf[p] = OptParamType.EXTENDED_LENGTH
    buf.writeUInt16BE(total, p + 1)
    p += 3
  } else {
    buf[off + 9] = total
  }
  for (const prm of open.params) {
    const n = paramValueLength(prm)
    buf.writeUInt8(prm.type, p)
    if (ext) buf.writeUInt16BE(n, p + 1)
    else buf[p + 1] = n
    p += ext ? 3 : 2
    p = isCapabilitiesParam(prm) ? encodeCapabilities(prm.capabilities, buf, p) : p + prm.raw.copy(buf, p)
  }
  return p
}

/** Every capability of the OPEN, in wire order, whatever parameters they came in. */
export function openCapabilities(open: Open): Capability[] {
  const out: Capability[] = []
  for (const p of open.params) if (isCapabilitiesParam(p)) out.push(...p.capabilities)
  return out
}

/**
 * The speaker's AS: with RFC 6793 the 4-octet AS number is carried in the capability (§3) and
 * the My Autonomous System field may hold AS_TRANS (§4.1). Without the capability, myAs.
 */
export function openAsn(open: Open): number {
  for (const c of openCapabilities(open)) if (c.code === 65 && !isRawCapability(c)) return (c as { asn: number }).asn
  return open.myAs
}

export interface MakeOpenOptions {
  asn: number
  holdTime: number
  bgpId: string
  capabilities: Capability[]
}

/**
 * An OPEN with all capabilities in one parameter. RFC 6793 §4.1: a speaker whose AS does not
 * fit in 2 octets puts AS_TRANS in the My Autonomous System field.
 */
export function makeOpen(o: MakeOpenOptions): Open {
  const open: Open = {
    type: 'OPEN',
    version: BGP_VERSION,
    myAs: o.asn > 0xffff ? AS_TRANS : o.asn,
    holdTime: o.holdTime,
    bgpId: o.bgpId,
    params: o.capabilities.length === 0 ? [] : [{ type: 2, capabilities: o.capabilities }],
  }
  if (o.capabilities.length !== 0 && 2 + capabilitiesLength(o.capabilities) > 255) open.extendedParams = true
  return open
}
