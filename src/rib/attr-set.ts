/**
 * Interned path attribute sets (RFC 4271 §5 path attributes; RFC 4271 §9.1.2.2 derived values).
 *
 * Most routes of a full table share their attributes with thousands of other prefixes, so the RIB keeps
 * ONE frozen object per distinct set and every prefix points at it. The table is reference counted:
 * `intern()` and `retain()` take a reference, `release()` drops one, and a set nobody holds leaves the
 * table (STYLE.md anti-pattern: intern tables that only grow).
 *
 *   UPDATE ──► intern(attrs, rawKey) ──► AttrSet (refs=1, held by the caller)
 *                  │                      ▲  retain() per prefix stored in an Adj-RIB-In / Loc-RIB
 *                  └─ key: raw attribute  │  release() per prefix withdrawn or replaced
 *                     bytes (latin1) or a └─ refs=0 ─► removed from the table, id reused
 *                     canonical field key
 *
 * Each set also gets a small integer `id` (reused after release) so the Loc-RIB can name
 * "this set from that source" as one small integer instead of an object per prefix.
 *
 * Derived values are computed once per set, never per prefix:
 * - asPathLength: RFC 4271 §9.1.2.2 a) "an AS_SET counts as 1, no matter how many ASes are in the set";
 *   RFC 5065 §5.3: AS_CONFED_SEQUENCE / AS_CONFED_SET "MUST NOT be counted".
 * - neighborAs: RFC 4271 §9.1.2.2 c) compares MED only between routes "learned from the same neighboring AS";
 *   we take the first ASN of the first AS_SEQUENCE (0 when none: locally originated or confederation-internal).
 * The AS_PATH is used as given: merging AS4_PATH (RFC 6793 §4.2.3) is the receiver's job before interning.
 */
import type { AsPathSegment, MpReach, PathAttributes } from '../wire/types.js'
import { AsPathSegmentType, Origin, WellKnownCommunity } from '../wire/iana.js'
import { ipv4ToNumber } from '../wire/address.js'

/** Bits of AttrSet.communityFlags: the RFC 1997 well-known communities the export rules test. */
export const CommunityFlag = {
  NO_EXPORT: 1,
  NO_ADVERTISE: 2,
  NO_EXPORT_SUBCONFED: 4,
} as const

/** The Loc-RIB packs (set id, source index) into one small integer; ids stay below this bound. */
export const MAX_ATTR_SET_ID = (1 << 21) - 1

export class AttrSet {
  /** The attributes, frozen. mpReach keeps its next hop, its NLRI is emptied; mpUnreach and `wire` are dropped. */
  readonly attrs: Readonly<PathAttributes>
  readonly key: string
  /** Small integer, unique among live sets of its table; reused after release. */
  id = -1
  /** References held (Adj-RIB-In entries, Loc-RIB entries, callers between intern and release). */
  refs = 0
  /** ORIGIN, INCOMPLETE when absent (a missing well-known attribute is the decoder's concern). */
  readonly origin: number
  readonly asPathLength: number
  readonly neighborAs: number
  /** MULTI_EXIT_DISC as received; 0 when absent (see hasMed). */
  readonly med: number
  readonly hasMed: boolean
  readonly localPref: number | undefined
  /** NEXT_HOP, else the first MP_REACH next hop, else ''. */
  readonly nextHop: string
  /** RFC 4456 ORIGINATOR_ID as an unsigned 32-bit number, -1 when absent. */
  readonly originatorId: number
  readonly clusterListLength: number
  /** CommunityFlag bits. */
  readonly communityFlags: number

  constructor(attrs: Readonly<PathAttributes>, key: string) {
    this.attrs = attrs
    this.key = key
    this.origin = attrs.origin ?? Origin.INCOMPLETE
    this.asPathLength = asPathLength(attrs.asPath)
    this.neighborAs = neighborAs(attrs.asPath)
    this.hasMed = attrs.med !== undefined
    this.med = attrs.med ?? 0
    this.localPref = attrs.localPref
    this.nextHop = attrs.nextHop ?? attrs.mpReach?.nextHop[0] ?? ''
    const oid = attrs.originatorId === undefined ? NaN : ipv4ToNumber(attrs.originatorId)
    this.originatorId = Number.isNaN(oid) ? -1 : oid
    this.clusterListLength = attrs.clusterList?.length ?? 0
    let f = 0
    for (const c of attrs.communities ?? []) {
      if (c === WellKnownCommunity.NO_EXPORT) f |= CommunityFlag.NO_EXPORT
      else if (c === WellKnownCommunity.NO_ADVERTISE) f |= CommunityFlag.NO_ADVERTISE
      else if (c === WellKnownCommunity.NO_EXPORT_SUBCONFED) f |= CommunityFlag.NO_EXPORT_SUBCONFED
    }
    this.communityFlags = f
  }
}

