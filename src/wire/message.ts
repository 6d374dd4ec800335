/**
 * Whole BGP messages: header + body, for every type (RFC 4271 §4; RFC 2918 for ROUTE-REFRESH),
 * and a streaming framer for byte streams (TCP, pcap payloads).
 *
 *   +--------------------+------------------+----------------------------------+
 *   | Marker (16 octets) | Length (2)       | Type (1) | body: OPEN | UPDATE | ...|
 *   +--------------------+------------------+----------------------------------+
 *
 * Checks happen in RFC 4271 §6.1 order: marker, length bounds (header.ts), then the type and
 * the length that type allows, then the body decoder. Every fault is a BgpError carrying the
 * NOTIFICATION the RFC prescribes.
 */
import type { WireContext } from './context.js'
import { BgpError } from './errors.js'
import { badMessageLength, badMessageType, frameMessage, writeHeader } from './header.js'
import { HEADER_LENGTH, MAX_MESSAGE_LENGTH, MessageType, MessageTypeName } from './iana.js'
import { decodeKeepalive, encodeKeepalive, keepaliveLength } from './keepalive.js'
import { decodeNotification, encodeNotification, notificationLength } from './notification.js'
import { decodeOpen, encodeOpen, openLength } from './open.js'
import { decodeRouteRefresh, encodeRouteRefresh, routeRefreshLength } from './route-refresh.js'
import type { Message } from './types.js'
import { decodeUpdate, encodeUpdate, updateLength } from './update.js'

/**
 * RFC 4271 §6.1: "if the Length field of an OPEN message is less than the minimum length of the
 * OPEN message, or if the Length field of an UPDATE message is less than the minimum length of
 * the UPDATE message, or if the Length field of a KEEPALIVE message is not equal to 19, or if the
 * Length field of a NOTIFICATION message is less than the minimum length of the NOTIFICATION
 * message, then the Error Subcode MUST be set to Bad Message Length." ROUTE-REFRESH: RFC 2918 §3
 * fixes 4 body octets. Indexed by type; [min, max] whole-message lengths.
 */
const LENGTH_BOUNDS: ReadonlyArray<readonly [number, number] | undefined> = [
  undefined,
  // RFC 8654 §4: the Extended Message capability applies to every message except OPEN and
  // KEEPALIVE, so an OPEN never exceeds 4096 octets.
  [29, MAX_MESSAGE_LENGTH], // OPEN (RFC 4271 §4.2)
  [23, Infinity], // UPDATE (RFC 4271 §4.3)
  [21, Infinity], // NOTIFICATION (RFC 4271 §4.5)
  [19, 19], // KEEPALIVE (RFC 4271 §4.4)
  [23, Infinity], // ROUTE-REFRESH (RFC 2918 §3)
]

/** Type and per-type length checks on a framed message (RFC 4271 §6.1). */
export function checkMessageTypeAndLength(type: number, length: number, offset?: number): void {
  const bounds = LENGTH_BOUNDS[type]
  if (bounds === undefined) throw badMessageType(type, offset === undefined ? undefined : offset + 18)
  if (length < bounds[0] || length > bounds[1]) {
    throw badMessageLength(
      length,
      `${MessageTypeName[type]} message length ${length} not in [${bounds[0]}, ${bounds[1]}]`,
      offset === undefined ? undefined : offset + 16,
    )
  }
}

/**
 * Decode the message whose header starts at buf[off]. Bytes after the message's own length are
 * never read. Throws BgpError for anything malformed, including a buffer that ends early.
 */
