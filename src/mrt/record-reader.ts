/**
 * MRT record framing: the Common Header (RFC 6396 §2) and the Extended Timestamp header (§3).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                           Timestamp                           |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |             Type              |            Subtype            |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                             Length                            |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                      Microsecond Timestamp                    |  _ET types only (§3)
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                      Message... (variable)
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * MRT has no marker to resynchronise on: once a Length is wrong every later record is garbage, so
 * a framing fault (short final record, Length below the ET minimum or past the cap) ends the read.
 * Faults inside a record's body are the decoders' business and do not stop the framer.
 *
 * The framer keeps a list of chunks and concatenates only once it holds a whole record, so a
 * large record spread over many stream chunks costs one copy, not one per chunk.
 */

/** RFC 6396 §4 MRT Types (IANA "MRT Types" registry); lower values are deprecated types, not decoded. */
export const MrtType = {
  OSPFV2: 11,
  TABLE_DUMP: 12,
  TABLE_DUMP_V2: 13,
  BGP4MP: 16,
  BGP4MP_ET: 17,
  ISIS: 32,
  ISIS_ET: 33,
  OSPFV3: 48,
  OSPFV3_ET: 49,
} as const

export const MrtTypeName: Record<number, string> = Object.fromEntries(Object.entries(MrtType).map(([k, v]) => [v, k]))

/** RFC 6396 §3: the _ET types carry a Microsecond Timestamp, counted in the Length field. */
export function isExtendedTimestampType(type: number): boolean {
  return type === MrtType.BGP4MP_ET || type === MrtType.ISIS_ET || type === MrtType.OSPFV3_ET
}

export const MRT_HEADER_LENGTH = 12
/** Records longer than this are taken as a framing fault (default 16 MiB; RIB records are KBs). */
export const DEFAULT_MAX_RECORD_LENGTH = 16 * 1024 * 1024

/** One framed record; the Message field is buf[start, end). */
export interface RawMrtRecord {
  /** Timestamp, seconds since 1970 (§2). */
  ts: number
  /** Microsecond Timestamp of the _ET types (§3); null for the others. */
  microseconds: number | null
  type: number
  subtype: number
  /** The Length field as written (for _ET it counts the 4 microsecond octets). */
  length: number
  /** Offset of the record's first header octet in the uncompressed stream. */
  offset: number
  buf: Buffer
  start: number
  end: number
}

export type FrameResult =
  | { kind: 'record'; record: RawMrtRecord }
  | { kind: 'need' }
  | { kind: 'error'; reason: string; offset: number }

const NEED: FrameResult = Object.freeze({ kind: 'need' })
const EMPTY = Buffer.alloc(0)

export class MrtFramer {
  private buf: Buffer = EMPTY
  private pos = 0
  /** Stream offset of buf[0]. */
  private base = 0
  /** Chunks received past buf, not yet joined. */
  private parts: Buffer[] = []
  private partBytes = 0
  private failed: FrameResult | null = null
  private readonly maxRecordLength: number

  constructor(maxRecordLength = DEFAULT_MAX_RECORD_LENGTH) {
    this.maxRecordLength = maxRecordLength
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return
    if (this.pos === this.buf.length && this.parts.length === 0) {
      this.base += this.buf.length
      this.buf = chunk
      this.pos = 0
      return
    }
    this.parts.push(chunk)
    this.partBytes += chunk.length
  }

  /** Bytes held but not yet returned as records. */
  get buffered(): number {
    return this.buf.length - this.pos + this.partBytes
  }

  /** Stream offset of the next unread octet. */
  get offset(): number {
    return this.base + this.pos
  }

  /** Join pending chunks so at least `want` unread octets sit in buf (when they exist). */
  private ensure(want: number): boolean {
    const have = this.buf.length - this.pos
    if (have >= want) return true
    if (have + this.partBytes < want) return false
    const rest = this.buf.subarray(this.pos)
    const joined = Buffer.concat(rest.length ? [rest, ...this.parts] : this.parts, have + this.partBytes)
    this.base += this.pos
    this.buf = joined
    this.pos = 0
    this.parts = []
    this.partBytes = 0
    return true
  }

  next(): FrameResult {
    if (this.failed !== null) return this.failed
    if (!this.ensure(MRT_HEADER_LENGTH)) return NEED
    const b = this.buf
    const p = this.pos
    const type = (b[p + 4]! << 8) | b[p + 5]!
    const length = b.readUInt32BE(p + 8)
    const et = isExtendedTimestampType(type)
    if (et && length < 4) {
      // RFC 6396 §3: the Length counts the 4-octet Microsecond Timestamp, so it cannot be below 4.
      return this.fail(`${MrtTypeName[type]} record length ${length} < 4`, this.base + p)
    }
    if (length > this.maxRecordLength) {
      return this.fail(`record length ${length} exceeds ${this.maxRecordLength}`, this.base + p)
    }
    if (!this.ensure(MRT_HEADER_LENGTH + length)) return NEED
    const q = this.pos // ensure() may have moved the data
    const bb = this.buf
    const start = q + MRT_HEADER_LENGTH + (et ? 4 : 0)
    const record: RawMrtRecord = {
      ts: bb.readUInt32BE(q),
      microseconds: et ? bb.readUInt32BE(q + MRT_HEADER_LENGTH) : null,
      type,
      subtype: (bb[q + 6]! << 8) | bb[q + 7]!,
      length,
      offset: this.base + q,
      buf: bb,
      start,
      end: q + MRT_HEADER_LENGTH + length,
    }
    this.pos = record.end
    return { kind: 'record', record }
  }

  /** Call at end of stream: an error when a partial record is left over. */
  finish(): FrameResult | null {
    if (this.failed !== null) return null
    const left = this.buffered
    if (left === 0) return null
    return this.fail(`truncated record: ${left} octets left at end of file`, this.offset)
  }

  private fail(reason: string, offset: number): FrameResult {
    this.failed = { kind: 'error', reason, offset }
    return this.failed
  }
}