/** RFC 4271 §9.1.2.2 a) with RFC 5065 §5.3 for confederation segments. */
export function asPathLength(path: readonly AsPathSegment[] | undefined): number {
  if (path === undefined) return 0
  let n = 0
  for (const seg of path) {
    if (seg.type === AsPathSegmentType.AS_SEQUENCE) n += seg.asns.length
    else if (seg.type === AsPathSegmentType.AS_SET) n += 1
  }
  return n
}

/** First ASN of the first AS_SEQUENCE; 0 when the path has none. */
export function neighborAs(path: readonly AsPathSegment[] | undefined): number {
  if (path === undefined) return 0
  for (const seg of path) {
    if (seg.type === AsPathSegmentType.AS_SEQUENCE && seg.asns.length > 0) return seg.asns[0]!
    // RFC 4271 §5.1.2: an AS_SET first means the route was aggregated here; no single neighbour AS.
    if (seg.type === AsPathSegmentType.AS_SET) return 0
  }
  return 0
}

export class AttrSetTable {
  private readonly byKey = new Map<string, AttrSet>()
  private readonly byId: Array<AttrSet | undefined> = []
  private readonly freeIds: number[] = []

  /** Number of live sets. */
  get size(): number {
    return this.byKey.size
  }

  /**
   * The one set equal to `attrs`, with one reference taken for the caller (release it when done).
   * `rawKey`: the UPDATE's path attribute octets as a latin1 string (without MP_REACH/MP_UNREACH NLRI),
   * which avoids building a key from the fields. Raw and field keys live in separate namespaces, so the
   * same attributes reached both ways give two sets: correct, only less shared.
   */
  intern(attrs: PathAttributes, rawKey?: string): AttrSet {
    const key = rawKey === undefined ? 'c' + canonicalAttrKey(attrs) : 'r' + rawKey
    let set = this.byKey.get(key)
    if (set === undefined) {
      set = new AttrSet(freezeAttrs(attrs), key)
      const id = this.freeIds.length > 0 ? this.freeIds.pop()! : this.byId.length
      set.id = id
      this.byId[id] = set
      this.byKey.set(key, set)
    }
    set.refs++
    return set
  }

  /** Take `n` more references on a live set. */
  retain(set: AttrSet, n = 1): void {
    set.refs += n
  }

  /** Drop `n` references; at zero the set leaves the table and its id becomes free. */
  release(set: AttrSet, n = 1): void {
    set.refs -= n
    if (set.refs > 0) return
    if (set.refs < 0) throw new Error(`AttrSet released more often than retained (${set.refs})`)
    if (this.byKey.get(set.key) !== set) return
    this.byKey.delete(set.key)
    this.byId[set.id] = undefined
    this.freeIds.push(set.id)
  }

  /** The live set with this id. */
  get(id: number): AttrSet | undefined {
    return this.byId[id]
  }

  has(set: AttrSet): boolean {
    return this.byKey.get(set.key) === set
  }
}

const EMPTY_NLRI_V4 = Object.freeze({ afi: 1 as const, keys: Object.freeze([]) as unknown as number[], pathIds: null })
const EMPTY_NLRI_V6 = Object.freeze({ afi: 2 as const, keys: Object.freeze([]) as unknown as string[], pathIds: null })

