/**
 * JSON text of a RIB entry's Path Attributes (RFC 4271 §4.3; RFC 6396 §4.3.4), straight from the
 * octets into an output buffer, for `decode --mrt` on full tables (~10^6 entries).
 *
 *   +-----------------+-----------------+------------------------+-----------------+
 *   | Attr. Flags (1) | Attr. Type (1)  | Length (1, or 2 if E)  | Value (Length)  |  ... repeated
 *   +-----------------+-----------------+------------------------+-----------------+
 *
 * Why not decodePathAttributes + JSON.stringify per entry: that was ~2/3 of the run time. Entries
 * rarely share a whole attribute block (a RouteViews dump repeats the prefix inside MP_REACH_NLRI)
 * but they constantly share its parts, so the parts that repeat (AS_PATH, COMMUNITIES,
 * LARGE_COMMUNITY, the MP_REACH_NLRI next hop) are turned into text once per distinct value and
 * kept in small bounded caches, as ready-to-copy octets (`,"asPath":[...]`).
 *
 * The reference is `JSON.stringify(ribAttributesJson(decodePathAttributes(...)))` (json.ts). This
 * walker handles only blocks it can prove clean: the attribute types below, defined O/T flags,
 * each type once, values that the codec would accept without any RFC 7606 outcome. Anything else,
 * and every block with an error, goes to the reference. The MRT tests compare both on every entry
 * of the shared dumps and on mutated blocks, so the two cannot drift silently.
 */
import { ipv4ToString, ipv6ToString } from '../wire/address.js'
import type { AttrError } from '../wire/errors.js'
import { ribAttributesJson } from './json.js'
import { lit, OutBuffer } from './out-buffer.js'
import { decodeRibAttributes } from './reader.js'

const ORIGIN_TEXT = [lit('"origin":"IGP"'), lit('"origin":"EGP"'), lit('"origin":"INCOMPLETE"')]
const MED = lit(',"med":')
const LOCAL_PREF = lit(',"localPref":')
const ATOMIC = lit(',"atomicAggregate":true')
const NONE: Buffer = Buffer.alloc(0)
const SEGMENT_NAME = ['', 'AS_SET', 'AS_SEQUENCE', 'AS_CONFED_SEQUENCE', 'AS_CONFED_SET']

/** Expected O/T bits per type code this walker handles (RFC 4271 §5; RFC 6793; RFC 8092). */
const OT_FLAGS: Array<number | undefined> = []
OT_FLAGS[1] = 0x40 // ORIGIN well-known
OT_FLAGS[2] = 0x40 // AS_PATH
OT_FLAGS[3] = 0x40 // NEXT_HOP
OT_FLAGS[4] = 0x80 // MULTI_EXIT_DISC optional non-transitive
OT_FLAGS[5] = 0x40 // LOCAL_PREF
OT_FLAGS[6] = 0x40 // ATOMIC_AGGREGATE
OT_FLAGS[7] = 0xc0 // AGGREGATOR optional transitive
OT_FLAGS[8] = 0xc0 // COMMUNITIES
OT_FLAGS[14] = 0x80 // MP_REACH_NLRI
OT_FLAGS[17] = 0xc0 // AS4_PATH
OT_FLAGS[18] = 0xc0 // AS4_AGGREGATOR
OT_FLAGS[32] = 0xc0 // LARGE_COMMUNITY

function u32(b: Buffer, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0
}

function errorsText(errors: readonly AttrError[]): string {
  return JSON.stringify(errors.map((e) => ({ action: e.action, attrType: e.attrType, subcode: e.subcode, reason: e.reason, offset: e.offset })))
}

/** The reference: codec decode, json.ts form, JSON.stringify; `,"errors":[...]` appended when any. */
export function ribAttributesReference(buf: Buffer, start: number, end: number, as4: boolean, afi: number, safi: number): string {
  const d = decodeRibAttributes(buf, start, end, as4)
  const text = JSON.stringify(ribAttributesJson(d.attributes, afi, safi))
  return d.errors === undefined ? text : text + ',"errors":' + errorsText(d.errors)
}