export function decodeMessage(buf: Buffer, off: number, ctx: WireContext): { message: Message; length: number } {
  const f = frameMessage(buf, off, buf.length, ctx.maxMessageLength)
  if (f.kind === 'error') throw f.error
  if (f.kind === 'need') {
    const declared = buf.length - off >= 18 ? buf.readUInt16BE(off + 16) : buf.length - off
    throw badMessageLength(declared, `truncated message: ${buf.length - off} octets of ${declared}`, off)
  }
  const { type, length } = f
  checkMessageTypeAndLength(type, length, off)
  const body = off + HEADER_LENGTH
  const end = off + length
  let message: Message
  switch (type) {
    case MessageType.OPEN:
      message = decodeOpen(buf, body, end, ctx)
      break
    case MessageType.UPDATE:
      message = decodeUpdate(buf, body, end, ctx)
      break
    case MessageType.NOTIFICATION:
      message = decodeNotification(buf, body, end, ctx)
      break
    case MessageType.KEEPALIVE:
      message = decodeKeepalive(buf, body, end, ctx)
      break
    default:
      message = decodeRouteRefresh(buf, body, end, ctx, off)
  }
  return { message, length }
}

function bodyLength(m: Message, ctx: WireContext): number {
  switch (m.type) {
    case 'OPEN':
      return openLength(m, ctx)
    case 'UPDATE':
      return updateLength(m, ctx)
    case 'NOTIFICATION':
      return notificationLength(m, ctx)
    case 'KEEPALIVE':
      return keepaliveLength(m, ctx)
    case 'ROUTE-REFRESH':
      return routeRefreshLength(m, ctx)
  }
}

const TYPE_CODE: Record<Message['type'], number> = {
  OPEN: MessageType.OPEN,
  UPDATE: MessageType.UPDATE,
  NOTIFICATION: MessageType.NOTIFICATION,
  KEEPALIVE: MessageType.KEEPALIVE,
  'ROUTE-REFRESH': MessageType.ROUTE_REFRESH,
}

/** Whole message length, header included. */
export function messageLength(m: Message, ctx: WireContext): number {
  return HEADER_LENGTH + bodyLength(m, ctx)
}

/**
 * Encode a whole message at buf[off] (buf must have messageLength octets there); returns the new
 * offset. RangeError when the message would exceed the maximum length the context allows.
 */
export function encodeMessageInto(m: Message, buf: Buffer, off: number, ctx: WireContext): number {
  const length = messageLength(m, ctx)
  checkEncodedLength(m, length, ctx)
  const body = writeHeader(buf, off, length, TYPE_CODE[m.type])
  let end: number
  switch (m.type) {
    case 'OPEN':
      end = encodeOpen(m, buf, body, ctx)
      break
    case 'UPDATE':
      end = encodeUpdate(m, buf, body, ctx)
      break
    case 'NOTIFICATION':
      end = encodeNotification(m, buf, body, ctx)
      break
    case 'KEEPALIVE':
      end = encodeKeepalive(m, buf, body, ctx)
      break
    case 'ROUTE-REFRESH':
      end = encodeRouteRefresh(m, buf, body, ctx)
      break
  }
  if (end !== off + length) throw new Error(`${m.type} encoder wrote ${end - off} octets, expected ${length}`)
  return end
}

function checkEncodedLength(m: Message, length: number, ctx: WireContext): void {
  const max = m.type === 'OPEN' ? Math.min(MAX_MESSAGE_LENGTH, ctx.maxMessageLength) : ctx.maxMessageLength
  // RFC 4271 §4.1 / RFC 8654 §4: a message larger than the negotiated maximum cannot be sent.
  if (length > max) throw new RangeError(`${m.type} message of ${length} octets exceeds the maximum message length ${max}`)
}

/** A complete message with header, in a new Buffer of exactly its length. */
export function encodeMessage(m: Message, ctx: WireContext): Buffer {
  const length = messageLength(m, ctx)
  checkEncodedLength(m, length, ctx)
  const buf = Buffer.allocUnsafe(length)
  encodeMessageInto(m, buf, 0, ctx)
  return buf
}

export type ReaderResult =
  | { kind: 'message'; type: number; bytes: Buffer }
  | { kind: 'need' }
  | { kind: 'error'; error: BgpError }

const NEED: ReaderResult = Object.freeze({ kind: 'need' })

