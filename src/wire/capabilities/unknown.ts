/**
 * Capabilities kept as raw value bytes. RFC 5492 §3: a speaker ignores a capability it does not
 * support or recognize; ignoring is the session layer's job, the codec keeps them so they are
 * shown and re-encoded byte for byte.
 *
 * Two kinds end up here:
 * - codes tsbgp does not model (Software Version, Paths-Limit, ...): { code, raw };
 * - modeled codes whose value does not parse (e.g. a Multiprotocol capability of length 3):
 *   also { code, raw }. A known code with `raw` is how a malformed capability is recognised
 *   (capabilityIsMalformed); the session layer decides what to do about it (RFC 5492 leaves it
 *   open; tsbgp's session ignores or rejects per capability).
 */
import type { UnknownCapability } from '../types.js'

export function decodeRawCapability(code: number, buf: Buffer, off: number, end: number): UnknownCapability {
  // Copy: the decoded message must not pin (or alias) the caller's receive buffer.
  return { code, raw: Buffer.from(buf.subarray(off, end)) }
}

export function rawCapabilityLength(c: UnknownCapability): number {
  return c.raw.length
}

export function encodeRawCapability(c: UnknownCapability, buf: Buffer, off: number): number {
  return off + c.raw.copy(buf, off)
}