/** AS_PATH / AS4_PATH value -> '[{"type":..,"asns":[..]}]', or null when the codec would reject it (RFC 7606 §7.2). */
function asPathText(b: Buffer, off: number, end: number, size: number): string | null {
  let s = '['
  while (off < end) {
    if (end - off < 2) return null
    const type = b[off]!
    const n = b[off + 1]!
    if (type < 1 || type > 4 || n === 0) return null
    off += 2
    if (off + n * size > end) return null
    s += (s.length > 1 ? ',{"type":"' : '{"type":"') + SEGMENT_NAME[type] + '","asns":['
    for (let i = 0; i < n; i++, off += size) {
      const asn = size === 4 ? u32(b, off) : (b[off]! << 8) | b[off + 1]!
      s += i === 0 ? '' + asn : ',' + asn
    }
    s += ']}'
  }
  return s + ']'
}

function communitiesText(b: Buffer, off: number, end: number): string {
  let s = '['
  for (let o = off; o < end; o += 4) s += (o > off ? ',"' : '"') + ((b[o]! << 8) | b[o + 1]!) + ':' + ((b[o + 2]! << 8) | b[o + 3]!) + '"'
  return s + ']'
}

function largeCommunitiesText(b: Buffer, off: number, end: number): string {
  let s = '['
  for (let o = off; o < end; o += 12) s += (o > off ? ',"' : '"') + u32(b, o) + ':' + u32(b, o + 4) + ':' + u32(b, o + 8) + '"'
  return s + ']'
}

/** Next hop list text for a 4/16/32-octet next hop (mp-reach.ts decodeNextHop); null otherwise. */
function nextHopText(b: Buffer, off: number, len: number): string | null {
  if (len === 4) return '["' + ipv4ToString(b, off) + '"]'
  if (len === 16) return '["' + ipv6ToString(b, off) + '"]'
  if (len === 32) return '["' + ipv6ToString(b, off) + '","' + ipv6ToString(b, off + 16) + '"]'
  return null
}

/** True when buf[off, end) is a clean NLRI list of `afi` without path ids (prefix.ts rules). */
function nlriClean(b: Buffer, off: number, end: number, afi: number): boolean {
  const max = afi === 1 ? 32 : 128
  while (off < end) {
    const len = b[off]!
    if (len > max) return false
    off += 1 + ((len + 7) >> 3)
  }
  return off === end
}

/**
 * A direct-mapped cache from value octets to their JSON octets: slot = FNV-1a(octets) mod size; a
 * slot holds the octets and the JSON, and a hit is confirmed octet by octet. A hit allocates
 * nothing; a miss overwrites the slot. Fixed size, so memory does not grow with the dump.
 */
const SLOTS = 4096
class PieceCache {
  private readonly keys: Buffer[] = new Array<Buffer>(SLOTS).fill(NONE)
  private readonly salts = new Int32Array(SLOTS).fill(-1)
  private readonly pieces: Buffer[] = new Array<Buffer>(SLOTS).fill(NONE)
  private slot = 0

  /** The cached piece for buf[off, end) under `salt`, or null (then `set` fills the same slot). */
  get(b: Buffer, off: number, end: number, salt: number): Buffer | null {
    let h = 0x811c9dc5 ^ salt
    for (let i = off; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193)
    const slot = (h >>> 0) & (SLOTS - 1)
    this.slot = slot
    const k = this.keys[slot]!
    if (this.salts[slot] !== salt || k.length !== end - off) return null
    for (let i = off, j = 0; i < end; i++, j++) if (k[j] !== b[i]) return null
    return this.pieces[slot]!
  }

  set(b: Buffer, off: number, end: number, salt: number, text: string): Buffer {
    const piece = Buffer.from(text, 'utf8')
    this.keys[this.slot] = Buffer.from(b.subarray(off, end))
    this.salts[this.slot] = salt
    this.pieces[this.slot] = piece
    return piece
  }
}