/**
 * Streaming framer: push() chunks as they arrive, next() until it says 'need'.
 * - A message inside one chunk is returned as a zero-copy subarray of that chunk (the caller
 *   must not reuse the chunk's memory while holding it); one spanning chunks is copied once.
 * - Chunks are kept in a list and each byte is copied at most once, so a message trickling in
 *   byte by byte costs O(length), not O(length²).
 * - Only marker and length are checked here (plus the type's length bounds, so a bad length is
 *   reported before the body arrives); the body is the decoder's job. After an error the reader
 *   stays in error: the stream has lost sync (RFC 4271 §6.1) and the session must close.
 */
export class MessageReader {
  private chunks: Buffer[] = []
  /** Index in chunks of the first chunk with unread bytes (no Array.shift: O(1) per chunk). */
  private first = 0
  /** Offset of the first unread byte in chunks[first]. */
  private head = 0
  private available = 0
  private failed: BgpError | null = null
  private readonly headerScratch = Buffer.allocUnsafe(HEADER_LENGTH)

  constructor(private maxLength: number = MAX_MESSAGE_LENGTH) {}

  /** Raise the limit once the Extended Message capability is negotiated (RFC 8654). */
  setMaxLength(maxLength: number): void {
    this.maxLength = maxLength
  }

  /** Bytes received and not yet returned as messages. */
  get buffered(): number {
    return this.available
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return
    this.chunks.push(chunk)
    this.available += chunk.length
  }

  next(): ReaderResult {
    if (this.failed !== null) return { kind: 'error', error: this.failed }
    if (this.available === 0) return NEED
    const first = this.chunks[this.first]!
    const inFirst = first.length - this.head
    // Frame on the header octets we have: in place when chunk one holds them, else a copy.
    const hlen = this.available < HEADER_LENGTH ? this.available : HEADER_LENGTH
    let hbuf: Buffer
    let hoff: number
    if (inFirst >= hlen) {
      hbuf = first
      hoff = this.head
    } else {
      this.peek(this.headerScratch, hlen)
      hbuf = this.headerScratch
      hoff = 0
    }
    const f = frameMessage(hbuf, hoff, hoff + hlen, this.maxLength)
    if (f.kind === 'error') return this.fail(f.error)
    if (hlen < HEADER_LENGTH) return NEED
    // The header is whole and frameMessage accepted marker and length.
    const length = hbuf.readUInt16BE(hoff + 16)
    const type = hbuf[hoff + 18]!
    try {
      checkMessageTypeAndLength(type, length)
    } catch (e) {
      return this.fail(e as BgpError)
    }
    if (this.available < length) return NEED
    let bytes: Buffer
    if (inFirst >= length) {
      bytes = first.subarray(this.head, this.head + length)
    } else {
      bytes = Buffer.allocUnsafe(length)
      this.peek(bytes, length)
    }
    this.consume(length)
    return { kind: 'message', type, bytes }
  }

  private fail(error: BgpError): ReaderResult {
    this.failed = error
    return { kind: 'error', error }
  }

  /** Copy n buffered octets (n <= available) into out without consuming them. */
  private peek(out: Buffer, n: number): void {
    let copied = 0
    let start = this.head
    for (let i = this.first; copied < n; i++) {
      const c = this.chunks[i]!
      const take = Math.min(c.length - start, n - copied)
      c.copy(out, copied, start, start + take)
      copied += take
      start = 0
    }
  }

  private consume(n: number): void {
    this.available -= n
    while (n > 0) {
      const left = this.chunks[this.first]!.length - this.head
      if (n < left) {
        this.head += n
        return
      }
      n -= left
      this.first++
      this.head = 0
    }
    // Drop consumed chunks now and then, so the list neither grows forever nor is spliced per chunk.
    if (this.first === this.chunks.length) {
      this.chunks = []
      this.first = 0
    } else if (this.first >= 64 && this.first * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.first)
      this.first = 0
    }
  }
}
