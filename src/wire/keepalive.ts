/**
 * KEEPALIVE message (RFC 4271 §4.4): "A KEEPALIVE message consists of only the message header
 * and has a length of 19 octets." No body.
 *
 *   +-----------------------------+
 *   | Marker | Length=19 | Type=4 |
 *   +-----------------------------+
 */
import type { WireContext } from './context.js'
import { badMessageLength } from './header.js'
import { HEADER_LENGTH } from './iana.js'
import type { Keepalive } from './types.js'

export const KEEPALIVE: Keepalive = Object.freeze({ type: 'KEEPALIVE' }) as Keepalive

export function decodeKeepalive(_buf: Buffer, off: number, end: number, _ctx: WireContext): Keepalive {
  // RFC 4271 §6.1: "if the Length field of ... a KEEPALIVE message is not equal to 19 ... the
  // Error Subcode MUST be set to Bad Message Length."
  if (end !== off) throw badMessageLength(end - off + HEADER_LENGTH, 'KEEPALIVE longer than 19 octets', off)
  return { type: 'KEEPALIVE' }
}

export function keepaliveLength(_k: Keepalive, _ctx: WireContext): number {
  return 0
}

export function encodeKeepalive(_k: Keepalive, _buf: Buffer, off: number, _ctx: WireContext): number {
  return off
}