function aggregatorText(key: string, b: Buffer, v: number, asnSize: number): string {
  const asn = asnSize === 4 ? u32(b, v) : (b[v]! << 8) | b[v + 1]!
  return ',"' + key + '":{"asn":' + asn + ',"address":"' + ipv4ToString(b, v + asnSize) + '"}'
}

export class RibAttributesText {
  /** 4-octet AS_PATH/AGGREGATOR (TABLE_DUMP_V2, §4.3.4) or 2-octet (TABLE_DUMP, §4.2). */
  private readonly as4: boolean
  /** One cache for every kind of value; the salt (type code, or next hop + family) keeps them apart. */
  private readonly cache = new PieceCache()
  /** Blocks handled here / sent to the reference (for tests and benchmarks). */
  fast = 0
  slow = 0

  constructor(as4: boolean) {
    this.as4 = as4
  }

  /** Append the attributes JSON (plus `,"errors":[...]`) of buf[start, end), a route of afi/safi. */
  write(buf: Buffer, start: number, end: number, afi: number, safi: number, out: OutBuffer): void {
    if (this.walk(buf, start, end, afi, safi, out)) {
      this.fast++
      return
    }
    this.slow++
    out.text(ribAttributesReference(buf, start, end, this.as4, afi, safi))
  }

  /** The same as a string (tests). */
  text(buf: Buffer, start: number, end: number, afi: number, safi: number): string {
    const out = new OutBuffer(1024)
    this.write(buf, start, end, afi, safi, out)
    return out.toString()
  }

