/**
 * NOTIFICATION message body (RFC 4271 §4.5), with the Cease data formats of RFC 9003 §2
 * (Shutdown Communication) and RFC 8538 §3 (Hard Reset).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Error code    | Error subcode |   Data (variable)             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *   RFC 9003 (Cease / Administrative Shutdown or Reset), in Data:
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Length        | Shutdown Communication (UTF-8, Length octets) |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *   RFC 8538 (Cease / Hard Reset), in Data: the NOTIFICATION that caused it:
 *   | Error code    | Error subcode | Data (variable) |
 *
 * `data` is always the Data field as received and is what the encoder writes; `message` and
 * `hardReset` are read-only views of it, decoded when well-formed. A malformed Shutdown
 * Communication is not an error: RFC 9003 (Error Handling) says an erroneous or malformed
 * Shutdown Communication must not itself trigger a session reset; it is only logged.
 */
import type { WireContext } from './context.js'
import type { BgpError } from './errors.js'
import { badMessageLength } from './header.js'
import { CeaseSubcode, ErrorCode, HEADER_LENGTH } from './iana.js'
import type { Notification } from './types.js'

/** RFC 9003 §2: the Length octet allows up to 255 octets of Shutdown Communication. */
export const MAX_SHUTDOWN_COMMUNICATION = 255

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Cease subcodes whose Data may carry a Shutdown Communication (RFC 9003 §2). */
function carriesShutdownCommunication(code: number, subcode: number): boolean {
  return (
    code === ErrorCode.CEASE &&
    (subcode === CeaseSubcode.ADMINISTRATIVE_SHUTDOWN || subcode === CeaseSubcode.ADMINISTRATIVE_RESET)
  )
}

/** The Shutdown Communication in `data`, or undefined when absent or malformed. */
export function decodeShutdownCommunication(data: Buffer): string | undefined {
  // RFC 9003 §2: "Length: This 8-bit field represents the length of the Shutdown Communication
  // field in octets." We require the field to fill the Data exactly, and to be valid UTF-8; an
  // invalid Length or UTF-8 sequence is to be logged by the receiver (RFC 9003 Error Handling),
  // so no `message` is set and the raw data stays available.
  if (data.length === 0 || data[0]! + 1 !== data.length) return undefined
  try {
    return utf8.decode(data.subarray(1))
  } catch {
    return undefined
  }
}

/** Decode the NOTIFICATION body buf[off, end). */
export function decodeNotification(buf: Buffer, off: number, end: number, _ctx: WireContext): Notification {
  if (end - off < 2) {
    // RFC 4271 §4.5: "The minimum length of the NOTIFICATION message is 21 octets".
    throw badMessageLength(end - off + HEADER_LENGTH, 'NOTIFICATION shorter than 21 octets', off)
  }
  return withViews({
    type: 'NOTIFICATION',
    code: buf[off]!,
    subcode: buf[off + 1]!,
    data: Buffer.from(buf.subarray(off + 2, end)),
  })
}

/** Fill `message` / `hardReset` from `data` where the code says they apply. */
function withViews(n: Notification): Notification {
  if (carriesShutdownCommunication(n.code, n.subcode)) {
    const message = decodeShutdownCommunication(n.data)
    if (message !== undefined) n.message = message
  } else if (n.code === ErrorCode.CEASE && n.subcode === CeaseSubcode.HARD_RESET && n.data.length >= 2) {
    // RFC 8538 §3: the Hard Reset's Data is the Error Code, Error Subcode and Data of the
    // NOTIFICATION that caused it (an encapsulated NOTIFICATION).
    n.hardReset = { code: n.data[0]!, subcode: n.data[1]!, data: Buffer.from(n.data.subarray(2)) }
  }
  return n
}

export function notificationLength(n: Notification, _ctx: WireContext): number {
  return 2 + n.data.length
}

/** Encode the NOTIFICATION body; `data` is written as is (message/hardReset are views of it). */
export function encodeNotification(n: Notification, buf: Buffer, off: number, _ctx: WireContext): number {
  buf.writeUInt8(n.code, off)
  buf.writeUInt8(n.subcode, off + 1)
  return off + 2 + n.data.copy(buf, off + 2)
}

export function makeNotification(code: number, subcode: number, data?: Uint8Array): Notification {
  return withViews({ type: 'NOTIFICATION', code, subcode, data: data === undefined ? Buffer.alloc(0) : Buffer.from(data) })
}

/** The longest prefix of `s` that is at most `max` octets of UTF-8, never splitting a character. */
export function truncateUtf8(s: string, max: number): Buffer {
  const b = Buffer.from(s, 'utf8')
  if (b.length <= max) return b
  let n = max
  // Back up over continuation octets (10xxxxxx) so the cut falls before a lead octet.
  while (n > 0 && (b[n]! & 0xc0) === 0x80) n--
  return b.subarray(0, n)
}

/**
 * Cease / Administrative Shutdown (2) or Administrative Reset (4) with a Shutdown Communication
 * (RFC 9003 §2), cut to 255 octets of UTF-8 on a character boundary.
 */
export function makeShutdownNotification(subcode: number, message: string): Notification {
  if (!carriesShutdownCommunication(ErrorCode.CEASE, subcode)) {
    throw new RangeError(`Cease subcode ${subcode} does not carry a Shutdown Communication (RFC 9003: 2 or 4)`)
  }
  const text = truncateUtf8(message, MAX_SHUTDOWN_COMMUNICATION)
  const data = Buffer.allocUnsafe(1 + text.length)
  data[0] = text.length
  text.copy(data, 1)
  return makeNotification(ErrorCode.CEASE, subcode, data)
}

/** RFC 8538 §3: wrap the NOTIFICATION that caused a reset in Cease / Hard Reset. */
export function makeHardResetNotification(inner: Notification): Notification {
  const data = Buffer.allocUnsafe(2 + inner.data.length)
  data[0] = inner.code
  data[1] = inner.subcode
  inner.data.copy(data, 2)
  return makeNotification(ErrorCode.CEASE, CeaseSubcode.HARD_RESET, data)
}

/** The NOTIFICATION a decode fault prescribes (BgpError already carries RFC 4271 §6 data). */
export function notificationFromError(err: BgpError): Notification {
  return makeNotification(err.code, err.subcode, err.data)
}
