/**
 * readMrt(): the library face of the MRT reader (RFC 6396, RFC 8050). A streaming async iterable
 * of typed records with compact prefix keys; memory stays bounded whatever the file size.
 *
 * Attribute context per record type:
 * - TABLE_DUMP (§4.2): 2-octet AS_PATH (the record's Peer AS field is 2 octets).
 * - TABLE_DUMP_V2 (§4.3.4): AS_PATH always carries 4-octet AS numbers; MP_REACH_NLRI
 *   in the abbreviated form (the full form some writers use is recognised too).
 * - BGP4MP MESSAGE bodies: 4-octet AS for the _AS4 subtypes, ADD-PATH for IPv4/IPv6 unicast and
 *   multicast for the RFC 8050 _ADDPATH subtypes; extended messages (RFC 8654) allowed.
 *
 * I/O failures (cannot open, decompression error) reject the iteration; content faults are
 * yielded as `{ type: 'MRT', error }` records and never thrown.
 */
import { decodePathAttributes, type DecodedPathAttributes } from '../wire/attributes.js'
import { makeWireContext, type WireContext } from '../wire/context.js'
import { BgpError } from '../wire/errors.js'
import { decodeMessage } from '../wire/message.js'
import { MessageTypeName } from '../wire/iana.js'
import type { Message } from '../wire/types.js'
import { openMrtFile, type OpenOptions } from './file-source.js'
import { MrtFramer, type RawMrtRecord } from './record-reader.js'
import { decodeRecord, MrtReadState, type MrtRecordOf } from './record.js'

/**
 * A BGP4MP message body: decoded, or the BgpError the decoder raised (with the type if known).
 * `addPathInferred`: the subtype did not say ADD-PATH but the NLRI only parse with path ids.
 */
export type DecodedBgpMessage = { message: Message; addPathInferred?: true } | { error: BgpError; messageType?: string }

export type MrtRecord = MrtRecordOf<DecodedPathAttributes, DecodedBgpMessage>

export interface ReadMrtOptions extends OpenOptions {
  /** Force 4-octet (true) or 2-octet (false) AS_PATH in BGP4MP messages, whatever the subtype. */
  as4?: boolean
  /** Largest record accepted before the framing is declared broken (default 16 MiB). */
  maxRecordLength?: number
}

const AS2 = makeWireContext({ as4: false, extendedMessage: true })
const AS4 = makeWireContext({ as4: true, extendedMessage: true })
const ADD_PATH_FAMILIES: Array<readonly [number, number]> = [
  [1, 1],
  [2, 1],
  [1, 2],
  [2, 2],
]
const AS2_ADD_PATH = makeWireContext({ as4: false, extendedMessage: true, addPath: ADD_PATH_FAMILIES })
const AS4_ADD_PATH = makeWireContext({ as4: true, extendedMessage: true, addPath: ADD_PATH_FAMILIES })

export function bgp4mpContext(as4: boolean, addPath: boolean): WireContext {
  return as4 ? (addPath ? AS4_ADD_PATH : AS4) : addPath ? AS2_ADD_PATH : AS2
}

/** Path attributes of a TABLE_DUMP_V2 RIB entry (§4.3.4) or a TABLE_DUMP record (§4.2). */
export function decodeRibAttributes(buf: Buffer, start: number, end: number, as4: boolean): DecodedPathAttributes {
  try {
    return decodePathAttributes(buf, start, end, as4 ? AS4 : AS2, { mrt: true })
  } catch (e) {
    // A fault the codec treats as session-fatal: in a dump there is no session to reset, so
    // report it as an error on this entry and keep reading. Anything else thrown is a codec bug,
    // reported the same way rather than ending the read.
    const reason = e instanceof Error ? e.message : String(e)
    return e instanceof BgpError
      ? { attributes: {}, errors: [{ action: 'reset', attrType: 0, subcode: e.subcode, reason, offset: e.offset ?? start }] }
      : { attributes: {}, errors: [{ action: 'reset', attrType: 0, subcode: 0, reason: `decoder fault: ${reason}`, offset: start }] }
  }
}