  /** The fast path: true when the block was written, false (nothing written) for the reference. */
  private walk(b: Buffer, off: number, end: number, afi: number, safi: number, out: OutBuffer): boolean {
    let seen = 0 // bit per type code (all handled codes are < 32, LARGE_COMMUNITY uses bit 0)
    let origin = -1
    let asPath: Buffer = NONE
    let nextHop: Buffer = NONE
    let med = -1
    let localPref = -1
    let atomic = false
    let aggregator: Buffer = NONE
    let comms: Buffer = NONE
    let large: Buffer = NONE
    let mpReach: Buffer = NONE
    let as4Path: Buffer = NONE
    let as4Aggregator: Buffer = NONE
    const asnSize = this.as4 ? 4 : 2
    const cache = this.cache
    while (off < end) {
      if (end - off < 3) return false
      const flags = b[off]!
      const code = b[off + 1]!
      const ext = (flags & 0x10) !== 0
      if (ext && end - off < 4) return false
      const len = ext ? (b[off + 2]! << 8) | b[off + 3]! : b[off + 2]!
      const v = off + (ext ? 4 : 3)
      const ve = v + len
      if (ve > end) return false
      const expect = OT_FLAGS[code]
      if (expect === undefined || (flags & 0xc0) !== expect) return false
      const bit = code === 32 ? 1 : 1 << code
      if ((seen & bit) !== 0) return false
      seen |= bit
      switch (code) {
        case 1:
          if (len !== 1 || b[v]! > 2) return false
          origin = b[v]!
          break
        case 2: {
          let t = cache.get(b, v, ve, 2)
          if (t === null) {
            const made = asPathText(b, v, ve, asnSize)
            if (made === null) return false
            t = cache.set(b, v, ve, 2, ',"asPath":' + made)
          }
          asPath = t
          break
        }
        case 3:
          if (len !== 4) return false
          nextHop = cache.get(b, v, ve, 3) ?? cache.set(b, v, ve, 3, ',"nextHop":"' + ipv4ToString(b, v) + '"')
          break
        case 4:
          if (len !== 4) return false
          med = u32(b, v)
          break
        case 5:
          if (len !== 4) return false
          localPref = u32(b, v)
          break
        case 6:
          if (len !== 0) return false
          atomic = true
          break
        case 7:
          if (len !== asnSize + 4) return false
          aggregator = cache.get(b, v, ve, 7) ?? cache.set(b, v, ve, 7, aggregatorText('aggregator', b, v, asnSize))
          break
        case 8:
          if (len === 0 || len % 4 !== 0) return false
          comms = cache.get(b, v, ve, 8) ?? cache.set(b, v, ve, 8, ',"communities":' + communitiesText(b, v, ve))
          break
        case 14: {
          let nhOff: number
          let nhLen: number
          if (len >= 1 && b[v] === len - 1) {
            // RFC 6396 §4.3.4 abbreviated form: Next Hop Length, Next Hop
            nhOff = v + 1
            nhLen = len - 1
          } else {
            // RFC 4760 §3 full form, written by some collectors: AFI, SAFI, NH len, NH, Reserved, NLRI
            if (len < 5) return false
            const mpAfi = (b[v]! << 8) | b[v + 1]!
            const mpSafi = b[v + 2]!
            if ((mpAfi !== 1 && mpAfi !== 2) || (mpSafi !== 1 && mpSafi !== 2)) return false
            nhOff = v + 4
            nhLen = b[v + 3]!
            if (nhOff + nhLen + 1 > ve || !nlriClean(b, nhOff + nhLen + 1, ve, mpAfi)) return false
          }
          // the text shows the RIB record's afi/safi, so they are part of the key (the salt)
          const salt = 0x1000 + afi * 256 + safi
          let t = cache.get(b, nhOff, nhOff + nhLen, salt)
          if (t === null) {
            const made = nextHopText(b, nhOff, nhLen)
            if (made === null) return false
            t = cache.set(b, nhOff, nhOff + nhLen, salt, ',"mpReach":{"afi":' + afi + ',"safi":' + safi + ',"nextHop":' + made + '}')
          }
          mpReach = t
          break
        }
        case 17: {
          let t = cache.get(b, v, ve, 17)
          if (t === null) {
            const made = asPathText(b, v, ve, 4)
            if (made === null) return false
            t = cache.set(b, v, ve, 17, ',"as4Path":' + made)
          }
          as4Path = t
          break
        }
        case 18:
          if (len !== 8) return false
          as4Aggregator = cache.get(b, v, ve, 18) ?? cache.set(b, v, ve, 18, aggregatorText('as4Aggregator', b, v, 4))
          break
        case 32:
          if (len === 0 || len % 12 !== 0) return false
          large = cache.get(b, v, ve, 32) ?? cache.set(b, v, ve, 32, ',"largeCommunities":' + largeCommunitiesText(b, v, ve))
          break
        default:
          return false
      }
      off = ve
    }
    // key order of update-json.ts; every piece but ORIGIN starts with a comma
    const start = out.pos
    out.byte(0x7b) // {
    if (origin >= 0) out.bytes(ORIGIN_TEXT[origin]!)
    if (asPath !== NONE) out.bytes(asPath)
    if (nextHop !== NONE) out.bytes(nextHop)
    if (med >= 0) {
      out.bytes(MED)
      out.uint(med)
    }
    if (localPref >= 0) {
      out.bytes(LOCAL_PREF)
      out.uint(localPref)
    }
    if (atomic) out.bytes(ATOMIC)
    if (aggregator !== NONE) out.bytes(aggregator)
    if (comms !== NONE) out.bytes(comms)
    if (large !== NONE) out.bytes(large)
    if (mpReach !== NONE) out.bytes(mpReach)
    if (as4Path !== NONE) out.bytes(as4Path)
    if (as4Aggregator !== NONE) out.bytes(as4Aggregator)
    // without ORIGIN the first piece's comma goes (rare: ORIGIN is well-known mandatory)
    if (origin < 0 && out.pos > start + 1) {
      out.buf.copyWithin(start + 1, start + 2, out.pos)
      out.pos--
    }
    out.byte(0x7d) // }
    return true
  }
}