/** A deep copy, frozen, without the per-UPDATE parts (NLRI, withdrawals, wire order). */
function freezeAttrs(a: PathAttributes): Readonly<PathAttributes> {
  const o: PathAttributes = {}
  if (a.origin !== undefined) o.origin = a.origin
  if (a.asPath !== undefined) o.asPath = freezeSegments(a.asPath)
  if (a.nextHop !== undefined) o.nextHop = a.nextHop
  if (a.med !== undefined) o.med = a.med
  if (a.localPref !== undefined) o.localPref = a.localPref
  if (a.atomicAggregate !== undefined) o.atomicAggregate = a.atomicAggregate
  if (a.aggregator !== undefined) o.aggregator = Object.freeze({ ...a.aggregator })
  if (a.communities !== undefined) o.communities = Object.freeze([...a.communities]) as number[]
  if (a.originatorId !== undefined) o.originatorId = a.originatorId
  if (a.clusterList !== undefined) o.clusterList = Object.freeze([...a.clusterList]) as string[]
  if (a.mpReach !== undefined) o.mpReach = freezeMpReach(a.mpReach)
  if (a.extendedCommunities !== undefined) o.extendedCommunities = Object.freeze([...a.extendedCommunities]) as string[]
  if (a.as4Path !== undefined) o.as4Path = freezeSegments(a.as4Path)
  if (a.as4Aggregator !== undefined) o.as4Aggregator = Object.freeze({ ...a.as4Aggregator })
  if (a.largeCommunities !== undefined) o.largeCommunities = Object.freeze([...a.largeCommunities]) as number[]
  if (a.otc !== undefined) o.otc = a.otc
  if (a.unknown !== undefined) {
    o.unknown = Object.freeze(a.unknown.map((u) => Object.freeze({ code: u.code, flags: u.flags, data: Buffer.from(u.data) }))) as PathAttributes['unknown']
  }
  return Object.freeze(o)
}

function freezeSegments(p: readonly AsPathSegment[]): AsPathSegment[] {
  return Object.freeze(p.map((s) => Object.freeze({ type: s.type, asns: Object.freeze([...s.asns]) as number[] }))) as AsPathSegment[]
}

function freezeMpReach(m: MpReach): MpReach {
  const r: MpReach = {
    afi: m.afi,
    safi: m.safi,
    nextHop: Object.freeze([...m.nextHop]) as string[],
    nlri: 'raw' in m.nlri ? Object.freeze({ afi: m.afi, safi: m.safi, raw: Buffer.alloc(0) }) : m.afi === 2 ? EMPTY_NLRI_V6 : EMPTY_NLRI_V4,
  }
  if (m.nextHopRaw !== undefined) r.nextHopRaw = Buffer.from(m.nextHopRaw)
  if (m.reserved !== undefined) r.reserved = m.reserved
  return Object.freeze(r)
}

function segKey(p: readonly AsPathSegment[] | undefined): string {
  if (p === undefined) return '-'
  let s = ''
  for (const seg of p) s += seg.type + ':' + seg.asns.join(',') + ';'
  return s
}

function opt(v: { toString(): string } | undefined): string {
  return v === undefined ? '-' : v.toString()
}

/**
 * A string equal for equal attribute sets, built once per UPDATE (not per prefix). Field order is fixed;
 * absent and empty fields differ ('-' vs ''), because an empty COMMUNITIES attribute is still an attribute.
 * The `wire` order is not part of the identity: sets equal in content are one set.
 */
export function canonicalAttrKey(a: PathAttributes): string {
  const m = a.mpReach
  const mp = m === undefined ? '-' : `${m.afi}/${m.safi}/${m.nextHop.join(',')}/${m.nextHopRaw?.toString('hex') ?? '-'}/${opt(m.reserved)}`
  const ag = a.aggregator === undefined ? '-' : `${a.aggregator.asn}@${a.aggregator.address}`
  const ag4 = a.as4Aggregator === undefined ? '-' : `${a.as4Aggregator.asn}@${a.as4Aggregator.address}`
  let unk = '-'
  if (a.unknown !== undefined) {
    unk = ''
    for (const u of a.unknown) unk += `${u.code}.${u.flags}.${u.data.toString('hex')};`
  }
  return [
    opt(a.origin),
    segKey(a.asPath),
    opt(a.nextHop),
    opt(a.med),
    opt(a.localPref),
    opt(a.atomicAggregate),
    ag,
    opt(a.communities?.join(',')),
    opt(a.originatorId),
    opt(a.clusterList?.join(',')),
    mp,
    opt(a.extendedCommunities?.join(',')),
    segKey(a.as4Path),
    ag4,
    opt(a.largeCommunities?.join(',')),
    opt(a.otc),
    unk,
  ].join('|')
}