const decodeV2Attrs = (buf: Buffer, start: number, end: number): DecodedPathAttributes => decodeRibAttributes(buf, start, end, true)
const decodeV1Attrs = (buf: Buffer, start: number, end: number): DecodedPathAttributes => decodeRibAttributes(buf, start, end, false)

/**
 * Decode one BGP message occupying exactly buf[start, end) (a BGP4MP MESSAGE body). The codec
 * gets a view of just these octets so a wrong header Length cannot reach into the next record.
 */
export function decodeBgp4mpMessage(buf: Buffer, start: number, end: number, as4: boolean, addPath: boolean): DecodedBgpMessage {
  const d = decodeIn(buf, start, end, as4, addPath)
  if (addPath || !needsAddPathRetry(d)) return d
  // BIRD before RFC 8050 wrote ADD-PATH sessions' UPDATEs under the plain MESSAGE_AS4 subtype (the
  // mrtparse bird_bgp dump): an UPDATE that is malformed without path ids and clean with them is
  // taken as one of those.
  const retry = decodeIn(buf, start, end, as4, true)
  if ('message' in retry && retry.message.type === 'UPDATE' && retry.message.errors === undefined) {
    return { message: retry.message, addPathInferred: true }
  }
  return d
}

function needsAddPathRetry(d: DecodedBgpMessage): boolean {
  if ('message' in d) return d.message.type === 'UPDATE' && d.message.errors !== undefined
  return d.messageType === 'UPDATE'
}

function decodeIn(buf: Buffer, start: number, end: number, as4: boolean, addPath: boolean): DecodedBgpMessage {
  const view = buf.subarray(start, end)
  const messageType = view.length >= 19 ? MessageTypeName[view[18]!] : undefined
  try {
    const { message, length } = decodeMessage(view, 0, bgp4mpContext(as4, addPath))
    if (length !== view.length) {
      const e = new BgpError(1, 2, `BGP message length ${length} but the MRT record holds ${view.length} octets`, undefined, 16)
      return messageType === undefined ? { error: e } : { error: e, messageType }
    }
    return { message }
  } catch (e) {
    const err =
      e instanceof BgpError ? e : new BgpError(1, 2, `undecodable BGP message: ${e instanceof Error ? e.message : String(e)}`)
    return messageType === undefined ? { error: err } : { error: err, messageType }
  }
}

/**
 * Typed decode of one framed record. 2-octet AS attributes for TABLE_DUMP (§4.2) and the
 * deprecated BGP4MP_ENTRY (its AS fields are 2 octets); 4-octet for TABLE_DUMP_V2 (§4.3.4).
 */
export function decodeMrtRecord(raw: RawMrtRecord, state: MrtReadState): MrtRecord {
  return decodeRecord(raw, state, raw.type === 13 ? decodeV2Attrs : decodeV1Attrs, decodeBgp4mpMessage)
}

/** Records of an MRT file (gzip/bzip2 undone), one per MRT record, in file order. */
export async function* readMrt(path: string, opts: ReadMrtOptions = {}): AsyncGenerator<MrtRecord, void, undefined> {
  const { stream } = await openMrtFile(path, opts)
  const framer = new MrtFramer(opts.maxRecordLength)
  const state = new MrtReadState(opts.as4)
  try {
    for await (const chunk of stream) {
      framer.push(chunk as Buffer)
      for (;;) {
        const r = framer.next()
        if (r.kind === 'need') break
        if (r.kind === 'error') {
          yield { type: 'MRT', error: { reason: r.reason, offset: r.offset } }
          return
        }
        yield decodeMrtRecord(r.record, state)
      }
    }
    const tail = framer.finish()
    if (tail !== null && tail.kind === 'error') yield { type: 'MRT', error: { reason: tail.reason, offset: tail.offset } }
  } finally {
    stream.destroy()
  }
}

export { MrtReadState }
