/**
 * `tsbgp decode --hex HEX`: decode whole BGP messages given as hex (RFC 4271 §4.1: marker, length,
 * type, body), one NDJSON line each. Spaces, colons, dashes, newlines and a leading 0x are ignored,
 * so `tcpdump -X`-style and Wireshark "copy as hex" text pastes work.
 *
 * A body alone is ambiguous (its type and length live in the header), so input that does not start
 * with the 16-octet marker is refused with a message saying so. Several concatenated messages are
 * decoded in turn, under one context (flags only: there is no session to learn OPENs from).
 *
 * Exit codes: 0 every message decoded; 1 a message was malformed (its error line is still written);
 * 64 bad options; 65 the input is not hex or not whole messages.
 */
import { contextFromOverrides, parseFamilies } from '../capture/session-context.js'
import { BgpError } from '../wire/errors.js'
import { frameMessage } from '../wire/header.js'
import { HEADER_LENGTH, MARKER_LENGTH, MessageTypeName } from '../wire/iana.js'
import { errorToJson, messageToJson } from '../wire/json.js'
import { decodeMessage } from '../wire/message.js'
import type { WireContext } from '../wire/context.js'

export const EXIT_MALFORMED = 1
export const EXIT_USAGE = 64
export const EXIT_DATAERR = 65

export interface DecodeHexOptions {
  hex: string
  as4?: boolean
  addPath?: string[]
  extendedMessage?: boolean
  out: NodeJS.WritableStream
  /** Diagnostics (default process.stderr). */
  err?: NodeJS.WritableStream
}

/** Hex text to bytes; null with a reason when it is not hex. */
export function parseHexInput(text: string): { bytes: Buffer } | { error: string } {
  const s = text.replace(/0x/gi, '').replace(/[\s:.\-_]/g, '')
  if (s.length === 0) return { error: 'no hex digits given' }
  const bad = /[^0-9a-fA-F]/.exec(s)
  if (bad) return { error: `not a hex digit: "${bad[0]}"` }
  if (s.length % 2 !== 0) return { error: `odd number of hex digits (${s.length})` }
  return { bytes: Buffer.from(s, 'hex') }
}

export function decodeHex(opts: DecodeHexOptions): number {
  const err = opts.err ?? process.stderr
  let ctx: WireContext
  try {
    ctx = contextFromOverrides({ as4: opts.as4, extendedMessage: opts.extendedMessage, addPath: parseFamilies(opts.addPath ?? []) })
  } catch (e) {
    err.write(`tsbgp: --add-path: ${(e as Error).message}\n`)
    return EXIT_USAGE
  }
  const parsed = parseHexInput(opts.hex)
  if ('error' in parsed) {
    err.write(`tsbgp: --hex: ${parsed.error}\n`)
    return EXIT_DATAERR
  }
  const buf = parsed.bytes
  let code = 0
  for (let off = 0; off < buf.length; ) {
    const line = decodeOne(buf, off, ctx)
    if ('fatal' in line) {
      err.write(`tsbgp: --hex: ${line.fatal}\n`)
      return EXIT_DATAERR
    }
    opts.out.write(JSON.stringify(line.json) + '\n')
    if (line.malformed) code = EXIT_MALFORMED
    off += line.length
  }
  return code
}

type OneResult = { json: object; length: number; malformed: boolean } | { fatal: string }

function decodeOne(buf: Buffer, off: number, ctx: WireContext): OneResult {
  const at = off === 0 ? '' : ` at octet ${off}`
  // RFC 4271 §4.1: "Marker: This 16-octet field is included for compatibility; it MUST be set to all ones."
  let ones = 0
  while (ones < MARKER_LENGTH && off + ones < buf.length && buf[off + ones] === 0xff) ones++
  if (ones < MARKER_LENGTH) {
    return {
      fatal:
        `input${at} does not start with the 16-octet marker (ff × 16): give the whole message ` +
        '(marker, 2-octet length, type, body), not the body alone',
    }
  }
  const f = frameMessage(buf, off, buf.length, ctx.maxMessageLength)
  if (f.kind === 'need') {
    const declared = buf.length - off >= HEADER_LENGTH - 1 ? buf.readUInt16BE(off + MARKER_LENGTH) : undefined
    return { fatal: `message${at} is incomplete: ${buf.length - off} octets given${declared === undefined ? '' : `, its length field says ${declared}`}` }
  }
  if (f.kind === 'error') {
    // The length field is unusable, so nothing after it can be framed: report it and stop.
    return { json: errorToJson(undefined, f.error), length: buf.length - off, malformed: true }
  }
  const bytes = buf.subarray(off, off + f.length)
  try {
    const { message } = decodeMessage(bytes, 0, ctx)
    return { json: messageToJson(message), length: f.length, malformed: false }
  } catch (e) {
    if (!(e instanceof BgpError)) throw e
    return { json: { ...errorToJson(MessageTypeName[f.type], e), hex: bytes.toString('hex') }, length: f.length, malformed: true }
  }
}
