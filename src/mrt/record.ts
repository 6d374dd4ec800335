/**
 * One framed MRT record -> one typed record (RFC 6396 §4), whatever its type. The attribute and
 * BGP message decoders are parameters: readMrt() passes ones that build PathAttributes/Message
 * objects. (The CLI uses this for every record but the TABLE_DUMP_V2 RIB ones, which ndjson.ts
 * writes in place.)
 *
 * Content faults never throw out of here: a short or inconsistent field becomes
 * `{ type: 'MRT', error }` and the next record is read (the framing is intact); unknown types and
 * subtypes become `{ type: 'MRT', skipped: true }`: the Length field says how far to skip, so the
 * rest of the file is still read.
 */
import {
  decodeBgp4mp,
  isMessageSubtype,
  isStateChangeSubtype,
  type Bgp4mpEntry,
  type Bgp4mpMessage,
  type Bgp4mpStateChange,
  type MessageDecoder,
} from './bgp4mp.js'
import { MrtFormatError, streamOffset } from './fields.js'
import { MrtType, type RawMrtRecord } from './record-reader.js'
import { decodeTableDump, type TableDumpRecord } from './table-dump.js'
import {
  decodePeerIndexTable,
  decodeRib,
  isRibSubtype,
  type AttrDecoder,
  type MrtPeer,
  type PeerIndexTable,
  type RibRecord,
} from './table-dump-v2.js'

export interface MrtSkipped {
  type: 'MRT'
  mrtType: number
  subtype: number
  ts: number
  length: number
  offset: number
  skipped: true
  /** Why: unknown type, unknown subtype, or a RIB_GENERIC family tsbgp does not model. */
  reason: string
}

export interface MrtError {
  type: 'MRT'
  mrtType?: number
  subtype?: number
  ts?: number
  error: { reason: string; offset: number }
}

export type MrtRecordOf<A, M> =
  | PeerIndexTable
  | RibRecord<A>
  | TableDumpRecord<A>
  | Bgp4mpStateChange
  | Bgp4mpMessage<M>
  | Bgp4mpEntry<A>
  | MrtSkipped
  | MrtError

/** What a reader remembers between records: the last PEER_INDEX_TABLE (§4.3.1). */
export class MrtReadState {
  peers: MrtPeer[] | null = null
  /** Override the 4-octet-AS reading of BGP4MP MESSAGE bodies (undefined: follow the subtype). */
  readonly as4: boolean | undefined
  constructor(as4?: boolean) {
    this.as4 = as4
  }
}

function skipped(raw: RawMrtRecord, reason: string): MrtSkipped {
  return {
    type: 'MRT',
    mrtType: raw.type,
    subtype: raw.subtype,
    ts: raw.ts,
    length: raw.length,
    offset: raw.offset,
    skipped: true,
    reason,
  }
}

export function decodeRecord<A, M>(
  raw: RawMrtRecord,
  state: MrtReadState,
  decodeAttrs: AttrDecoder<A>,
  decodeMessage: MessageDecoder<M>,
): MrtRecordOf<A, M> {
  const { buf, start, end } = raw
  try {
    switch (raw.type) {
      case MrtType.TABLE_DUMP_V2:
        if (raw.subtype === 1) {
          const t = decodePeerIndexTable(buf, start, end, raw.ts)
          state.peers = t.peers
          return t
        }
        if (isRibSubtype(raw.subtype)) {
          const r = decodeRib(buf, start, end, raw.subtype, raw.ts, state.peers, decodeAttrs)
          if (r === null) return skipped(raw, 'RIB_GENERIC family not modeled')
          if (r.error !== undefined) r.error.offset = streamOffset(raw, r.error.offset)
          return r
        }
        return skipped(raw, 'unknown TABLE_DUMP_V2 subtype')
      case MrtType.TABLE_DUMP:
        if (raw.subtype === 1 || raw.subtype === 2) return decodeTableDump(buf, start, end, raw.subtype, raw.ts, decodeAttrs)
        return skipped(raw, 'unknown TABLE_DUMP subtype')
      case MrtType.BGP4MP:
      case MrtType.BGP4MP_ET:
        if (isStateChangeSubtype(raw.subtype) || isMessageSubtype(raw.subtype) || raw.subtype === 2) {
          return decodeBgp4mp(buf, start, end, raw.type, raw.subtype, raw.ts, raw.microseconds, decodeMessage, decodeAttrs, state.as4)
        }
        return skipped(raw, 'unknown BGP4MP subtype')
      default:
        return skipped(raw, 'MRT type not decoded')
    }
  } catch (e) {
    const at = e instanceof MrtFormatError ? streamOffset(raw, e.at) : raw.offset
    const reason = e instanceof Error ? e.message : String(e)
    return { type: 'MRT', mrtType: raw.type, subtype: raw.subtype, ts: raw.ts, error: { reason, offset: at } }
  }
}
