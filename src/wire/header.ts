/**
 * BGP message header and framing (RFC 4271 §4.1, §6.1; RFC 8654 for the maximum length).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                                                               |
 *   +                                                               +
 *   |                           Marker                              |
 *   +                        (16 octets, all ones)                  +
 *   |                                                               |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |          Length               |      Type     |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Framing answers one question: is there a whole message at buf[off..end)? It looks only at the
 * marker and the length, and it says "error" as soon as the bytes it has show a fault: a length
 * below 19 or above the maximum is never "need more bytes" (STYLE.md anti-pattern: holo waits
 * for the hold timer instead of sending Bad Message Length). The type octet and the per-type
 * lengths are checked by message.ts, which knows the message types.
 */
import { BgpError } from './errors.js'
import { ErrorCode, HEADER_LENGTH, HeaderSubcode, MARKER_LENGTH } from './iana.js'

export type Frame =
  | { kind: 'need' }
  | { kind: 'message'; type: number; length: number }
  | { kind: 'error'; error: BgpError }

const NEED: Frame = Object.freeze({ kind: 'need' })

/**
 * Frame the message starting at buf[off]; bytes past `end` are not looked at.
 * `length` in the answer is the whole message length (header included).
 */
export function frameMessage(buf: Buffer, off: number, end: number, maxLength: number): Frame {
  const avail = end - off
  // RFC 4271 §6.1: "If the Marker field of the message header is not as expected, then a
  // synchronization error has occurred and the Error Subcode MUST be set to Connection Not
  // Synchronized." Checked on every marker octet we already have, so garbage fails at once.
  const markerEnd = off + (avail < MARKER_LENGTH ? avail : MARKER_LENGTH)
  for (let i = off; i < markerEnd; i++) {
    if (buf[i] !== 0xff) {
      return {
        kind: 'error',
        error: new BgpError(
          ErrorCode.MESSAGE_HEADER,
          HeaderSubcode.CONNECTION_NOT_SYNCHRONIZED,
          'marker is not all ones',
          undefined,
          i,
        ),
      }
    }
  }
  if (avail < MARKER_LENGTH + 2) return NEED
  const length = buf.readUInt16BE(off + MARKER_LENGTH)
  // RFC 4271 §6.1: "if the Length field of the message header is less than 19 or greater than
  // 4096 [RFC 8654: the negotiated maximum] ... the Error Subcode MUST be set to Bad Message
  // Length. The Data field MUST contain the erroneous Length field."
  if (length < HEADER_LENGTH || length > maxLength) {
    return { kind: 'error', error: badMessageLength(length, `message length ${length} not in [19, ${maxLength}]`, off + MARKER_LENGTH) }
  }
  if (avail < length) return NEED
  return { kind: 'message', type: buf[off + MARKER_LENGTH + 2]!, length }
}

/** Bad Message Length with the 2-octet Length field as data (RFC 4271 §6.1). */
export function badMessageLength(length: number, reason: string, offset?: number): BgpError {
  const data = Buffer.allocUnsafe(2)
  data.writeUInt16BE(length & 0xffff, 0)
  return new BgpError(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_LENGTH, reason, data, offset)
}

/** Bad Message Type with the Type octet as data (RFC 4271 §6.1). */
export function badMessageType(type: number, offset?: number): BgpError {
  // RFC 4271 §6.1: "If the Type field of the message header is not recognized, then the Error
  // Subcode MUST be set to Bad Message Type. The Data field MUST contain the erroneous Type field."
  return new BgpError(
    ErrorCode.MESSAGE_HEADER,
    HeaderSubcode.BAD_MESSAGE_TYPE,
    `unknown message type ${type}`,
    Buffer.of(type & 0xff),
    offset,
  )
}

/** Write marker, length and type at buf[off]; returns the offset of the body. */
export function writeHeader(buf: Buffer, off: number, length: number, type: number): number {
  // RFC 4271 §4.1: "This 16-octet field is included for compatibility; it MUST be set to all ones."
  buf.fill(0xff, off, off + MARKER_LENGTH)
  buf.writeUInt16BE(length, off + MARKER_LENGTH)
  buf[off + MARKER_LENGTH + 2] = type
  return off + HEADER_LENGTH
}
