/**
 * Helpers shared by the path attribute codecs (RFC 4271 §4.3, §6.3).
 *
 * Each attribute codec decodes only the Attribute Value octets [off, end) and throws a
 * BgpError carrying the RFC 4271 §6.3 subcode when they are malformed. The attribute list
 * (../attributes.ts) decides what that means under RFC 7606 (withdraw, discard, reset) and
 * fills the NOTIFICATION data with the whole attribute when the outcome is a session reset.
 */
import { BgpError } from '../errors.js'
import { ErrorCode, UpdateSubcode } from '../iana.js'

export function attrError(subcode: number, reason: string, offset: number): BgpError {
  return new BgpError(ErrorCode.UPDATE_MESSAGE, subcode, reason, undefined, offset)
}

/** RFC 4271 §6.3: "If any recognized attribute has an Attribute Length that conflicts with the expected length
 * (based on the attribute type code), then the Error Subcode MUST be set to Attribute Length Error." */
export function expectLength(name: string, off: number, end: number, n: number): void {
  if (end - off !== n) {
    throw attrError(UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, `${name}: length ${end - off}, expected ${n}`, off)
  }
}

/** For list attributes: the length must be a non-zero multiple of the element size (RFC 7606 §7.8, §7.10, §7.14; RFC 8092 §5). */
export function expectMultiple(name: string, off: number, end: number, n: number): void {
  const len = end - off
  if (len === 0 || len % n !== 0) {
    throw attrError(UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, `${name}: length ${len} is not a non-zero multiple of ${n}`, off)
  }
}

export function readU32(buf: Uint8Array, off: number): number {
  return ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0
}

export function writeU32(buf: Uint8Array, off: number, v: number): number {
  buf[off] = v >>> 24
  buf[off + 1] = (v >>> 16) & 255
  buf[off + 2] = (v >>> 8) & 255
  buf[off + 3] = v & 255
  return off + 4
}

export function writeU16(buf: Uint8Array, off: number, v: number): number {
  buf[off] = (v >>> 8) & 255
  buf[off + 1] = v & 255
  return off + 2
}
