/**
 * Framed MRT records -> NDJSON octets, for `tsbgp decode --mrt` (forms in json.ts).
 *
 * The TABLE_DUMP_V2 RIB path is the hot one (a full table is ~10^6 entries): the entries are
 * visited in place and each line is assembled in an OutBuffer from octets made once per record
 * (the prefix part), once per PEER_INDEX_TABLE (the peer objects) and once per distinct attribute
 * value (attributes-text.ts). The tests check these lines equal JSON.stringify of the json.ts
 * objects. Other records are rare enough for JSON.stringify.
 */
import { formatKey } from '../wire/prefix.js'
import { RibAttributesText } from './attributes-text.js'
import { bgp4mpEntryJson, bgp4mpMessageJson, peerIndexTableJson, peerJson, ribJson, stateChangeJson, tableDumpJson } from './json.js'
import { lit, OutBuffer } from './out-buffer.js'
import { decodeMrtRecord } from './reader.js'
import { MrtType, type RawMrtRecord } from './record-reader.js'
import { MrtFormatError, streamOffset } from './fields.js'
import type { MrtReadState } from './record.js'
import { decodeRibLayout, isRibSubtype, TableDumpV2SubtypeName, visitRibEntries, type MrtPeer, type RibEntryVisitor } from './table-dump-v2.js'

const PATH_ID = lit(',"pathId":')
const ATTRIBUTES = lit(',"attributes":')
const LINE_END = lit('}\n')

export class MrtLineWriter implements RibEntryVisitor {
  private readonly state: MrtReadState
  private peersSeen: MrtPeer[] | null = null
  /** Per peer: `,"peer":{...},"originatedTime":` */
  private peerText: Buffer[] = []
  private readonly v2Text = new RibAttributesText(true)
  // the record being written (RibEntryVisitor state)
  private out: OutBuffer = new OutBuffer(16)
  private buf: Buffer = Buffer.alloc(0)
  private head: Buffer = Buffer.alloc(0)
  private afi = 1
  private safi = 1

  constructor(state: MrtReadState) {
    this.state = state
  }

  /** Append the NDJSON lines (each ending in '\n') of one framed record to `out`. */
  record(raw: RawMrtRecord, out: OutBuffer): void {
    if (raw.type === MrtType.TABLE_DUMP_V2 && isRibSubtype(raw.subtype) && this.rib(raw, out)) return
    out.text(this.slowLines(raw))
  }

  /** The lines of one record as a string (tests). */
  recordText(raw: RawMrtRecord): string {
    const out = new OutBuffer(4096)
    this.record(raw, out)
    return out.toString()
  }

  private slowLines(raw: RawMrtRecord): string {
    const r = decodeMrtRecord(raw, this.state)
    switch (r.type) {
      case 'RIB':
        // TABLE_DUMP v1 and BGP4MP_ENTRY (the v2 RIB subtypes take the fast path)
        if (r.mrtType === 'TABLE_DUMP') return JSON.stringify(tableDumpJson(r)) + '\n'
        if (r.mrtType === 'TABLE_DUMP_V2') {
          return ribJson(r)
            .map((o) => JSON.stringify(o) + '\n')
            .join('')
        }
        return JSON.stringify(bgp4mpEntryJson(r)) + '\n'
      case 'STATE_CHANGE':
        return JSON.stringify(stateChangeJson(r)) + '\n'
      case 'BGP4MP_MESSAGE':
        return JSON.stringify(bgp4mpMessageJson(r)) + '\n'
      case 'PEER_INDEX_TABLE':
        return JSON.stringify(peerIndexTableJson(r)) + '\n'
      default:
        return JSON.stringify(r) + '\n'
    }
  }

  private peerTexts(peers: MrtPeer[] | null): Buffer[] {
    if (peers !== this.peersSeen) {
      this.peersSeen = peers
      this.peerText = peers === null ? [] : peers.map((p) => lit(',"peer":' + JSON.stringify(peerJson(p)) + ',"originatedTime":'))
    }
    return this.peerText
  }

  /** TABLE_DUMP_V2 RIB subtypes; false when the header is not a modeled, well-formed one. */
  private rib(raw: RawMrtRecord, out: OutBuffer): boolean {
    let h
    try {
      h = decodeRibLayout(raw.buf, raw.start, raw.end, raw.subtype)
    } catch (e) {
      if (e instanceof MrtFormatError) return false // slowLines() reports it
      throw e
    }
    if (h === null) return false
    this.peerTexts(this.state.peers)
    this.out = out
    this.buf = raw.buf
    this.afi = h.afi
    this.safi = h.safi
    this.head = lit(
      '{"type":"RIB","mrtType":"TABLE_DUMP_V2","subtype":"' +
        (TableDumpV2SubtypeName[raw.subtype] ?? String(raw.subtype)) +
        '","ts":' +
        raw.ts +
        ',"seq":' +
        h.seq +
        ',"prefix":"' +
        formatKey(h.afi, h.prefix) +
        '"',
    )
    const error = visitRibEntries(raw.buf, h, raw.end, this)
    if (error !== null) {
      out.text(
        JSON.stringify({ type: 'MRT', mrtType: 13, subtype: raw.subtype, error: { reason: error.reason, offset: streamOffset(raw, error.offset) } }) +
          '\n',
      )
    }
    return true
  }

  /** RibEntryVisitor: one line. */
  entry(peerIndex: number, originatedTime: number, pathId: number, attrStart: number, attrEnd: number): void {
    const out = this.out
    out.bytes(this.head)
    if (pathId >= 0) {
      out.bytes(PATH_ID)
      out.uint(pathId)
    }
    if (peerIndex < this.peerText.length) out.bytes(this.peerText[peerIndex]!)
    else out.text(',"peer":{"index":' + peerIndex + '},"originatedTime":')
    out.uint(originatedTime)
    out.bytes(ATTRIBUTES)
    this.v2Text.write(this.buf, attrStart, attrEnd, this.afi, this.safi, out)
    out.bytes(LINE_END)
  }
}
