/**
 * ORIGIN (type 1), RFC 4271 §4.3 (a), §5.1.1. Well-known mandatory.
 *
 *   +------------------+
 *   |  Origin (1 oct)  |  0 IGP, 1 EGP, 2 INCOMPLETE
 *   +------------------+
 *
 * RFC 7606 §7.1: a wrong length or an undefined value is handled as treat-as-withdraw.
 */
import type { WireContext } from '../context.js'
import { UpdateSubcode } from '../iana.js'
import { attrError, expectLength } from './attr-error.js'

export function originLength(_v: number, _ctx: WireContext): number {
  return 1
}

export function encodeOrigin(v: number, buf: Buffer, off: number, _ctx: WireContext): number {
  buf[off] = v & 255
  return off + 1
}

export function decodeOrigin(buf: Buffer, off: number, end: number, _ctx: WireContext): number {
  expectLength('ORIGIN', off, end, 1)
  const v = buf[off]!
  // RFC 4271 §6.3: "If the ORIGIN attribute has an undefined value, then the Error Sub-code MUST be set to Invalid Origin Attribute."
  if (v > 2) throw attrError(UpdateSubcode.INVALID_ORIGIN_ATTRIBUTE, `ORIGIN: undefined value ${v}`, off)
  return v
}
